/**
 * Brings a database to the state the code expects: schema migrations, then the reference data
 * that lives in files (code sets, divisions, the administrative tree). Safe to run again.
 */

import { syncRoles } from "../platform/access/roles";
import { syncCodeSetFiles } from "../platform/codes/codes.service";
import { buildAdministrativeTree, readDivisions, upsertDivisions } from "../platform/orgs/divisions";
import { syncCalendar } from "../platform/workflow/workflow.calendar";
import { syncWorkflowChains } from "../platform/workflow/workflow.chains";
import { type Database, inTransaction } from "./database";
import { migrateToLatest } from "./migrate";

export interface PrepareReport {
  appliedMigrations: string[];
  codeSets: number;
  divisions: number;
}

export async function prepareDatabase(database: Database, codesDir: string): Promise<PrepareReport> {
  const { applied } = await migrateToLatest(database.db);
  const divisions = await readDivisions();
  const codeSets = await inTransaction(database.db, async (trx) => {
    const count = await syncCodeSetFiles(trx, codesDir);
    await upsertDivisions(trx, divisions);
    await buildAdministrativeTree(trx);
    await syncRoles(trx);
    await syncCalendar(trx);
    await syncWorkflowChains(trx);
    return count;
  });
  return { appliedMigrations: applied, codeSets, divisions: divisions.length };
}
