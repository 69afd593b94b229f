/**
 * The row path of a student import preview, as a worker task (platform/imports/worker-pool.ts):
 * opening the file, reading its rows, checking each one and writing the COPY lines of the clean
 * ones all happen in a worker thread, so a million-row file never holds the request thread. The
 * main thread (students.import.ts) answers the schools of each batch from the database and
 * streams the lines into the staging table.
 */
import { createHash } from "node:crypto";
import { CodeRegistry, type CodeSnapshot } from "../../platform/codes/codes.service";
import type { ImportLimits } from "../../platform/imports/limits";
import type { TaskHost } from "../../platform/imports/worker-pool";
import {
  CheckerDisagreement,
  checkRow,
  openSheet,
  rowChecker,
  SCHOOL_FIELD,
  type SchoolsOfRows,
  type SheetRecord,
  type ValidatorChoice,
} from "./students.import.rows";
import type { RegistrySchool } from "./students.service";
import type { FieldProblem } from "./students.validation";

/** Rows checked together: the school codes of a batch are looked up in one query. */
const BATCH_ROWS = 2000;

export interface PreviewTaskInput {
  buffer: Uint8Array;
  codes: CodeSnapshot;
  /** The day the rows are checked against (epoch milliseconds). */
  today: number;
  validator: ValidatorChoice;
  limits: ImportLimits;
}

export interface RowIssue {
  row: number;
  field: string;
  code: string;
  params?: Record<string, string | number>;
}

export type PreviewTaskItem =
  | {
      kind: "opened";
      format: "csv" | "xlsx";
      encoding?: "utf-8" | "gbk";
      present: boolean[];
      estimatedRows: number;
      sha256: string;
    }
  | {
      kind: "batch";
      /** COPY lines of the clean rows, UTF-8. */
      bytes?: Uint8Array;
      issues: RowIssue[];
      rows: number;
      staged: number;
      errorRows: number;
      /** Milliseconds spent reading and checking this batch. */
      parse: number;
      check: number;
    }
  /** The fast check disagreed with the reference: the caller starts again with "reference". */
  | { kind: "disagreement" };

/** The schools the main thread resolved, by code ("" is a row without a code). */
type SchoolAnswer = RegistrySchool | FieldProblem;

async function* batches(
  records: Iterable<SheetRecord> | AsyncIterable<SheetRecord>,
): AsyncGenerator<SheetRecord[]> {
  let batch: SheetRecord[] = [];
  for await (const record of records) {
    batch.push(record);
    if (batch.length >= BATCH_ROWS) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Reads, checks and formats every row of the file; asks the host for the schools. */
export async function* previewRows(input: PreviewTaskInput, host: TaskHost): AsyncGenerator<PreviewTaskItem> {
  const buffer = Buffer.from(input.buffer.buffer, input.buffer.byteOffset, input.buffer.byteLength);
  const codes = CodeRegistry.fromSnapshot(input.codes);
  const sha256 = createHash("sha256").update(buffer).digest("hex");
  const sheet = await openSheet(buffer, input.limits);
  yield {
    kind: "opened",
    format: sheet.format,
    ...(sheet.encoding ? { encoding: sheet.encoding } : {}),
    present: sheet.present,
    estimatedRows: sheet.estimatedRows,
    sha256,
  };
  const known = new Map<string, SchoolAnswer>();
  const schools: SchoolsOfRows = { schoolOf: (code) => known.get(code)! };
  // A disagreement of the fast check with the reference: the caller empties the staging table
  // and reads on; the file is read again from its start with the reference check.
  if (!(yield* checkedBatches(sheet, codes, input, input.validator, known, schools, host))) {
    yield { kind: "disagreement" };
    yield* checkedBatches(sheet, codes, input, "reference", known, schools, host);
  }
}

/** The batches of one pass over the rows; false when the fast check disagreed (pass abandoned). */
async function* checkedBatches(
  sheet: Awaited<ReturnType<typeof openSheet>>,
  codes: CodeRegistry,
  input: PreviewTaskInput,
  validator: ValidatorChoice,
  known: Map<string, SchoolAnswer>,
  schools: SchoolsOfRows,
  host: TaskHost,
): AsyncGenerator<PreviewTaskItem, boolean> {
  const check = rowChecker(codes, new Date(input.today), validator);
  // A batch's lines go out as UTF-8 bytes, written into a reused buffer (3 bytes a UTF-16 unit
  // at most) and copied out: half the cost of Buffer.from's measure-then-write.
  let scratch = Buffer.alloc(0);
  let mark = performance.now();
  for await (const batch of batches(sheet.records())) {
    const parse = performance.now() - mark;
    const wanted = [...new Set(batch.map((row) => row.cells[SCHOOL_FIELD] ?? ""))].filter(
      (c) => !known.has(c),
    );
    if (wanted.length > 0) {
      const answers = await host.call<SchoolAnswer[]>("schools", wanted);
      for (let i = 0; i < wanted.length; i++) known.set(wanted[i]!, answers[i]!);
    }
    mark = performance.now();
    const issues: RowIssue[] = [];
    let lines = "";
    let staged = 0;
    let errorRows = 0;
    try {
      for (const row of batch) {
        const { line, problems } = checkRow(row, check, schools, codes);
        if (line) {
          lines += line;
          staged++;
          continue;
        }
        errorRows++;
        for (const p of problems) {
          issues.push({
            row: row.rowNumber,
            field: p.field,
            code: p.code,
            ...(p.params ? { params: p.params } : {}),
          });
        }
      }
    } catch (error) {
      if (!(error instanceof CheckerDisagreement)) throw error;
      return false;
    }
    let bytes: Uint8Array | undefined;
    if (lines) {
      if (scratch.length < lines.length * 3) scratch = Buffer.allocUnsafe(lines.length * 3);
      const length = scratch.write(lines);
      // A copy that owns its memory, so that it is moved to the main thread rather than copied.
      bytes = new Uint8Array(new ArrayBuffer(length));
      bytes.set(scratch.subarray(0, length));
    }
    const check_ = performance.now() - mark;
    yield {
      kind: "batch",
      ...(bytes ? { bytes } : {}),
      issues,
      rows: batch.length,
      staged,
      errorRows,
      parse,
      check: check_,
    };
    mark = performance.now();
  }
  return true;
}
