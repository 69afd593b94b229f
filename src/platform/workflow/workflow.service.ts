/**
 * The life of an approval request: submit → each step approves (signed by its unit's seal) →
 * approved; or rejected (ends), returned for revision (back to the submitter, who resubmits an
 * edited payload as a new round), withdrawn by the submitter before any decision.
 *
 * Every action carries the version its caller saw; the version check and claimVersion()
 * make two people acting at once on one request a clean 409 for one of them. Each action runs
 * in one transaction with its audit entry, its signature and — when the request closes — the
 * type's hook and the archive deposit, so nothing is ever half done.
 */
import type { Transaction } from "kysely";
import { inTransaction } from "../../db/database";
import type { DB, WorkflowDecision, WorkflowSide } from "../../db/schema";
import { canonicalJson } from "../../shared/canonical-json";
import { AppError, conflict, notFound, unprocessable } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { type Action, can, readableModules } from "../access/actor";
import { unitIdInScope } from "../access/scope";
import { anchorAuditHead } from "../audit/audit.anchor";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";
import { maskIdentifiersInText } from "../identifiers/masking-policy";
import { sm3Hex } from "../signing/algorithms";
import { addSubjects, depositJson, isHashVisible } from "../signing/archive.service";
import type { SigningContext } from "../signing/signing.context";
import { signAsUnit } from "../signing/unit-signature";
import { type UnitRow, unitById } from "../signing/units";
import { addWorkingDays } from "./workflow.calendar";
import { type ChainResolution, initiatingParty, type PartyUnits, resolveChain } from "./workflow.chains";
import { CLOSED, isSubmitterSide, requestRecord, requireVisible } from "./workflow.reading";
import {
  type AnyRequestType,
  type RequestHook,
  requestHeading,
  requireRequestType,
  type WorkflowRequest,
} from "./workflow.registry";
import * as repo from "./workflow.repo";
import { chainSeparation, type Separation, separationFacts, separationRefusal } from "./workflow.separation";

type Trx = Transaction<DB>;

export { type AllowedAction, getRequest, readRequestInFull, requestRecord } from "./workflow.reading";

export function payloadHash(payload: unknown): string {
  return sm3Hex(canonicalJson(payload));
}

function requirePermission(ctx: ServiceContext, type: AnyRequestType, action: Action): void {
  if (!can(ctx.actor, type.module, action)) throw new AppError("forbidden", 403);
}

/** The payload of a round as the type stores it: parsed, then completed by its `prepare` hook. */
async function preparePayload(
  ctx: ServiceContext,
  type: AnyRequestType,
  input: unknown,
): Promise<Record<string, unknown>> {
  const parsed = parsePayload(type, input);
  if (!type.prepare) return parsed;
  return (await type.prepare(ctx, parsed)) as Record<string, unknown>;
}

/** Runs one of a type's hooks in the caller's transaction, on the request as it now stands. */
async function runTypeHook(
  ctx: ServiceContext,
  trx: Trx,
  hook: RequestHook<object> | undefined,
  request: repo.RequestRow,
  changes: { status: repo.RequestRow["status"]; version: number; round?: number },
): Promise<void> {
  if (!hook) return;
  const round = changes.round ?? request.round;
  const submission = await repo.findSubmission(trx, request.id, round);
  const view: WorkflowRequest<Record<string, unknown>> = {
    id: request.id,
    typeCode: request.type_code,
    title: request.title,
    status: changes.status,
    version: changes.version,
    round,
    subjectUnitId: request.subject_unit_id,
    submitterUserId: request.submitter_user_id,
    submitterUnitId: request.submitter_unit_id,
    provinceCode: request.province_code,
    payload: submission?.payload ?? {},
    contentHash: submission?.content_hash ?? request.content_hash,
  };
  await hook(trx, view, { db: trx, codes: ctx.codes, actor: ctx.actor, ip: ctx.ip });
}

function parsePayload(type: AnyRequestType, payload: unknown): Record<string, unknown> {
  const parsed = type.payloadSchema.safeParse(payload);
  if (parsed.success) return parsed.data as Record<string, unknown>;
  throw unprocessable(
    "validation_failed",
    {},
    parsed.error.issues.map((issue) => ({
      path: ["payload", ...issue.path.map(String)].join("."),
      // As in http/problem.ts: Zod reports a missing field as an invalid type "received undefined".
      code:
        issue.code === "invalid_type" && /received undefined/.test(issue.message)
          ? "field_required"
          : issue.code,
      message: issue.message,
    })),
  );
}

