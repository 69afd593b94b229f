/**
 * Problem records follow their resolution request: the request that is resolving (or resolved)
 * a problem is recorded on it, so the queue links to it and a second request for the same
 * problem is refused while one is open. A student's requests are found by the student named in
 * the payload of any round (`studentId`, or `studentNumber` for transfers submitted before the
 * server added the id), hence the two expression indexes on the submissions.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE student_problem
    ADD COLUMN resolution_request_id bigint REFERENCES workflow_request(id) ON DELETE SET NULL`.execute(db);
  await sql`CREATE INDEX student_problem_request_idx ON student_problem (resolution_request_id)
    WHERE resolution_request_id IS NOT NULL`.execute(db);
  await sql`CREATE INDEX workflow_submission_student_id_idx
    ON workflow_submission ((payload->>'studentId'))`.execute(db);
  await sql`CREATE INDEX workflow_submission_student_number_idx
    ON workflow_submission ((payload->>'studentNumber'))`.execute(db);
}
