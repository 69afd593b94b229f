/**
 * Bulk registration of schools from a spreadsheet (CSV or XLSX, the template's Chinese headers),
 * and export of the schools of a subtree. An import is checked whole first: any bad row and
 * nothing is written, and the report names row, column and problem in Chinese. Schools whose
 * code is already registered are reported as existing and left alone, so uploading the same
 * file twice creates nothing twice.
 */
import { createHash } from "node:crypto";
import { sql } from "kysely";
import { inTransaction } from "../../db/database";
import { AppError, type FieldError } from "../../shared/errors";
import { formatMessage, type Locale } from "../../shared/messages";
import { parseCalendarDate, todayIso } from "../../shared/time";
import { can } from "../access/actor";
import { whereUnitInScope } from "../access/scope";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";
import { validateCreditCode } from "../identifiers/credit-code";
import { validateSchoolCode } from "../identifiers/school-code";
import {
  missingHeaders,
  readSpreadsheet,
  type SheetRow,
  writeCsv,
  writeXlsx,
  type XlsxColumn,
} from "../imports/spreadsheet";
import { loadDepartmentConfig } from "./divisions";

interface Column {
  key: keyof SchoolRow;
  header: string;
  required?: boolean;
  codeSet?: string;
  text?: boolean;
}

/** The school template, in order. Headers carry ★ for required columns, as the national templates do. */
export const SCHOOL_COLUMNS: Column[] = [
  { key: "schoolCode", header: "学校标识码★", required: true, text: true },
  { key: "name", header: "学校名称★", required: true },
  { key: "runningType", header: "办学类型★", required: true, codeSet: "school_running_type" },
  { key: "stages", header: "学段★", required: true, codeSet: "education_stage" },
  { key: "ownership", header: "举办者性质★", required: true, codeSet: "ownership" },
  { key: "creditCode", header: "统一社会信用代码", text: true },
  { key: "address", header: "地址" },
  { key: "divisionCode", header: "所在行政区划代码★", required: true, text: true },
  { key: "parentCode", header: "上级单位代码", text: true },
  { key: "supervisingUnitCode", header: "主管部门代码", text: true },
  { key: "openedOn", header: "开办日期" },
];

interface SchoolRow {
  schoolCode: string;
  name: string;
  runningType: string;
  stages: string;
  ownership: string;
  creditCode: string;
  address: string;
  divisionCode: string;
  parentCode: string;
  supervisingUnitCode: string;
  openedOn: string;
}

export interface RowProblem {
  row: number;
  column: string;
  code: string;
  message: string;
}

export interface SchoolImportReport {
  format: "csv" | "xlsx";
  encoding?: "utf-8" | "gbk" | undefined;
  totalRows: number;
  readyRows: number;
  existingRows: number;
  errors: RowProblem[];
  committed: boolean;
  created: number;
}

interface PreparedSchool {
  row: number;
  unitId?: number;
  values: SchoolRow;
  stages: string[];
  schoolType: string;
  provinceCode: string;
  parentId: number;
  parentPath: string;
  supervisingUnitId: number;
}

interface Lookups {
  divisions: Map<string, string>;
  adminUnits: Map<
    string,
    { id: number; path: string; kind: string; division_code: string | null; status: string }
  >;
  departmentsByCode: Map<string, number>;
  departmentOf: Map<string, number>;
  existingCodes: Set<string>;
  /** Credit code → the school code that holds it. */
  takenCreditCodes: Map<string, string>;
}

const header = (key: keyof SchoolRow) => SCHOOL_COLUMNS.find((c) => c.key === key)!.header.replace("★", "");

