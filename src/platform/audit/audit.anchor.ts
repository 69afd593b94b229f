/**
 * Anchors of the audit chain. The hash chain alone proves nothing to someone who can write the
 * database: they may edit an entry and recompute every hash after it, or delete the newest
 * entries. An anchor is the chain head (entry id and hash) signed with the NODE key — a signing
 * key whose private half is encrypted under the node's master key, which is not in the
 * database — stored in audit_anchor. Each anchor also signs the one before it, so removing an
 * anchor in the middle breaks the next one. `verifyAuditChain` (audit.service.ts) checks the
 * chain against them.
 *
 * When: every closing workflow decision and every seal change anchors in its own transaction
 * (anchorAuditHead), and the serving process anchors at intervals set in
 * data/audit/anchoring.json (startAuditAnchoring). What an anchor cannot protect is the tail
 * after the newest one, and the newest anchors themselves: the exchange with the national node
 * (not built yet) is where anchors leave the node — see `pendingExport()`.
 *
 * Anchoring writes no audit entry of its own: an anchor is the audit trail's seal, and an entry
 * about it would leave every chain with an unanchored tail of one.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Selectable, sql } from "kysely";
import { z } from "zod";
import { projectRoot } from "../../config";
import { type Executor, inTransaction } from "../../db/database";
import type { AuditAnchorReason, DB } from "../../db/schema";
import { canonicalJson } from "../../shared/canonical-json";
import type { KeyVault } from "../signing/key-vault";
import {
  ensureKey,
  findKey,
  isSealedByVault,
  type SigningKeyRow,
  signWithKey,
  verifyWithKey,
} from "../signing/keys";
import { AUDIT_CHAIN_LOCK, sm3Hex } from "./audit.chain";

const policySchema = z.object({
  everyEntries: z.number().int().positive(),
  everyMinutes: z.number().positive(),
  checkSeconds: z.number().positive(),
});
export type AnchoringPolicy = z.infer<typeof policySchema>;

export const anchoringPolicy: AnchoringPolicy = policySchema.parse(
  JSON.parse(readFileSync(path.join(projectRoot, "data", "audit", "anchoring.json"), "utf8")),
);

/** An anchor as stored. */
export type AnchorRow = Selectable<DB["audit_anchor"]>;

const ANCHOR_KIND = "edumis.audit.anchor";

/** What an anchor's signature covers, besides itself: the anchor before it. */
function previousRef(previous: Pick<AnchorRow, "id" | "signature"> | undefined) {
  return previous ? { id: previous.id, signatureHash: sm3Hex(previous.signature) } : null;
}

function lastAnchor(db: Executor) {
  return db.selectFrom("audit_anchor").selectAll().orderBy("id", "desc").limit(1).executeTakeFirst();
}

/**
 * Signs the current chain head into audit_anchor, in the caller's transaction when there is one
 * (a decision anchors the entry it has just written). Nothing to do when the head is anchored.
 */
