import type { Readable } from "node:stream";
import { CompiledQuery, type Kysely, sql } from "kysely";
import type { QueryResultRow } from "pg";
import { type Database, type Executor, inTransaction } from "../../db/database";
import type { DB, StudentImportPhase } from "../../db/schema";
import { can } from "../../platform/access/actor";
import { schoolInScope, whereUnitInScope } from "../../platform/access/scope";
import { recordAudit } from "../../platform/audit/audit.service";
import type { CodeRegistry } from "../../platform/codes/codes.service";
import type { ServiceContext } from "../../platform/context";
import { copyText } from "../../platform/imports/copy";
import { importLimits } from "../../platform/imports/limits";
import { sheetStream, writeXlsx, type XlsxColumn } from "../../platform/imports/spreadsheet";
import { runTask, type WorkerTask } from "../../platform/imports/worker-pool";
import { createJob, registerJobRunner, setProgress } from "../../platform/jobs/jobs.service";
import { AppError, conflict, notFound, publicErrorCode, unprocessable } from "../../shared/errors";
import { formatMessage, type Locale } from "../../shared/messages";
import { todayIso } from "../../shared/time";
import { bulkModeWorthIt, type Relaxed, relax, restore, type SqlRunner } from "./students.bulk";
import { STUDENT_FIELDS, type StudentField, templateHeader } from "./students.fields";
import { type DuplicateHolder, duplicateHolders, holderParams } from "./students.holders";
import {
  CHECK_CHARACTERS,
  CheckerDisagreement,
  COLUMN_TYPES,
  IDENTITY_WEIGHTS,
  type OpenedSheet,
  SCHOOL_FIELD,
  STAGED_COLUMNS,
  STUDENT_COLUMNS,
  type ValidatorChoice,
} from "./students.import.rows";
import type { PreviewTaskInput, PreviewTaskItem } from "./students.import.task";
import { IN_SCHOOL, type RegistrySchool, resolveSchool } from "./students.service";
import { type FieldProblem, RESIDENT_ID_CARD } from "./students.validation";

export const IMPORT_JOB_KIND = "student_import";
/** The worker task of the preview's row path. */
const PREVIEW_TASK = new URL("./students.import.task.ts", import.meta.url);
const ADMISSION = "11";
const SHEET_NAME = "学生";
/** Progress is written to the job at most this often (rows). */
const PROGRESS_EVERY = 20_000;
/** Rows inserted per statement at commit: the unit of progress, all in one transaction. */
const COMMIT_CHUNK_ROWS = 200_000;
/** The report lists at most this many errors and duplicates; the error file has them all. */
const REPORT_LIMIT = 5000;
/** Previews nobody committed are dropped after this long. */
const STALE_AFTER_HOURS = 72;

// ---------------------------------------------------------------------------------------------
// Template
// ---------------------------------------------------------------------------------------------

/** Kinds whose cells must stay text in Excel: codes, numbers and dates lose digits otherwise. */
const TEXT_KINDS = new Set(["code", "date", "month", "division", "division12", "phone", "document"]);
const TEXT_KEYS = new Set(["schoolCode", "auxNumber", "classNumber", "idValidUntil"]);

/** Dropdown items: "code label" for code sets (accepted back on import), 是/否 for yes/no. */
function dropdownOf(codes: CodeRegistry, field: StudentField): string[] | undefined {
  if (field.kind === "yesNo") return ["是", "否"];
  if (field.kind !== "code" || !field.codeSet || !codes.hasSet(field.codeSet)) return undefined;
  return codes
    .items(field.codeSet)
    .filter((item) => item.isActive && !item.isGroup)
    .map((item) => `${item.code} ${item.labelZh}`);
}

export function templateColumns(codes: CodeRegistry): XlsxColumn[] {
  return STUDENT_FIELDS.map((field) => {
    const list = dropdownOf(codes, field);
    return {
      header: templateHeader(field),
      text: TEXT_KINDS.has(field.kind) || TEXT_KEYS.has(field.key),
      ...(list ? { list } : {}),
    };
  });
}

/** The empty import template: the national headers in order, ★ on required columns. */
export function studentTemplate(codes: CodeRegistry): Promise<Buffer> {
  return writeXlsx(SHEET_NAME, templateColumns(codes), []);
}

// ---------------------------------------------------------------------------------------------
// Schools of the rows, loaded once per code and only within the caller's scope
// ---------------------------------------------------------------------------------------------

class SchoolDirectory {
  private readonly known = new Map<string, RegistrySchool | null>();

  constructor(
    private readonly ctx: ServiceContext,
    readonly fallback: RegistrySchool | null,
  ) {}

  async load(codes: Iterable<string>): Promise<void> {
    const wanted = [...new Set(codes)].filter((c) => c !== "" && !this.known.has(c));
    for (let i = 0; i < wanted.length; i += 1000) {
      const slice = wanted.slice(i, i + 1000);
      const rows = await whereUnitInScope(this.ctx.db.selectFrom("org_unit"), this.ctx.actor.scope)
        .innerJoin("school", "school.unit_id", "org_unit.id")
        .select([
          "org_unit.id",
          "org_unit.path",
          "org_unit.name",
          "org_unit.division_code",
          "org_unit.province_code",
          "school.school_code",
          "school.stages",
        ])
        .where("org_unit.kind", "=", "school")
        .where("org_unit.status", "=", "active")
        .where("school.school_code", "in", slice)
        .execute();
      for (const code of slice) this.known.set(code, null);
      for (const r of rows) {
        this.known.set(r.school_code, {
          id: r.id,
          path: r.path,
          name: r.name,
          divisionCode: r.division_code ?? "",
          provinceCode: r.province_code ?? "",
          stages: r.stages ?? [],
        });
      }
    }
  }

  /** The school of a row: its own code, else the default; a problem when neither resolves. */
  schoolOf(code: string): RegistrySchool | FieldProblem {
    if (code === "") return this.fallback ?? { field: "schoolCode", code: "school_required" };
    return this.known.get(code) ?? { field: "schoolCode", code: "school_not_found", params: { code } };
  }
}

// ---------------------------------------------------------------------------------------------
// Staging
// ---------------------------------------------------------------------------------------------

export function stagingTableName(jobId: number): string {
  return `student_import_row_${Math.trunc(jobId)}`;
}

function stagingTable(jobId: number) {
  return sql.table(stagingTableName(jobId));
}

async function createStagingTable(db: Executor, jobId: number): Promise<void> {
  const columns = STUDENT_COLUMNS.map((c) => `${c} ${COLUMN_TYPES[c] ?? "text"}`).join(",\n      ");
  // UNLOGGED: a million rows without WAL; the rows are lost on a crash, which commit detects.
  await sql`
    CREATE UNLOGGED TABLE ${stagingTable(jobId)} (
      row_number integer NOT NULL,
      school_unit_id bigint NOT NULL,
      province_code text NOT NULL,
      division_code text NOT NULL,
      stage text NOT NULL,
      ${sql.raw(columns)},
      flag text,
      related_student_id bigint,
      related_row integer
    )`.execute(db);
}

async function dropStagingTable(db: Executor, jobId: number): Promise<void> {
  await sql`DROP TABLE IF EXISTS ${stagingTable(jobId)}`.execute(db);
}

