/**
 * Numbered, hand-written migrations applied in order by Kysely's Migrator. The list is static
 * (not read from the file system) so that the same code runs from source, from a bundle and
 * in tests.
 */
import { type Kysely, type Migration, Migrator } from "kysely";
import * as m0001 from "./migrations/0001_foundation";
import * as m0002 from "./migrations/0002_access_audit";
import * as m0003 from "./migrations/0003_workflow_signing";
import * as m0004 from "./migrations/0004_students";
import * as m0005 from "./migrations/0005_student_imports";
import * as m0006 from "./migrations/0006_org_search";
import * as m0007 from "./migrations/0007_student_name_search";
import * as m0008 from "./migrations/0008_student_write_paths";
import * as m0009 from "./migrations/0009_problem_resolution";
import * as m0010 from "./migrations/0010_student_tally";
import * as m0011 from "./migrations/0011_login_throttle";
import * as m0012 from "./migrations/0012_scope_modules";
import * as m0013 from "./migrations/0013_audit_anchors";
import type { DB } from "./schema";

export const migrations: Record<string, Migration> = {
  "0001_foundation": m0001,
  "0002_access_audit": m0002,
  "0003_workflow_signing": m0003,
  "0004_students": m0004,
  "0005_student_imports": m0005,
  "0006_org_search": m0006,
  "0007_student_name_search": m0007,
  "0008_student_write_paths": m0008,
  "0009_problem_resolution": m0009,
  "0010_student_tally": m0010,
  "0011_login_throttle": m0011,
  "0012_scope_modules": m0012,
  "0013_audit_anchors": m0013,
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