export async function anchorAuditHead(
  db: Executor,
  vault: KeyVault,
  reason: AuditAnchorReason,
): Promise<{ id: number; entryId: number } | null> {
  return inTransaction(db, async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`.execute(trx);
    const head = await trx
      .selectFrom("audit_log")
      .select(["id", "hash", "occurred_at"])
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    if (!head) return null;
    const previous = await lastAnchor(trx);
    if (previous && previous.entry_id >= head.id) return null;
    const key = await ensureKey(trx, vault, { kind: "node" });
    const anchoredAt = new Date();
    const document = canonicalJson({
      kind: ANCHOR_KIND,
      entryId: head.id,
      entryHash: head.hash,
      entryOccurredAt: head.occurred_at.toISOString(),
      reason,
      previous: previousRef(previous),
      anchoredAt: anchoredAt.toISOString(),
      keyId: key.id,
      algorithm: key.algorithm,
    });
    const signature = await signWithKey(vault, key, Buffer.from(document, "utf8"));
    const { id } = await trx
      .insertInto("audit_anchor")
      .values({
        entry_id: head.id,
        entry_hash: head.hash,
        reason,
        previous_anchor_id: previous?.id ?? null,
        signed_document: document,
        signature,
        signature_algorithm: key.algorithm,
        signing_key_id: key.id,
        anchored_at: anchoredAt,
        sent_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    return { id, entryId: head.id };
  });
}

/** Anchors when the policy says it is time: enough new entries, or enough minutes with any. */
export async function anchorIfDue(
  db: Executor,
  vault: KeyVault,
  policy: AnchoringPolicy = anchoringPolicy,
  now = new Date(),
): Promise<{ id: number; entryId: number } | null> {
  const previous = await lastAnchor(db);
  const { n } = await db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("id", ">", previous?.entry_id ?? 0)
    .executeTakeFirstOrThrow();
  const pending = Number(n);
  if (pending === 0) return null;
  const minutes = previous ? (now.getTime() - previous.anchored_at.getTime()) / 60_000 : Infinity;
  if (pending < policy.everyEntries && minutes < policy.everyMinutes) return null;
  return anchorAuditHead(db, vault, "interval");
}

/**
 * The interval anchoring of a serving process: a timer (unref'd, so it never keeps the process
 * alive) that calls anchorIfDue. Several processes may run it: the chain lock and the
 * "head already anchored" check make extra ones harmless.
 */
export function startAuditAnchoring(
  db: Executor,
  vault: KeyVault,
  policy: AnchoringPolicy = anchoringPolicy,
  onError: (error: unknown) => void = (error) => console.error("edumis: audit anchoring failed", error),
): { stop: () => void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    anchorIfDue(db, vault, policy)
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, policy.checkSeconds * 1000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

/**
 * The seam for the exchange with the national node: anchors not yet sent, oldest first. When
 * the exchange exists it sends these and sets sent_at; a national copy is what makes deleting
 * the newest anchors (with the entries they cover) detectable. Nothing calls it yet.
 */
export function pendingExport(db: Executor, limit = 100) {
  return db
    .selectFrom("audit_anchor")
    .selectAll()
    .where("sent_at", "is", null)
    .orderBy("id")
    .limit(limit)
    .execute();
}

export type AnchorProblem = "not_node_key" | "signature_invalid" | "document_mismatch" | "previous_missing";

export interface AnchorCheck {
  checked: number;
  /** Anchors that verified, in order, up to the first that did not. */
  good: AnchorRow[];
  firstInvalid?: { id: number; reason: AnchorProblem };
}

/**
 * Checks every anchor in order: signed by a node key of this node (its private half opens with
 * this node's master key — a key pair someone inserted would not), the signed text matching the
 * row, and the link to the anchor before. Stops at the first that fails: what follows it
 * cannot be trusted either.
 */
export async function checkAnchors(db: Executor, vault: KeyVault): Promise<AnchorCheck> {
  const anchors = await db.selectFrom("audit_anchor").selectAll().orderBy("id").execute();
  const nodeKeys = new Map<number, SigningKeyRow | null>();
  const good: AnchorRow[] = [];
  for (const anchor of anchors) {
    if (!nodeKeys.has(anchor.signing_key_id)) {
      const key = await findKey(db, anchor.signing_key_id);
      const isNodeKey = key?.owner_kind === "node" && (await isSealedByVault(vault, key));
      nodeKeys.set(anchor.signing_key_id, isNodeKey ? key : null);
    }
    const key = nodeKeys.get(anchor.signing_key_id);
    const reason = !key
      ? "not_node_key"
      : !verifyWithKey(key, Buffer.from(anchor.signed_document, "utf8"), anchor.signature)
        ? "signature_invalid"
        : documentProblem(anchor, good.at(-1));
    if (reason) return { checked: good.length + 1, good, firstInvalid: { id: anchor.id, reason } };
    good.push(anchor);
  }
  return { checked: good.length, good };
}

function documentProblem(anchor: AnchorRow, previous: AnchorRow | undefined): AnchorProblem | null {
  let doc: Record<string, unknown>;
  try {
    doc = JSON.parse(anchor.signed_document) as Record<string, unknown>;
  } catch {
    return "document_mismatch";
  }
  if (
    doc.kind !== ANCHOR_KIND ||
    doc.entryId !== Number(anchor.entry_id) ||
    doc.entryHash !== anchor.entry_hash ||
    doc.keyId !== Number(anchor.signing_key_id)
  ) {
    return "document_mismatch";
  }
  const expected = previousRef(previous);
  if (canonicalJson(doc.previous ?? null) !== canonicalJson(expected)) return "previous_missing";
  return null;
}