// ---------------------------------------------------------------------------------------------
// Preview
// ---------------------------------------------------------------------------------------------

interface Issue {
  row: number;
  field: string;
  code: string;
  params?: Record<string, string | number>;
}

interface PreviewTally {
  /** The check that decided the rows: "reference" also after the fast check disagreed once. */
  checker: ValidatorChoice;
  totalRows: number;
  stagedRows: number;
  errorRows: number;
  issues: Issue[];
}

export interface PreviewOptions {
  fileName?: string | undefined;
  /** The school of rows without a 学校标识码 (importers above school level). */
  schoolCode?: string | undefined;
  /**
   * The caller hands the file over: its memory is moved to the worker, not copied (the buffer
   * is empty afterwards). The upload route does; callers that keep using the buffer do not.
   */
  transferFile?: boolean;
  /** "reference" checks every row with checkStudentRecord alone (slower; for comparison). */
  validator?: ValidatorChoice;
  locale?: Locale;
}

function requireWrite(ctx: ServiceContext): void {
  if (!can(ctx.actor, "students", "write")) throw new AppError("forbidden", 403);
}

/** The default school of rows without a school code, or null when each row must name one. */
async function defaultSchool(
  ctx: ServiceContext,
  sheet: Pick<OpenedSheet, "present">,
  schoolCode: string | undefined,
): Promise<RegistrySchool | null> {
  if (schoolCode) return resolveSchool(ctx, ctx.db, schoolCode);
  if (ctx.actor.scope.side === "school") return resolveSchool(ctx, ctx.db, null);
  if (!sheet.present[SCHOOL_FIELD]) {
    throw unprocessable("school_required", {}, [{ path: "schoolCode", code: "school_required" }]);
  }
  return null;
}
type PreviewTask = WorkerTask<PreviewTaskItem>;

/** Starts the row path of a preview in a worker; its schools are answered by `schools()`. */
function startPreviewTask(
  ctx: ServiceContext,
  buffer: Buffer,
  validator: ValidatorChoice,
  schools: () => SchoolDirectory,
  timings?: PhaseTimings,
  transfer = false,
): PreviewTask {
  const input: PreviewTaskInput = {
    buffer,
    codes: ctx.codes.toSnapshot(),
    today: Date.now(),
    validator,
    limits: importLimits(),
  };
  const owned = buffer.byteOffset === 0 && buffer.byteLength === buffer.buffer.byteLength;
  const moved = transfer && owned && buffer.buffer instanceof ArrayBuffer ? [buffer.buffer] : [];
  const handlers = {
    schools: async (codes: string[]) => {
      const started = performance.now();
      const directory = schools();
      await directory.load(codes);
      if (timings)
        timings["stage.schoolLookup"] = (timings["stage.schoolLookup"] ?? 0) + performance.now() - started;
      return codes.map((code) => directory.schoolOf(code));
    },
  };
  return runTask<PreviewTaskItem>(PREVIEW_TASK, "previewRows", input, handlers, moved);
}

/** The opening item of a preview task: the file's format and headers, or why it is refused. */
async function openedBy(task: PreviewTask): Promise<Extract<PreviewTaskItem, { kind: "opened" }>> {
  const first = await task.next();
  if (first.done || first.value.kind !== "opened") throw new Error("preview task did not open the file");
  return first.value;
}

/**
 * Yields the COPY lines of the clean rows as the worker checks them; problems go to the tally.
 * The worker holds the rows' reading and checking; here only the database is touched.
 */
async function* checkedLines(
  ctx: ServiceContext,
  jobId: number,
  task: PreviewTask,
  estimatedRows: number,
  tally: PreviewTally,
  timings?: PhaseTimings,
): AsyncGenerator<Buffer> {
  let reported = 0;
  const spent = { parse: 0, check: 0 };
  let disagreed = false;
  try {
    // Not `for await`, which would end the task on leaving the loop: after a disagreement the
    // same task reads the file again with the reference check.
    for (let next = await task.next(); !next.done; next = await task.next()) {
      const item = next.value;
      if (item.kind === "disagreement") {
        disagreed = true;
        throw new CheckerDisagreement();
      }
      if (item.kind !== "batch") continue;
      spent.parse += item.parse;
      spent.check += item.check;
      tally.totalRows += item.rows;
      tally.stagedRows += item.staged;
      tally.errorRows += item.errorRows;
      for (const issue of item.issues) tally.issues.push(issue);
      if (item.bytes) yield item.bytes as Buffer;
      if (tally.totalRows - reported >= PROGRESS_EVERY) {
        reported = tally.totalRows;
        await setProgress(ctx.db, jobId, tally.totalRows, Math.max(estimatedRows, tally.totalRows));
      }
    }
  } finally {
    if (!disagreed) await task.return();
  }
  if (timings) {
    timings["stage.parseCsv"] = (timings["stage.parseCsv"] ?? 0) + spent.parse;
    timings["stage.checkAndFormat"] = (timings["stage.checkAndFormat"] ?? 0) + spent.check;
  }
}

/** Reads, checks and stages every row; restarts with the reference check on a disagreement. */
async function stageRows(
  ctx: ServiceContext,
  database: Database,
  jobId: number,
  started: { task: PreviewTask; estimatedRows: number },
  schools: SchoolDirectory,
  validator: ValidatorChoice,
  timings?: PhaseTimings,
): Promise<PreviewTally> {
  const tally: PreviewTally = { checker: validator, totalRows: 0, stagedRows: 0, errorRows: 0, issues: [] };
  try {
    await copyText(
      database,
      stagingTableName(jobId),
      STAGED_COLUMNS,
      checkedLines(ctx, jobId, started.task, started.estimatedRows, tally, timings),
    );
    return tally;
  } catch (error) {
    if (!(error instanceof CheckerDisagreement)) throw error;
    await sql`TRUNCATE ${stagingTable(jobId)}`.execute(ctx.db);
    return stageRows(ctx, database, jobId, started, schools, "reference", timings);
  }
}

async function saveIssues(db: Executor, jobId: number, issues: Issue[], kind: "error"): Promise<void> {
  for (let i = 0; i < issues.length; i += 2000) {
    await db
      .insertInto("student_import_issue")
      .values(
        issues.slice(i, i + 2000).map((issue, j) => ({
          job_id: jobId,
          seq: i + j + 1,
          row_number: issue.row,
          field: issue.field,
          code: issue.code,
          kind,
          params: JSON.stringify(issue.params ?? {}),
          related_student_id: null,
          related_row: null,
        })),
      )
      .execute();
  }
}

/**
 * Duplicate checks as joins over the staged rows, in order of precedence: already registered at
 * the same school (existing: skipped), duplicate within the file, registered elsewhere.
 */
