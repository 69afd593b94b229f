/**
 * Export of the student records of a scope (学籍导出) in the import template's columns, as CSV or
 * XLSX, streamed in keyset batches so that a province's records never sit in memory at once.
 * Identity numbers and phones (the student's and the guardians') are masked by the masking policy
 * unless the caller may maintain records and asks for them in full; every export is audited with its filters, its row count and
 * whether it was masked, before the first byte leaves.
 */
import { PassThrough, Readable } from "node:stream";
import ExcelJS from "exceljs";
import type { Selectable } from "kysely";
import type { Executor } from "../../db/database";
import type { StudentTable } from "../../db/schema";
import { can } from "../../platform/access/actor";
import type { Scope } from "../../platform/access/scope";
import { recordAudit } from "../../platform/audit/audit.service";
import type { ServiceContext } from "../../platform/context";
import { kindOfField, maskAs, maskIdentifiersInText } from "../../platform/identifiers/masking-policy";
import { csvCell } from "../../platform/imports/csv-cell";
import { findUnitById } from "../../platform/orgs/orgs.repo";
import { AppError, notFound, unprocessable } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { STUDENT_FIELDS, templateHeader } from "./students.fields";
import { filteredStudents } from "./students.repo";
import { toColumns } from "./students.service";
import type { Guardian, StudentRecord } from "./students.validation";

/** Rows read per query: large enough to amortise the round trip, small enough to stream. */
export const EXPORT_BATCH = 5000;
/** An Excel sheet holds 1,048,576 rows, the header included. */
const XLSX_MAX_ROWS = 1_048_575;

export interface ExportFilter {
  schoolId?: number | undefined;
  withinUnitId?: number | undefined;
  grade?: string | undefined;
  className?: string | undefined;
  status?: string | undefined;
  q?: string | undefined;
}

export interface ExportOptions {
  format: "csv" | "xlsx";
  /** Full identity numbers: needs students:write as well as students:export; audited as such. */
  unmasked?: boolean;
  /** Rows per keyset query (EXPORT_BATCH unless given). */
  batchSize?: number;
}

export interface StudentExport {
  rows: number;
  fileName: string;
  contentType: string;
  stream: Readable;
}

type ExportedStudent = Selectable<StudentTable> & { school_code: string | null };

/**
 * Which student column holds each template field: learnt from toColumns itself (a record whose
 * every field holds its own key), so the export follows the import's mapping exactly.
 */
const COLUMN_OF_FIELD: ReadonlyMap<string, string> = (() => {
  const probe: Record<string, unknown> = {};
  for (const field of STUDENT_FIELDS) probe[field.key] = `§${field.key}`;
  probe.guardians = [];
  const columns = toColumns(probe as unknown as StudentRecord) as Record<string, unknown>;
  const map = new Map<string, string>();
  for (const [column, value] of Object.entries(columns)) {
    if (typeof value === "string" && value.startsWith("§")) map.set(value.slice(1), column);
  }
  return map;
})();

const GUARDIAN_FIELD = /^guardian([12])(Name|Relation|IdType|IdNumber|Phone)$/;
const GUARDIAN_KEYS: Record<string, keyof Guardian> = {
  Name: "name",
  Relation: "relation",
  IdType: "idType",
  IdNumber: "idNumber",
  Phone: "phone",
};

function plainCellOf(student: ExportedStudent, key: string): string {
  if (key === "schoolCode") return student.school_code ?? "";
  const guardian = GUARDIAN_FIELD.exec(key);
  if (guardian) {
    const entry = (student.guardians as Guardian[])[Number(guardian[1]) - 1];
    return entry?.[GUARDIAN_KEYS[guardian[2]!]!] ?? "";
  }
  const column = COLUMN_OF_FIELD.get(key);
  const value = column ? (student as unknown as Record<string, unknown>)[column] : null;
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "是" : "否";
  if (key === "birthDate") return String(value).replaceAll("-", "");
  return String(value);
}

/**
 * The sensitive kind of each template column, by the masking policy (identity numbers, phones of
 * the student and the guardians…), so that a masked export masks what the lists mask.
 */
const KIND_OF_COLUMN = STUDENT_FIELDS.map((field) => kindOfField(field.key));

/** One record's cells; a masked export masks every column the masking policy names. */
export function exportRow(student: ExportedStudent, masked: boolean): string[] {
  return STUDENT_FIELDS.map((field, i) => {
    const value = plainCellOf(student, field.key);
    const kind = KIND_OF_COLUMN[i];
    if (!masked || value === "") return value;
    return kind ? maskAs(kind, value) : maskIdentifiersInText(value);
  });
}

