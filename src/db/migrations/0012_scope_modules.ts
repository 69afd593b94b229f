/**
 * Jobs and archive items carry the module whose read permission reading them requires (issue
 * 13): before, any signed-in user of the scope read any job's result and any archive item,
 * e.g. a school administrator without students:read read registry cards. Archive items also
 * say whether they hold personal data, whose reads are audited like a detail read.
 *
 * The archive is immutable (0003's trigger): the backfill lifts the trigger for this one
 * statement. The new columns are not part of what the seal signed, so no signature changes.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE job ADD COLUMN module text`.execute(db);
  await sql`UPDATE job SET module = CASE WHEN kind LIKE 'student%' THEN 'students' ELSE 'orgs' END`.execute(
    db,
  );
  await sql`ALTER TABLE job ALTER COLUMN module SET NOT NULL`.execute(db);

  await sql`ALTER TABLE archive_item ADD COLUMN module text NOT NULL DEFAULT 'workflow'`.execute(db);
  await sql`ALTER TABLE archive_item ADD COLUMN personal boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE archive_item DISABLE TRIGGER archive_item_no_change`.execute(db);
  await sql`
    UPDATE archive_item SET module = 'students', personal = true WHERE kind = 'registry_card'`.execute(db);
  await sql`
    UPDATE archive_item a SET module = r.module, personal = r.module IN ('students', 'teachers', 'aid')
    FROM workflow_request r WHERE r.archive_item_id = a.id AND a.kind = 'workflow_request'`.execute(db);
  await sql`ALTER TABLE archive_item ENABLE TRIGGER archive_item_no_change`.execute(db);
  await sql`ALTER TABLE archive_item ALTER COLUMN module DROP DEFAULT`.execute(db);
}