async function flagDuplicates(db: Executor, jobId: number): Promise<void> {
  const stg = stagingTable(jobId);
  await inTransaction(db, async (trx) => {
    // Hash joins and aggregates over a million staged rows need more than the default 4 MB.
    await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
    await sql`
      UPDATE ${stg} AS r
      SET flag = CASE WHEN m.same_school THEN 'existing' ELSE 'duplicate_identity' END,
          related_student_id = m.student_id
      FROM (
        SELECT r2.row_number, bool_or(s.school_unit_id = r2.school_unit_id) AS same_school,
          coalesce(min(s.id) FILTER (WHERE s.school_unit_id = r2.school_unit_id), min(s.id)) AS student_id
        FROM ${stg} r2 JOIN student s ON s.identity_number = r2.identity_number
        WHERE r2.id_document_type = ${RESIDENT_ID_CARD}
        GROUP BY r2.row_number) m
      WHERE r.row_number = m.row_number`.execute(trx);
    await sql`
      UPDATE ${stg} AS r
      SET flag = CASE WHEN m.same_school THEN 'existing' ELSE 'duplicate_person' END,
          related_student_id = m.student_id
      FROM (
        SELECT r2.row_number, bool_or(s.school_unit_id = r2.school_unit_id) AS same_school,
          coalesce(min(s.id) FILTER (WHERE s.school_unit_id = r2.school_unit_id), min(s.id)) AS student_id
        FROM ${stg} r2
        JOIN student s ON s.name = r2.name AND s.birth_date = r2.birth_date AND s.sex = r2.sex
        WHERE r2.id_document_type <> ${RESIDENT_ID_CARD}
        GROUP BY r2.row_number) m
      WHERE r.row_number = m.row_number`.execute(trx);
    await sql`
      UPDATE ${stg} AS r
      SET flag = 'duplicate_in_file', related_row = d.first_row, related_student_id = NULL
      FROM (
        SELECT identity_number, min(row_number) AS first_row FROM ${stg}
        WHERE id_document_type = ${RESIDENT_ID_CARD}
        GROUP BY identity_number HAVING count(*) > 1) d
      WHERE r.id_document_type = ${RESIDENT_ID_CARD} AND r.identity_number = d.identity_number
        AND r.row_number > d.first_row AND r.flag IS DISTINCT FROM 'existing'`.execute(trx);
    // Without an identity number, the same name, sex and birth date as an earlier row, or as any
    // row with one, is the same person entered twice.
    await sql`
      UPDATE ${stg} AS r
      SET flag = 'duplicate_in_file', related_row = d.other_row, related_student_id = NULL
      FROM (
        SELECT n.row_number, min(o.row_number) AS other_row
        FROM ${stg} n
        JOIN ${stg} o ON o.name = n.name AND o.birth_date = n.birth_date AND o.sex = n.sex
          AND o.row_number <> n.row_number
        WHERE n.id_document_type <> ${RESIDENT_ID_CARD}
          AND (o.row_number < n.row_number OR o.id_document_type = ${RESIDENT_ID_CARD})
        GROUP BY n.row_number) d
      WHERE r.row_number = d.row_number AND r.flag IS DISTINCT FROM 'existing'`.execute(trx);
  });
}

/** The suspected duplicates become issues of the job, so the report outlives the staging table. */
async function saveDuplicateIssues(db: Executor, jobId: number, firstSeq: number): Promise<void> {
  await sql`
    INSERT INTO student_import_issue
      (job_id, seq, row_number, field, code, kind, params, related_student_id, related_row)
    SELECT ${jobId}::bigint, ${firstSeq}::int + row_number() OVER (ORDER BY row_number)::int, row_number,
      CASE WHEN id_document_type = ${RESIDENT_ID_CARD} THEN 'identityNumber' ELSE 'name' END,
      flag, 'duplicate',
      CASE WHEN flag = 'duplicate_in_file' THEN jsonb_build_object('row', related_row)
           ELSE jsonb_build_object('studentId', related_student_id) END,
      related_student_id, related_row
    FROM ${stagingTable(jobId)}
    WHERE flag IN ('duplicate_in_file', 'duplicate_identity', 'duplicate_person')`.execute(db);
}

interface StagedCounts {
  staged: number;
  ready: number;
  existing: number;
  duplicates: number;
}

async function countStaged(db: Executor, jobId: number): Promise<StagedCounts> {
  const { rows } = await sql<StagedCounts>`
    SELECT count(*)::int AS staged,
      count(*) FILTER (WHERE flag IS NULL)::int AS ready,
      count(*) FILTER (WHERE flag = 'existing')::int AS existing,
      count(*) FILTER (
        WHERE flag IN ('duplicate_in_file', 'duplicate_identity', 'duplicate_person'))::int AS duplicates
    FROM ${stagingTable(jobId)}`.execute(db);
  return rows[0]!;
}

export type { ValidatorChoice } from "./students.import.rows";

export interface PhaseTimings {
  [phase: string]: number;
}

async function timed<T>(
  timings: PhaseTimings | undefined,
  phase: string,
  work: () => Promise<T>,
): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    if (timings) timings[phase] = (timings[phase] ?? 0) + performance.now() - started;
  }
}

async function startJob(
  ctx: ServiceContext,
  sheet: Pick<OpenedSheet, "format" | "encoding" | "estimatedRows">,
  file: { sha256: string; name: string | undefined },
  schoolCode: string | undefined,
): Promise<number> {
  const jobId = await createJob(ctx, {
    kind: IMPORT_JOB_KIND,
    module: "students",
    unitId: ctx.actor.unitId,
    params: { fileName: file.name ?? null, fileSha256: file.sha256, schoolCode: schoolCode ?? null },
    total: sheet.estimatedRows,
  });
  await ctx.db.updateTable("job").set({ status: "running" }).where("id", "=", jobId).execute();
  await ctx.db
    .insertInto("student_import")
    .values({
      job_id: jobId,
      phase: "validating",
      file_name: file.name ?? null,
      file_sha256: file.sha256,
      file_format: sheet.format,
      file_encoding: sheet.encoding ?? null,
      staging_table: stagingTableName(jobId),
      register_duplicates: null,
      created_by: ctx.actor.userId,
      committed_at: null,
    })
    .execute();
  return jobId;
}

async function failJob(
  ctx: ServiceContext,
  jobId: number,
  phase: StudentImportPhase,
  error: unknown,
): Promise<void> {
  // Shown in the import's report: a stable code; the error itself goes to the log.
  const message = publicErrorCode(error);
  if (!(error instanceof AppError)) console.error(`student import ${jobId} failed`, error);
  await ctx.db
    .updateTable("student_import")
    .set({ phase, updated_at: sql`now()` })
    .where("job_id", "=", jobId)
    .execute();
  await ctx.db
    .updateTable("job")
    .set({ status: "failed", error: message.slice(0, 1000), finished_at: new Date(), updated_at: sql`now()` })
    .where("id", "=", jobId)
    .execute();
}

