/**
 * The registry's bulk write paths (annual promotion of a province, spreadsheet imports of
 * hundreds of thousands of rows), from the 1- and 5-million-student benchmarks
 * (bench/README.md, "student write paths"):
 *
 * - Promotion rewrites the grade of ~75 % of all students once a year. With `grade` in an index
 *   every such UPDATE inserts into all seven indexes (the trigram GIN index most of all); with
 *   no indexed column changed and room on the page, PostgreSQL makes it a heap-only (HOT)
 *   update that touches no index at all. So `grade` leaves `student_school_idx`, which becomes
 *   (school_unit_id, id) — the order of the lists, read school by school — and the heap keeps
 *   half of each page free (fillfactor 50): a promotion rewrites nearly every row of a page in
 *   one transaction, and each new version must fit beside the old one. Measured on 1 million
 *   students: 714,202 promoted in 97 s before, 11 s after, 100 % HOT; the heap doubles.
 * - The trigram index served only name prefixes (the list searches `name LIKE 'x%'`); the
 *   person index with text_pattern_ops serves the same prefixes nationwide (the server's
 *   C.UTF-8 collation cannot use a plain btree for LIKE) and still the exact name + birth date
 *   + sex match of the one-person-one-record check.
 * - A name prefix within a county is ordered by id: the name index of 0007 now carries the id
 *   (INCLUDE), so the matches of each school are sorted without reading a heap that is twice as
 *   large as before (5 million students: 681 buffers read for a surname in a county, then 36).
 * - change_version is stamped by the column default on INSERT and by the trigger only on an
 *   UPDATE that does not set it itself, so bulk statements stamp with `nextval` in SQL instead
 *   of a plpgsql call per row.
 * - History outlives its record: `student_event` no longer references `student`. The foreign
 *   key locked the student row for every event written (a WAL record per row, half the cost of
 *   a promotion), and its ON DELETE CASCADE erased the history of a record deleted as a
 *   duplicate, which the registry must keep. Nor does it reference `org_unit`: that check ran
 *   once per event although a promotion's events of a school all name the same school (9 µs a
 *   row, a fifth of the promotion). A trigger on `org_unit` keeps the guarantee where it
 *   matters, at deletion: a unit named in anyone's history cannot be deleted (the error is the
 *   foreign-key violation the key raised, so callers see no difference). It reads the events
 *   without an index: deleting a unit registered in error is rare, a promotion is not.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`DROP INDEX student_name_trgm_idx`.execute(db);
  await sql`DROP INDEX student_person_idx`.execute(db);
  await sql`CREATE INDEX student_person_idx ON student (name text_pattern_ops, birth_date, sex)`.execute(db);
  await sql`DROP INDEX student_school_idx`.execute(db);
  await sql`CREATE INDEX student_school_idx ON student (school_unit_id, id)`.execute(db);
  await sql`DROP INDEX student_school_name_idx`.execute(db);
  await sql`CREATE INDEX student_school_name_idx ON student (school_unit_id, name text_pattern_ops) INCLUDE (id)`.execute(
    db,
  );
  await sql`ALTER TABLE student SET (fillfactor = 50)`.execute(db);

  await sql`DROP TRIGGER student_change_version ON student`.execute(db);
  await sql`ALTER TABLE student ALTER COLUMN change_version SET DEFAULT nextval('change_version_seq')`.execute(
    db,
  );
  await sql`CREATE TRIGGER student_change_version BEFORE UPDATE ON student
    FOR EACH ROW WHEN (NEW.change_version = OLD.change_version)
    EXECUTE FUNCTION stamp_change_version()`.execute(db);

  await sql`ALTER TABLE student_event DROP CONSTRAINT student_event_student_id_fkey`.execute(db);
  await sql`ALTER TABLE student_event DROP CONSTRAINT student_event_school_unit_id_fkey`.execute(db);
  await sql`
    CREATE FUNCTION refuse_deleting_unit_in_history() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM student_event WHERE school_unit_id = OLD.id) THEN
        RAISE foreign_key_violation USING MESSAGE = format('unit %s is named in student history', OLD.id);
      END IF;
      RETURN OLD;
    END $$`.execute(db);
  await sql`CREATE TRIGGER org_unit_in_student_history BEFORE DELETE ON org_unit
    FOR EACH ROW EXECUTE FUNCTION refuse_deleting_unit_in_history()`.execute(db);
}
