/**
 * A count of students per school and status (student_tally), kept by the write paths in the
 * transaction that changes a student's school or status, so that a province's or the nation's
 * home page adds up some thousands of school rows instead of reading every student: no index
 * holds `status` (0008), and the live count read the whole heap (2.1 s at 5 million students).
 * Filled here from the records as they are.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE student_tally (
      school_unit_id bigint NOT NULL,
      status text NOT NULL,
      n integer NOT NULL,
      PRIMARY KEY (school_unit_id, status)
    )`.execute(db);
  await sql`
    INSERT INTO student_tally (school_unit_id, status, n)
    SELECT school_unit_id, status, count(*) FROM student GROUP BY 1, 2`.execute(db);
}
