/**
 * The student registry (学籍) under /api/v1/students: search (identity numbers masked by the
 * API), the full record (its read is audited), history, the record as of a date, registration,
 * the problem-record queue, registry cards, and registry changes submitted as workflow requests.
 */
import { type QueryClient, useQuery } from "@tanstack/react-query";
import { apiDownload, apiRequest } from "../../../shared/api/client";
import type { Page } from "../../../shared/api/types";
import type { RequestSummary } from "../../workflow/api/workflow";

export interface StudentRow {
  id: number;
  studentNumber: string;
  name: string;
  sex: string;
  birthDate: string;
  identityNumber: string | null;
  stage: string;
  grade: string;
  className: string | null;
  status: string;
  schoolId: number;
  schoolName: string;
}

export interface Guardian {
  name: string;
  relation: string | null;
  idType: string | null;
  idNumber: string | null;
  phone: string | null;
}

export interface StudentProblemRef {
  id: number;
  kind: string;
  status: string;
  relatedStudentId: number | null;
  /** The approval request resolving (or that resolved) the problem. */
  requestId: number | null;
}

export interface Student {
  id: number;
  studentNumber: string;
  numberKind: "G" | "J" | "L";
  provinceCode: string;
  schoolId: number;
  schoolName: string;
  name: string;
  formerName: string | null;
  sex: string;
  birthDate: string;
  birthplace: string | null;
  nativePlace: string | null;
  ethnicity: string | null;
  nationality: string | null;
  idDocumentType: string;
  identityNumber: string | null;
  idValidUntil: string | null;
  overseasStatus: string | null;
  politicalStatus: string | null;
  healthStatus: string | null;
  householdLocation: string | null;
  householdType: string | null;
  stage: string;
  grade: string;
  className: string | null;
  classNumber: string | null;
  auxNumber: string | null;
  enrolmentMonth: string | null;
  enrolmentMode: string | null;
  attendanceMode: string | null;
  status: string;
  currentAddress: string | null;
  mailingAddress: string | null;
  homeAddress: string | null;
  phone: string | null;
  isOnlyChild: boolean | null;
  hadPreschool: boolean | null;
  leftBehind: string | null;
  isMigrantChild: boolean | null;
  isOrphan: boolean | null;
  isMartyrChild: boolean | null;
  inclusiveSchooling: string | null;
  disabilityType: string | null;
  guardians: Guardian[];
  problems: StudentProblemRef[];
}

export interface StudentEvent {
  id: number;
  changeType: string;
  effectiveOn: string;
  schoolId: number | null;
  schoolName: string | null;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  requestId: number | null;
  createdAt: string;
}

export interface Registration {
  id: number;
  studentNumber: string;
  problems: { kind: string; relatedStudentId: number | null }[];
}

export interface ProblemRow {
  id: number;
  kind: string;
  status: string;
  detail: Record<string, unknown>;
  relatedStudentId: number | null;
  resolution: string | null;
  /** The approval request resolving (or that resolved) the problem. */
  requestId: number | null;
  resolvedAt: string | null;
  studentId: number;
  studentNumber: string;
  name: string;
  identityNumber: string | null;
  schoolId: number;
  schoolName: string;
  createdAt: string;
}

export type ScanReport = Record<
  "duplicate_identity" | "duplicate_person" | "check_character" | "missing_required",
  number
>;

export const PROBLEM_KINDS = [
  "duplicate_identity",
  "duplicate_person",
  "check_character",
  "missing_required",
  "temporary_number",
] as const;
export const PROBLEM_STATUSES = ["open", "resolving", "resolved"] as const;

export interface StudentFilter {
  q?: string;
  schoolId?: number;
  withinUnitId?: number;
  grade?: string;
  className?: string;
  status?: string;
}

export interface ProblemFilter {
  kind?: string;
  status?: string;
  withinUnitId?: number;
  page: number;
  pageSize: number;
}

