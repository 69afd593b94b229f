/**
 * Name-prefix search within a scope (e.g. all 王… of a county), from the 5-million-student
 * benchmark: the trigram index cannot serve one or two characters, and the name index under
 * the server's C.UTF-8 collation cannot serve LIKE 'x%'. Per school, a pattern-ops index finds
 * the matches of each school of the scope directly.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX student_school_name_idx ON student (school_unit_id, name text_pattern_ops)`.execute(
    db,
  );
}
