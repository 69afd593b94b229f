/**
 * The rows of a student import file, without the database: reading CSV (UTF-8 or GBK) and XLSX
 * into cells in template field order, checking each row (a fast compiled check, backed by
 * checkStudentRecord, the rule of every registration path) and writing the COPY line of a clean
 * row for the staging table. students.import.ts runs these over a file as a job.
 */
import { isUtf8 } from "node:buffer";
import type { CodeRegistry } from "../../platform/codes/codes.service";
import { toCompactLocalDate } from "../../platform/identifiers/identity-number";
import { isPlainHanName } from "../../platform/identifiers/person-name";
import { formatCopyValue, isCopySpecial } from "../../platform/imports/copy";
import { stripNeutraliser } from "../../platform/imports/csv-cell";
import { type ImportLimits, importLimits, limitExceeded } from "../../platform/imports/limits";
import { normaliseHeader } from "../../platform/imports/spreadsheet";
import { openXlsxSheet } from "../../platform/imports/xlsx-reader";
import { AppError, type FieldError } from "../../shared/errors";
import { isStorableText } from "../../shared/text";
import { parseCalendarDate } from "../../shared/time";
import { STUDENT_FIELDS, type StudentField } from "./students.fields";
import { isCompatibleStage, type RegistrySchool, toColumns } from "./students.service";
import {
  checkStudentRecord,
  type FieldProblem,
  type Guardian,
  OTHER_DOCUMENT,
  RESIDENT_ID_CARD,
  type StudentRecord,
  stageOfGrade,
} from "./students.validation";

/**
 * Rows the fast check accepts are checked again by checkStudentRecord: each of the first
 * CROSS_CHECK_FIRST, then one in CROSS_CHECK_EVERY. The sample is a tripwire for a drift
 * between the two checks (a rule or code set the fast check does not follow yet), which shows
 * on many rows; at about 40 µs a sampled row it costs 0.04 µs a row, where the fast check of
 * a row is about 2 µs. The tests hold the two checks to the same outcome row by row.
 */
const CROSS_CHECK_FIRST = 32;
const CROSS_CHECK_EVERY = 1024;

// ---------------------------------------------------------------------------------------------
// Reading: rows as arrays of trimmed cells in template field order
// ---------------------------------------------------------------------------------------------

export interface ReadProblem {
  field: string;
  code: string;
}

export interface SheetRecord {
  rowNumber: number;
  /** One trimmed cell per STUDENT_FIELDS entry ("" when the column is absent). */
  cells: string[];
  readProblems: readonly ReadProblem[];
  /**
   * True when no cell holds a backslash, tab or line break (a CSV line without quotes that had
   * none): its staged values need no COPY escapes. False when unknown.
   */
  plain: boolean;
}

export interface OpenedSheet {
  format: "csv" | "xlsx";
  encoding?: "utf-8" | "gbk";
  /** Field index → presence of its column. */
  present: boolean[];
  /** Estimated number of data rows, for progress. */
  estimatedRows: number;
  /** The data rows; CSV rows come synchronously, XLSX rows as the stream is read. */
  records: () => Iterable<SheetRecord> | AsyncIterable<SheetRecord>;
}

const FIELD_INDEX_BY_HEADER = new Map(STUDENT_FIELDS.map((f, i) => [normaliseHeader(f.header), i]));
export const SCHOOL_FIELD = STUDENT_FIELDS.findIndex((f) => f.key === "schoolCode");

/** Maps the file's columns to template fields; refuses a file that lacks required columns. */
function mapHeaders(headers: string[]): { columnOfField: number[]; present: boolean[] } {
  const columnOfField = STUDENT_FIELDS.map(() => -1);
  headers.forEach((header, column) => {
    const index = FIELD_INDEX_BY_HEADER.get(normaliseHeader(header));
    if (index !== undefined && columnOfField[index] === -1) columnOfField[index] = column;
  });
  const missing = STUDENT_FIELDS.filter((f, i) => f.required && columnOfField[i] === -1).map((f) => f.header);
  if (missing.length > 0) {
    throw new AppError(
      "import_headers_invalid",
      400,
      { missing: missing.join("、") },
      missing.map((m): FieldError => ({ path: m, code: "field_required" })),
    );
  }
  return { columnOfField, present: columnOfField.map((c) => c >= 0) };
}

const UTF8_BOM = [0xef, 0xbb, 0xbf];
/** Bytes decoded per step: the text of a large file is never held whole. */
const DECODE_STEP = 4 * 1024 * 1024;
/** The read problems of a CSV row: none, shared by every row rather than an array per row. */
const NO_READ_PROBLEMS: readonly ReadProblem[] = Object.freeze([]);

/**
 * True when String.prototype.trim could remove this character (ECMAScript WhiteSpace and
 * LineTerminator): a cell whose first and last characters are not is already trimmed.
 */
