/**
 * The audit trail (审计日志): every write, login, full read of a personal record and export.
 * `recordAudit` is called inside the transaction of the change it records, so the change and its
 * entry commit together or not at all. Entries are chained (audit.chain.ts); the chain is
 * extended under a transaction-scoped advisory lock so that concurrent writers queue up.
 */
import { sql } from "kysely";
import type { Executor } from "../../db/database";
import type { Actor } from "../access/actor";
import { narrowScope, type Scope, unitPathInScope } from "../access/scope";
import { type ChainedFields, chainHash, GENESIS_HASH } from "./audit.chain";
import { maskPersonalData } from "./audit.masking";

/** Arbitrary constant naming the advisory lock that serialises chain appends. */
const AUDIT_CHAIN_LOCK = 7_201_302;

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

export interface ChainVerification {
  ok: boolean;
  checked: number;
  /** The first entry whose stored hash or link does not match, with what is wrong. */
  firstBroken?: { id: number; reason: "hash_mismatch" | "link_broken" };
}

/** Recomputes the whole chain in id order, in batches, and names the first broken entry. */
export async function verifyAuditChain(db: Executor, batchSize = 5000): Promise<ChainVerification> {
  let prevHash = GENESIS_HASH;
  let afterId = -1;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom("audit_log")
      .selectAll()
      .where("id", ">", afterId)
      .orderBy("id")
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return { ok: true, checked };
    for (const row of rows) {
      if (row.prev_hash !== prevHash)
        return { ok: false, checked, firstBroken: { id: row.id, reason: "link_broken" } };
      const fields: ChainedFields = {
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
      if (chainHash(prevHash, fields) !== row.hash) {
        return { ok: false, checked, firstBroken: { id: row.id, reason: "hash_mismatch" } };
      }
      prevHash = row.hash;
      afterId = row.id;
      checked++;
    }
  }
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
