/**
 * Approval workflows, the working-day calendar, signing keys, electronic seals (GB/T 38540
 * structure) and the electronic archive. Chains and the calendar are data (data/workflow,
 * data/calendar, the chinese-days package) loaded into their tables by `edumis migrate`.
 * SQL here must run on PostgreSQL 15 (the server) and 18 (PGlite).
 */
import { type Kysely, sql } from "kysely";

async function createCalendar(db: Kysely<unknown>): Promise<void> {
  // Only the exceptions are stored: holidays and adjusted working weekends. Any other day is a
  // working day from Monday to Friday. Rows stay editable: a "manual" row survives reloads.
  await sql`
    CREATE TABLE calendar_day (
      day date PRIMARY KEY,
      is_working boolean NOT NULL,
      name text NOT NULL DEFAULT '',
      source text NOT NULL CHECK (source IN ('chinese-days','override','manual')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE workflow_chain (
      scope text NOT NULL CHECK (scope = 'default' OR scope ~ '^[0-9]{2}$'),
      code text NOT NULL CHECK (code ~ '^[a-z][a-z0-9_]*$'),
      definition jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (scope, code)
    )`.execute(db);
}

async function createSigning(db: Kysely<unknown>): Promise<void> {
  // Private keys are AES-256-GCM ciphertexts under the node's master key, which lives in the
  // configuration, never here: a copy of the database signs nothing.
  await sql`
    CREATE TABLE signing_key (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      owner_kind text NOT NULL CHECK (owner_kind IN ('unit','user')),
      owner_unit_id bigint REFERENCES org_unit(id),
      owner_user_id bigint REFERENCES app_user(id),
      algorithm text NOT NULL CHECK (algorithm IN ('SM2-SM3','Ed25519')),
      public_key text NOT NULL CHECK (public_key ~ '^[0-9a-f]+$'),
      private_key_enc text NOT NULL,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','retired')),
      retired_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((owner_kind = 'unit') = (owner_unit_id IS NOT NULL)),
      CHECK ((owner_kind = 'user') = (owner_user_id IS NOT NULL))
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX signing_key_unit_active_idx ON signing_key (owner_unit_id)
    WHERE status = 'active' AND owner_kind = 'unit'`.execute(db);
  await sql`CREATE UNIQUE INDEX signing_key_user_active_idx ON signing_key (owner_user_id)
    WHERE status = 'active' AND owner_kind = 'user'`.execute(db);

  await sql`
    CREATE TABLE seal (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      seal_code text NOT NULL UNIQUE,
      unit_id bigint NOT NULL REFERENCES org_unit(id),
      province_code char(2),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
      seal_type text NOT NULL CHECK (seal_type IN ('official','business','finance','contract')),
      valid_from date NOT NULL,
      valid_to date NOT NULL,
      picture bytea,
      picture_media_type text CHECK (picture_media_type IN ('image/png','image/svg+xml')),
      key_id bigint NOT NULL REFERENCES signing_key(id),
      issuer_unit_id bigint NOT NULL REFERENCES org_unit(id),
      issuer_key_id bigint NOT NULL REFERENCES signing_key(id),
      issued_by_user_id bigint REFERENCES app_user(id),
      auto_issued boolean NOT NULL DEFAULT false,
      seal_info text NOT NULL,
      issuer_signature text NOT NULL,
      signature_algorithm text NOT NULL,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended','revoked')),
      status_reason text,
      status_changed_at timestamptz,
      change_version bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK (valid_to >= valid_from),
      CHECK ((picture IS NULL) = (picture_media_type IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX seal_unit_idx ON seal (unit_id, id)`.execute(db);
  await sql`CREATE TRIGGER seal_change_version BEFORE INSERT OR UPDATE ON seal
    FOR EACH ROW EXECUTE FUNCTION stamp_change_version()`.execute(db);
}

async function createArchive(db: Kysely<unknown>): Promise<void> {
  // The bytes live in files named by their SM3 hash; a row describes one deposit of them and
  // carries the depositing unit's seal signature over hash, type, size and time.
  await sql`
    CREATE TABLE archive_item (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      content_hash char(64) NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
      media_type text NOT NULL,
      byte_size bigint NOT NULL CHECK (byte_size >= 0),
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
      kind text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]*$'),
      retention_class text NOT NULL CHECK (retention_class IN ('permanent','y30','y10')),
      retain_until date,
      unit_id bigint NOT NULL REFERENCES org_unit(id),
      province_code char(2),
      created_by_user_id bigint REFERENCES app_user(id),
      seal_id bigint NOT NULL REFERENCES seal(id),
      signing_key_id bigint NOT NULL REFERENCES signing_key(id),
      signature_algorithm text NOT NULL,
      signed_document text NOT NULL,
      signature text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX archive_item_hash_idx ON archive_item (content_hash)`.execute(db);
  await sql`CREATE INDEX archive_item_unit_idx ON archive_item (unit_id)`.execute(db);
  // Immutable: a deposit is never edited or removed (disposal after retention is a later,
  // separately audited job that will have to lift this on purpose).
  await sql`
    CREATE FUNCTION archive_item_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'archive items are immutable (% refused)', TG_OP USING ERRCODE = '55000';
    END $$`.execute(db);
  await sql`CREATE TRIGGER archive_item_no_change BEFORE UPDATE OR DELETE ON archive_item
    FOR EACH ROW EXECUTE FUNCTION archive_item_immutable()`.execute(db);
  await sql`
    CREATE TABLE archive_subject (
      item_id bigint NOT NULL REFERENCES archive_item(id),
      subject_type text NOT NULL CHECK (subject_type ~ '^[a-z][a-z0-9_]*$'),
      subject_id text NOT NULL CHECK (length(subject_id) BETWEEN 1 AND 100),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (item_id, subject_type, subject_id)
    )`.execute(db);
  await sql`CREATE INDEX archive_subject_idx ON archive_subject (subject_type, subject_id)`.execute(db);
}