/** The list's filters (students.repo), applied to a keyset scan by id. */
function filtered(db: Executor, scope: Scope, filter: ExportFilter & { withinPath?: string | undefined }) {
  const { schoolId, ...rest } = filter;
  return filteredStudents(db, scope, { ...rest, ...(schoolId ? { schoolIds: [schoolId] } : {}) });
}

async function* studentBatches(
  db: Executor,
  scope: Scope,
  filter: ExportFilter & { withinPath?: string | undefined },
  batchSize: number,
): AsyncGenerator<ExportedStudent[]> {
  let afterId = 0;
  for (;;) {
    const rows = await filtered(db, scope, filter)
      .leftJoin("school", "school.unit_id", "student.school_unit_id")
      .selectAll("student")
      .select("school.school_code")
      .where("student.id", ">", afterId)
      .orderBy("student.id")
      .limit(batchSize)
      .execute();
    if (rows.length === 0) return;
    yield rows;
    afterId = rows[rows.length - 1]!.id;
    if (rows.length < batchSize) return;
  }
}

const HEADERS = STUDENT_FIELDS.map(templateHeader);

async function* csvChunks(
  batches: AsyncGenerator<ExportedStudent[]>,
  masked: boolean,
): AsyncGenerator<string> {
  // The BOM makes Excel read the Chinese text as UTF-8.
  yield `\uFEFF${HEADERS.map(csvCell).join(",")}\r\n`;
  for await (const batch of batches) {
    let chunk = "";
    for (const student of batch) chunk += `${exportRow(student, masked).map(csvCell).join(",")}\r\n`;
    yield chunk;
  }
}

/** XLSX written row by row to the response; every column is text, so no code loses a digit. */
function xlsxStream(batches: AsyncGenerator<ExportedStudent[]>, masked: boolean): Readable {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true });
  const sheet = workbook.addWorksheet("学生", { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = HEADERS.map((header) => ({
    header,
    width: Math.max(12, header.length * 2 + 4),
    style: { numFmt: "@" },
  }));
  const write = async () => {
    for await (const batch of batches) {
      for (const student of batch) sheet.addRow(exportRow(student, masked)).commit();
    }
    sheet.commit();
    await workbook.commit();
  };
  write().catch((error: unknown) =>
    output.destroy(error instanceof Error ? error : new Error(String(error))),
  );
  return output;
}

/** Counts, audits, then streams the records of the filter in the template's columns. */
export async function exportStudents(
  ctx: ServiceContext,
  filter: ExportFilter,
  options: ExportOptions,
): Promise<StudentExport> {
  if (!can(ctx.actor, "students", "export")) throw new AppError("forbidden", 403);
  const unmasked = options.unmasked === true;
  if (unmasked && !can(ctx.actor, "students", "write")) throw new AppError("export_unmasked_forbidden", 403);
  let withinPath: string | undefined;
  if (filter.withinUnitId !== undefined) {
    const unit = await findUnitById(ctx.db, ctx.actor.scope, filter.withinUnitId);
    if (!unit) throw notFound("unit_not_found");
    withinPath = unit.path;
  }
  const scoped = { ...filter, withinPath };
  const { n } = await filtered(ctx.db, ctx.actor.scope, scoped)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const rows = Number(n);
  if (options.format === "xlsx" && rows > XLSX_MAX_ROWS) {
    throw unprocessable("export_too_large_for_xlsx", { max: XLSX_MAX_ROWS });
  }
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: unmasked ? "student.export_unmasked" : "student.export",
    module: "students",
    subjectType: "student",
    subjectUnitPath: withinPath ?? ctx.actor.scope.rootPath,
    detail: { rows, format: options.format, masked: !unmasked, filters: { ...filter } },
  });
  const batches = studentBatches(ctx.db, ctx.actor.scope, scoped, options.batchSize ?? EXPORT_BATCH);
  const stamp = todayIso();
  if (options.format === "csv") {
    return {
      rows,
      fileName: `学生_${stamp}.csv`,
      contentType: "text/csv; charset=utf-8",
      stream: Readable.from(csvChunks(batches, !unmasked)),
    };
  }
  return {
    rows,
    fileName: `学生_${stamp}.xlsx`,
    contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    stream: xlsxStream(batches, !unmasked),
  };
}