/** The units of a request by side; the initiating one must lie in the submitter's scope. */
async function resolveParties(
  ctx: ServiceContext,
  db: Trx,
  type: AnyRequestType,
  payload: Record<string, unknown>,
  subjectUnitId: number | undefined,
): Promise<PartyUnits> {
  const ids = type.parties
    ? type.parties(payload, ctx.actor)
    : { subject: subjectUnitId ?? ctx.actor.unitId };
  const parties: PartyUnits = {};
  for (const [side, id] of Object.entries(ids) as [WorkflowSide, number | undefined][]) {
    if (id === undefined) continue;
    const unit = await unitById(db, id);
    if (!unit)
      throw unprocessable("unit_not_found", {}, [{ path: `payload.${side}`, code: "unit_not_found" }]);
    parties[side] = unit;
  }
  const initiating = initiatingParty(parties);
  if (!initiating || !(await unitIdInScope(db, ctx.actor.scope, initiating.id)))
    throw notFound("unit_not_found");
  return parties;
}

/** Writes the steps of one round: the first is pending with its deadline, the rest wait. */
async function insertRound(
  db: Trx,
  requestId: number,
  round: number,
  resolution: ChainResolution,
  now: Date,
): Promise<void> {
  const first = resolution.steps[0]!;
  const dueOn = await addWorkingDays(db, todayIso(now), first.limitDays);
  await repo.insertSteps(
    db,
    resolution.steps.map((step) => ({
      request_id: requestId,
      round,
      step_no: step.stepNo,
      level: step.level,
      side: step.side,
      label: step.labelZh,
      acting_unit_id: step.actingUnit.id,
      province_code: step.actingUnit.province_code,
      status: step === first ? "pending" : "waiting",
      limit_days: step.limitDays,
      started_at: step === first ? now : null,
      due_on: step === first ? dueOn : null,
    })),
  );
}

function partyRows(submitterUnitId: number, parties: PartyUnits, resolution: ChainResolution) {
  return [
    { unitId: submitterUnitId, role: "submitter" as const },
    ...(Object.entries(parties) as [WorkflowSide, UnitRow][]).map(([side, unit]) => ({
      unitId: unit.id,
      role: side,
    })),
    ...resolution.steps.map((s) => ({ unitId: s.actingUnit.id, role: "acting" as const })),
  ];
}

/**
 * A chain that keeps the submitting unit out of every decision cannot take a request whose steps
 * act at that unit: refused at submission rather than left in an inbox nobody may act on.
 */
async function requireSatisfiableSeparation(
  db: Trx,
  chain: string,
  resolution: ChainResolution,
  submitterUnitId: number,
): Promise<void> {
  const separation: Separation = await chainSeparation(db, chain, resolution.chainScope);
  if (!separation.excludeSameUnitAsSubmitter) return;
  const step = resolution.steps.find((s) => s.actingUnit.id === submitterUnitId);
  if (step) throw unprocessable("separation_unsatisfiable", { chain, stepNo: step.stepNo });
}

export interface SubmitInput {
  type: string;
  payload: unknown;
  title?: string | undefined;
  /** The unit the request is about, for types without their own parties (default: the caller's). */
  subjectUnitId?: number | undefined;
}

export interface ActionResult {
  id: number;
  version: number;
  status: repo.RequestRow["status"];
}

