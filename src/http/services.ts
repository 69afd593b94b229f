/** What the HTTP layer is built from: one database, the code registry, the configuration. */
import type { Kysely } from "kysely";
import type { Config } from "../config";
import type { Database } from "../db/database";
import type { DB } from "../db/schema";
import type { CodeRegistry } from "../platform/codes/codes.service";

export interface AppServices {
  config: Config;
  database: Database;
  db: Kysely<DB>;
  codes: CodeRegistry;
}