export function isTrimmable(c: number): boolean {
  return (
    c <= 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/** text.slice(start, end).trim(), without the call to trim for the usual cell that needs none. */
function trimmedSlice(text: string, start: number, end: number): string {
  if (start === end) return "";
  const slice = text.slice(start, end);
  const cell =
    isTrimmable(text.charCodeAt(start)) || isTrimmable(text.charCodeAt(end - 1)) ? slice.trim() : slice;
  // A cell our exports neutralised ("'=…", csv-cell.ts) reads back as it was.
  return cell.charCodeAt(0) === 39 ? stripNeutraliser(cell) : cell;
}

/** A raw field trimmed and un-neutralised, as trimmedSlice gives it. */
function trimmedCell(field: string): string {
  const cell = field.trim();
  return cell.charCodeAt(0) === 39 ? stripNeutraliser(cell) : cell;
}

/**
 * Where a record's fields go: `columnOfField` maps template fields to the file's columns
 * (null: every field of the record, in file order, as for the header row).
 */
interface Layout {
  columnOfField: readonly number[] | null;
  /** The file's columns are the template's, in its order: fields are placed as they are split. */
  inOrder: boolean;
}

/** The trimmed cells of a record from its raw fields. */
function cellsOf(fields: readonly string[], layout: Layout): string[] {
  const { columnOfField } = layout;
  if (columnOfField === null) return fields.map(trimmedCell);
  const cells = new Array<string>(columnOfField.length);
  for (let i = 0; i < columnOfField.length; i++) {
    const column = columnOfField[i]!;
    cells[i] = column < 0 ? "" : trimmedCell(fields[column] ?? "");
  }
  return cells;
}

/**
 * Splits lines without quotes: the hot loop of a CSV import, so one pass over the characters,
 * one array per line and no intermediate strings. The same pass notes whether the line holds a
 * character COPY escapes (`plain`), so that the staged line need not look again.
 */
class LineSplitter {
  /** The last line split holds no backslash, tab or carriage return. */
  plain = true;
  /** Fields of the last line split (commas + 1). */
  fields = 0;
  private readonly scratch: string[] = [];

  constructor(private readonly layout: Layout) {}

  /** The trimmed cells of text[start, stop), split at commas, in template order. */
  split(text: string, start: number, stop: number): string[] {
    const { layout } = this;
    let special = false;
    if (layout.inOrder) {
      const width = layout.columnOfField!.length;
      const cells = new Array<string>(width);
      let field = 0;
      let from = start;
      for (let i = start; i < stop; i++) {
        const c = text.charCodeAt(i);
        if (c !== 44) {
          if (c <= 92 && isCopySpecial(c)) special = true;
          continue;
        }
        if (field < width) cells[field] = trimmedSlice(text, from, i);
        field++;
        from = i + 1;
      }
      if (field < width) cells[field] = trimmedSlice(text, from, stop);
      this.fields = field + 1;
      for (field++; field < width; field++) cells[field] = "";
      this.plain = !special;
      return cells;
    }
    const fields = this.scratch;
    fields.length = 0;
    let from = start;
    for (let i = start; i < stop; i++) {
      const c = text.charCodeAt(i);
      if (c !== 44) {
        if (c <= 92 && isCopySpecial(c)) special = true;
        continue;
      }
      fields.push(text.slice(from, i));
      from = i + 1;
    }
    fields.push(text.slice(from, stop));
    this.plain = !special;
    this.fields = fields.length;
    return cellsOf(fields, layout);
  }
}

/**
 * A record with quotes (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes)
 * from `start`: its raw fields and where the next record starts, or null when the record runs
 * past the text and more text is to come.
 */
function quotedRecord(
  text: string,
  start: number,
  final: boolean,
): { fields: string[]; next: number } | null {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  let i = start;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c !== 34) field += text[i];
      else if (text.charCodeAt(i + 1) === 34) {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 44) {
      fields.push(field);
      field = "";
    } else if (c === 10) {
      fields.push(field.endsWith("\r") ? field.slice(0, -1) : field);
      return { fields, next: i + 1 };
    } else field += text[i];
  }
  if (!final) return null;
  fields.push(field);
  return { fields, next: text.length };
}

function countLines(buffer: Buffer): number {
  let lines = 0;
  for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) lines++;
  return lines;
}

/**
 * The records of a CSV body (CRLF or LF) as trimmed cells, decoded a step at a time. Row numbers
 * count every record, blank ones included, as Excel shows them; blank records are not yielded,
 * nor those up to `skipThrough`. A line without quotes, by far the common case, is split in one
 * pass; a record with quotes takes the character-by-character path.
 */