/** Submits a request of a registered type; its chain is resolved and stored now. */
export async function submitRequest(ctx: ServiceContext, input: SubmitInput): Promise<ActionResult> {
  const type = requireRequestType(input.type);
  requirePermission(ctx, type, "write");
  const payload = await preparePayload(ctx, type, input.payload);
  if (type.validate) await type.validate(ctx, payload);
  return inTransaction(ctx.db, async (trx) => {
    const parties = await resolveParties(ctx, trx, type, payload, input.subjectUnitId);
    const resolution = await resolveChain(trx, type.chain, parties);
    await requireSatisfiableSeparation(trx, type.chain, resolution, ctx.actor.unitId);
    const subject = initiatingParty(parties)!;
    const now = new Date();
    const contentHash = payloadHash(payload);
    const id = await repo.insertRequest(trx, {
      type_code: type.code,
      module: type.module,
      chain_code: type.chain,
      chain_scope: resolution.chainScope,
      // Titles are listed to every party (and archived): identifiers in them are masked.
      title: maskIdentifiersInText(input.title ?? type.title?.(payload) ?? type.titleZh),
      status: "in_progress",
      current_step_no: 1,
      subject_unit_id: subject.id,
      province_code: subject.province_code,
      submitter_user_id: ctx.actor.userId,
      submitter_unit_id: ctx.actor.unitId,
      content_hash: contentHash,
      submitted_at: now,
    });
    await repo.insertSubmission(trx, {
      request_id: id,
      round: 1,
      payload,
      content_hash: contentHash,
      submitted_by_user_id: ctx.actor.userId,
      submitted_at: now,
    });
    await insertRound(trx, id, 1, resolution, now);
    await repo.insertParties(trx, id, partyRows(ctx.actor.unitId, parties, resolution));
    if (type.onSubmitted) {
      const stored = await repo.findRequest(trx, id);
      await runTypeHook(ctx, trx, type.onSubmitted, stored!, { status: "in_progress", version: 1 });
    }
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "workflow.submit",
      module: type.module,
      subjectType: "workflow_request",
      subjectId: id,
      subjectUnitPath: subject.path,
      detail: {
        type: type.code,
        contentHash,
        steps: resolution.steps.length,
        chainScope: resolution.chainScope,
      },
    });
    return { id, version: 1, status: "in_progress" };
  });
}

/** The checks every action makes first, in this order: stale view, closed request. */
function checkVersionAndOpen(request: repo.RequestRow, expectedVersion: number): void {
  if (request.version !== expectedVersion) {
    throw conflict("request_version_conflict", { current: request.version, expected: expectedVersion });
  }
  if (CLOSED.has(request.status)) throw conflict("request_closed", { status: request.status });
}

async function claim(db: Trx, request: repo.RequestRow, expectedVersion: number): Promise<number> {
  const version = await repo.claimVersion(db, request.id, expectedVersion);
  if (version === null) {
    const current = await repo.currentVersion(db, request.id);
    throw conflict("request_version_conflict", { current, expected: expectedVersion });
  }
  return version;
}

async function checkAttachments(ctx: ServiceContext, db: Trx, hashes: string[]): Promise<void> {
  for (const [index, hash] of hashes.entries()) {
    // An attachment is linked to the request, so its readers would see it: only what the
    // submitter may itself read can be attached (scope and module, as for any archive read).
    if (!(await isHashVisible(db, ctx.actor.scope, readableModules(ctx.actor), hash))) {
      throw unprocessable("archive_item_not_found", {}, [
        { path: `attachments.${index}`, code: "archive_item_not_found" },
      ]);
    }
  }
}

/** Attachments become findable from the request and its units in the archive. */
async function linkAttachments(db: Trx, requestId: number, hashes: string[]): Promise<void> {
  if (hashes.length === 0) return;
  const parties = await repo.listPartyUnitIds(db, requestId);
  const items = await db
    .selectFrom("archive_item")
    .select("id")
    .where("content_hash", "in", hashes)
    .execute();
  for (const item of items) {
    await addSubjects(db, item.id, [
      { type: "workflow_request", id: String(requestId) },
      ...parties.map((p) => ({ type: "org_unit", id: String(p.unit_id) })),
    ]);
  }
}

export interface DecisionDocumentFields {
  requestId: number;
  round: number;
  stepNo: number;
  level: string;
  unitId: number;
  contentHash: string;
  decision: WorkflowDecision;
  comment: string | null;
  attachments: string[];
  signerUserId: number | null;
  signedAt: Date;
}

/** What a decision's signature covers (the seal fields are added by the signer). */
export function decisionDocument(fields: DecisionDocumentFields): Record<string, unknown> {
  return {
    kind: "edumis.workflow.decision",
    requestId: fields.requestId,
    round: fields.round,
    stepNo: fields.stepNo,
    level: fields.level,
    unitId: fields.unitId,
    contentHash: fields.contentHash,
    decision: fields.decision,
    commentHash: sm3Hex(fields.comment ?? ""),
    attachments: fields.attachments,
    signerUserId: fields.signerUserId,
    signedAt: fields.signedAt.toISOString(),
  };
}

