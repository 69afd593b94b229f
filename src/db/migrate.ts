/**
 * Numbered, hand-written migrations applied in order by Kysely's Migrator. The list is static
 * (not read from the file system) so that the same code runs from source, from a bundle and
 * in tests.
 */
import { type Kysely, type Migration, Migrator } from "kysely";
import * as m0001 from "./migrations/0001_foundation";
import * as m0002 from "./migrations/0002_access_audit";
import type { DB } from "./schema";

export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_access_audit": m0002,
};

export interface MigrationReport {
  applied: string[];
}

export async function migrateToLatest(db: Kysely<DB>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? "(unknown)"} failed: ${cause}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName) };
}