function* csvRecords(
  body: Buffer,
  encoding: "utf-8" | "gbk",
  layout: Layout,
  skipThrough = 0,
  limits: ImportLimits = importLimits(),
): Generator<SheetRecord> {
  const decoder = new TextDecoder(encoding);
  const splitter = new LineSplitter(layout);
  let rowNumber = 0;
  let dataRows = 0;
  let fields = 0;
  let carry = "";
  let offset = 0;
  for (;;) {
    const final = offset >= body.length;
    let text: string;
    if (final) text = carry + decoder.decode();
    else {
      // A step ends after its last line feed (a byte no UTF-8 or GBK character contains), so
      // the text usually holds whole lines and is parsed as the flat string the decoder made.
      let stepEnd = Math.min(offset + DECODE_STEP, body.length);
      if (stepEnd < body.length) {
        const lastLineFeed = body.subarray(offset, stepEnd).lastIndexOf(10);
        if (lastLineFeed >= 0) stepEnd = offset + lastLineFeed + 1;
      }
      text = carry + decoder.decode(body.subarray(offset, stepEnd), { stream: true });
      offset = stepEnd;
    }
    const end = text.length;
    let nextQuote = text.indexOf('"');
    let pos = 0;
    while (pos < end) {
      const newline = text.indexOf("\n", pos);
      if (newline === -1 && !final) break;
      const lineEnd = newline === -1 ? end : newline;
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = text.indexOf('"', pos);
      let cells: string[];
      let plain: boolean;
      if (nextQuote === -1 || nextQuote > lineEnd) {
        const stop = lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
        cells = splitter.split(text, pos, stop);
        plain = splitter.plain;
        fields = splitter.fields;
        pos = lineEnd + 1;
      } else {
        const record = quotedRecord(text, pos, final);
        if (record === null) break;
        cells = cellsOf(record.fields, layout);
        plain = false;
        fields = record.fields.length;
        pos = record.next;
      }
      if (fields > limits.maxCellsPerRow) throw limitExceeded("maxCellsPerRow", limits.maxCellsPerRow);
      if (++rowNumber > skipThrough && !isBlankRow(cells)) {
        if (++dataRows > limits.maxRows) throw limitExceeded("maxRows", limits.maxRows);
        yield { rowNumber, cells, readProblems: NO_READ_PROBLEMS, plain };
      }
    }
    if (final) return;
    carry = pos < end ? text.slice(pos) : "";
  }
}

export function isBlankRow(cells: readonly string[]): boolean {
  for (let i = 0; i < cells.length; i++) if (cells[i] !== "") return false;
  return true;
}

function openCsv(buffer: Buffer, limits: ImportLimits): OpenedSheet {
  const hasBom = UTF8_BOM.every((byte, i) => buffer[i] === byte);
  const body = hasBom ? buffer.subarray(3) : buffer;
  const encoding = isUtf8(body) ? "utf-8" : "gbk";
  let header: SheetRecord | undefined;
  for (const record of csvRecords(body, encoding, { columnOfField: null, inOrder: false }, 0, limits)) {
    header = record;
    break;
  }
  if (!header) throw new AppError("import_empty", 400);
  const headerRow = header.rowNumber;
  const { columnOfField, present } = mapHeaders(header.cells);
  const layout: Layout = { columnOfField, inOrder: columnOfField.every((column, i) => column === i) };
  return {
    format: "csv",
    encoding,
    present,
    estimatedRows: countLines(body) - (headerRow - 1),
    records: () => csvRecords(body, encoding, layout, headerRow, limits),
  };
}

/**
 * XLSX as a stream (xlsx-reader.ts): the header is read when the sheet is opened, the rows as
 * they are asked for. The first records() continues the opening read; a later one reads again.
 */
async function openXlsx(buffer: Buffer, limits: ImportLimits): Promise<OpenedSheet> {
  const opened = await openXlsxSheet(buffer, limits);
  const { columnOfField, present } = mapHeaders(opened.headers);
  let unread: typeof opened.rows | undefined = opened.rows;
  async function* records(): AsyncGenerator<SheetRecord> {
    const rows = unread ?? (await openXlsxSheet(buffer, limits)).rows;
    unread = undefined;
    for await (const row of rows) {
      const cells = columnOfField.map((column) => (column < 0 ? "" : row.cells[column]!.text));
      const readProblems: ReadProblem[] = [];
      columnOfField.forEach((column, i) => {
        const problem = column < 0 ? undefined : row.cells[column]!.problem;
        if (problem) readProblems.push({ field: STUDENT_FIELDS[i]!.key, code: problem });
      });
      yield { rowNumber: row.rowNumber, cells, readProblems, plain: false };
    }
  }
  return { format: "xlsx", present, estimatedRows: opened.estimatedRows, records };
}

export async function openSheet(buffer: Buffer, limits: ImportLimits = importLimits()): Promise<OpenedSheet> {
  if (buffer.length === 0) throw new AppError("import_empty", 400);
  const isXlsx = buffer[0] === 0x50 && buffer[1] === 0x4b && buffer[2] === 0x03 && buffer[3] === 0x04;
  return isXlsx ? openXlsx(buffer, limits) : openCsv(buffer, limits);
}

// ---------------------------------------------------------------------------------------------
// Row checking
// ---------------------------------------------------------------------------------------------

export type RowCheck =
  | { record: StudentRecord; problems: [] }
  | { record?: undefined; problems: FieldProblem[] };

/**
 * Code cells may hold what the template's dropdown offers ("1 男") or a code whose leading zeros
 * Excel dropped ("1" for 民族 01): both are turned into the code before the code-set check.
 */
function codeCandidate(codes: CodeRegistry, codeSet: string, raw: string): string {
  if (raw === "" || codes.isValid(codeSet, raw)) return raw;
  const space = raw.search(/[\s\u3000]/);
  if (space > 0) {
    const head = raw.slice(0, space);
    if (codes.isValid(codeSet, head)) return head;
  }
  if (/^\d+$/.test(raw) && codes.hasSet(codeSet)) {
    for (const item of codes.items(codeSet)) {
      if (item.code.length > raw.length && item.code === raw.padStart(item.code.length, "0")) {
        if (codes.isValid(codeSet, item.code)) return item.code;
      }
    }
  }
  return raw;
}