async function loadLookups(ctx: ServiceContext, rows: SheetRow[]): Promise<Lookups> {
  const divisions = new Map(
    (await ctx.db.selectFrom("division").select(["code", "province_code"]).execute()).map((d) => [
      d.code,
      d.province_code,
    ]),
  );
  const units = await whereUnitInScope(ctx.db.selectFrom("org_unit"), ctx.actor.scope)
    .where("kind", "in", ["nation", "province", "prefecture", "county", "department"])
    .select(["id", "code", "path", "kind", "division_code", "status", "parent_id", "department_type"])
    .execute();
  const adminUnits = new Map(units.filter((u) => u.kind !== "department").map((u) => [u.code, u]));
  const departments = units.filter((u) => u.kind === "department");
  const codes = rows.map((r) => r.values[header("schoolCode")] ?? "").filter(Boolean);
  const credits = rows.map((r) => (r.values[header("creditCode")] ?? "").toUpperCase()).filter(Boolean);
  const existingCodes = new Set<string>();
  const takenCreditCodes = new Map<string, string>();
  for (let i = 0; i < codes.length; i += 5000) {
    const found = await ctx.db
      .selectFrom("school")
      .select("school_code")
      .where("school_code", "in", codes.slice(i, i + 5000))
      .execute();
    for (const f of found) existingCodes.add(f.school_code);
  }
  for (let i = 0; i < credits.length; i += 5000) {
    const found = await ctx.db
      .selectFrom("school")
      .select(["credit_code", "school_code"])
      .where("credit_code", "in", credits.slice(i, i + 5000))
      .execute();
    for (const f of found) if (f.credit_code) takenCreditCodes.set(f.credit_code, f.school_code);
  }
  return {
    divisions,
    adminUnits,
    departmentsByCode: new Map(departments.map((d) => [d.code, d.id])),
    departmentOf: new Map(departments.map((d) => [`${d.parent_id}|${d.department_type}`, d.id])),
    existingCodes,
    takenCreditCodes,
  };
}