async function runPreview(
  ctx: ServiceContext,
  database: Database,
  jobId: number,
  started: { task: PreviewTask; estimatedRows: number },
  schools: SchoolDirectory,
  options: PreviewOptions & { timings?: PhaseTimings },
): Promise<void> {
  const { timings } = options;
  await createStagingTable(ctx.db, jobId);
  const tally = await timed(timings, "parseValidateStage", () =>
    stageRows(ctx, database, jobId, started, schools, options.validator ?? "fast", timings),
  );
  await timed(timings, "checks", async () => {
    await saveIssues(ctx.db, jobId, tally.issues, "error");
    // Fresh statistics, so that the duplicate joins are planned for the real row count.
    await sql`ANALYZE ${stagingTable(jobId)}`.execute(ctx.db);
    await flagDuplicates(ctx.db, jobId);
    await saveDuplicateIssues(ctx.db, jobId, tally.issues.length);
  });
  const counts = await countStaged(ctx.db, jobId);
  await ctx.db
    .updateTable("student_import")
    .set({
      phase: "previewed",
      total_rows: tally.totalRows,
      staged_rows: counts.staged,
      ready_rows: counts.ready,
      existing_rows: counts.existing,
      duplicate_rows: counts.duplicates,
      error_rows: tally.errorRows,
      updated_at: sql`now()`,
    })
    .where("job_id", "=", jobId)
    .execute();
  await ctx.db
    .updateTable("job")
    .set({
      status: "succeeded",
      progress_done: tally.totalRows,
      progress_total: tally.totalRows,
      result: JSON.stringify({
        phase: "previewed",
        ...counts,
        errorRows: tally.errorRows,
        totalRows: tally.totalRows,
        checker: tally.checker,
      }),
      finished_at: new Date(),
      updated_at: sql`now()`,
    })
    .where("id", "=", jobId)
    .execute();
}

export interface StartedImport {
  jobId: number;
  /** Settles when the preview is done; the report, or the reason it failed. */
  finished: Promise<ImportReport>;
}

/**
 * Starts the preview of an uploaded file: the headers and the default school are checked at
 * once (a wrong file is refused before any job exists); the rows are checked by `finished`.
 */
export async function startImport(
  ctx: ServiceContext,
  database: Database,
  buffer: Buffer,
  options: PreviewOptions & { timings?: PhaseTimings } = {},
): Promise<StartedImport> {
  requireWrite(ctx);
  await purgeStaleImports(ctx.db);
  let schools: SchoolDirectory | undefined;
  const directory = () => {
    if (!schools) throw new Error("schools asked for before the file was opened");
    return schools;
  };
  const task = startPreviewTask(
    ctx,
    buffer,
    options.validator ?? "fast",
    directory,
    options.timings,
    options.transferFile === true,
  );
  let jobId: number;
  let sheet: Awaited<ReturnType<typeof openedBy>>;
  try {
    sheet = await timed(options.timings, "open", () => openedBy(task));
    schools = new SchoolDirectory(ctx, await defaultSchool(ctx, sheet, options.schoolCode));
    jobId = await startJob(ctx, sheet, { sha256: sheet.sha256, name: options.fileName }, options.schoolCode);
  } catch (error) {
    await task.return();
    throw error;
  }
  const started = { task, estimatedRows: sheet.estimatedRows };
  const finished = runPreview(ctx, database, jobId, started, schools, options).then(
    () => getImport(ctx, jobId, options.locale ?? "zh-CN"),
    async (error: unknown) => {
      await dropStagingTable(ctx.db, jobId).catch(() => undefined);
      await failJob(ctx, jobId, "failed", error);
      throw error;
    },
  );
  return { jobId, finished };
}

/** Checks a file and stages its rows; the report of what a commit would do. */
export async function previewImport(
  ctx: ServiceContext,
  database: Database,
  buffer: Buffer,
  options: PreviewOptions & { timings?: PhaseTimings } = {},
): Promise<ImportReport> {
  const { finished } = await startImport(ctx, database, buffer, options);
  return finished;
}

// ---------------------------------------------------------------------------------------------
// Commit
// ---------------------------------------------------------------------------------------------

/** ISO 7064 MOD 11-2 check character of a 17-digit SQL text expression, computed in SQL. */
function checkCharacterSql(first17: string): string {
  const sum = IDENTITY_WEIGHTS.map((w, i) => `substr(${first17}, ${i + 1}, 1)::int * ${w}`).join(" + ");
  return `substr('${CHECK_CHARACTERS}', ((${sum}) % 11) + 1, 1)`;
}

/** Rows a commit creates: the ready ones, and with the flag the suspected duplicates too. */
function createdRows(register: boolean) {
  return register
    ? sql`(r.flag IS NULL OR r.flag IN ('duplicate_identity', 'duplicate_person'))`
    : sql`r.flag IS NULL`;
}

async function createNumberTable(trx: Executor): Promise<void> {
  await sql`
    CREATE TEMP TABLE student_import_number (
      row_number integer PRIMARY KEY,
      student_number text NOT NULL UNIQUE,
      problem_kind text,
      related_student_id bigint
    ) ON COMMIT DROP`.execute(trx);
}

/**
 * J numbers for rows without a usable identity number: per (school division, birth date)
 * prefix one upsert reserves as many sequence values as the prefix has rows.
 */
async function allocateJNumbers(trx: Executor, jobId: number, register: boolean): Promise<void> {
  const first17 = "n.first17";
  await sql`
    WITH j AS (
      SELECT r.row_number, r.flag, r.related_student_id,
        r.division_code || to_char(r.birth_date, 'YYYYMMDD') AS prefix
      FROM ${stagingTable(jobId)} r
      WHERE r.id_document_type <> ${RESIDENT_ID_CARD} AND ${createdRows(register)}
    ), counted AS (
      SELECT prefix, count(*)::int AS n FROM j GROUP BY prefix
    ), reserved AS (
      INSERT INTO student_number_sequence AS q (prefix, last_value)
      SELECT prefix, n FROM counted
      ON CONFLICT (prefix) DO UPDATE SET last_value = q.last_value + EXCLUDED.last_value
      RETURNING prefix, last_value
    ), n AS (
      SELECT j.row_number, j.flag, j.related_student_id,
        j.prefix || lpad((reserved.last_value - counted.n
          + row_number() OVER (PARTITION BY j.prefix ORDER BY j.row_number))::text, 3, '0') AS first17
      FROM j JOIN counted USING (prefix) JOIN reserved USING (prefix)
    )
    INSERT INTO student_import_number (row_number, student_number, problem_kind, related_student_id)
    SELECT n.row_number, 'J' || ${sql.raw(first17)} || ${sql.raw(checkCharacterSql(first17))},
      CASE WHEN n.flag = 'duplicate_person' THEN 'duplicate_person' END, n.related_student_id
    FROM n`.execute(trx);
  const { rows } = await sql<{ prefix: string }>`
    SELECT substr(student_number, 2, 14) AS prefix FROM student_import_number
    WHERE student_number LIKE 'J%' AND length(student_number) > 19 LIMIT 1`.execute(trx);
  if (rows[0]) throw new AppError("student_number_exhausted", 409, { prefix: rows[0].prefix });
}

/**
 * Temporary L numbers for suspected identity duplicates registered as problem records: random
 * tails from one random base, drawn again when one collides with a number in use.
 */
