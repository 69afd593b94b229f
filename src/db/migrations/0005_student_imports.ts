/**
 * Student spreadsheet imports (学籍批量导入): the state of each import job between its preview
 * and its commit, and the problems found per row. The checked rows themselves wait in one
 * UNLOGGED staging table per import (student_import_row_<job id>, created and dropped by
 * students.import.ts): a million staged rows are written without WAL and dropped in an instant
 * instead of deleted row by row, and no import ever scans or locks another's rows.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE student_import (
      job_id bigint PRIMARY KEY REFERENCES job(id) ON DELETE CASCADE,
      phase text NOT NULL
        CHECK (phase IN ('validating','previewed','committing','committed','failed','expired')),
      file_name text,
      file_sha256 char(64) NOT NULL,
      file_format text NOT NULL CHECK (file_format IN ('csv','xlsx')),
      file_encoding text,
      staging_table text,
      total_rows integer NOT NULL DEFAULT 0,
      staged_rows integer NOT NULL DEFAULT 0,
      ready_rows integer NOT NULL DEFAULT 0,
      existing_rows integer NOT NULL DEFAULT 0,
      duplicate_rows integer NOT NULL DEFAULT 0,
      error_rows integer NOT NULL DEFAULT 0,
      created_rows integer NOT NULL DEFAULT 0,
      problem_rows integer NOT NULL DEFAULT 0,
      register_duplicates boolean,
      created_by bigint,
      committed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  // Previews nobody committed are purged after a while; found by phase and age.
  await sql`CREATE INDEX student_import_phase_idx ON student_import (phase, created_at)`.execute(db);
  await sql`CREATE INDEX student_import_creator_idx ON student_import (created_by, job_id)`.execute(db);

  // Row problems (errors) and suspected duplicates, in the file's row order, for the report and
  // the downloadable error list. field is a template field key ('' for the whole row).
  await sql`
    CREATE TABLE student_import_issue (
      job_id bigint NOT NULL REFERENCES job(id) ON DELETE CASCADE,
      seq integer NOT NULL,
      row_number integer NOT NULL,
      field text NOT NULL,
      code text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('error','duplicate')),
      params jsonb NOT NULL DEFAULT '{}'::jsonb,
      related_student_id bigint,
      related_row integer,
      PRIMARY KEY (job_id, seq)
    )`.execute(db);
  await sql`
    CREATE INDEX student_import_issue_row_idx ON student_import_issue (job_id, kind, row_number)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE IF EXISTS student_import_issue`.execute(db);
  await sql`DROP TABLE IF EXISTS student_import`.execute(db);
}
