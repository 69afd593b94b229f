/**
 * Accounts, roles, sessions, API tokens, responsible persons (责任人) and the hash-chained audit
 * trail. Roles and their permissions are data (data/access/roles.json), loaded by migrate.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE role (
      code text PRIMARY KEY CHECK (code ~ '^[a-z][a-z0-9_]*$'),
      name_zh text NOT NULL,
      name_en text NOT NULL,
      description_zh text NOT NULL DEFAULT '',
      -- which kinds of unit may hold the role: department sides and/or schools
      unit_sides text[] NOT NULL,
      is_builtin boolean NOT NULL DEFAULT false,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`
    CREATE TABLE role_permission (
      role_code text NOT NULL REFERENCES role(code) ON DELETE CASCADE,
      permission text NOT NULL CHECK (permission ~ '^[a-z]+:(read|write|approve|export|administer)$'),
      PRIMARY KEY (role_code, permission)
    )`.execute(db);

  await sql`
    CREATE TABLE app_user (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      username text NOT NULL UNIQUE CHECK (username ~ '^[A-Za-z0-9_.@-]{3,64}$'),
      phone text UNIQUE CHECK (phone ~ '^1[3-9][0-9]{9}$'),
      display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
      unit_id bigint NOT NULL REFERENCES org_unit(id),
      password_hash text NOT NULL,
      password_changed_at timestamptz NOT NULL DEFAULT now(),
      must_change_password boolean NOT NULL DEFAULT true,
      failed_attempts integer NOT NULL DEFAULT 0,
      locked_until timestamptz,
      status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','disabled')),
      last_login_at timestamptz,
      change_version bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);
  await sql`CREATE INDEX app_user_unit_idx ON app_user (unit_id)`.execute(db);
  await sql`CREATE TRIGGER app_user_change_version BEFORE INSERT OR UPDATE ON app_user
    FOR EACH ROW EXECUTE FUNCTION stamp_change_version()`.execute(db);
  await sql`
    CREATE TABLE user_role (
      user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      role_code text NOT NULL REFERENCES role(code),
      granted_by bigint REFERENCES app_user(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (user_id, role_code)
    )`.execute(db);

  // Only hashes of secrets are stored: a leaked table opens no session.
  await sql`
    CREATE TABLE user_session (
      id text PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      csrf_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      revoked_at timestamptz,
      ip text,
      user_agent text
    )`.execute(db);
  await sql`CREATE INDEX user_session_user_idx ON user_session (user_id)`.execute(db);
  await sql`
    CREATE TABLE api_token (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id bigint NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      token_hash text NOT NULL UNIQUE,
      prefix text NOT NULL,
      expires_at timestamptz,
      revoked_at timestamptz,
      last_used_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now()
    )`.execute(db);

  await sql`
    CREATE TABLE responsible_person (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      unit_id bigint NOT NULL REFERENCES org_unit(id),
      system text NOT NULL,
      duty text NOT NULL CHECK (duty IN ('leader','operator')),
      name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
      position text,
      phone text NOT NULL CHECK (phone ~ '^[0-9+-]{7,20}$'),
      email text,
      change_version bigint NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (unit_id, system, duty)
    )`.execute(db);
  await sql`CREATE TRIGGER responsible_person_change_version BEFORE INSERT OR UPDATE ON responsible_person
    FOR EACH ROW EXECUTE FUNCTION stamp_change_version()`.execute(db);

  // Each entry carries the SM3 hash of the previous entry and of itself (see audit.chain.ts).
  await sql`
    CREATE TABLE audit_log (
      id bigint PRIMARY KEY,
      occurred_at timestamptz NOT NULL,
      actor_kind text NOT NULL,
      actor_user_id bigint,
      actor_username text NOT NULL,
      actor_unit_id bigint,
      actor_unit_path text,
      action text NOT NULL,
      module text NOT NULL,
      subject_type text,
      subject_id text,
      subject_unit_path text,
      outcome text NOT NULL CHECK (outcome IN ('success','failure','denied')),
      ip text,
      detail jsonb NOT NULL DEFAULT '{}'::jsonb,
      prev_hash text NOT NULL,
      hash text NOT NULL
    )`.execute(db);
  await sql`CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id`.execute(db);
  await sql`CREATE INDEX audit_log_time_idx ON audit_log (occurred_at)`.execute(db);
  await sql`CREATE INDEX audit_log_actor_path_idx ON audit_log (actor_unit_path text_pattern_ops, id)`.execute(
    db,
  );
  await sql`CREATE INDEX audit_log_subject_path_idx ON audit_log (subject_unit_path text_pattern_ops, id)`.execute(
    db,
  );
  await sql`CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id)`.execute(db);
  await sql`CREATE INDEX audit_log_user_idx ON audit_log (actor_user_id, id)`.execute(db);
}
