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
  /** The request's title in lists; default: the type's Chinese title. */
  title?: (payload: P) => string;
  /** Business preconditions checked at submission and resubmission (throw an AppError). */
  validate?: (ctx: ServiceContext, payload: P) => Promise<void>;
  /** What the archived request is about, besides its units (e.g. a student). */
  archiveSubjects?: (payload: P) => SubjectRef[];
  retentionClass?: RetentionClass;
  onApproved?: RequestHook<P>;
  onRejected?: RequestHook<P>;
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

export function listRequestTypes(): AnyRequestType[] {
  return [...registry.values()].sort((a, b) => a.code.localeCompare(b.code));
}
