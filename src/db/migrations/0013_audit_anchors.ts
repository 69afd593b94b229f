/**
 * Anchors of the audit chain (audit_anchor): at intervals and at every signed decision, the
 * chain head (entry id and hash) signed with the node's key, so that a rewrite with recomputed
 * hashes, or the deletion of the newest entries below an anchor, is found by `audit verify`.
 * The node key is a signing_key of its own kind ('node'), at most one active.
 * No foreign key to audit_log: an anchor must outlive the entry it names, to tell it was removed.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE signing_key DROP CONSTRAINT signing_key_owner_kind_check`.execute(db);
  await sql`ALTER TABLE signing_key ADD CONSTRAINT signing_key_owner_kind_check
    CHECK (owner_kind IN ('unit','user','node'))`.execute(db);
  await sql`CREATE UNIQUE INDEX signing_key_node_active_idx ON signing_key (owner_kind)
    WHERE status = 'active' AND owner_kind = 'node'`.execute(db);
  await sql`
    CREATE TABLE audit_anchor (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      entry_id bigint NOT NULL,
      entry_hash char(64) NOT NULL CHECK (entry_hash ~ '^[0-9a-f]{64}$'),
      reason text NOT NULL CHECK (reason IN ('interval','decision','seal','manual')),
      previous_anchor_id bigint,
      signed_document text NOT NULL,
      signature text NOT NULL,
      signature_algorithm text NOT NULL,
      signing_key_id bigint NOT NULL REFERENCES signing_key(id),
      anchored_at timestamptz NOT NULL,
      sent_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX audit_anchor_entry_idx ON audit_anchor (entry_id)`.execute(db);
}