async function allocateLNumbers(trx: Executor, jobId: number): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    await sql`
      INSERT INTO student_import_number (row_number, student_number, problem_kind, related_student_id)
      SELECT l.row_number, 'L' || l.prefix || lpad(((b.base + l.k) % 10000)::text, 4, '0'),
        'duplicate_identity', l.related_student_id
      FROM (
        SELECT row_number, related_student_id, division_code || to_char(birth_date, 'YYYYMMDD') AS prefix,
          row_number() OVER (PARTITION BY division_code, birth_date ORDER BY row_number) AS k
        FROM ${stagingTable(jobId)}
        WHERE id_document_type = ${RESIDENT_ID_CARD} AND flag = 'duplicate_identity') l
      CROSS JOIN (SELECT floor(random() * 10000)::int AS base) b`.execute(trx);
    const { rows } = await sql<{ n: number }>`
      SELECT count(*)::int AS n
      FROM student_import_number i JOIN student s ON s.student_number = i.student_number
      WHERE i.student_number LIKE 'L%'`.execute(trx);
    if (rows[0]!.n === 0) return;
    await sql`DELETE FROM student_import_number WHERE student_number LIKE 'L%'`.execute(trx);
  }
  throw new AppError("student_number_exhausted", 409, { prefix: "L" });
}

/** Rows that would now duplicate a record registered after the preview. */
async function newConflicts(trx: Executor, jobId: number): Promise<number> {
  const stg = stagingTable(jobId);
  // Two semi-joins rather than one CASE, so that each can be planned as a hash join.
  const { rows } = await sql<{ n: number }>`
    SELECT (
      SELECT count(*) FROM ${stg} r WHERE r.flag IS NULL AND r.id_document_type = ${RESIDENT_ID_CARD}
        AND EXISTS (SELECT 1 FROM student s WHERE s.identity_number = r.identity_number)
    )::int + (
      SELECT count(*) FROM ${stg} r WHERE r.flag IS NULL AND r.id_document_type <> ${RESIDENT_ID_CARD}
        AND EXISTS (SELECT 1 FROM student s
                    WHERE s.name = r.name AND s.birth_date = r.birth_date AND s.sex = r.sex)
    )::int AS n`.execute(trx);
  return rows[0]!.n;
}

/** Unlogged rows do not survive a crash: the table is then empty (or gone, once expired). */
async function hasStagedRows(trx: Executor, jobId: number): Promise<boolean> {
  const { rows } = await sql<{ present: boolean }>`
    SELECT to_regclass(${stagingTableName(jobId)}) IS NOT NULL AS present`.execute(trx);
  if (!rows[0]!.present) return false;
  const { rows: found } = await sql<{
    found: boolean;
  }>`SELECT EXISTS (SELECT 1 FROM ${stagingTable(jobId)}) AS found`.execute(trx);
  return found[0]!.found;
}

const INSERTED_COLUMNS = sql.raw(STUDENT_COLUMNS.join(", "));
const SELECTED_COLUMNS = sql.raw(STUDENT_COLUMNS.map((c) => `r.${c}`).join(", "));

/**
 * A part of the staged rows: a range of schools, inserted in the order of the school
 * (school_unit_id, then grade, class and name), or in bulk mode a range of the staging table's
 * pages, inserted in the file's order. Measured on a million rows: with the indexes in place the
 * school order halves the cost of maintaining them compared with the file's order. In bulk mode
 * every index is built afterwards by its own sort, and sorting the rows first made the insert
 * half as slow again (interleaved runs: 13.0–13.9 s by pages, 18.9–22.3 s sorted by school
 * ranges, each of which rereads the whole staging table). The heap then follows the file, which
 * a province's export lists school by school anyway.
 */
type StagedRange = { schools: { from: number; to: number } } | { pages: { from: number; to: number | null } };

function inRange(range: StagedRange) {
  if ("schools" in range) return sql`r.school_unit_id BETWEEN ${range.schools.from} AND ${range.schools.to}`;
  // A TID range scan reads only these pages; the last range is open (the table may have grown a page).
  const from = sql`r.ctid >= ${`(${range.pages.from},0)`}::tid`;
  return range.pages.to === null ? from : sql`${from} AND r.ctid < ${`(${range.pages.to},0)`}::tid`;
}

/** Inserts the rows of a range, with their events and problem records. */
async function insertChunk(
  trx: Executor,
  jobId: number,
  range: StagedRange,
  context: { register: boolean; effectiveOn: string; actorUserId: number | null },
): Promise<{ created: number; problems: number }> {
  const { rows } = await sql<{ created: number; problems: number }>`
    WITH ins AS (
      INSERT INTO student
        (student_number, number_kind, province_code, school_unit_id, stage, status, ${INSERTED_COLUMNS})
      SELECT coalesce(n.student_number, 'G' || r.identity_number), left(coalesce(n.student_number, 'G'), 1),
        r.province_code, r.school_unit_id, r.stage, ${IN_SCHOOL}, ${SELECTED_COLUMNS}
      FROM ${stagingTable(jobId)} r LEFT JOIN student_import_number n ON n.row_number = r.row_number
      WHERE ${inRange(range)} AND ${createdRows(context.register)}
      ${"schools" in range ? sql`ORDER BY r.school_unit_id, r.grade, r.class_name, r.name` : sql``}
      RETURNING id, student_number, school_unit_id, grade, class_name, status
    ), events AS (
      INSERT INTO student_event
        (student_id, change_type, effective_on, school_unit_id, after, job_id, actor_user_id)
      SELECT id, ${ADMISSION}, ${context.effectiveOn}::date, school_unit_id,
        jsonb_build_object('schoolUnitId', school_unit_id, 'grade', grade, 'className', class_name,
          'status', status),
        ${jobId}::bigint, ${context.actorUserId}::bigint
      FROM ins
    ), problems AS (
      INSERT INTO student_problem (student_id, kind, related_student_id, detail)
      SELECT ins.id, n.problem_kind, n.related_student_id,
        jsonb_build_object('jobId', ${jobId}::bigint, 'row', n.row_number)
      FROM ins JOIN student_import_number n ON n.student_number = ins.student_number
      WHERE n.problem_kind IS NOT NULL
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins)::int AS created,
      (SELECT count(*) FROM problems)::int AS problems`.execute(trx);
  return rows[0]!;
}

/** Ranges of the staging table's pages holding about `chunkRows` staged rows each. */
async function pageRanges(
  trx: Executor,
  jobId: number,
  stagedRows: number,
  chunkRows: number,
): Promise<StagedRange[]> {
  const { rows } = await sql<{ pages: number }>`
    SELECT (pg_relation_size(${stagingTableName(jobId)}) / current_setting('block_size')::int)::int AS pages`.execute(
    trx,
  );
  const pages = rows[0]!.pages;
  const count = Math.max(1, Math.ceil(stagedRows / chunkRows));
  const step = Math.max(1, Math.ceil(pages / count));
  const ranges: StagedRange[] = [];
  for (let from = 0; from < pages || ranges.length === 0; from += step)
    ranges.push({ pages: { from, to: from + step < pages ? from + step : null } });
  return ranges;
}

/** Ranges of school ids holding about `chunkRows` rows to create each. */
async function schoolRanges(
  trx: Executor,
  jobId: number,
  register: boolean,
  chunkRows: number,
): Promise<StagedRange[]> {
  const { rows } = await sql<{ school: number; n: number }>`
    SELECT r.school_unit_id AS school, count(*)::int AS n FROM ${stagingTable(jobId)} r
    WHERE ${createdRows(register)} GROUP BY 1 ORDER BY 1`.execute(trx);
  const ranges: { from: number; to: number }[] = [];
  let current: { from: number; to: number; n: number } | undefined;
  for (const { school, n } of rows) {
    if (!current || current.n >= chunkRows) {
      current = { from: school, to: school, n: 0 };
      ranges.push(current);
    }
    current.to = school;
    current.n += n;
  }
  return ranges.map(({ from, to }) => ({ schools: { from, to } }));
}

