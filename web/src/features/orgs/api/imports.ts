/** The school spreadsheet: template, two-step import (check, then commit), export. */
import { apiDownload, apiUpload } from "../../../shared/api/client";

export interface ImportRowError {
  row: number;
  column: string;
  code: string;
  message: string;
}

export interface ImportReport {
  format: "csv" | "xlsx";
  encoding?: "utf-8" | "gbk";
  totalRows: number;
  readyRows: number;
  existingRows: number;
  errors: ImportRowError[];
  committed: boolean;
  created: number;
}

/** commit=false only checks; commit=true writes every row or none. */
export function uploadSchools(file: File, commit: boolean, onProgress: (fraction: number) => void) {
  return apiUpload<ImportReport>("/schools/import", file, { query: { commit }, onProgress });
}

export function downloadTemplate(): Promise<string> {
  return apiDownload("/schools/template.xlsx", {}, "school-template.xlsx");
}

export function exportSchools(format: "csv" | "xlsx", withinUnitId: number): Promise<string> {
  return apiDownload("/schools/export", { format, withinUnitId }, `schools.${format}`);
}