function splitList(value: string): string[] {
  return value
    .split(/[、,，;；\s]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

interface CellProblem {
  field: keyof SchoolRow;
  code: string;
  params: Record<string, string | number>;
}

/** Checks one row against identifiers, code sets and the tree; returns the school or the problems. */
async function checkRow(
  ctx: ServiceContext,
  sheetRow: SheetRow,
  lookups: Lookups,
): Promise<{ school?: PreparedSchool; problems: CellProblem[] }> {
  const problems: CellProblem[] = [];
  const fail = (field: keyof SchoolRow, code: string, params: Record<string, string | number> = {}) => {
    problems.push({ field, code, params });
  };
  const values = Object.fromEntries(
    SCHOOL_COLUMNS.map((c) => [c.key, sheetRow.values[header(c.key)] ?? ""]),
  ) as unknown as SchoolRow;
  for (const column of SCHOOL_COLUMNS) {
    if (column.required && values[column.key] === "") fail(column.key, "field_required");
  }
  const provinceCode = lookups.divisions.get(values.divisionCode);
  if (values.divisionCode && !provinceCode)
    fail("divisionCode", "division_unknown", { code: values.divisionCode });
  let schoolType = "";
  if (values.schoolCode) {
    const checked = validateSchoolCode(values.schoolCode, {
      schoolTypeCodes: new Set(ctx.codes.items("school_type").map((i) => i.code)),
      isKnownProvince: (code) => ctx.codes.isKnownProvince(code),
      ...(provinceCode ? { expectedProvince: provinceCode } : {}),
    });
    if (checked.ok) schoolType = checked.value.schoolType;
    else for (const p of checked.problems) fail("schoolCode", p.code, p.detail);
  }
  const runningType = values.runningType
    ? ctx.codes.resolve("school_running_type", values.runningType)
    : undefined;
  if (values.runningType && !runningType)
    fail("runningType", "code_unknown", { codeSet: "办学类型", value: values.runningType });
  const ownership = values.ownership ? ctx.codes.resolve("ownership", values.ownership) : undefined;
  if (values.ownership && !ownership)
    fail("ownership", "code_unknown", { codeSet: "举办者性质", value: values.ownership });
  const stages: string[] = [];
  for (const stage of splitList(values.stages)) {
    const code = ctx.codes.resolve("education_stage", stage);
    if (code) stages.push(code);
    else fail("stages", "code_unknown", { codeSet: "学段", value: stage });
  }
  if (values.creditCode) {
    values.creditCode = values.creditCode.toUpperCase();
    const checked = validateCreditCode(values.creditCode);
    if (!checked.ok) for (const p of checked.problems) fail("creditCode", p.code, p.detail);
  }
  if (values.openedOn) {
    const normalised = parseCalendarDate(values.openedOn);
    if (normalised) values.openedOn = normalised;
    else fail("openedOn", "date_invalid", { value: values.openedOn });
  }
  const config = await loadDepartmentConfig();
  const parent = lookups.adminUnits.get(values.parentCode || values.divisionCode);
  if (values.divisionCode && provinceCode && !parent) {
    fail("parentCode", "parent_not_found", { parent: values.parentCode || values.divisionCode });
  }
  let supervisingUnitId: number | undefined;
  if (parent) {
    const prefix = parent.division_code?.replace(/(00)+$/, "") ?? "";
    const allowed =
      (parent.kind !== "nation" || config.higherEducationSchoolTypes.includes(schoolType)) &&
      values.divisionCode.startsWith(prefix) &&
      parent.status === "active";
    if (!allowed) fail("parentCode", "parent_kind_invalid", { parentKind: parent.kind });
    if (values.supervisingUnitCode) {
      supervisingUnitId = lookups.departmentsByCode.get(values.supervisingUnitCode);
      if (!supervisingUnitId) fail("supervisingUnitCode", "unit_not_found");
    } else {
      const side = runningType && config.hrssRunningTypes.includes(runningType) ? "hrss" : "education";
      supervisingUnitId = lookups.departmentOf.get(`${parent.id}|${side}`);
      if (!supervisingUnitId) fail("supervisingUnitCode", "unit_not_found");
    }
  }
  const creditOwner = values.creditCode ? lookups.takenCreditCodes.get(values.creditCode) : undefined;
  if (creditOwner && creditOwner !== values.schoolCode) {
    fail("creditCode", "credit_code_taken", { code: values.creditCode });
  }
  for (const problem of sheetRow.readProblems) {
    const column = SCHOOL_COLUMNS.find((c) => header(c.key) === problem.column);
    if (column) fail(column.key, problem.code);
  }
  if (problems.length > 0 || !parent || !provinceCode || !supervisingUnitId || !runningType || !ownership) {
    return { problems };
  }
  values.runningType = runningType;
  values.ownership = ownership;
  const school: PreparedSchool = {
    row: sheetRow.rowNumber,
    values,
    stages,
    schoolType,
    provinceCode,
    parentId: parent.id,
    parentPath: parent.path,
    supervisingUnitId,
  };
  return { school, problems };
}

async function insertPrepared(
  ctx: ServiceContext,
  prepared: PreparedSchool[],
  fileHash: string,
): Promise<void> {
  await inTransaction(ctx.db, async (trx) => {
    for (let i = 0; i < prepared.length; i += 1000) {
      const chunk = prepared.slice(i, i + 1000);
      const ids = await sql<{ id: number }>`
        SELECT nextval(pg_get_serial_sequence('org_unit', 'id'))::bigint AS id FROM generate_series(1, ${chunk.length})`.execute(
        trx,
      );
      chunk.forEach((school, j) => {
        school.unitId = ids.rows[j]!.id;
      });
      const today = todayIso();
      await trx
        .insertInto("org_unit")
        .values(
          chunk.map((s) => ({
            id: s.unitId!,
            kind: "school" as const,
            level: 5,
            code: s.values.schoolCode,
            name: s.values.name,
            parent_id: s.parentId,
            path: `${s.parentPath}${s.unitId}/`,
            province_code: s.provinceCode,
            division_code: s.values.divisionCode,
            department_type: null,
            effective_from: s.values.openedOn || today,
            effective_to: null,
          })),
        )
        .execute();
      await trx
        .insertInto("school")
        .values(
          chunk.map((s) => ({
            unit_id: s.unitId!,
            school_code: s.values.schoolCode,
            school_type: s.schoolType,
            running_type: s.values.runningType,
            stages: s.stages,
            ownership: s.values.ownership as "public" | "private",
            credit_code: s.values.creditCode || null,
            address: s.values.address || null,
            division_code: s.values.divisionCode,
            supervising_unit_id: s.supervisingUnitId,
            opened_on: s.values.openedOn || today,
          })),
        )
        .execute();
      await trx
        .insertInto("org_unit_event")
        .values(
          chunk.map((s) => ({
            unit_id: s.unitId!,
            event_type: "opened" as const,
            effective_on: s.values.openedOn || today,
            details: JSON.stringify({ name: s.values.name, parentId: s.parentId, importFile: fileHash }),
          })),
        )
        .execute();
    }
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "school.import",
      module: "orgs",
      subjectType: "import_file",
      subjectId: fileHash,
      subjectUnitPath: ctx.actor.scope.rootPath,
      detail: { created: prepared.length },
    });
  });
}