export interface CommitOptions {
  registerDuplicatesAsProblems?: boolean;
  locale?: Locale;
  timings?: PhaseTimings;
  /** "auto" (the default) chooses bulk mode by BULK_MIN_ROWS and the registry's size. */
  loadMode?: LoadMode;
  /** About how many rows each step of the commit inserts before it reports progress. */
  chunkRows?: number;
}

export type LoadMode = "auto" | "in-place" | "bulk";

/**
 * An import creating at least this many records, and at least as many as the registry holds,
 * commits in bulk mode (students.bulk.ts): the first load of a province into an empty registry.
 * Smaller imports, and any import into a registry in use, keep every index in place.
 */
const BULK_MIN_ROWS = 100_000;
/** Bulk mode waits at most this long for the registry to be free, then commits in place. */
const BULK_LOCK_TIMEOUT = "5s";

/** A Kysely connection or transaction seen as the SqlRunner of students.bulk.ts. */
function sqlRunner(db: Executor): SqlRunner {
  return {
    async query<R extends QueryResultRow>(text: string, values: unknown[] = []) {
      const result = await db.executeQuery<R>(CompiledQuery.raw(text, values));
      return { rows: result.rows };
    },
  };
}

/**
 * Takes the registry for bulk mode when the import is worth it and the tables can be locked
 * within BULK_LOCK_TIMEOUT; what relax() set aside, or undefined to commit in place. The lock
 * comes first, before any read of student in this transaction, so it is never an upgrade.
 */
async function enterBulkMode(trx: Executor, toCreate: number, mode: LoadMode): Promise<Relaxed | undefined> {
  if (mode === "in-place") return undefined;
  const runner = sqlRunner(trx);
  if (mode === "auto" && (toCreate < BULK_MIN_ROWS || !(await bulkModeWorthIt(runner, toCreate)))) {
    return undefined;
  }
  await sql`SAVEPOINT bulk_lock`.execute(trx);
  try {
    await sql.raw(`SET LOCAL lock_timeout = '${BULK_LOCK_TIMEOUT}'`).execute(trx);
    await sql`LOCK TABLE student, student_event IN ACCESS EXCLUSIVE MODE`.execute(trx);
    await sql`SET LOCAL lock_timeout = DEFAULT`.execute(trx);
    await sql`RELEASE SAVEPOINT bulk_lock`.execute(trx);
  } catch (error) {
    // 55P03 lock_not_available: someone is using the registry; the import goes in place.
    if ((error as { code?: string }).code !== "55P03") throw error;
    await sql`ROLLBACK TO SAVEPOINT bulk_lock`.execute(trx);
    return undefined;
  }
  return relax(runner);
}

interface ImportRow {
  job_id: number;
  phase: StudentImportPhase;
  file_name: string | null;
  file_sha256: string;
  staged_rows: number;
  ready_rows: number;
  duplicate_rows: number;
  existing_rows: number;
  error_rows: number;
}

/** The caller's own import (an import is private to the clerk who uploaded it). */
async function ownImport(db: Executor, ctx: ServiceContext, jobId: number) {
  const query = db
    .selectFrom("student_import")
    .innerJoin("job", "job.id", "student_import.job_id")
    .selectAll("student_import")
    .select(["job.status as job_status", "job.progress_done", "job.progress_total", "job.error"])
    .where("student_import.job_id", "=", jobId)
    .where((eb) =>
      ctx.actor.userId === null
        ? eb("student_import.created_by", "is", null)
        : eb("student_import.created_by", "=", ctx.actor.userId),
    );
  const found = await query.executeTakeFirst();
  if (!found) throw notFound("import_not_found");
  return found;
}

/** A commit that was cut off (process stopped, database error) left the import committable. */
function effectivePhase(phase: StudentImportPhase, jobStatus: string): StudentImportPhase {
  return phase === "committing" && jobStatus !== "running" ? "previewed" : phase;
}

