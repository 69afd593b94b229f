/**
 * Approval requests of the workflow engine (/api/v1/workflow): the inbox of the caller's unit,
 * the requests of the scope, overdue supervision, one request with its chain, and the actions.
 * Every action carries the version the clerk saw; 409 request_version_conflict means someone
 * acted first, and the page reloads the request to show what happened.
 */
import { type QueryClient, useQuery } from "@tanstack/react-query";
import { apiRequest } from "../../../shared/api/client";
import type { Page } from "../../../shared/api/types";
import type { VerificationProblem } from "../../../shared/ui/VerifiedTag";

export type RequestStatus = "in_progress" | "returned" | "approved" | "rejected" | "withdrawn";
export type StepStatus = "waiting" | "pending" | "approved" | "rejected" | "returned" | "skipped";
export type Decision = "approve" | "reject" | "return";
export type AllowedAction = Decision | "resubmit" | "withdraw" | "comment";

export const REQUEST_STATUSES: RequestStatus[] = [
  "in_progress",
  "returned",
  "approved",
  "rejected",
  "withdrawn",
];

export interface UnitRef {
  id: number;
  name: string;
}

export interface RequestType {
  code: string;
  module: string;
  titleZh: string;
  titleEn: string;
  chain: string;
}

export interface RequestSummary {
  id: number;
  type: string;
  title: string;
  status: RequestStatus;
  version: number;
  round: number;
  currentStepNo: number | null;
  subjectUnit: UnitRef;
  submitterUnit: UnitRef;
  submittedAt: string;
  closedAt: string | null;
}

export interface StepSignature {
  algorithm: string;
  keyId: number;
  sealId: number;
  sealCode: string | null;
  value: string;
  signedDocument: string;
  personal: { keyId: number; value: string } | null;
}

export interface Step {
  id: number;
  round: number;
  stepNo: number;
  level: string;
  side: string;
  label: string | null;
  actingUnit: UnitRef;
  status: StepStatus;
  limitDays: number;
  startedAt: string | null;
  dueOn: string | null;
  overdue: boolean;
  decision: Decision | null;
  comment: string | null;
  attachments: string[];
  decidedAt: string | null;
  decidedBy: { id: number; name: string | null } | null;
  signature: StepSignature | null;
}

export interface Submission {
  round: number;
  contentHash: string;
  payload: Record<string, unknown>;
  submittedAt: string;
  submittedBy: { id: number; name: string | null } | null;
}

export interface RequestComment {
  id: number;
  round: number;
  stepId: number | null;
  body: string;
  attachments: string[];
  author: { id: number; name: string; unitId: number; unitName: string };
  createdAt: string;
}

export interface RequestDetail extends RequestSummary {
  module: string;
  chain: string;
  chainScope: string;
  contentHash: string;
  payload: Record<string, unknown>;
  archiveItemId: number | null;
  steps: Step[];
  submissions: Submission[];
  comments: RequestComment[];
  allowedActions: AllowedAction[];
}

export interface PendingStep {
  requestId: number;
  stepId: number;
  type: string;
  title: string;
  version: number;
  stepNo: number;
  level: string;
  label: string | null;
  actingUnit: UnitRef;
  subjectUnit: UnitRef;
  startedAt: string | null;
  dueOn: string | null;
  overdue: boolean;
}

export interface OverdueStep extends PendingStep {
  overdueWorkingDays: number;
  escalatedTo: UnitRef | null;
}

export interface RequestVerification {
  requestId: number;
  ok: boolean;
  checkedSignatures: number;
  steps: {
    stepId: number;
    round: number;
    stepNo: number;
    actingUnitId: number;
    ok: boolean;
    problems: VerificationProblem[];
  }[];
  archive: { itemId: number; ok: boolean; problems: VerificationProblem[] } | null;
}

export interface Seal {
  id: number;
  sealCode: string;
  unit: UnitRef;
  name: string;
  sealType: string;
  status: "active" | "suspended" | "revoked";
  signatureAlgorithm: string;
}

export interface ActionResult {
  id: number;
  version: number;
  status: RequestStatus;
}

export interface InboxFilter {
  type?: string;
  minAgeDays?: number;
  overdueOnly?: boolean;
  page: number;
  pageSize: number;
}

export interface RequestFilter {
  type?: string;
  status?: RequestStatus;
  page: number;
  pageSize: number;
}