async function createWorkflow(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE workflow_request (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      type_code text NOT NULL,
      module text NOT NULL,
      chain_code text NOT NULL,
      chain_scope text NOT NULL,
      title text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
      status text NOT NULL CHECK (status IN ('in_progress','returned','approved','rejected','withdrawn')),
      version integer NOT NULL DEFAULT 1 CHECK (version > 0),
      round integer NOT NULL DEFAULT 1 CHECK (round > 0),
      current_step_no integer,
      subject_unit_id bigint NOT NULL REFERENCES org_unit(id),
      province_code char(2),
      submitter_user_id bigint REFERENCES app_user(id),
      submitter_unit_id bigint NOT NULL REFERENCES org_unit(id),
      content_hash char(64) NOT NULL,
      archive_item_id bigint REFERENCES archive_item(id),
      submitted_at timestamptz NOT NULL,
      closed_at timestamptz,
      change_version bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CHECK ((status IN ('approved','rejected','withdrawn')) = (closed_at IS NOT NULL)),
      CHECK ((status = 'in_progress') = (current_step_no IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX workflow_request_status_idx ON workflow_request (status, type_code)`.execute(db);
  await sql`CREATE INDEX workflow_request_subject_idx ON workflow_request (subject_unit_id)`.execute(db);
  await sql`CREATE INDEX workflow_request_submitter_idx ON workflow_request (submitter_unit_id)`.execute(db);
  await sql`CREATE TRIGGER workflow_request_change_version BEFORE INSERT OR UPDATE ON workflow_request
    FOR EACH ROW EXECUTE FUNCTION stamp_change_version()`.execute(db);

  // Each (re)submission keeps its payload: the decisions of a round are signed over its hash.
  await sql`
    CREATE TABLE workflow_submission (
      request_id bigint NOT NULL REFERENCES workflow_request(id),
      round integer NOT NULL,
      payload jsonb NOT NULL,
      content_hash char(64) NOT NULL,
      submitted_by_user_id bigint REFERENCES app_user(id),
      submitted_at timestamptz NOT NULL,
      PRIMARY KEY (request_id, round)
    )`.execute(db);

  await sql`
    CREATE TABLE workflow_step (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      request_id bigint NOT NULL REFERENCES workflow_request(id),
      round integer NOT NULL,
      step_no integer NOT NULL CHECK (step_no > 0),
      level text NOT NULL CHECK (level IN ('school','county','prefecture','province','nation')),
      side text NOT NULL CHECK (side IN ('subject','sending','receiving')),
      label text,
      acting_unit_id bigint NOT NULL REFERENCES org_unit(id),
      province_code char(2),
      status text NOT NULL CHECK (status IN ('waiting','pending','approved','rejected','returned','skipped')),
      limit_days integer NOT NULL CHECK (limit_days > 0),
      started_at timestamptz,
      due_on date,
      decided_at timestamptz,
      decided_by_user_id bigint REFERENCES app_user(id),
      decision text CHECK (decision IN ('approve','reject','return')),
      comment text,
      attachments text[] NOT NULL DEFAULT '{}',
      signed_document text,
      signature text,
      signature_algorithm text,
      signing_key_id bigint REFERENCES signing_key(id),
      seal_id bigint REFERENCES seal(id),
      personal_signature text,
      personal_key_id bigint REFERENCES signing_key(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (request_id, round, step_no),
      CHECK ((decision IS NULL) = (signature IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX workflow_step_pending_idx ON workflow_step (acting_unit_id, due_on)
    WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX workflow_step_due_idx ON workflow_step (due_on) WHERE status = 'pending'`.execute(
    db,
  );

  // Every unit with a part in a request (submitter, subject, sides, acting units): the scope
  // test is "one of them lies in the caller's subtree".
  await sql`
    CREATE TABLE workflow_party (
      request_id bigint NOT NULL REFERENCES workflow_request(id),
      unit_id bigint NOT NULL REFERENCES org_unit(id),
      role text NOT NULL CHECK (role IN ('submitter','subject','sending','receiving','acting')),
      PRIMARY KEY (request_id, unit_id, role)
    )`.execute(db);
  await sql`CREATE INDEX workflow_party_unit_idx ON workflow_party (unit_id)`.execute(db);

  await sql`
    CREATE TABLE workflow_comment (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      request_id bigint NOT NULL REFERENCES workflow_request(id),
      step_id bigint REFERENCES workflow_step(id),
      round integer NOT NULL,
      author_user_id bigint NOT NULL REFERENCES app_user(id),
      author_unit_id bigint NOT NULL REFERENCES org_unit(id),
      body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
      attachments text[] NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX workflow_comment_request_idx ON workflow_comment (request_id, id)`.execute(db);
}

export async function up(db: Kysely<unknown>): Promise<void> {
  await createCalendar(db);
  await createSigning(db);
  await createArchive(db);
  await createWorkflow(db);
}
