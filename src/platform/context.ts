/**
 * What every service call carries: the database, the code registry and who is acting. Services
 * take it as their first argument, so the scope and the audit trail are never optional.
 */
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import type { Actor } from "./access/actor";
import type { CodeRegistry } from "./codes/codes.service";

export interface ServiceContext {
  db: Kysely<DB>;
  codes: CodeRegistry;
  actor: Actor;
  /** Client address for the audit trail, when the call came over HTTP. */
  ip?: string | undefined;
}
