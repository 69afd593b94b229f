/** Request and response shapes of the workflow API; responses are allow-lists of fields. */
import { z } from "zod";
import { pageQuerySchema, pageSchema } from "../../http/pagination";
import { isoDate } from "../../http/zod-app";
import { LEVELS, SIDES } from "./workflow.chains";
import type * as repo from "./workflow.repo";
import type { RequestVerification } from "./workflow.verification";

const sm3Hash = z.string().regex(/^[0-9a-f]{64}$/);
const requestStatus = z.enum(["in_progress", "returned", "approved", "rejected", "withdrawn"]);
const stepStatus = z.enum(["waiting", "pending", "approved", "rejected", "returned", "skipped"]);
const decision = z.enum(["approve", "reject", "return"]);
const unitRef = z.object({ id: z.number(), name: z.string() });
const expectedVersion = z.number().int().positive();
const payloadObject = z.record(z.string(), z.unknown());

export const requestTypeSchema = z.object({
  code: z.string(),
  module: z.string(),
  titleZh: z.string(),
  titleEn: z.string(),
  chain: z.string(),
});

export const submitBody = z.object({
  type: z.string().min(1).max(100),
  payload: payloadObject,
  title: z.string().trim().min(1).max(300).optional(),
  subjectUnitId: z.number().int().positive().optional(),
});

export const actionResult = z.object({ id: z.number(), version: z.number(), status: requestStatus });

export const approveBody = z.object({
  expectedVersion,
  comment: z.string().trim().max(4000).optional(),
  attachments: z.array(sm3Hash).max(20).optional(),
});

/** A rejection or a return must say why. */
export const reasonedDecisionBody = approveBody.extend({ comment: z.string().trim().min(1).max(4000) });

export const resubmitBody = z.object({
  expectedVersion,
  payload: payloadObject,
  title: z.string().trim().min(1).max(300).optional(),
});

export const withdrawBody = z.object({ expectedVersion, reason: z.string().trim().max(1000).optional() });

export const commentBody = z.object({
  body: z.string().trim().min(1).max(4000),
  attachments: z.array(sm3Hash).max(20).optional(),
});

export const requestListQuery = pageQuerySchema.extend({
  status: requestStatus.optional(),
  type: z.string().max(100).optional(),
  submitterUnitId: z.coerce.number().int().positive().optional(),
  subjectUnitId: z.coerce.number().int().positive().optional(),
});

export const requestSummarySchema = z.object({
  id: z.number(),
  type: z.string(),
  title: z.string(),
  status: requestStatus,
  version: z.number(),
  round: z.number(),
  currentStepNo: z.number().nullable(),
  subjectUnit: unitRef,
  submitterUnit: unitRef,
  submittedAt: z.string(),
  closedAt: z.string().nullable(),
});

export function toRequestSummary(row: repo.RequestRow): z.infer<typeof requestSummarySchema> {
  return {
    id: row.id,
    type: row.type_code,
    title: row.title,
    status: row.status,
    version: row.version,
    round: row.round,
    currentStepNo: row.current_step_no,
    subjectUnit: { id: row.subject_unit_id, name: row.subject_unit_name },
    submitterUnit: { id: row.submitter_unit_id, name: row.submitter_unit_name },
    submittedAt: row.submitted_at.toISOString(),
    closedAt: row.closed_at?.toISOString() ?? null,
  };
}

export const requestPage = pageSchema(requestSummarySchema);

const stepSchema = z.object({
  id: z.number(),
  round: z.number(),
  stepNo: z.number(),
  level: z.enum(LEVELS),
  side: z.enum(SIDES),
  label: z.string().nullable(),
  actingUnit: unitRef,
  status: stepStatus,
  limitDays: z.number(),
  startedAt: z.string().nullable(),
  dueOn: z.string().nullable(),
  overdue: z.boolean(),
  decision: decision.nullable(),
  comment: z.string().nullable(),
  attachments: z.array(z.string()),
  decidedAt: z.string().nullable(),
  decidedBy: z.object({ id: z.number(), name: z.string().nullable() }).nullable(),
  signature: z
    .object({
      algorithm: z.string(),
      keyId: z.number(),
      sealId: z.number(),
      sealCode: z.string().nullable(),
      value: z.string(),
      signedDocument: z.string(),
      personal: z.object({ keyId: z.number(), value: z.string() }).nullable(),
    })
    .nullable(),
});