export const workflowKeys = {
  all: ["workflow"] as const,
  types: ["workflow", "types"] as const,
  inbox: (filter: InboxFilter) => ["workflow", "inbox", filter] as const,
  requests: (filter: RequestFilter) => ["workflow", "requests", filter] as const,
  overdue: (paging: { page: number; pageSize: number }) => ["workflow", "overdue", paging] as const,
  request: (id: number) => ["workflow", "request", id] as const,
  verification: (id: number) => ["workflow", "request", id, "verification"] as const,
};

export function useRequestTypes() {
  return useQuery({
    queryKey: workflowKeys.types,
    queryFn: () => apiRequest<{ items: RequestType[] }>("/workflow/types"),
    staleTime: Number.POSITIVE_INFINITY,
  });
}

export function useInbox(filter: InboxFilter) {
  return useQuery({
    queryKey: workflowKeys.inbox(filter),
    queryFn: () =>
      apiRequest<Page<PendingStep>>("/workflow/inbox", {
        // The API takes "true"/"false"; an unticked box means no filter at all.
        query: { ...filter, overdueOnly: filter.overdueOnly ? "true" : undefined },
      }),
    placeholderData: (previous) => previous,
  });
}

export function useRequests(filter: RequestFilter) {
  return useQuery({
    queryKey: workflowKeys.requests(filter),
    queryFn: () => apiRequest<Page<RequestSummary>>("/workflow/requests", { query: { ...filter } }),
    placeholderData: (previous) => previous,
  });
}

export function useOverdue(paging: { page: number; pageSize: number }) {
  return useQuery({
    queryKey: workflowKeys.overdue(paging),
    queryFn: () => apiRequest<Page<OverdueStep>>("/workflow/overdue", { query: { ...paging } }),
    placeholderData: (previous) => previous,
  });
}

export function useRequest(id: number) {
  return useQuery({
    queryKey: workflowKeys.request(id),
    queryFn: () => apiRequest<RequestDetail>(`/workflow/requests/${id}`),
    enabled: id > 0,
  });
}

/** Every signature of the request re-checked by the server; asked again after each decision. */
export function useVerification(id: number, enabled: boolean) {
  return useQuery({
    queryKey: workflowKeys.verification(id),
    queryFn: () => apiRequest<RequestVerification>(`/workflow/requests/${id}/verification`),
    enabled: id > 0 && enabled,
    staleTime: 0,
  });
}

export function useSeal(id: number | null | undefined) {
  return useQuery({
    queryKey: ["seals", id],
    queryFn: () => apiRequest<Seal>(`/seals/${id}`),
    enabled: typeof id === "number" && id > 0,
    staleTime: 10 * 60_000,
  });
}

export const decide = (id: number, decision: Decision, body: { expectedVersion: number; comment?: string }) =>
  apiRequest<ActionResult>(`/workflow/requests/${id}/${decision}`, { method: "POST", body });

export const withdrawRequest = (id: number, body: { expectedVersion: number; reason?: string }) =>
  apiRequest<ActionResult>(`/workflow/requests/${id}/withdraw`, { method: "POST", body });

export const resubmitRequest = (
  id: number,
  body: { expectedVersion: number; payload: Record<string, unknown>; title?: string },
) => apiRequest<ActionResult>(`/workflow/requests/${id}/resubmit`, { method: "POST", body });

export const addComment = (id: number, body: string) =>
  apiRequest<{ id: number }>(`/workflow/requests/${id}/comments`, { method: "POST", body: { body } });

/** After an action the request, the lists, the figures and the audit trail are all stale. */
export function invalidateWorkflow(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: workflowKeys.all }),
    queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
    queryClient.invalidateQueries({ queryKey: ["audit"] }),
    queryClient.invalidateQueries({ queryKey: ["students"] }),
    queryClient.invalidateQueries({ queryKey: ["archive"] }),
  ]).then(() => undefined);
}

/** The student a request is about, for showing name, number and school instead of an id. */
export interface StudentBrief {
  id: number;
  studentNumber: string;
  name: string;
  schoolId: number;
  schoolName: string;
  grade: string;
  className: string | null;
  status: string;
}

/** GET /students/:id is the only way to a student by id; the API records the read (audited). */
export function useStudentBrief(id: number | undefined, enabled: boolean) {
  return useQuery({
    queryKey: ["students", id, "detail"],
    queryFn: () => apiRequest<StudentBrief>(`/students/${id}`),
    enabled: enabled && typeof id === "number" && id > 0,
    retry: false,
  });
}