export interface DecisionInput {
  decision: WorkflowDecision;
  expectedVersion: number;
  comment?: string | null | undefined;
  attachments?: string[] | undefined;
}

/** Checks that the caller's unit holds the current step; names the reason when it does not. */
async function requireOwnStep(ctx: ServiceContext, db: Trx, request: repo.RequestRow) {
  const steps = await repo.listSteps(db, request.id);
  const round = steps.filter((s) => s.round === request.round);
  const current = round.find((s) => s.step_no === request.current_step_no && s.status === "pending");
  if (current && current.acting_unit_id === ctx.actor.unitId) return { current, steps };
  const decidedHere = round.some((s) => s.acting_unit_id === ctx.actor.unitId && s.decision !== null);
  if (decidedHere) throw conflict("already_decided");
  throw new AppError("step_not_yours", 403);
}

/** Refuses a decision that would break separation of duties (workflow.separation.ts). */
async function requireSeparation(
  ctx: ServiceContext,
  db: Trx,
  request: repo.RequestRow,
  steps: repo.StepRow[],
  current: repo.StepRow,
): Promise<void> {
  const separation = await chainSeparation(db, request.chain_code, request.chain_scope);
  const submissions = await repo.listSubmissions(db, request.id);
  const facts = separationFacts(request, submissions, steps, current);
  const reason = separationRefusal(ctx.actor, facts, separation);
  if (reason) throw new AppError("separation_of_duties", 403, { reason });
}

/** Approves, rejects or returns the current step, signed with the caller's unit seal. */
export async function decide(ctx: SigningContext, id: number, input: DecisionInput): Promise<ActionResult> {
  const attachments = [...new Set(input.attachments ?? [])];
  return inTransaction(ctx.db, async (trx) => {
    const request = await requireVisible(ctx, trx, id);
    checkVersionAndOpen(request, input.expectedVersion);
    const type = requireRequestType(request.type_code);
    const { current, steps } = await requireOwnStep(ctx, trx, request);
    requirePermission(ctx, type, "approve");
    if (ctx.actor.userId === null) throw new AppError("signer_required", 403);
    await requireSeparation(ctx, trx, request, steps, current);
    await checkAttachments(ctx, trx, attachments);
    const version = await claim(trx, request, input.expectedVersion);
    const submission = await repo.findSubmission(trx, id, request.round);
    const decidedAt = new Date();
    const comment = input.comment?.trim() || null;
    const signed = await signAsUnit(
      trx,
      ctx.signing,
      ctx.actor.unitId,
      ctx.actor,
      decisionDocument({
        requestId: id,
        round: request.round,
        stepNo: current.step_no,
        level: current.level,
        unitId: ctx.actor.unitId,
        contentHash: submission?.content_hash ?? request.content_hash,
        decision: input.decision,
        comment,
        attachments,
        signerUserId: ctx.actor.userId,
        signedAt: decidedAt,
      }),
    );
    await repo.recordDecision(trx, current.id, {
      status: STEP_STATUS[input.decision],
      decision: input.decision,
      decided_at: decidedAt,
      decided_by_user_id: ctx.actor.userId,
      comment,
      attachments,
      signed_document: signed.document,
      signature: signed.signature,
      signature_algorithm: signed.algorithm,
      signing_key_id: signed.keyId,
      seal_id: signed.sealId,
      personal_signature: signed.personal?.signature ?? null,
      personal_key_id: signed.personal?.keyId ?? null,
    });
    const next = steps.find((s) => s.round === request.round && s.step_no === current.step_no + 1);
    const status = await advance(ctx, trx, {
      request,
      type,
      decision: input.decision,
      next,
      decidedAt,
      version,
    });
    await linkAttachments(trx, id, attachments);
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: `workflow.${input.decision}`,
      module: type.module,
      subjectType: "workflow_request",
      subjectId: id,
      subjectUnitPath: request.subject_unit_path,
      detail: { round: request.round, stepNo: current.step_no, version, status, sealId: signed.sealId },
    });
    // A closing decision (signed, archived) anchors the audit chain at its own entry.
    if (status === "approved" || status === "rejected")
      await anchorAuditHead(trx, ctx.signing.vault, "decision");
    return { id, version, status };
  });
}