/** Checks (and with commit=true, applies) a school spreadsheet. */
export async function importSchools(
  ctx: ServiceContext,
  buffer: Buffer,
  options: { commit: boolean; locale?: Locale },
): Promise<SchoolImportReport> {
  if (!can(ctx.actor, "orgs", "write")) throw new AppError("forbidden", 403);
  const locale = options.locale ?? "zh-CN";
  const sheet = await readSpreadsheet(buffer);
  const missing = missingHeaders(
    sheet,
    SCHOOL_COLUMNS.filter((c) => c.required).map((c) => c.header),
  );
  if (missing.length > 0) {
    throw new AppError(
      "import_headers_invalid",
      400,
      { missing: missing.map((m) => m.replace("★", "")).join("、") },
      [...missing.map((m): FieldError => ({ path: m, code: "field_required" }))],
    );
  }
  if (sheet.rows.length === 0) throw new AppError("import_empty", 400);
  const lookups = await loadLookups(ctx, sheet.rows);
  const errors: RowProblem[] = [];
  const firstRowOfCode = new Map<string, number>();
  const prepared: PreparedSchool[] = [];
  let existingRows = 0;
  const report = (row: number, problem: CellProblem) =>
    errors.push({
      row,
      column: header(problem.field),
      code: problem.code,
      message: formatMessage(problem.code, locale, problem.params),
    });
  for (const sheetRow of sheet.rows) {
    const code = sheetRow.values[header("schoolCode")] ?? "";
    const first = firstRowOfCode.get(code);
    if (code && first !== undefined) {
      report(sheetRow.rowNumber, { field: "schoolCode", code: "duplicate_in_file", params: { row: first } });
      continue;
    }
    if (code) firstRowOfCode.set(code, sheetRow.rowNumber);
    if (lookups.existingCodes.has(code)) {
      existingRows++;
      continue;
    }
    const { school, problems } = await checkRow(ctx, sheetRow, lookups);
    for (const problem of problems) report(sheetRow.rowNumber, problem);
    if (school) prepared.push(school);
  }
  const result: SchoolImportReport = {
    format: sheet.format,
    encoding: sheet.encoding,
    totalRows: sheet.rows.length,
    readyRows: prepared.length,
    existingRows,
    errors,
    committed: false,
    created: 0,
  };
  if (!options.commit || errors.length > 0) return result;
  await insertPrepared(ctx, prepared, createHash("sha256").update(buffer).digest("hex"));
  return { ...result, committed: true, created: prepared.length };
}

/** The empty template with dropdowns of the code sets. */
export async function schoolTemplate(ctx: ServiceContext): Promise<Buffer> {
  const columns: XlsxColumn[] = SCHOOL_COLUMNS.map((c) => ({
    header: c.header,
    text: c.text ?? false,
    ...(c.codeSet && c.key !== "stages"
      ? {
          list: ctx.codes
            .items(c.codeSet)
            .filter((i) => i.isActive && !i.isGroup)
            .map((i) => i.code),
        }
      : {}),
  }));
  return writeXlsx("学校", columns, []);
}

/** The schools of the caller's scope (or a unit within it), in template columns. Audited. */
export async function exportSchools(
  ctx: ServiceContext,
  options: { format: "csv" | "xlsx"; withinPath?: string | undefined },
): Promise<Buffer> {
  let query = whereUnitInScope(ctx.db.selectFrom("org_unit"), ctx.actor.scope)
    .innerJoin("school", "school.unit_id", "org_unit.id")
    .leftJoin("org_unit as parent", "parent.id", "org_unit.parent_id")
    .leftJoin("org_unit as sup", "sup.id", "school.supervising_unit_id")
    .select([
      "school.school_code",
      "org_unit.name",
      "school.running_type",
      "school.stages",
      "school.ownership",
      "school.credit_code",
      "school.address",
      "school.division_code",
      "parent.code as parent_code",
      "sup.code as supervising_code",
      "school.opened_on",
    ])
    .where("org_unit.status", "=", "active")
    .orderBy("org_unit.path");
  if (options.withinPath) query = query.where("org_unit.path", "like", `${options.withinPath}%`);
  const rows = (await query.execute()).map((r) => [
    r.school_code,
    r.name,
    r.running_type,
    r.stages.join("、"),
    r.ownership,
    r.credit_code ?? "",
    r.address ?? "",
    r.division_code,
    r.parent_code ?? "",
    r.supervising_code ?? "",
    r.opened_on ?? "",
  ]);
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: "school.export",
    module: "orgs",
    subjectType: "org_unit",
    subjectUnitPath: options.withinPath ?? ctx.actor.scope.rootPath,
    detail: { rows: rows.length, format: options.format },
  });
  const headers = SCHOOL_COLUMNS.map((c) => c.header);
  if (options.format === "csv") return writeCsv(headers, rows);
  return writeXlsx(
    "学校",
    SCHOOL_COLUMNS.map((c) => ({ header: c.header, text: c.text ?? false })),
    rows,
  );
}
