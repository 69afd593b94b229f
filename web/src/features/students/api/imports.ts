/**
 * The student spreadsheet import as a job: upload → the API checks every row and stages it
 * (nothing is registered) → the clerk reads the report → commit registers exactly the ready rows
 * in one transaction. Both steps run off the request; the console polls the import's state.
 */
import { useQuery } from "@tanstack/react-query";
import { apiDownload, apiRequest, apiUpload } from "../../../shared/api/client";

export type ImportPhase = "validating" | "previewed" | "committing" | "committed" | "failed" | "expired";

export interface ImportIssue {
  row: number;
  column: string;
  code: string;
  message: string;
}

export interface DuplicateRow extends ImportIssue {
  relatedRow: number | null;
  relatedStudentId: number | null;
}

export interface ImportReport {
  jobId: number;
  phase: ImportPhase;
  fileName: string | null;
  fileSha256: string;
  format: "csv" | "xlsx";
  encoding: string | null;
  progressDone: number;
  progressTotal: number;
  totalRows: number;
  readyRows: number;
  existingRows: number;
  duplicateCount: number;
  errorRows: number;
  errorCount: number;
  duplicateRows: DuplicateRow[];
  errors: ImportIssue[];
  truncated: boolean;
  committed: boolean;
  created: number;
  problemRecords: number;
  error: string | null;
}

export interface ImportSummary {
  jobId: number;
  phase: ImportPhase;
  fileName: string | null;
  totalRows: number;
  created: number;
  progressDone: number;
  progressTotal: number;
  createdAt: string;
}

/** Phases in which the job is still working: keep asking. */
export const BUSY_PHASES: ReadonlySet<ImportPhase> = new Set(["validating", "committing"]);

export function uploadStudents(
  file: File,
  schoolCode: string | undefined,
  onProgress: (fraction: number) => void,
) {
  return apiUpload<{ jobId: number; phase: ImportPhase }>("/students/imports", file, {
    query: { wait: false, schoolCode },
    onProgress,
  });
}

export function useImport(jobId: number | null) {
  return useQuery({
    queryKey: ["students", "imports", jobId],
    queryFn: () => apiRequest<ImportReport>(`/students/imports/${jobId}`),
    enabled: jobId !== null,
    // While the job works the report is asked for every second; then it stays as it is.
    refetchInterval: (query) => (query.state.data && !BUSY_PHASES.has(query.state.data.phase) ? false : 1000),
    staleTime: 0,
  });
}

export function useRecentImports() {
  return useQuery({
    queryKey: ["students", "imports"],
    queryFn: () => apiRequest<{ items: ImportSummary[] }>("/students/imports"),
  });
}

export const commitImport = (jobId: number, registerDuplicatesAsProblems: boolean) =>
  apiRequest<{ jobId: number; phase: ImportPhase }>(`/students/imports/${jobId}/commit`, {
    method: "POST",
    query: { wait: false, registerDuplicatesAsProblems },
  });

export const downloadImportTemplate = () => apiDownload("/students/template.xlsx", {}, "学生导入模板.xlsx");

export const downloadImportErrors = (jobId: number, format: "xlsx" | "csv") =>
  apiDownload(`/students/imports/${jobId}/errors.${format}`, {}, `导入错误_${jobId}.${format}`);
