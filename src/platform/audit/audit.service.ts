/**
 * The audit trail (审计日志): every write, login, full read of a personal record and export.
 * `recordAudit` is called inside the transaction of the change it records, so the change and its
 * entry commit together or not at all. Entries are chained (audit.chain.ts); the chain is
 * extended under a transaction-scoped advisory lock so that concurrent writers queue up.
 */
import { type Selectable, sql } from "kysely";
import type { Executor } from "../../db/database";
import type { DB } from "../../db/schema";
import type { Actor } from "../access/actor";
import { narrowScope, type Scope, unitPathInScope } from "../access/scope";
import type { KeyVault } from "../signing/key-vault";
import { type AnchorProblem, type AnchorRow, checkAnchors } from "./audit.anchor";
import { AUDIT_CHAIN_LOCK, type ChainedFields, chainHash, GENESIS_HASH } from "./audit.chain";
import { maskPersonalData } from "./audit.masking";

export interface AuditEntryInput {
  actor: Pick<Actor, "kind" | "userId" | "username" | "unitId" | "unitPath"> | null;
  action: string;
  module: string;
  subjectType?: string | undefined;
  subjectId?: string | number | undefined;
  subjectUnitPath?: string | null | undefined;
  outcome?: "success" | "failure" | "denied";
  ip?: string | undefined;
  /** Free detail: changed fields, counts, reasons. Personal identifiers are masked here. */
  detail?: Record<string, unknown>;
}

export async function recordAudit(db: Executor, input: AuditEntryInput): Promise<number> {
  await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(db);
  const last = await db
    .selectFrom("audit_log")
    .select(["hash"])
    .orderBy("id", "desc")
    .limit(1)
    .executeTakeFirst();
  const { id } = await sql<{ id: number }>`SELECT nextval('audit_log_id_seq')::bigint AS id`
    .execute(db)
    .then((r) => r.rows[0]!);
  const fields: ChainedFields = {
    id,
    occurredAt: new Date().toISOString(),
    actorKind: input.actor?.kind ?? "anonymous",
    actorUserId: input.actor?.userId ?? null,
    actorUsername: input.actor?.username ?? "anonymous",
    actorUnitId: input.actor?.unitId ?? null,
    actorUnitPath: input.actor?.unitPath ?? null,
    action: input.action,
    module: input.module,
    subjectType: input.subjectType ?? null,
    subjectId: input.subjectId === undefined ? null : String(input.subjectId),
    subjectUnitPath: input.subjectUnitPath ?? null,
    outcome: input.outcome ?? "success",
    ip: input.ip ?? null,
    detail: maskPersonalData(input.detail ?? {}),
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  await db
    .insertInto("audit_log")
    .values({
      id,
      occurred_at: new Date(fields.occurredAt),
      actor_kind: fields.actorKind,
      actor_user_id: fields.actorUserId,
      actor_username: fields.actorUsername,
      actor_unit_id: fields.actorUnitId,
      actor_unit_path: fields.actorUnitPath,
      action: fields.action,
      module: fields.module,
      subject_type: fields.subjectType,
      subject_id: fields.subjectId,
      subject_unit_path: fields.subjectUnitPath,
      outcome: fields.outcome as "success",
      ip: fields.ip,
      detail: JSON.stringify(fields.detail),
      prev_hash: prevHash,
      hash: chainHash(prevHash, fields),
    })
    .execute();
  return id;
}

export type ChainBreak =
  /** The entry's stored hash is not the hash of its content: edited without recomputing. */
  | "hash_mismatch"
  /** The entry does not link to the one before: an entry before it was removed or changed. */
  | "link_broken"
  /** An anchor's entry has another hash: rewritten, hashes recomputed. */
  | "anchored_entry_rewritten"
  /** An anchor's entry is gone: deleted (e.g. the newest entries, below the anchor). */
  | "anchored_entry_missing"
  /** An anchor does not verify (forged, altered, or one before it removed). */
  | "anchor_invalid";

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /**
   * What is wrong, found first. For hash_mismatch and link_broken, `id` is the broken entry; for
   * the anchor findings it is the first entry after the last good anchor — from there on the
   * chain cannot be trusted — and `anchorId` names the anchor that found it.
   */
  firstBroken?: {
    id: number;
    reason: ChainBreak;
    anchorId?: number;
    anchorProblem?: AnchorProblem;
    /** The entry the failing anchor names. */
    anchoredEntryId?: number;
  };
  anchors: {
    checked: number;
    /** The newest anchor that verified and whose entry matched. */
    lastGood: { id: number; entryId: number; anchoredAt: string } | null;
  };
  /** Entries after the last good anchor: intact as a chain, but not yet protected by an anchor. */
  unanchoredTail: { entries: number; since: string | null };
}

/** The fields of a stored entry that its hash covers. */
export function fieldsOf(row: Selectable<DB["audit_log"]>): ChainedFields {
  return {
    id: row.id,
    occurredAt: row.occurred_at.toISOString(),
    actorKind: row.actor_kind,
    actorUserId: row.actor_user_id,
    actorUsername: row.actor_username,
    actorUnitId: row.actor_unit_id,
    actorUnitPath: row.actor_unit_path,
    action: row.action,
    module: row.module,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    subjectUnitPath: row.subject_unit_path,
    outcome: row.outcome,
    ip: row.ip,
    detail: row.detail,
  };
}