export function toStepDto(step: repo.StepRow, today: string): z.infer<typeof stepSchema> {
  const hasSignature =
    step.signature !== null &&
    step.signing_key_id !== null &&
    step.seal_id !== null &&
    step.signed_document !== null;
  return {
    id: step.id,
    round: step.round,
    stepNo: step.step_no,
    level: step.level,
    side: step.side,
    label: step.label,
    actingUnit: { id: step.acting_unit_id, name: step.acting_unit_name },
    status: step.status,
    limitDays: step.limit_days,
    startedAt: step.started_at?.toISOString() ?? null,
    dueOn: step.due_on,
    overdue: step.status === "pending" && step.due_on !== null && step.due_on < today,
    decision: step.decision,
    comment: step.comment,
    attachments: step.attachments,
    decidedAt: step.decided_at?.toISOString() ?? null,
    decidedBy:
      step.decided_by_user_id === null ? null : { id: step.decided_by_user_id, name: step.decided_by_name },
    signature: hasSignature
      ? {
          algorithm: step.signature_algorithm ?? "",
          keyId: step.signing_key_id!,
          sealId: step.seal_id!,
          sealCode: step.seal_code,
          value: step.signature!,
          signedDocument: step.signed_document!,
          personal:
            step.personal_signature !== null && step.personal_key_id !== null
              ? { keyId: step.personal_key_id, value: step.personal_signature }
              : null,
        }
      : null,
  };
}

export const requestDetailSchema = requestSummarySchema.extend({
  module: z.string(),
  chain: z.string(),
  chainScope: z.string(),
  contentHash: z.string(),
  payload: payloadObject,
  archiveItemId: z.number().nullable(),
  steps: z.array(stepSchema),
  submissions: z.array(
    z.object({
      round: z.number(),
      contentHash: z.string(),
      payload: payloadObject,
      submittedAt: z.string(),
      submittedBy: z.object({ id: z.number(), name: z.string().nullable() }).nullable(),
    }),
  ),
  comments: z.array(
    z.object({
      id: z.number(),
      round: z.number(),
      stepId: z.number().nullable(),
      body: z.string(),
      attachments: z.array(z.string()),
      author: z.object({ id: z.number(), name: z.string(), unitId: z.number(), unitName: z.string() }),
      createdAt: z.string(),
    }),
  ),
  allowedActions: z.array(z.enum(["approve", "reject", "return", "resubmit", "withdraw", "comment"])),
});

export const inboxQuery = pageQuerySchema.extend({
  type: z.string().max(100).optional(),
  minAgeDays: z.coerce.number().int().min(0).max(3650).optional(),
  overdueOnly: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
});

export const pendingStepSchema = z.object({
  requestId: z.number(),
  stepId: z.number(),
  type: z.string(),
  title: z.string(),
  version: z.number(),
  stepNo: z.number(),
  level: z.enum(LEVELS),
  label: z.string().nullable(),
  actingUnit: unitRef,
  subjectUnit: unitRef,
  startedAt: z.string().nullable(),
  dueOn: z.string().nullable(),
  overdue: z.boolean(),
});

type PendingRow = Awaited<ReturnType<typeof repo.inbox>>["rows"][number];

export function toPendingStepDto(row: PendingRow, today: string): z.infer<typeof pendingStepSchema> {
  return {
    requestId: row.request_id,
    stepId: row.step_id,
    type: row.type_code,
    title: row.title,
    version: row.version,
    stepNo: row.step_no,
    level: row.level,
    label: row.label,
    actingUnit: { id: row.acting_unit_id, name: row.acting_unit_name },
    subjectUnit: { id: row.subject_unit_id, name: row.subject_unit_name },
    startedAt: row.started_at?.toISOString() ?? null,
    dueOn: row.due_on,
    overdue: row.due_on !== null && row.due_on < today,
  };
}

export const inboxPage = pageSchema(pendingStepSchema);

export const overdueStepSchema = pendingStepSchema.extend({
  overdueWorkingDays: z.number(),
  escalatedTo: unitRef.nullable(),
});
export const overduePage = pageSchema(overdueStepSchema);

export const statsSchema = z.object({
  today: z.string(),
  units: z.array(
    z.object({
      unit: unitRef,
      pending: z.number(),
      overdue: z.number(),
      oldestStartedAt: z.string().nullable(),
    }),
  ),
  requestsByStatus: z.record(z.string(), z.number()),
});

export const calendarQuery = z.object({ from: isoDate, to: isoDate });
export const calendarSchema = z.object({
  items: z.array(z.object({ day: z.string(), isWorking: z.boolean(), name: z.string(), source: z.string() })),
});
export const deadlineQuery = z.object({
  start: isoDate,
  days: z.coerce.number().int().min(1).max(365),
});

const problemGroup = z.object({ group: z.string(), fields: z.array(z.string()) });
export const verificationSchema = z.object({
  requestId: z.number(),
  ok: z.boolean(),
  checkedSignatures: z.number(),
  steps: z.array(
    z.object({
      stepId: z.number(),
      round: z.number(),
      stepNo: z.number(),
      actingUnitId: z.number(),
      ok: z.boolean(),
      problems: z.array(problemGroup),
    }),
  ),
  archive: z.object({ itemId: z.number(), ok: z.boolean(), problems: z.array(problemGroup) }).nullable(),
});

export function toVerificationDto(result: RequestVerification): z.infer<typeof verificationSchema> {
  return result;
}
