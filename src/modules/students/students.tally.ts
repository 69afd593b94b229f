/**
 * The count of students per school and status (student_tally, migration 0010), for the figures
 * of a unit's home page. No index holds `status` (migration 0008: the yearly promotion rewrites
 * every row), so a live count of a province reads its whole heap (2.1 s at 5 million students);
 * the tally adds up one row per school and status instead.
 *
 * Every path that creates or deletes a student, or changes its school or status, adjusts the
 * tally in its own transaction: registration, the changes of status and transfers
 * (applyChange), deletion of a duplicate, graduation in the promotion, the import commit. Loads
 * that write the table wholesale (the synthetic seed) recount it (`retally`), as can an operator
 * (`edumis students retally`). Adjustments are increments, so concurrent transactions queue on
 * the one row they change rather than overwrite each other's counts.
 */
import { CompiledQuery, sql } from "kysely";
import type { Executor } from "../../db/database";
import { type Scope, schoolInScope } from "../../platform/access/scope";

export interface TallyChange {
  schoolUnitId: number;
  status: string;
  delta: number;
}

/** Adds the changes (rows of the same school and status are summed first: one upsert each). */
export async function adjustTally(db: Executor, changes: TallyChange[]): Promise<void> {
  const summed = new Map<string, TallyChange>();
  for (const change of changes) {
    const key = `${change.schoolUnitId}/${change.status}`;
    const found = summed.get(key);
    if (found) found.delta += change.delta;
    else summed.set(key, { ...change });
  }
  const rows = [...summed.values()].filter((c) => c.delta !== 0);
  if (rows.length === 0) return;
  // Sorted, so that two transactions adjusting the same rows lock them in the same order.
  rows.sort((a, b) => a.schoolUnitId - b.schoolUnitId || (a.status < b.status ? -1 : 1));
  await db
    .insertInto("student_tally")
    .values(rows.map((c) => ({ school_unit_id: c.schoolUnitId, status: c.status, n: c.delta })))
    .onConflict((oc) =>
      oc.columns(["school_unit_id", "status"]).doUpdateSet({ n: sql`student_tally.n + excluded.n` }),
    )
    .execute();
}

/** A student moved from one (school, status) to another; nothing when neither changed. */
export function moveInTally(
  db: Executor,
  from: { schoolUnitId: number; status: string },
  to: { schoolUnitId: number; status: string },
): Promise<void> {
  if (from.schoolUnitId === to.schoolUnitId && from.status === to.status) return Promise.resolve();
  return adjustTally(db, [
    { ...from, delta: -1 },
    { ...to, delta: 1 },
  ]);
}

/**
 * The recount of some schools ($1, an array of ids) as SQL text, for the loaders that hold a pg
 * client rather than Kysely (students.bulk.ts's SqlRunner).
 */
export const RETALLY_SCHOOLS = [
  "DELETE FROM student_tally WHERE school_unit_id = ANY($1::bigint[])",
  `INSERT INTO student_tally (school_unit_id, status, n)
   SELECT school_unit_id, status, count(*) FROM student WHERE school_unit_id = ANY($1::bigint[]) GROUP BY 1, 2`,
] as const;

/** Recounts the tally from the records: of the given schools, or of every school. */
export async function retally(db: Executor, schoolIds?: number[]): Promise<void> {
  if (schoolIds) {
    if (schoolIds.length === 0) return;
    for (const text of RETALLY_SCHOOLS) await db.executeQuery(CompiledQuery.raw(text, [schoolIds]));
    return;
  }
  await sql`DELETE FROM student_tally`.execute(db);
  await sql`
    INSERT INTO student_tally (school_unit_id, status, n)
    SELECT school_unit_id, status, count(*) FROM student GROUP BY 1, 2`.execute(db);
}

/** Students of the scope's schools by status, from the tally. */
export async function tallyByStatus(db: Executor, scope: Scope): Promise<Record<string, number>> {
  const rows = await db
    .selectFrom("student_tally")
    .where(schoolInScope(scope, "student_tally.school_unit_id"))
    .select(["status", (eb) => eb.fn.sum<number>("n").as("n")])
    .groupBy("status")
    .execute();
  return Object.fromEntries(rows.filter((r) => Number(r.n) !== 0).map((r) => [r.status, Number(r.n)]));
}