async function applyImport(
  ctx: ServiceContext,
  database: Database,
  found: ImportRow,
  options: CommitOptions,
): Promise<void> {
  const jobId = found.job_id;
  const register = options.registerDuplicatesAsProblems === true;
  const toCreate = found.ready_rows + (register ? found.duplicate_rows : 0);
  await inTransaction(ctx.db, async (trx) => {
    const locked = await trx
      .selectFrom("student_import")
      .select("phase")
      .where("job_id", "=", jobId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (effectivePhase(locked.phase, "failed") !== "previewed") {
      throw conflict("import_not_committable", { phase: locked.phase });
    }
    // On PGlite the pool has one connection, held by this transaction: progress goes through it.
    const progressDb = database.engine === "pglite" ? trx : ctx.db;
    await sql`SET LOCAL work_mem = '256MB'`.execute(trx);
    if (found.staged_rows > 0 && !(await hasStagedRows(trx, jobId))) throw conflict("import_staging_lost");
    // The commit re-applies its orderer's scope as it stands now, not as it stood at preview.
    const outside = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM ${stagingTable(jobId)} r
      WHERE NOT (${schoolInScope(ctx.actor.scope, "r.school_unit_id")})`.execute(trx);
    if ((outside.rows[0]?.n ?? 0) > 0) throw conflict("import_outside_scope", { count: outside.rows[0]!.n });
    const relaxed = await timed(options.timings, "bulkMode", () =>
      enterBulkMode(trx, toCreate, options.loadMode ?? "auto"),
    );
    const conflicts = await timed(options.timings, "recheck", () => newConflicts(trx, jobId));
    if (conflicts > 0) throw conflict("import_outdated", { count: conflicts });
    await timed(options.timings, "numbers", async () => {
      await createNumberTable(trx);
      await allocateJNumbers(trx, jobId, register);
      if (register) await allocateLNumbers(trx, jobId);
    });
    const totals = await timed(options.timings, "insert", () =>
      insertAll(trx, progressDb, jobId, {
        register,
        toCreate,
        stagedRows: found.staged_rows,
        bulk: relaxed !== undefined,
        chunkRows: options.chunkRows ?? COMMIT_CHUNK_ROWS,
        actorUserId: ctx.actor.userId,
      }),
    );
    if (relaxed) {
      await timed(options.timings, "rebuild", async () => {
        await restore(sqlRunner(trx), relaxed);
        // The tables were (nearly) empty: plans made from their old statistics would be wrong.
        await sql`ANALYZE student, student_event`.execute(trx);
      });
    }
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "student.import",
      module: "students",
      subjectType: "import_file",
      subjectId: found.file_sha256,
      subjectUnitPath: ctx.actor.scope.rootPath,
      detail: {
        jobId,
        fileName: found.file_name,
        fileSha256: found.file_sha256,
        created: totals.created,
        problemRecords: totals.problems,
        existingSkipped: found.existing_rows,
        duplicatesExcluded: register ? 0 : found.duplicate_rows,
        errorRowsExcluded: found.error_rows,
        registerDuplicatesAsProblems: register,
        loadMode: relaxed ? "bulk" : "in-place",
      },
    });
    // Last, so that the tally rows of the import's schools stay locked only for the commit itself.
    await timed(options.timings, "tally", () => tallyCreated(trx, jobId, register));
    await finishCommit(trx, jobId, totals, register);
    await timed(options.timings, "dropStaging", () => dropStagingTable(trx, jobId));
  });
}

/** Counts the created records in the tally, school by school (all of them are in school). */
async function tallyCreated(trx: Executor, jobId: number, register: boolean): Promise<void> {
  await sql`
    INSERT INTO student_tally AS t (school_unit_id, status, n)
    SELECT r.school_unit_id, ${IN_SCHOOL}, count(*) FROM ${stagingTable(jobId)} r
    WHERE ${createdRows(register)} GROUP BY 1 ORDER BY 1
    ON CONFLICT (school_unit_id, status) DO UPDATE SET n = t.n + excluded.n`.execute(trx);
}

async function insertAll(
  trx: Executor,
  progressDb: Executor,
  jobId: number,
  context: {
    register: boolean;
    toCreate: number;
    stagedRows: number;
    bulk: boolean;
    chunkRows: number;
    actorUserId: number | null;
  },
): Promise<{ created: number; problems: number }> {
  const ranges = context.bulk
    ? await pageRanges(trx, jobId, context.stagedRows, context.chunkRows)
    : await schoolRanges(trx, jobId, context.register, context.chunkRows);
  const totals = { created: 0, problems: 0 };
  const effectiveOn = todayIso();
  for (const [i, range] of ranges.entries()) {
    const chunk = await insertChunk(trx, jobId, range, { ...context, effectiveOn });
    totals.created += chunk.created;
    totals.problems += chunk.problems;
    if (i < ranges.length - 1)
      await setProgress(progressDb as Kysely<DB>, jobId, totals.created, context.toCreate);
  }
  return totals;
}

async function finishCommit(
  trx: Executor,
  jobId: number,
  totals: { created: number; problems: number },
  register: boolean,
): Promise<void> {
  await trx
    .updateTable("student_import")
    .set({
      phase: "committed",
      created_rows: totals.created,
      problem_rows: totals.problems,
      register_duplicates: register,
      committed_at: new Date(),
      updated_at: sql`now()`,
    })
    .where("job_id", "=", jobId)
    .execute();
  await trx
    .updateTable("job")
    .set({
      status: "succeeded",
      error: null,
      progress_done: totals.created,
      progress_total: totals.created,
      result: JSON.stringify({ phase: "committed", ...totals }),
      finished_at: new Date(),
      updated_at: sql`now()`,
    })
    .where("id", "=", jobId)
    .execute();
}

export interface StartedCommit {
  jobId: number;
  finished: Promise<ImportReport>;
}

/**
 * Starts the commit of a previewed import: it is checked and marked "committing" at once, and
 * `finished` settles when the one transaction that creates the records has committed or rolled
 * back (then the import stays committable).
 */
export async function startCommit(
  ctx: ServiceContext,
  database: Database,
  jobId: number,
  options: CommitOptions = {},
): Promise<StartedCommit> {
  requireWrite(ctx);
  const found = await ownImport(ctx.db, ctx, jobId);
  const phase = effectivePhase(found.phase, found.job_status);
  if (phase !== "previewed") throw conflict("import_not_committable", { phase });
  const toCreate = found.ready_rows + (options.registerDuplicatesAsProblems ? found.duplicate_rows : 0);
  if (toCreate === 0) throw unprocessable("import_nothing_to_commit");
  await ctx.db
    .updateTable("student_import")
    .set({ phase: "committing", register_duplicates: options.registerDuplicatesAsProblems === true })
    .where("job_id", "=", jobId)
    .execute();
  await ctx.db
    .updateTable("job")
    .set({ status: "running", error: null, progress_done: 0, progress_total: toCreate, finished_at: null })
    .where("id", "=", jobId)
    .execute();
  const finished = applyImport(ctx, database, found, options).then(
    () => getImport(ctx, jobId, options.locale ?? "zh-CN"),
    async (error: unknown) => {
      await failJob(ctx, jobId, "previewed", error);
      throw error;
    },
  );
  return { jobId, finished };
}

export async function commitImport(
  ctx: ServiceContext,
  database: Database,
  jobId: number,
  options: CommitOptions = {},
): Promise<ImportReport> {
  const { finished } = await startCommit(ctx, database, jobId, options);
  return finished;
}

// ---------------------------------------------------------------------------------------------
// State, report and error file
// ---------------------------------------------------------------------------------------------

export interface ReportIssue {
  row: number;
  column: string;
  code: string;
  message: string;
}

export interface ReportDuplicate extends ReportIssue {
  relatedRow: number | null;
  /** Only when the caller's scope holds the existing record (students.holders.ts). */
  relatedStudentId: number | null;
  holder: DuplicateHolder | null;
}

export interface ImportReport {
  jobId: number;
  phase: StudentImportPhase;
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
  /** At most REPORT_LIMIT entries each; the error file lists all. */
  duplicateRows: ReportDuplicate[];
  errors: ReportIssue[];
  truncated: boolean;
  committed: boolean;
  created: number;
  problemRecords: number;
  error: string | null;
}

const FIELD_BY_KEY = new Map(STUDENT_FIELDS.map((f) => [f.key, f]));

function columnOf(field: string): string {
  return FIELD_BY_KEY.get(field)?.header ?? field;
}

function issueMessage(
  code: string,
  params: Record<string, string | number>,
  locale: Locale,
  holders?: Map<number, DuplicateHolder>,
  relatedStudentId?: number | null,
): string {
  // A duplicate of a registered record names its holder, never the record's internal id.
  if (holders && relatedStudentId !== null && relatedStudentId !== undefined)
    return formatMessage(code, locale, holderParams(holders.get(relatedStudentId)));
  return formatMessage(code, locale, params);
}

async function listIssues(db: Executor, jobId: number, kind: "error" | "duplicate", limit: number) {
  return db
    .selectFrom("student_import_issue")
    .selectAll()
    .where("job_id", "=", jobId)
    .where("kind", "=", kind)
    .orderBy("row_number")
    .orderBy("seq")
    .limit(limit)
    .execute();
}

/** The state of one of the caller's imports, with its report. */
export async function getImport(ctx: ServiceContext, jobId: number, locale: Locale): Promise<ImportReport> {
  const found = await ownImport(ctx.db, ctx, jobId);
  const errors = await listIssues(ctx.db, jobId, "error", REPORT_LIMIT);
  const duplicates = await listIssues(ctx.db, jobId, "duplicate", REPORT_LIMIT);
  const { n: errorCount } = await ctx.db
    .selectFrom("student_import_issue")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("job_id", "=", jobId)
    .where("kind", "=", "error")
    .executeTakeFirstOrThrow();
  const phase = effectivePhase(found.phase, found.job_status);
  const holders = await duplicateHolders(
    ctx,
    ctx.db,
    duplicates.map((d) => d.related_student_id),
  );
  return {
    jobId,
    phase,
    fileName: found.file_name,
    fileSha256: found.file_sha256,
    format: found.file_format,
    encoding: found.file_encoding,
    progressDone: found.progress_done,
    progressTotal: found.progress_total,
    totalRows: found.total_rows,
    readyRows: found.ready_rows,
    existingRows: found.existing_rows,
    duplicateCount: found.duplicate_rows,
    errorRows: found.error_rows,
    errorCount: Number(errorCount),
    duplicateRows: duplicates.map((d) => ({
      row: d.row_number,
      column: columnOf(d.field),
      code: d.code,
      message: issueMessage(d.code, d.params, locale, holders, d.related_student_id),
      relatedRow: d.related_row,
      relatedStudentId:
        d.related_student_id === null ? null : (holders.get(d.related_student_id)?.studentId ?? null),
      holder: d.related_student_id === null ? null : (holders.get(d.related_student_id) ?? null),
    })),
    errors: errors.map((e) => ({
      row: e.row_number,
      column: columnOf(e.field),
      code: e.code,
      message: issueMessage(e.code, e.params, locale),
    })),
    truncated: Number(errorCount) > REPORT_LIMIT || found.duplicate_rows > REPORT_LIMIT,
    committed: found.phase === "committed",
    created: found.created_rows,
    problemRecords: found.problem_rows,
    error: found.job_status === "failed" ? found.error : null,
  };
}

/** The caller's recent imports, newest first. */
export async function listImports(ctx: ServiceContext, limit = 20) {
  requireWrite(ctx);
  const rows = await ctx.db
    .selectFrom("student_import")
    .innerJoin("job", "job.id", "student_import.job_id")
    .select([
      "student_import.job_id",
      "student_import.phase",
      "student_import.file_name",
      "student_import.total_rows",
      "student_import.created_rows",
      "job.status",
      "job.progress_done",
      "job.progress_total",
      "student_import.created_at",
    ])
    .where((eb) =>
      ctx.actor.userId === null
        ? eb("student_import.created_by", "is", null)
        : eb("student_import.created_by", "=", ctx.actor.userId),
    )
    .orderBy("student_import.job_id", "desc")
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, phase: effectivePhase(r.phase, r.status) }));
}

export const ISSUE_HEADERS = ["行号", "列", "问题"];

/** Issues read per page of the error file: the file is written as the pages come. */
const ISSUE_PAGE = 5000;

interface IssueRow {
  row_number: number;
  seq: number;
  field: string;
  code: string;
  params: Record<string, string | number>;
  related_student_id: number | null;
}

/** The issues of one kind in (row, seq) order, read ahead a page at a time (keyset). */
function issuePages(db: Executor, jobId: number, kind: "error" | "duplicate") {
  let buffered: IssueRow[] = [];
  let at = 0;
  let after: { row: number; seq: number } | undefined;
  let ended = false;
  return {
    async peek(): Promise<IssueRow | undefined> {
      if (at < buffered.length) return buffered[at];
      if (ended) return undefined;
      let query = db
        .selectFrom("student_import_issue")
        .select(["row_number", "seq", "field", "code", "params", "related_student_id"])
        .where("job_id", "=", jobId)
        .where("kind", "=", kind);
      if (after) {
        const { row, seq } = after;
        query = query.where((eb) =>
          eb.or([eb("row_number", ">", row), eb.and([eb("row_number", "=", row), eb("seq", ">", seq)])]),
        );
      }
      buffered = await query.orderBy("row_number").orderBy("seq").limit(ISSUE_PAGE).execute();
      at = 0;
      if (buffered.length < ISSUE_PAGE) ended = true;
      const last = buffered[buffered.length - 1];
      if (last) after = { row: last.row_number, seq: last.seq };
      return buffered[0];
    },
    /** The issue peek() just gave. */
    take(): IssueRow {
      return buffered[at++]!;
    },
  };
}

/**
 * Every error and suspected duplicate of an import, in Chinese, as XLSX or CSV, streamed: the
 * issues are read a page at a time (keyset on row and sequence) and the file is written by a
 * worker as they come, so a million-row report is never held whole nor built on this thread.
 */
export async function importIssuesFile(
  ctx: ServiceContext,
  jobId: number,
  format: "csv" | "xlsx",
): Promise<Readable> {
  await ownImport(ctx.db, ctx, jobId);
  // Errors and duplicates each come in (row, seq) order along their index; merged, they give
  // the file's order, (row, seq) over both, a page at a time.
  const errors = issuePages(ctx.db, jobId, "error");
  const duplicates = issuePages(ctx.db, jobId, "duplicate");
  const nextPage = async (): Promise<string[][]> => {
    const issues: IssueRow[] = [];
    while (issues.length < ISSUE_PAGE) {
      const [a, b] = await Promise.all([errors.peek(), duplicates.peek()]);
      if (!a && !b) break;
      const first =
        !b || (a && (a.row_number < b.row_number || (a.row_number === b.row_number && a.seq < b.seq)));
      issues.push(first ? errors.take() : duplicates.take());
    }
    // A duplicate of a registered record names its holder (school, province), page by page.
    const holders = await duplicateHolders(
      ctx,
      ctx.db,
      issues.map((i) => i.related_student_id),
    );
    return issues.map((issue) => [
      String(issue.row_number),
      columnOf(issue.field),
      issueMessage(issue.code, issue.params, "zh-CN", holders, issue.related_student_id),
    ]);
  };
  return sheetStream(
    format,
    "错误报告",
    [
      { header: ISSUE_HEADERS[0]!, width: 10 },
      { header: ISSUE_HEADERS[1]!, width: 20 },
      { header: ISSUE_HEADERS[2]!, width: 80 },
    ],
    nextPage,
  );
}

/** Drops the staging tables of previews left uncommitted for too long. */
export async function purgeStaleImports(db: Executor, olderThanHours = STALE_AFTER_HOURS): Promise<number> {
  const stale = await db
    .selectFrom("student_import")
    .innerJoin("job", "job.id", "student_import.job_id")
    .select("student_import.job_id")
    .where("student_import.phase", "in", ["validating", "previewed", "failed", "committing"])
    .where("job.status", "!=", "running")
    .where("student_import.created_at", "<", sql<Date>`now() - make_interval(hours => ${olderThanHours})`)
    .execute();
  for (const { job_id } of stale) {
    await dropStagingTable(db, job_id);
    await db
      .updateTable("student_import")
      .set({ phase: "expired", updated_at: sql`now()` })
      .where("job_id", "=", job_id)
      .execute();
  }
  return stale.length;
}

// ---------------------------------------------------------------------------------------------
// Resuming through the jobs module
// ---------------------------------------------------------------------------------------------

const databases = new WeakMap<object, Database>();

/**
 * Lets /api/v1/jobs/:id/resume retry an interrupted commit (the staged rows are still there);
 * an interrupted preview cannot be resumed, because the file is not kept.
 */
export function registerImportJobRunner(database: Database): void {
  databases.set(database.db, database);
  registerJobRunner(IMPORT_JOB_KIND, async (ctx, jobId) => {
    const found = await ownImport(ctx.db, ctx, jobId);
    const target = databases.get(ctx.db);
    if (found.phase !== "committing" || !target) throw conflict("import_not_resumable");
    await applyImport(ctx, target, found, {
      registerDuplicatesAsProblems: found.register_duplicates === true,
    });
    return { phase: "committed" };
  });
}
