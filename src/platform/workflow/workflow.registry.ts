/**
 * Request types are registered in code by the module that owns them, in a few lines:
 *
 *   registerRequestType({
 *     code: "student_transfer", module: "students", titleZh: "转学", titleEn: "Transfer",
 *     payloadSchema: z.object({ studentId: z.number(), fromSchoolId: z.number(), toSchoolId: z.number() }),
 *     chain: "transfer",
 *     parties: (p) => ({ receiving: p.toSchoolId, sending: p.fromSchoolId }),
 *     archiveSubjects: (p) => [{ type: "student", id: String(p.studentId) }],
 *     onApproved: async (trx, request, ctx) => moveStudent(ctx, request.payload),
 *   });
 *
 * The chain's steps are data (data/workflow/chains.json); approving needs `<module>:approve`,
 * submitting `<module>:write`.
 *
 * Order of the hooks at submission and at each resubmission: the payload is parsed with
 * `payloadSchema`, then `prepare` completes it on the server (e.g. a transfer derives the sending
 * school from the student the receiving school named, which it cannot see itself), then
 * `validate` checks it and `parties` places it; what `prepare` returned is what is stored, hashed,
 * signed and archived. `onSubmitted` runs in the transaction that stores the round (the request
 * id is known there), `onApproved` / `onRejected` in that of the final decision and `onWithdrawn`
 * in that of the withdrawal, so a module's own state follows the request's without a gap.
 *
 * Titles: `title()` names what the request is about (a student, a report), not its type; lists
 * show the type beside it, and the archive titles the record `<type>：<title>` (requestHeading).
 */
import type { Transaction } from "kysely";
import type { z } from "zod";
import type { DB, RetentionClass, WorkflowSide, WorkflowStatus } from "../../db/schema";
import { unprocessable } from "../../shared/errors";
import type { Actor, Module } from "../access/actor";
import type { ServiceContext } from "../context";
import type { SubjectRef } from "../signing/archive.service";

/** A request as a type's hooks see it. */
export interface WorkflowRequest<P = Record<string, unknown>> {
  id: number;
  typeCode: string;
  title: string;
  status: WorkflowStatus;
  version: number;
  round: number;
  subjectUnitId: number;
  submitterUserId: number | null;
  submitterUnitId: number;
  provinceCode: string | null;
  payload: P;
  contentHash: string;
}

/** Runs inside the transaction of the final decision: its changes commit with the decision. */
export type RequestHook<P> = (
  trx: Transaction<DB>,
  request: WorkflowRequest<P>,
  ctx: ServiceContext,
) => Promise<void>;

export interface RequestTypeDefinition<P extends object> {
  code: string;
  module: Module;
  titleZh: string;
  titleEn: string;
  payloadSchema: z.ZodType<P>;
  /** Code of the chain in data/workflow/chains.json. */
  chain: string;
  /** Unit ids by side; default: the subject is the unit named at submission, or the submitter's. */
  parties?: (payload: P, submitter: Actor) => Partial<Record<WorkflowSide, number>>;
  /**
   * The request's title in lists: whom or what it is about, without the type (lists and the
   * archive add the type); default: the type's Chinese title.
   */
  title?: (payload: P) => string;
  /**
   * Completes or normalises the parsed payload on the server before `validate` and `parties`, at
   * submission and at each resubmission (throw an AppError to refuse). The result is the payload
   * stored for the round. Runs outside the submission's transaction at first submission, inside
   * it at resubmission.
   */
  prepare?: (ctx: ServiceContext, payload: P) => Promise<P>;
  /** Business preconditions checked at submission and resubmission (throw an AppError). */
  validate?: (ctx: ServiceContext, payload: P) => Promise<void>;
  /** What the archived request is about, besides its units (e.g. a student). */
  archiveSubjects?: (payload: P) => SubjectRef[];
  retentionClass?: RetentionClass;
  /** In the transaction that stores a round: at submission and at each resubmission. */
  onSubmitted?: RequestHook<P>;
  onApproved?: RequestHook<P>;
  onRejected?: RequestHook<P>;
  /** In the transaction of the withdrawal (the payload is that of the last round). */
  onWithdrawn?: RequestHook<P>;
}

export type AnyRequestType = RequestTypeDefinition<object>;

const registry = new Map<string, AnyRequestType>();

export function registerRequestType<P extends object>(definition: RequestTypeDefinition<P>): void {
  const existing = registry.get(definition.code);
  // Registering the very same definition twice (a module imported twice) is harmless.
  if (existing && existing !== (definition as unknown as AnyRequestType)) {
    throw new Error(`request type ${definition.code} is already registered`);
  }
  registry.set(definition.code, definition as unknown as AnyRequestType);
}

export function findRequestType(code: string): AnyRequestType | undefined {
  return registry.get(code);
}

export function requireRequestType(code: string): AnyRequestType {
  const type = registry.get(code);
  if (!type) {
    throw unprocessable("request_type_unknown", { type: code }, [
      { path: "type", code: "request_type_unknown", params: { type: code } },
    ]);
  }
  return type;
}

/**
 * A request's title with its type, once: `<type>：<title>`, or the title alone when it is the
 * type's title or already begins with it (the default title, and titles written that way before).
 */
export function requestHeading(type: Pick<AnyRequestType, "titleZh">, title: string): string {
  if (title === type.titleZh || title.startsWith(`${type.titleZh}：`)) return title;
  return `${type.titleZh}：${title}`;
}

export function listRequestTypes(): AnyRequestType[] {
  return [...registry.values()].sort((a, b) => a.code.localeCompare(b.code));
}