/** The input checkStudentRecord takes: cells by field key, code cells made codes. */
function inputOf(codes: CodeRegistry, cells: readonly string[]): Record<string, string> {
  const input: Record<string, string> = {};
  STUDENT_FIELDS.forEach((field, i) => {
    const raw = cells[i] ?? "";
    input[field.key] =
      field.kind === "code" && field.codeSet ? codeCandidate(codes, field.codeSet, raw) : raw;
  });
  return input;
}

/** The reference check: checkStudentRecord, the rule every registration path follows. */
function referenceChecker(codes: CodeRegistry, today: Date): (cells: readonly string[]) => RowCheck {
  return (cells) => checkStudentRecord(codes, inputOf(codes, cells), { today }) as RowCheck;
}

const MONTH = /^(\d{4})[-/.]?(\d{2})$/;
export const IDENTITY_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export const CHECK_CHARACTERS = "10X98765432";
/** Memoised look-ups keep at most this many distinct cells per field. */
const MEMO_LIMIT = 100_000;

/** A pure function of a cell, memoised: codes, dates and months repeat across rows. */
class CellMemo {
  private readonly known = new Map<string, string>();

  constructor(private readonly compute: (raw: string) => string) {}

  of(raw: string): string {
    let value = this.known.get(raw);
    if (value === undefined) {
      value = this.compute(raw);
      if (this.known.size < MEMO_LIMIT) this.known.set(raw, value);
    }
    return value;
  }
}
/** The problems of a clean row: none, shared rather than an array per row (frozen: never added to). */
const NO_PROBLEMS = Object.freeze([]) as unknown as [];

/** A date cell as checkStudentRecord reads it (parseCalendarDate), or "". */
function isoDateOf(raw: string): string {
  return parseCalendarDate(raw) ?? "";
}

/** A month cell as checkStudentRecord normalises it (YYYYMM, or with - / . between), or "". */
function monthOf(raw: string): string {
  const match = MONTH.exec(raw);
  if (!match) return "";
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? `${match[1]}${match[2]}` : "";
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** The yes/no cells checkStudentRecord accepts, as booleans; undefined for any other cell. */
function yesNoOf(raw: string): boolean | undefined {
  switch (raw) {
    case "是":
    case "1":
    case "true":
    case "yes":
    case "Y":
    case "y":
      return true;
    case "否":
    case "0":
    case "false":
    case "no":
    case "N":
    case "n":
      return false;
    default:
      return undefined;
  }
}

/** /^[0-9+\-() ]{7,20}$/ without the regular expression. */
function isPhone(raw: string): boolean {
  if (raw.length < 7 || raw.length > 20) return false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    // digits, space, ( ) + -
    if (!(isDigit(c) || c === 32 || c === 40 || c === 41 || c === 43 || c === 45)) return false;
  }
  return true;
}

/** Field kinds as small integers: the fast check switches on them. */
const TEXT = 0;
const CODE = 1;
const DATE = 2;
const MONTH_KIND = 3;
const DIVISION = 4;
const YES_NO = 5;
const PHONE_KIND = 6;
const KIND_NUMBERS: Record<StudentField["kind"], number> = {
  text: TEXT,
  document: TEXT,
  code: CODE,
  date: DATE,
  month: MONTH_KIND,
  division: DIVISION,
  division12: DIVISION,
  yesNo: YES_NO,
  phone: PHONE_KIND,
};

/** Where each field sits in the cells, by key. */
const F = Object.fromEntries(STUDENT_FIELDS.map((field, i) => [field.key, i])) as Record<
  | keyof Omit<StudentRecord, "guardians">
  | `guardian${1 | 2}${"Name" | "Relation" | "IdType" | "IdNumber" | "Phone"}`,
  number
>;

/** The fields of guardian 1 and 2: name, relation, id type, id number, phone. */
const GUARDIAN_FIELDS = ([1, 2] as const).map((n) => [
  F[`guardian${n}Name`],
  F[`guardian${n}Relation`],
  F[`guardian${n}IdType`],
  F[`guardian${n}IdNumber`],
  F[`guardian${n}Phone`],
]) as [number[], number[]];

/**
 * The fast check: the same rules as checkStudentRecord, compiled once per import from the field
 * table into one loop over the cells that switches on the field kind, with code and date cells
 * memoised per distinct value and every other check done on the characters, so a clean row
 * costs its record and nothing else. It only ever says "this row is clean, here is its record";
 * any row it doubts goes to checkStudentRecord, which also words the problems. A sample of the
 * rows it accepts is checked again by checkStudentRecord, and one disagreement sends the whole
 * import back to the reference check (see stageRows), so a drift between the two cannot let a
 * bad row through.
 */