const STEP_STATUS = { approve: "approved", reject: "rejected", return: "returned" } as const;

interface Advance {
  request: repo.RequestRow;
  type: AnyRequestType;
  decision: WorkflowDecision;
  next: repo.StepRow | undefined;
  decidedAt: Date;
  version: number;
}

/** Moves the request on after a decision; returns its new status. */
async function advance(ctx: SigningContext, trx: Trx, step: Advance): Promise<repo.RequestRow["status"]> {
  const { request, decision, next, decidedAt } = step;
  if (decision === "approve" && next) {
    await repo.activateStep(
      trx,
      next.id,
      decidedAt,
      await addWorkingDays(trx, todayIso(decidedAt), next.limit_days),
    );
    await repo.updateRequest(trx, request.id, { current_step_no: next.step_no });
    return "in_progress";
  }
  await repo.skipOpenSteps(trx, request.id, request.round);
  if (decision === "return") {
    await repo.updateRequest(trx, request.id, { status: "returned", current_step_no: null });
    return "returned";
  }
  const status = decision === "approve" ? "approved" : "rejected";
  await repo.updateRequest(trx, request.id, { status, current_step_no: null, closed_at: decidedAt });
  await runHook(ctx, trx, step, status);
  await archiveRequest(ctx, trx, request.id, step.type);
  return status;
}

async function runHook(ctx: SigningContext, trx: Trx, step: Advance, status: "approved" | "rejected") {
  const hook = status === "approved" ? step.type.onApproved : step.type.onRejected;
  await runTypeHook(ctx, trx, hook, step.request, { status, version: step.version });
}

/** Deposits the closed request in the archive, sealed by the unit that took the last decision. */
async function archiveRequest(ctx: SigningContext, trx: Trx, requestId: number, type: AnyRequestType) {
  const record = await requestRecord(trx, requestId);
  const parties = await repo.listPartyUnitIds(trx, requestId);
  const lastRound = record.submissions.at(-1)?.payload ?? {};
  const item = await depositJson(
    trx,
    ctx.signing,
    { ...ctx.actor, ip: ctx.ip },
    {
      unitId: ctx.actor.unitId,
      title: requestHeading(type, record.request.title).slice(0, 300),
      kind: "workflow_request",
      // Read with the request type's module's permission (a transfer's record takes students:read).
      module: type.module,
      retentionClass: type.retentionClass ?? "y30",
      subjects: [
        { type: "workflow_request", id: String(requestId) },
        ...parties.map((p) => ({ type: "org_unit", id: String(p.unit_id) })),
        ...(type.archiveSubjects?.(lastRound) ?? []),
      ],
      value: record,
    },
  );
  await repo.updateRequest(trx, requestId, { archive_item_id: item.id });
}

export interface ResubmitInput {
  expectedVersion: number;
  payload: unknown;
  title?: string | undefined;
}

/** Resubmits a returned request with an edited payload: a new round through the whole chain. */
export async function resubmitRequest(
  ctx: ServiceContext,
  id: number,
  input: ResubmitInput,
): Promise<ActionResult> {
  return inTransaction(ctx.db, async (trx) => {
    const request = await requireVisible(ctx, trx, id);
    checkVersionAndOpen(request, input.expectedVersion);
    const type = requireRequestType(request.type_code);
    if (!isSubmitterSide(ctx, request, type)) throw new AppError("not_submitter", 403);
    if (request.status !== "returned") throw conflict("request_not_returned");
    const payload = await preparePayload({ ...ctx, db: trx }, type, input.payload);
    if (type.validate) await type.validate({ ...ctx, db: trx }, payload);
    const parties = await resolveParties(ctx, trx, type, payload, request.subject_unit_id);
    const resolution = await resolveChain(trx, type.chain, parties);
    await requireSatisfiableSeparation(trx, type.chain, resolution, request.submitter_unit_id);
    const version = await claim(trx, request, input.expectedVersion);
    const round = request.round + 1;
    const now = new Date();
    // The type's title follows an edited payload (e.g. a corrected name), unless one is given.
    const given = input.title ?? type.title?.(payload);
    const title = given === undefined ? undefined : maskIdentifiersInText(given);
    const contentHash = payloadHash(payload);
    await repo.insertSubmission(trx, {
      request_id: id,
      round,
      payload,
      content_hash: contentHash,
      submitted_by_user_id: ctx.actor.userId,
      submitted_at: now,
    });
    await insertRound(trx, id, round, resolution, now);
    await repo.insertParties(trx, id, partyRows(request.submitter_unit_id, parties, resolution));
    await repo.updateRequest(trx, id, {
      status: "in_progress",
      round,
      current_step_no: 1,
      content_hash: contentHash,
      subject_unit_id: initiatingParty(parties)!.id,
      ...(title ? { title } : {}),
    });
    await runTypeHook(ctx, trx, type.onSubmitted, request, { status: "in_progress", version, round });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "workflow.resubmit",
      module: type.module,
      subjectType: "workflow_request",
      subjectId: id,
      subjectUnitPath: request.subject_unit_path,
      detail: { round, version, before: { contentHash: request.content_hash }, after: { contentHash } },
    });
    return { id, version, status: "in_progress" };
  });
}

