/**
 * Verification of a request's signatures: for every decided step, the document is rebuilt from
 * what the database holds now and compared, field by field, with the document that was signed;
 * then the signature is checked with the stored public key, and the seal's own issuer
 * signature too. A change to any signed field is named by step and field group:
 *   step     — request, round, step number, level
 *   content  — the payload of the round (its SM3 hash no longer matches)
 *   decision — decision, comment, attachments
 *   signer   — unit, user, time, seal, key
 *   signature / personal_signature / seal — the cryptographic checks
 */

import type { Executor } from "../../db/database";
import { canonicalJson } from "../../shared/canonical-json";
import { notFound } from "../../shared/errors";
import { readableModules } from "../access/actor";
import type { ServiceContext } from "../context";
import { type ArchiveVerification, verifyItem } from "../signing/archive.service";
import { findSeal } from "../signing/seals.repo";
import { verifySeal } from "../signing/seals.service";
import type { SigningServices } from "../signing/signing.context";
import { verifyStoredSignature } from "../signing/unit-signature";
import * as repo from "./workflow.repo";
import { decisionDocument, payloadHash } from "./workflow.service";

export type FieldGroup =
  | "step"
  | "content"
  | "decision"
  | "signer"
  | "signature"
  | "personal_signature"
  | "seal";

const FIELD_GROUPS: Record<string, FieldGroup> = {
  kind: "step",
  requestId: "step",
  round: "step",
  stepNo: "step",
  level: "step",
  contentHash: "content",
  decision: "decision",
  commentHash: "decision",
  attachments: "decision",
  unitId: "signer",
  signerUserId: "signer",
  signedAt: "signer",
  sealId: "signer",
  sealCode: "signer",
  keyId: "signer",
  algorithm: "signer",
};

export interface StepVerification {
  stepId: number;
  round: number;
  stepNo: number;
  actingUnitId: number;
  ok: boolean;
  problems: { group: FieldGroup; fields: string[] }[];
}

export interface RequestVerification {
  requestId: number;
  ok: boolean;
  checkedSignatures: number;
  steps: StepVerification[];
  archive: ArchiveVerification | null;
}

function groupMismatches(signed: Record<string, unknown>, expected: Record<string, unknown>) {
  const groups = new Map<FieldGroup, string[]>();
  const fields = new Set([...Object.keys(signed), ...Object.keys(expected)]);
  for (const field of fields) {
    if (canonicalJson(signed[field]) === canonicalJson(expected[field])) continue;
    const group = FIELD_GROUPS[field] ?? "step";
    groups.set(group, [...(groups.get(group) ?? []), field]);
  }
  return [...groups.entries()].map(([group, names]) => ({ group, fields: names.sort() }));
}

async function verifyStep(
  db: Executor,
  step: repo.StepRow,
  contentHashes: Map<number, string>,
): Promise<StepVerification> {
  const problems: StepVerification["problems"] = [];
  const expected = {
    ...decisionDocument({
      requestId: step.request_id,
      round: step.round,
      stepNo: step.step_no,
      level: step.level,
      unitId: step.acting_unit_id,
      contentHash: contentHashes.get(step.round) ?? "",
      decision: step.decision ?? "approve",
      comment: step.comment,
      attachments: step.attachments,
      signerUserId: step.decided_by_user_id,
      signedAt: step.decided_at ?? new Date(0),
    }),
    sealId: step.seal_id,
    sealCode: step.seal_code,
    keyId: step.signing_key_id,
    algorithm: step.signature_algorithm,
  };
  let signed: Record<string, unknown> = {};
  try {
    signed = JSON.parse(step.signed_document ?? "{}") as Record<string, unknown>;
  } catch {
    problems.push({ group: "signature", fields: ["signed_document"] });
  }
  problems.push(...groupMismatches(signed, expected));
  if (!(await verifyStoredSignature(db, step.signing_key_id, step.signed_document, step.signature))) {
    problems.push({ group: "signature", fields: ["signature"] });
  }
  if (step.personal_signature !== null) {
    const personalOk = await verifyStoredSignature(
      db,
      step.personal_key_id,
      step.signed_document,
      step.personal_signature,
    );
    if (!personalOk) problems.push({ group: "personal_signature", fields: ["personal_signature"] });
  }
  const seal = step.seal_id === null ? undefined : await findSeal(db, step.seal_id);
  const sealCheck = seal ? await verifySeal(db, seal) : undefined;
  if (!sealCheck?.ok) {
    problems.push({ group: "seal", fields: sealCheck?.problems.flatMap((p) => p.fields) ?? ["seal_id"] });
  }
  return {
    stepId: step.id,
    round: step.round,
    stepNo: step.step_no,
    actingUnitId: step.acting_unit_id,
    ok: problems.length === 0,
    problems,
  };
}

/** Checks every signature of a request, and its archive deposit when it has one. */
export async function verifyRequestSignatures(
  db: Executor,
  signing: SigningServices,
  requestId: number,
): Promise<RequestVerification> {
  const request = await repo.findRequest(db, requestId);
  if (!request) throw notFound("request_not_found");
  const submissions = await repo.listSubmissions(db, requestId);
  // The hash is recomputed from the stored payload: an edited payload breaks every decision on it.
  const contentHashes = new Map(submissions.map((s) => [s.round, payloadHash(s.payload)]));
  const steps = [];
  for (const step of await repo.listSteps(db, requestId)) {
    if (step.decision !== null || step.signature !== null)
      steps.push(await verifyStep(db, step, contentHashes));
  }
  let archive: ArchiveVerification | null = null;
  if (request.archive_item_id !== null) {
    const item = await db
      .selectFrom("archive_item")
      .innerJoin("org_unit as owner", "owner.id", "archive_item.unit_id")
      .selectAll("archive_item")
      .select("owner.name as unit_name")
      .where("archive_item.id", "=", request.archive_item_id)
      .executeTakeFirst();
    archive = item
      ? await verifyItem(db, signing, item)
      : { itemId: request.archive_item_id, ok: false, problems: [] };
  }
  return {
    requestId,
    ok: steps.every((s) => s.ok) && (archive?.ok ?? true),
    checkedSignatures: steps.length,
    steps,
    archive,
  };
}

/** The same check for a caller: only requests in the caller's scope. */
export async function verifyVisibleRequest(
  ctx: ServiceContext,
  signing: SigningServices,
  requestId: number,
): Promise<RequestVerification> {
  const request = await repo.findVisibleRequest(
    ctx.db,
    ctx.actor.scope,
    requestId,
    readableModules(ctx.actor),
  );
  if (!request) throw notFound("request_not_found");
  return verifyRequestSignatures(ctx.db, signing, requestId);
}

/** Every request, in id order (CLI `edumis verify requests`). */
export async function verifyAllRequests(
  db: Executor,
  signing: SigningServices,
  onRequest?: (result: RequestVerification) => void,
): Promise<{ checked: number; failed: RequestVerification[] }> {
  const failed: RequestVerification[] = [];
  let checked = 0;
  let afterId = 0;
  for (;;) {
    const ids = await repo.requestIdsAfter(db, afterId, 200);
    if (ids.length === 0) return { checked, failed };
    for (const { id } of ids) {
      const result = await verifyRequestSignatures(db, signing, id);
      onRequest?.(result);
      if (!result.ok) failed.push(result);
      checked++;
      afterId = id;
    }
  }
}
