/**
 * Reading an approval request: who may see it (its type's module and the caller's scope), its
 * full record for the archive, and what the caller may do with it now — the same separation of
 * duties that decide() enforces, so nobody is offered an action they cannot take.
 */
import type { Transaction } from "kysely";
import type { DB } from "../../db/schema";
import { notFound } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { can, readableModules } from "../access/actor";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";
import { type AnyRequestType, findRequestType } from "./workflow.registry";
import * as repo from "./workflow.repo";
import { chainSeparation, separationFacts, separationRefusal } from "./workflow.separation";

type Trx = Transaction<DB>;

export async function requireVisible(ctx: ServiceContext, db: Trx | ServiceContext["db"], id: number) {
  // A request is read with its type's module's read permission, like the records it is about.
  const request = await repo.findVisibleRequest(db, ctx.actor.scope, id, readableModules(ctx.actor));
  if (!request) throw notFound("request_not_found");
  return request;
}

export const CLOSED = new Set(["approved", "rejected", "withdrawn"]);

export function isSubmitterSide(
  ctx: ServiceContext,
  request: repo.RequestRow,
  type: AnyRequestType,
): boolean {
  return ctx.actor.unitId === request.submitter_unit_id && can(ctx.actor, type.module, "write");
}

/** The full record of a closed request: what was asked each round and every signed decision. */
export async function requestRecord(db: Trx | ServiceContext["db"], requestId: number) {
  const request = await repo.findRequest(db, requestId);
  if (!request) throw notFound("request_not_found");
  const submissions = await repo.listSubmissions(db, requestId);
  const steps = await repo.listSteps(db, requestId);
  return {
    kind: "edumis.workflow.request",
    request: {
      id: request.id,
      type: request.type_code,
      title: request.title,
      status: request.status,
      chain: request.chain_code,
      chainScope: request.chain_scope,
      subjectUnit: { id: request.subject_unit_id, name: request.subject_unit_name },
      submitterUnit: { id: request.submitter_unit_id, name: request.submitter_unit_name },
      submitterUserId: request.submitter_user_id,
      submittedAt: request.submitted_at.toISOString(),
      closedAt: request.closed_at?.toISOString() ?? null,
    },
    submissions: submissions.map((s) => ({
      round: s.round,
      payload: s.payload,
      contentHash: s.content_hash,
      submittedBy: s.submitted_by_user_id,
      submittedAt: s.submitted_at.toISOString(),
    })),
    steps: steps.map((s) => ({
      round: s.round,
      stepNo: s.step_no,
      level: s.level,
      side: s.side,
      label: s.label,
      actingUnit: { id: s.acting_unit_id, name: s.acting_unit_name },
      status: s.status,
      dueOn: s.due_on,
      decision: s.decision,
      comment: s.comment,
      attachments: s.attachments,
      decidedBy: s.decided_by_user_id,
      decidedAt: s.decided_at?.toISOString() ?? null,
      signedDocument: s.signed_document,
      signature: s.signature,
      algorithm: s.signature_algorithm,
      keyId: s.signing_key_id,
      sealId: s.seal_id,
      personalSignature: s.personal_signature,
      personalKeyId: s.personal_key_id,
    })),
  };
}

export type AllowedAction = "approve" | "reject" | "return" | "resubmit" | "withdraw" | "comment";

function allowedActions(
  ctx: ServiceContext,
  request: repo.RequestRow,
  steps: repo.StepRow[],
  parties: number[],
  separation: { allowed: boolean },
) {
  // A type whose module is no longer loaded can still be read, but nothing can be done with it.
  const type = findRequestType(request.type_code);
  const actions: AllowedAction[] = [];
  if (!type || CLOSED.has(request.status)) return actions;
  const round = steps.filter((s) => s.round === request.round);
  const current = round.find((s) => s.step_no === request.current_step_no && s.status === "pending");
  if (
    current?.acting_unit_id === ctx.actor.unitId &&
    can(ctx.actor, type.module, "approve") &&
    separation.allowed
  ) {
    actions.push("approve", "reject", "return");
  }
  if (isSubmitterSide(ctx, request, type)) {
    if (request.status === "returned") actions.push("resubmit", "withdraw");
    else if (!round.some((s) => s.decision !== null)) actions.push("withdraw");
  }
  const mayComment = can(ctx.actor, "workflow", "write") || can(ctx.actor, "workflow", "approve");
  if (mayComment && parties.includes(ctx.actor.unitId)) actions.push("comment");
  return actions;
}

/** Whether separation of duties lets the caller decide the request's current step. */
async function mayDecideBySeparation(
  ctx: ServiceContext,
  request: repo.RequestRow,
  steps: repo.StepRow[],
  submissions: { submitted_by_user_id: number | null }[],
) {
  const current = steps.find(
    (s) => s.round === request.round && s.step_no === request.current_step_no && s.status === "pending",
  );
  if (!current || CLOSED.has(request.status)) return false;
  const separation = await chainSeparation(ctx.db, request.chain_code, request.chain_scope);
  const facts = separationFacts(request, submissions, steps, current);
  return separationRefusal(ctx.actor, facts, separation) === null;
}

/**
 * getRequest for a reader who sees the payload in full (an approver of a key-field change must
 * read the new identity number): the read is audited like the read of a student's record.
 */
export async function readRequestInFull(ctx: ServiceContext, id: number) {
  const detail = await getRequest(ctx, id);
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: "workflow.request_read",
    module: detail.request.module,
    subjectType: "workflow_request",
    subjectId: id,
    subjectUnitPath: detail.request.subject_unit_path,
  });
  return detail;
}

/** A request with its rounds, steps, comments and what the caller may do with it. */
export async function getRequest(ctx: ServiceContext, id: number) {
  const request = await requireVisible(ctx, ctx.db, id);
  const steps = await repo.listSteps(ctx.db, id);
  const submissions = await repo.listSubmissions(ctx.db, id);
  const comments = await repo.listComments(ctx.db, id);
  const parties = await repo.listPartyUnitIds(ctx.db, id);
  const commenters = parties
    .filter((p) => p.role === "acting" || p.role === "submitter")
    .map((p) => p.unit_id);
  return {
    request,
    steps,
    submissions,
    comments,
    allowedActions: allowedActions(ctx, request, steps, commenters, {
      allowed: await mayDecideBySeparation(ctx, request, steps, submissions),
    }),
    today: todayIso(),
  };
}