export function fastChecker(
  codes: CodeRegistry,
  today: Date,
): (cells: readonly string[]) => StudentRecord | undefined {
  const count = STUDENT_FIELDS.length;
  const kinds = Uint8Array.from(STUDENT_FIELDS, (field) => KIND_NUMBERS[field.kind]);
  const required = Uint8Array.from(STUDENT_FIELDS, (field) => (field.required ? 1 : 0));
  const maxLength = Uint32Array.from(STUDENT_FIELDS, (field) => field.maxLength ?? 0);
  /** Person names: only a plain Han name is sure here; any other goes to normalisePersonName. */
  const personName = Uint8Array.from(STUDENT_FIELDS, (field) => (field.personName ? 1 : 0));
  /** Digits of a division code: 6, or 12 for division12. */
  const digits = Uint8Array.from(STUDENT_FIELDS, (field) => (field.kind === "division12" ? 12 : 6));
  /** Per code field: cell → the code checkStudentRecord would store, "" when it refuses the cell. */
  const codeMemos = STUDENT_FIELDS.map((field) => {
    const codeSet = field.codeSet ?? "";
    return new CellMemo((raw) => codes.resolve(codeSet, codeCandidate(codes, codeSet, raw)) ?? "");
  });
  const dateMemo = new CellMemo(isoDateOf);
  const monthMemo = new CellMemo(monthOf);
  /** Two-digit province codes the division table knows, by number. */
  const knownProvince = new Uint8Array(100);
  for (let p = 0; p < 100; p++) knownProvince[p] = codes.isKnownProvince(String(p).padStart(2, "0")) ? 1 : 0;
  const isDivision = (raw: string, length: number): boolean => {
    if (raw.length !== length) return false;
    for (let i = 0; i < length; i++) if (!isDigit(raw.charCodeAt(i))) return false;
    return knownProvince[(raw.charCodeAt(0) - 48) * 10 + raw.charCodeAt(1) - 48] === 1;
  };
  const todayCompact = Number(toCompactLocalDate(today));
  const todayChina = new Date(today.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const values: (string | boolean | null)[] = new Array(count).fill(null);
  const text = (i: number) => values[i] as string | null;
  const flag = (i: number) => values[i] as boolean | null;

  /** A guardian from the values of its five fields, as checkStudentRecord builds it, or undefined. */
  const guardianAt = (fields: readonly number[]): Guardian | undefined => {
    const name = text(fields[0]!);
    const relation = text(fields[1]!);
    const idType = text(fields[2]!);
    const idNumber = text(fields[3]!);
    const phone = text(fields[4]!);
    if (name === null && relation === null && idType === null && idNumber === null && phone === null)
      return undefined;
    return { name: name ?? "", relation, idType, idNumber, phone };
  };

  return (cells) => {
    for (let i = 0; i < count; i++) {
      const raw = cells[i] ?? "";
      if (raw === "") {
        if (required[i] === 1) return undefined;
        values[i] = null;
        continue;
      }
      const max = maxLength[i]!;
      if (max > 0 && raw.length > max) return undefined;
      switch (kinds[i]) {
        case TEXT:
          if (personName[i] === 1 ? !isPlainHanName(raw) : !isStorableText(raw)) return undefined;
          values[i] = raw;
          break;
        case CODE: {
          const code = codeMemos[i]!.of(raw);
          if (code === "") return undefined;
          values[i] = code;
          break;
        }
        case DATE: {
          const date = dateMemo.of(raw);
          if (date === "") return undefined;
          values[i] = date;
          break;
        }
        case MONTH_KIND: {
          const month = monthMemo.of(raw);
          if (month === "") return undefined;
          values[i] = month;
          break;
        }
        case DIVISION:
          if (!isDivision(raw, digits[i]!)) return undefined;
          values[i] = raw;
          break;
        case YES_NO: {
          const yes = yesNoOf(raw);
          if (yes === undefined) return undefined;
          values[i] = yes;
          break;
        }
        default:
          if (!isPhone(raw)) return undefined;
          values[i] = raw;
      }
    }
    const documentType = text(F.idDocumentType)!;
    let identity = text(F.identityNumber);
    if (documentType !== OTHER_DOCUMENT && identity === null) return undefined;
    const birthDate = text(F.birthDate)!;
    if (documentType === RESIDENT_ID_CARD && identity !== null) {
      // validateIdentityNumber without allocation: format, check character, province, birth
      // date from 1900 to today; then the card's birth date and sex must be the record's.
      if (identity.length !== 18) return undefined;
      let sum = 0;
      for (let k = 0; k < 17; k++) {
        const digit = identity.charCodeAt(k) - 48;
        if (digit < 0 || digit > 9) return undefined;
        sum += digit * IDENTITY_WEIGHTS[k]!;
      }
      let last = identity.charCodeAt(17);
      if (last === 120) {
        identity = `${identity.slice(0, 17)}X`;
        last = 88;
      }
      if (CHECK_CHARACTERS.charCodeAt(sum % 11) !== last) return undefined;
      if (knownProvince[(identity.charCodeAt(0) - 48) * 10 + identity.charCodeAt(1) - 48] !== 1)
        return undefined;
      // The record's birth date is a real date (checked above): the card's must be the same one.
      if (
        birthDate.charCodeAt(0) !== identity.charCodeAt(6) ||
        birthDate.charCodeAt(1) !== identity.charCodeAt(7) ||
        birthDate.charCodeAt(2) !== identity.charCodeAt(8) ||
        birthDate.charCodeAt(3) !== identity.charCodeAt(9) ||
        birthDate.charCodeAt(5) !== identity.charCodeAt(10) ||
        birthDate.charCodeAt(6) !== identity.charCodeAt(11) ||
        birthDate.charCodeAt(8) !== identity.charCodeAt(12) ||
        birthDate.charCodeAt(9) !== identity.charCodeAt(13)
      )
        return undefined;
      let birth = 0;
      for (let k = 6; k < 14; k++) birth = birth * 10 + identity.charCodeAt(k) - 48;
      if (birth < 19000101 || birth > todayCompact) return undefined;
      if (text(F.sex) !== ((identity.charCodeAt(16) - 48) % 2 === 1 ? "1" : "2")) return undefined;
    }
    if (birthDate > todayChina) return undefined;
    const grade = text(F.grade)!;
    if (!codes.find("grade", grade)?.parentCode) return undefined;
    const guardians: Guardian[] = [];
    const first = guardianAt(GUARDIAN_FIELDS[0]);
    if (first) guardians.push(first);
    const second = guardianAt(GUARDIAN_FIELDS[1]);
    if (second) guardians.push(second);
    // The same properties in the same order as checkStudentRecord's record.
    return {
      schoolCode: text(F.schoolCode),
      name: text(F.name)!,
      sex: text(F.sex)!,
      birthDate,
      birthplace: text(F.birthplace),
      nativePlace: text(F.nativePlace),
      ethnicity: text(F.ethnicity),
      nationality: text(F.nationality),
      idDocumentType: documentType,
      identityNumber: identity,
      overseasStatus: text(F.overseasStatus),
      politicalStatus: text(F.politicalStatus),
      healthStatus: text(F.healthStatus),
      householdLocation: text(F.householdLocation),
      householdType: text(F.householdType),
      grade,
      className: text(F.className),
      enrolmentMonth: text(F.enrolmentMonth),
      enrolmentMode: text(F.enrolmentMode),
      attendanceMode: text(F.attendanceMode),
      currentAddress: text(F.currentAddress),
      mailingAddress: text(F.mailingAddress),
      homeAddress: text(F.homeAddress),
      phone: text(F.phone),
      isOnlyChild: flag(F.isOnlyChild),
      hadPreschool: flag(F.hadPreschool),
      leftBehind: text(F.leftBehind),
      isMigrantChild: flag(F.isMigrantChild),
      isOrphan: flag(F.isOrphan),
      isMartyrChild: flag(F.isMartyrChild),
      inclusiveSchooling: text(F.inclusiveSchooling),
      disabilityType: text(F.disabilityType),
      auxNumber: text(F.auxNumber),
      classNumber: text(F.classNumber),
      formerName: text(F.formerName),
      idValidUntil: text(F.idValidUntil),
      guardians,
    };
  };
}

/** Two records that give the same stored columns. */
function sameRecord(a: StudentRecord, b: StudentRecord): boolean {
  return JSON.stringify(toColumns(a)) === JSON.stringify(toColumns(b)) && a.schoolCode === b.schoolCode;
}

export class CheckerDisagreement extends Error {}

export type ValidatorChoice = "fast" | "reference";

/** Checks a row's fields: the fast path where it is sure, checkStudentRecord otherwise. */
export function rowChecker(codes: CodeRegistry, today: Date, choice: ValidatorChoice) {
  const reference = referenceChecker(codes, today);
  if (choice === "reference") return reference;
  const fast = fastChecker(codes, today);
  let accepted = 0;
  return (cells: readonly string[]): RowCheck => {
    const record = fast(cells);
    if (!record) return reference(cells);
    accepted++;
    if (accepted <= CROSS_CHECK_FIRST || accepted % CROSS_CHECK_EVERY === 0) {
      const again = reference(cells);
      if (!again.record || !sameRecord(record, again.record)) throw new CheckerDisagreement();
    }
    return { record, problems: NO_PROBLEMS };
  };
}

/** Excel turned a long number into 1.10105E+17, or kept 15 digits and zero-filled the rest. */
const SCIENTIFIC = /^\d(\.\d+)?E\+?\d+$/i;
const NUMERIC_KINDS = new Set(["document", "division", "division12", "phone"]);

function lostDigitProblems(cells: readonly string[], problems: FieldProblem[]): FieldProblem[] {
  const lost = new Set<string>();
  STUDENT_FIELDS.forEach((field, i) => {
    const raw = cells[i] ?? "";
    if ((NUMERIC_KINDS.has(field.kind) || field.key === "schoolCode") && SCIENTIFIC.test(raw))
      lost.add(field.key);
  });
  const identity = cells[STUDENT_FIELDS.findIndex((f) => f.key === "identityNumber")] ?? "";
  if (/^\d{15}000$/.test(identity) && problems.some((p) => p.code === "identity_number.check_character")) {
    lost.add("identityNumber");
  }
  if (lost.size === 0) return problems;
  const kept = problems.filter((p) => !lost.has(p.field));
  return [...kept, ...[...lost].map((field) => ({ field, code: "number_lost_digits" }))];
}

// ---------------------------------------------------------------------------------------------
// Staged lines
// ---------------------------------------------------------------------------------------------

export type StudentColumns = ReturnType<typeof toColumns>;
export type StudentColumn = keyof StudentColumns;

/** SQL types of the student columns as toColumns gives them (text unless listed). */
export const COLUMN_TYPES: Partial<Record<StudentColumn, string>> = {
  birth_date: "date",
  is_only_child: "boolean",
  had_preschool: "boolean",
  is_migrant_child: "boolean",
  is_orphan: "boolean",
  is_martyr_child: "boolean",
  guardians: "jsonb",
};

export const STUDENT_COLUMNS = Object.keys(toColumns(emptyRecord())) as StudentColumn[];
const STAGED_PREFIX = ["row_number", "school_unit_id", "province_code", "division_code", "stage"] as const;
export const STAGED_COLUMNS: readonly string[] = [...STAGED_PREFIX, ...STUDENT_COLUMNS];

/** A record with every field set, only to learn the column list of toColumns. */
function emptyRecord(): StudentRecord {
  const record: Record<string, unknown> = {};
  for (const field of STUDENT_FIELDS) record[field.key] = null;
  record.guardians = [];
  return record as unknown as StudentRecord;
}

/** The last student column, guardians: JSON of the record's guardians. */
const GUARDIANS_COLUMN = STUDENT_COLUMNS.length - 1;
/** Kinds whose checked values cannot hold a tab, line break or backslash: written unescaped. */
const PLAIN_KINDS = new Set(["date", "month", "division", "division12", "phone", "yesNo"]);

/** A string JSON.stringify writes as it is between quotes: no control character, quote, backslash or surrogate. */
function isPlainJsonString(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** A guardian value as JSON.stringify writes it, or undefined when only JSON.stringify should. */
function jsonOf(value: string | null): string | undefined {
  if (value === null) return "null";
  return typeof value === "string" && isPlainJsonString(value) ? `"${value}"` : undefined;
}

/**
 * JSON.stringify(guardians) for the guardians of a checked record, built directly, when every
 * value is null or a string JSON writes as it is (then the JSON holds no backslash or control
 * character either, and needs no COPY escape); undefined otherwise. Both checks make each
 * guardian a plain object of the five Guardian properties in this order. (The staged column is
 * jsonb besides, so only the value counts, not the key order.)
 */
export function plainGuardiansJson(guardians: readonly Guardian[]): string | undefined {
  let json = "[";
  for (let i = 0; i < guardians.length; i++) {
    const g = guardians[i]!;
    const name = jsonOf(g.name);
    const relation = jsonOf(g.relation);
    const idType = jsonOf(g.idType);
    const idNumber = jsonOf(g.idNumber);
    const phone = jsonOf(g.phone);
    if (
      name === undefined ||
      relation === undefined ||
      idType === undefined ||
      idNumber === undefined ||
      phone === undefined
    )
      return undefined;
    json += `${i === 0 ? "" : ","}{"name":${name},"relation":${relation},"idType":${idType},"idNumber":${idNumber},"phone":${phone}}`;
  }
  return `${json}]`;
}

/**
 * The student columns of a record in STUDENT_COLUMNS order, as toColumns gives them, into
 * `out`, all but the last (guardians, see plainGuardiansJson): property reads a compiler can
 * see, where a loop over column names would look each one up by name. Checked against
 * toColumns when the module loads (COLUMN_ESCAPES below).
 */
function columnValues(r: StudentRecord, out: unknown[]): void {
  out[0] = r.name;
  out[1] = r.formerName;
  out[2] = r.sex;
  out[3] = r.birthDate;
  out[4] = r.birthplace;
  out[5] = r.nativePlace;
  out[6] = r.ethnicity;
  out[7] = r.nationality;
  out[8] = r.idDocumentType;
  out[9] = r.identityNumber;
  out[10] = r.idValidUntil;
  out[11] = r.overseasStatus;
  out[12] = r.politicalStatus;
  out[13] = r.healthStatus;
  out[14] = r.householdLocation;
  out[15] = r.householdType;
  out[16] = r.grade;
  out[17] = r.className;
  out[18] = r.classNumber;
  out[19] = r.auxNumber;
  out[20] = r.enrolmentMonth;
  out[21] = r.enrolmentMode;
  out[22] = r.attendanceMode;
  out[23] = r.currentAddress;
  out[24] = r.mailingAddress;
  out[25] = r.homeAddress;
  out[26] = r.phone;
  out[27] = r.isOnlyChild;
  out[28] = r.hadPreschool;
  out[29] = r.leftBehind;
  out[30] = r.isMigrantChild;
  out[31] = r.isOrphan;
  out[32] = r.isMartyrChild;
  out[33] = r.inclusiveSchooling;
  out[34] = r.disabilityType;
}

/**
 * Per student column: true when its values are COPY-escaped (text and codes), false for the
 * kinds whose checked values cannot hold a special character. Learnt from toColumns itself,
 * on a record whose every field holds its own key, which also proves columnValues right.
 */
const COLUMN_ESCAPES: readonly boolean[] = (() => {
  const probe: Record<string, unknown> = {};
  for (const field of STUDENT_FIELDS) probe[field.key] = `\u0000${field.key}`;
  const guardian = {
    name: "张大明",
    relation: "51",
    idType: null,
    idNumber: "330102198001010011",
    phone: "139",
  };
  probe.guardians = [guardian, { ...guardian, name: "", relation: null, phone: null }];
  const record = probe as unknown as StudentRecord;
  const expected = Object.values(toColumns(record));
  const actual = new Array<unknown>(STUDENT_COLUMNS.length);
  columnValues(record, actual);
  actual[GUARDIANS_COLUMN] = plainGuardiansJson(record.guardians);
  if (
    STUDENT_COLUMNS[GUARDIANS_COLUMN] !== "guardians" ||
    expected.length !== actual.length ||
    expected.some((value, i) => value !== actual[i])
  )
    throw new Error("columnValues no longer follows toColumns");
  return expected.map((value) => {
    const key = typeof value === "string" && value.startsWith("\u0000") ? value.slice(1) : null;
    const kind = key === null ? undefined : STUDENT_FIELDS.find((f) => f.key === key)?.kind;
    return kind === undefined || !PLAIN_KINDS.has(kind);
  });
})();

/**
 * The values and pieces of a staged line, reused row after row; the pieces (the row number,
 * the school's columns, the student columns) are joined once.
 */
const lineValues = new Array<unknown>(STUDENT_COLUMNS.length).fill(null);
const lineParts = new Array<string>(2 + STUDENT_COLUMNS.length).fill("");

/** The school's columns of the staged lines of its rows: the same for every row of a stage. */
const schoolPrefixes = new WeakMap<RegistrySchool, { stage: string; columns: string }>();

/** school_unit_id, province_code, division_code and stage, tab-separated. */
function schoolColumns(school: RegistrySchool, stage: string): string {
  let known = schoolPrefixes.get(school);
  if (known === undefined || known.stage !== stage) {
    const columns = `${school.id}\t${school.provinceCode}\t${school.divisionCode}\t${formatCopyValue(stage)}`;
    known = { stage, columns };
    schoolPrefixes.set(school, known);
  }
  return known.columns;
}

/**
 * The staged COPY line of a checked record: the row number, the school, the stage and the
 * student columns as toColumns gives them, tab-separated with COPY text escapes, newline
 * included. `plain`: the record's strings are known to hold no character COPY escapes (see
 * checkRow), so they are not looked at again.
 */
export function stagedLine(
  rowNumber: number,
  school: RegistrySchool,
  stage: string,
  record: StudentRecord,
  plain = false,
): string {
  const values = lineValues;
  const parts = lineParts;
  columnValues(record, values);
  parts[0] = String(rowNumber);
  parts[1] = schoolColumns(school, stage);
  const at = 2;
  for (let i = 0; i < GUARDIANS_COLUMN; i++) {
    const value = values[i];
    parts[at + i] =
      value === null || value === undefined
        ? "\\N"
        : typeof value === "boolean"
          ? value
            ? "t"
            : "f"
          : COLUMN_ESCAPES[i] && !plain
            ? formatCopyValue(value as string)
            : String(value);
  }
  parts[at + GUARDIANS_COLUMN] =
    plainGuardiansJson(record.guardians) ?? formatCopyValue(JSON.stringify(record.guardians));
  return `${parts.join("\t")}\n`;
}

const plainCodes = new WeakMap<CodeRegistry, boolean>();

/**
 * True when no code of the code sets of the student fields holds a character COPY escapes:
 * then a record checked from plain cells (SheetRecord.plain) holds none either, whichever
 * check made it, since every value is a cell, a code of these sets, a normalised date or
 * month, or a flag.
 */
function hasPlainCodes(codes: CodeRegistry): boolean {
  let plain = plainCodes.get(codes);
  if (plain === undefined) {
    const sets = new Set([
      "grade",
      ...STUDENT_FIELDS.flatMap((field) => (field.codeSet ? [field.codeSet] : [])),
    ]);
    plain = [...sets].every(
      (set) =>
        !codes.hasSet(set) ||
        codes.items(set).every((item) => ![...item.code].some((c) => isCopySpecial(c.charCodeAt(0)))),
    );
    plainCodes.set(codes, plain);
  }
  return plain;
}

/** Where the rows' schools are known: a school, or the problem of a row naming none or an unknown one. */
export interface SchoolsOfRows {
  schoolOf(code: string): RegistrySchool | FieldProblem;
}

/** Checks one row against its fields and school; the staged line or its problems. */
export function checkRow(
  row: SheetRecord,
  check: (cells: readonly string[]) => RowCheck,
  schools: SchoolsOfRows,
  codes: CodeRegistry,
): { line?: string; problems: FieldProblem[] } {
  const checked = check(row.cells);
  let problems: FieldProblem[] = checked.problems;
  if (problems.length > 0) problems = lostDigitProblems(row.cells, problems);
  const school = schools.schoolOf(row.cells[SCHOOL_FIELD] ?? "");
  if ("code" in school) problems = [...problems, school];
  if (row.readProblems.length > 0) {
    const fields = new Set(row.readProblems.map((p) => p.field));
    problems = [...problems.filter((p) => !fields.has(p.field)), ...row.readProblems];
  }
  if (problems.length > 0 || !checked.record || "code" in school) return { problems };
  const record = checked.record;
  const stage = stageOfGrade(codes, record.grade);
  if (
    school.stages.length > 0 &&
    !school.stages.includes(stage) &&
    !isCompatibleStage(stage, school.stages)
  ) {
    return { problems: [{ field: "grade", code: "grade_not_offered", params: { stage } }] };
  }
  const plain = row.plain && hasPlainCodes(codes);
  return { line: stagedLine(row.rowNumber, school, stage, record, plain), problems: NO_PROBLEMS };
}
