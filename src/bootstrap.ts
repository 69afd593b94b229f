/**
 * Opening a node: the database from configuration, the code registry, and the system actor
 * that CLI jobs act as. Shared by `serve`, every CLI command and the tests.
 */
import type { Config } from "./config";
import { type Database, openDatabase } from "./db/database";
import type { AppServices } from "./http/services";
import { systemActor } from "./platform/access/actor";
import { CodeRegistry } from "./platform/codes/codes.service";
import type { ServiceContext } from "./platform/context";
import { NATION_CODE } from "./platform/orgs/divisions";

export async function openNodeDatabase(config: Config): Promise<Database> {
  return openDatabase(
    config.databaseUrl ? { databaseUrl: config.databaseUrl } : { pgliteDir: config.pgliteDir },
  );
}

export async function createServices(config: Config, database: Database): Promise<AppServices> {
  return { config, database, db: database.db, codes: await CodeRegistry.load(database.db) };
}

/** The context CLI jobs run in: the whole nation, acting as "system". */
export async function systemContext(services: AppServices): Promise<ServiceContext> {
  const nation = await services.db
    .selectFrom("org_unit")
    .select(["id", "path", "name"])
    .where("code", "=", NATION_CODE)
    .executeTakeFirstOrThrow();
  return { db: services.db, codes: services.codes, actor: systemActor(nation) };
}