/**
 * Withdraws a request. Allowed to the submitting unit while no decision has been taken in the
 * current round, and while the request lies returned with it (abandoning instead of revising).
 */
export async function withdrawRequest(
  ctx: ServiceContext,
  id: number,
  input: { expectedVersion: number; reason?: string | undefined },
): Promise<ActionResult> {
  return inTransaction(ctx.db, async (trx) => {
    const request = await requireVisible(ctx, trx, id);
    checkVersionAndOpen(request, input.expectedVersion);
    const type = requireRequestType(request.type_code);
    if (!isSubmitterSide(ctx, request, type)) throw new AppError("not_submitter", 403);
    if (request.status === "in_progress") {
      const steps = await repo.listSteps(trx, id);
      if (steps.some((s) => s.round === request.round && s.decision !== null)) {
        throw conflict("withdraw_not_allowed");
      }
    }
    const version = await claim(trx, request, input.expectedVersion);
    await repo.skipOpenSteps(trx, id, request.round);
    await repo.updateRequest(trx, id, { status: "withdrawn", current_step_no: null, closed_at: new Date() });
    await runTypeHook(ctx, trx, type.onWithdrawn, request, { status: "withdrawn", version });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "workflow.withdraw",
      module: type.module,
      subjectType: "workflow_request",
      subjectId: id,
      subjectUnitPath: request.subject_unit_path,
      detail: { version, reason: input.reason ?? null, before: request.status },
    });
    return { id, version, status: "withdrawn" };
  });
}

/**
 * Adds a comment to the current step (or to the request when no step is pending). Open to the
 * submitting unit and the units of the chain; it does not change the request's version.
 */
export async function addComment(
  ctx: ServiceContext,
  id: number,
  input: { body: string; attachments?: string[] | undefined },
): Promise<{ id: number }> {
  const attachments = [...new Set(input.attachments ?? [])];
  return inTransaction(ctx.db, async (trx) => {
    const request = await requireVisible(ctx, trx, id);
    if (CLOSED.has(request.status)) throw conflict("request_closed", { status: request.status });
    const parties = await repo.listPartyUnitIds(trx, id);
    const isParty = parties.some(
      (p) => p.unit_id === ctx.actor.unitId && (p.role === "acting" || p.role === "submitter"),
    );
    const mayWrite = can(ctx.actor, "workflow", "write") || can(ctx.actor, "workflow", "approve");
    if (!isParty || !mayWrite || ctx.actor.userId === null) throw new AppError("comment_not_allowed", 403);
    await checkAttachments(ctx, trx, attachments);
    const steps = await repo.listSteps(trx, id);
    const current = steps.find((s) => s.round === request.round && s.step_no === request.current_step_no);
    const comment = await repo.insertComment(trx, {
      request_id: id,
      step_id: current?.id ?? null,
      round: request.round,
      author_user_id: ctx.actor.userId,
      author_unit_id: ctx.actor.unitId,
      body: input.body,
      attachments,
    });
    await linkAttachments(trx, id, attachments);
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "workflow.comment",
      module: "workflow",
      subjectType: "workflow_request",
      subjectId: id,
      subjectUnitPath: request.subject_unit_path,
      detail: { commentId: comment.id, attachments: attachments.length },
    });
    return { id: comment.id };
  });
}