export const studentKeys = {
  all: ["students"] as const,
  list: (filter: StudentFilter & { page: number; pageSize: number }) => ["students", "list", filter] as const,
  one: (id: number) => ["students", id, "detail"] as const,
  history: (id: number) => ["students", id, "history"] as const,
  requests: (id: number, page: number, pageSize: number) =>
    ["students", id, "requests", page, pageSize] as const,
  asOf: (id: number, date: string) => ["students", id, "as-of", date] as const,
  problems: (filter: ProblemFilter) => ["students", "problems", filter] as const,
};

export function useStudents(filter: StudentFilter & { page: number; pageSize: number }) {
  return useQuery({
    queryKey: studentKeys.list(filter),
    queryFn: () => apiRequest<Page<StudentRow>>("/students", { query: { ...filter } }),
    placeholderData: (previous) => previous,
  });
}

export function useStudent(id: number) {
  return useQuery({
    queryKey: studentKeys.one(id),
    queryFn: () => apiRequest<Student>(`/students/${id}`),
    enabled: id > 0,
  });
}

export function useStudentHistory(id: number) {
  return useQuery({
    queryKey: studentKeys.history(id),
    queryFn: () => apiRequest<{ items: StudentEvent[] }>(`/students/${id}/history`),
    enabled: id > 0,
  });
}

/** The approval requests about a student that the caller may see, newest first. */
export function useStudentRequests(id: number, page: number, pageSize: number) {
  return useQuery({
    queryKey: studentKeys.requests(id, page, pageSize),
    queryFn: () =>
      apiRequest<Page<RequestSummary>>(`/students/${id}/requests`, { query: { page, pageSize } }),
    enabled: id > 0,
    placeholderData: (previous) => previous,
  });
}

export function useStudentAsOf(id: number, date: string | undefined) {
  return useQuery({
    queryKey: studentKeys.asOf(id, date ?? ""),
    queryFn: () =>
      apiRequest<{ registered: boolean; record: Record<string, unknown> | null }>(`/students/${id}/as-of`, {
        query: { date },
      }),
    enabled: id > 0 && date !== undefined,
  });
}

export function useProblems(filter: ProblemFilter) {
  return useQuery({
    queryKey: studentKeys.problems(filter),
    queryFn: () => apiRequest<Page<ProblemRow>>("/students/problems", { query: { ...filter } }),
    placeholderData: (previous) => previous,
  });
}

export const registerStudent = (body: Record<string, string | boolean | null>) =>
  apiRequest<Registration>("/students", { method: "POST", body });

export const scanProblems = (unitId: number) =>
  apiRequest<ScanReport>("/students/problems/scan", { method: "POST", body: { unitId } });

export const issueCard = (id: number) =>
  apiRequest<{ id: number; hash: string; byteSize: number }>(`/students/${id}/card`, { method: "POST" });

/** The printable card is a PDF the API renders inline; the browser opens it in a new tab. */
export const cardUrl = (id: number) => `/api/v1/students/${id}/card.pdf`;

export function exportStudents(
  format: "csv" | "xlsx",
  filter: StudentFilter,
  unmasked: boolean,
): Promise<string> {
  return apiDownload(
    "/students/export",
    { ...filter, format, unmasked: unmasked || undefined },
    `students.${format}`,
  );
}

/** A registry change (学籍异动) is an approval request of the workflow engine. */
export const submitRequest = (body: {
  type: string;
  payload: Record<string, unknown>;
  title?: string;
  subjectUnitId?: number;
}) =>
  apiRequest<{ id: number; version: number; status: string }>("/workflow/requests", { method: "POST", body });

export function invalidateStudents(queryClient: QueryClient): Promise<void> {
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: studentKeys.all }),
    queryClient.invalidateQueries({ queryKey: ["dashboard"] }),
    queryClient.invalidateQueries({ queryKey: ["workflow"] }),
    queryClient.invalidateQueries({ queryKey: ["archive"] }),
  ]).then(() => undefined);
}