/** The first entry after an anchored one (or the first entry at all): where distrust begins. */
async function firstEntryAfter(
  db: Executor,
  anchor: AnchorRow | undefined,
  fallback: number,
): Promise<number> {
  const row = await db
    .selectFrom("audit_log")
    .select("id")
    .where("id", ">", anchor?.entry_id ?? 0)
    .orderBy("id")
    .limit(1)
    .executeTakeFirst();
  return row?.id ?? fallback;
}

/**
 * Recomputes the whole chain in id order, in batches, and checks it against the anchors
 * (audit.anchor.ts): each anchor signed by this node's key and linked to the one before, and
 * the entry it names present with exactly the anchored hash. Names the first broken entry, or
 * — when the chain was rewritten consistently or its newest entries deleted — the first entry
 * after the last good anchor. Entries after the last anchor are reported as the unanchored tail.
 */
export async function verifyAuditChain(
  db: Executor,
  vault: KeyVault,
  batchSize = 5000,
): Promise<ChainVerification> {
  const anchorCheck = await checkAnchors(db, vault);
  const anchors = anchorCheck.good;
  let next = 0; // the next anchor to meet, by entry id
  let lastGood: AnchorRow | undefined;
  let prevHash = GENESIS_HASH;
  let afterId = -1;
  let checked = 0;
  let tail = { entries: 0, since: null as string | null };
  const result = (extra: Partial<ChainVerification> & { ok: boolean }): ChainVerification => ({
    checked,
    anchors: {
      checked: anchorCheck.checked,
      lastGood: lastGood
        ? { id: lastGood.id, entryId: lastGood.entry_id, anchoredAt: lastGood.anchored_at.toISOString() }
        : null,
    },
    unanchoredTail: tail,
    ...extra,
  });
  const anchorBreak = async (anchor: AnchorRow, reason: ChainBreak, fallback: number) =>
    result({
      ok: false,
      firstBroken: {
        id: await firstEntryAfter(db, lastGood, fallback),
        reason,
        anchorId: anchor.id,
        anchoredEntryId: anchor.entry_id,
      },
    });
  for (;;) {
    const rows = await db
      .selectFrom("audit_log")
      .selectAll()
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(batchSize)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      if (row.prev_hash !== prevHash)
        return result({ ok: false, firstBroken: { id: row.id, reason: "link_broken" } });
      if (chainHash(prevHash, fieldsOf(row)) !== row.hash) {
        return result({ ok: false, firstBroken: { id: row.id, reason: "hash_mismatch" } });
      }
      const anchor = anchors[next];
      if (anchor && anchor.entry_id < row.id) return anchorBreak(anchor, "anchored_entry_missing", row.id);
      if (anchor && anchor.entry_id === row.id) {
        if (anchor.entry_hash !== row.hash) return anchorBreak(anchor, "anchored_entry_rewritten", row.id);
        lastGood = anchor;
        next++;
        tail = { entries: 0, since: null };
      } else {
        tail = { entries: tail.entries + 1, since: tail.since ?? row.occurred_at.toISOString() };
      }
      prevHash = row.hash;
      afterId = row.id;
      checked++;
    }
  }
  // An anchor beyond the last entry: the newest entries were deleted below it.
  const beyond = anchors[next];
  if (beyond) return anchorBreak(beyond, "anchored_entry_missing", beyond.entry_id);
  if (anchorCheck.firstInvalid) {
    const { id, reason } = anchorCheck.firstInvalid;
    return result({
      ok: false,
      firstBroken: {
        id: await firstEntryAfter(db, lastGood, afterId + 1),
        reason: "anchor_invalid",
        anchorId: id,
        anchorProblem: reason,
      },
    });
  }
  return result({ ok: true });
}

export interface AuditFilter {
  userId?: number | undefined;
  action?: string | undefined;
  module?: string | undefined;
  subjectType?: string | undefined;
  subjectId?: string | undefined;
  outcome?: "success" | "failure" | "denied" | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  /** Below this unit path (must lie inside the scope). */
  withinPath?: string | undefined;
}

/**
 * Entries visible to a scope: those made by someone in the subtree, or about something in it.
 * Keyset-paged by id, newest first, because the log only grows.
 */
export async function searchAudit(
  db: Executor,
  scope: Scope,
  filter: AuditFilter,
  page: { limit: number; beforeId?: number | undefined },
) {
  const within = filter.withinPath ? narrowScope(scope, filter.withinPath) : scope;
  let query = db
    .selectFrom("audit_log")
    .selectAll()
    .where((eb) =>
      eb.or([unitPathInScope(within, "actor_unit_path"), unitPathInScope(within, "subject_unit_path")]),
    );
  if (filter.userId !== undefined) query = query.where("actor_user_id", "=", filter.userId);
  if (filter.action) query = query.where("action", "=", filter.action);
  if (filter.module) query = query.where("module", "=", filter.module);
  if (filter.subjectType) query = query.where("subject_type", "=", filter.subjectType);
  if (filter.subjectId) query = query.where("subject_id", "=", filter.subjectId);
  if (filter.outcome) query = query.where("outcome", "=", filter.outcome);
  if (filter.from) query = query.where("occurred_at", ">=", filter.from);
  if (filter.to) query = query.where("occurred_at", "<", filter.to);
  if (page.beforeId !== undefined) query = query.where("id", "<", page.beforeId);
  const rows = await query
    .orderBy("id", "desc")
    .limit(page.limit + 1)
    .execute();
  const hasMore = rows.length > page.limit;
  const items = rows.slice(0, page.limit);
  return { items, nextBeforeId: hasMore ? items[items.length - 1]!.id : null };
}
