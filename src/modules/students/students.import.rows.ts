/**
 * The rows of a student import file, without the database: reading CSV (UTF-8 or GBK) and XLSX
 * into cells in template field order, checking each row (a fast compiled check, backed by
 * checkStudentRecord, the rule of every registration path) and writing the COPY line of a clean
 * row for the staging table. students.import.ts runs these over a file as a job.
 */
import { isUtf8 } from "node:buffer";
import type { CodeRegistry } from "../../platform/codes/codes.service";
import { toCompactLocalDate } from "../../platform/identifiers/identity-number";
import { formatCopyValue } from "../../platform/imports/copy";
import { normaliseHeader, readSpreadsheet } from "../../platform/imports/spreadsheet";
import { AppError, type FieldError } from "../../shared/errors";
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

/** One row in this many accepted by the fast checker is checked again by checkStudentRecord. */
const CROSS_CHECK_EVERY = 128;

// ---------------------------------------------------------------------------------------------
// Reading: rows as arrays of trimmed cells in template field order
// ---------------------------------------------------------------------------------------------

export interface SheetRecord {
  rowNumber: number;
  /** One trimmed cell per STUDENT_FIELDS entry ("" when the column is absent). */
  cells: string[];
  readProblems: { field: string; code: string }[];
}

export interface OpenedSheet {
  format: "csv" | "xlsx";
  encoding?: "utf-8" | "gbk";
  /** Field index → presence of its column. */
  present: boolean[];
  /** Estimated number of data rows, for progress. */
  estimatedRows: number;
  records: () => Iterable<SheetRecord>;
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

/**
 * A CSV parser (RFC 4180: quotes, doubled quotes, line breaks inside quotes, CRLF or LF) over
 * text that arrives in pieces. A line without quotes, by far the common case, is split whole.
 */
class CsvParser {
  private nextQuote = 0;

  /**
   * Emits the complete records of `text`; returns the offset of the first record not yet
   * complete (the caller carries it over to the next piece), or text.length when final.
   */
  parse(text: string, final: boolean, emit: (fields: string[]) => void): number {
    let pos = 0;
    this.nextQuote = text.indexOf('"');
    const end = text.length;
    while (pos < end) {
      const newline = text.indexOf("\n", pos);
      if (newline === -1 && !final) return pos;
      const lineEnd = newline === -1 ? end : newline;
      if (this.nextQuote !== -1 && this.nextQuote < pos) this.nextQuote = text.indexOf('"', pos);
      if (this.nextQuote === -1 || this.nextQuote > lineEnd) {
        const stop = lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13 ? lineEnd - 1 : lineEnd;
        emit(text.slice(pos, stop).split(","));
        pos = lineEnd + 1;
        continue;
      }
      const next = this.parseQuoted(text, pos, final, emit);
      if (next === -1) return pos;
      pos = next;
    }
    return end;
  }

  /** The slow path for a record with quotes; -1 when the record runs past the text. */
  private parseQuoted(text: string, start: number, final: boolean, emit: (fields: string[]) => void): number {
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
        emit(fields);
        return i + 1;
      } else field += text[i];
    }
    if (!final) return -1;
    fields.push(field);
    emit(fields);
    return text.length;
  }
}

function countLines(buffer: Buffer): number {
  let lines = 0;
  for (let at = buffer.indexOf(10); at !== -1; at = buffer.indexOf(10, at + 1)) lines++;
  return lines;
}

/** Splits decoded text into records; row numbers count every record, as Excel shows them. */
function* csvRecordsOf(body: Buffer, encoding: "utf-8" | "gbk"): Generator<string[]> {
  const decoder = new TextDecoder(encoding);
  const parser = new CsvParser();
  const pending: string[][] = [];
  const emit = (fields: string[]) => pending.push(fields);
  let carry = "";
  for (let offset = 0; offset < body.length; offset += DECODE_STEP) {
    const text = carry + decoder.decode(body.subarray(offset, offset + DECODE_STEP), { stream: true });
    carry = text.slice(parser.parse(text, false, emit));
    yield* pending;
    pending.length = 0;
  }
  const rest = carry + decoder.decode();
  if (rest) parser.parse(rest, true, emit);
  yield* pending;
}

/**
 * The cells of a record in template field order, trimmed. A loop rather than map(): this runs
 * once per row, and a closure per row is measurable over a million rows.
 */
function cellsInFieldOrder(fields: string[], columnOfField: readonly number[], inOrder: boolean): string[] {
  if (inOrder) {
    // The template's own column order (the usual case): the parsed array is reused in place.
    fields.length = columnOfField.length;
    for (let i = 0; i < fields.length; i++) fields[i] = fields[i] === undefined ? "" : fields[i]!.trim();
    return fields;
  }
  const cells = new Array<string>(columnOfField.length);
  for (let i = 0; i < columnOfField.length; i++) {
    const column = columnOfField[i]!;
    cells[i] = column < 0 ? "" : (fields[column] ?? "").trim();
  }
  return cells;
}

export function isBlankRow(cells: readonly string[]): boolean {
  for (const cell of cells) if (cell !== "") return false;
  return true;
}

function openCsv(buffer: Buffer): OpenedSheet {
  const hasBom = UTF8_BOM.every((byte, i) => buffer[i] === byte);
  const body = hasBom ? buffer.subarray(3) : buffer;
  const encoding = isUtf8(body) ? "utf-8" : "gbk";
  let headerIndex = -1;
  let headers: string[] = [];
  let index = 0;
  for (const fields of csvRecordsOf(body, encoding)) {
    const cells = fields.map((f) => f.trim());
    if (!isBlankRow(cells)) {
      headerIndex = index;
      headers = cells;
      break;
    }
    index++;
  }
  if (headerIndex < 0) throw new AppError("import_empty", 400);
  const { columnOfField, present } = mapHeaders(headers);
  const inOrder = columnOfField.every((column, i) => column === i);
  function* records(): Generator<SheetRecord> {
    let recordIndex = 0;
    for (const fields of csvRecordsOf(body, encoding)) {
      const rowNumber = ++recordIndex;
      if (rowNumber <= headerIndex + 1) continue;
      const cells = cellsInFieldOrder(fields, columnOfField, inOrder);
      if (!isBlankRow(cells)) yield { rowNumber, cells, readProblems: [] };
    }
  }
  return { format: "csv", encoding, present, estimatedRows: countLines(body) - headerIndex, records };
}

async function openXlsx(buffer: Buffer): Promise<OpenedSheet> {
  const sheet = await readSpreadsheet(buffer);
  const { columnOfField, present } = mapHeaders(sheet.headers);
  const fieldOfHeader = new Map<string, string>();
  columnOfField.forEach((column, i) => {
    if (column >= 0) fieldOfHeader.set(sheet.headers[column]!, STUDENT_FIELDS[i]!.key);
  });
  function* records(): Generator<SheetRecord> {
    for (const row of sheet.rows) {
      const cells = columnOfField.map((column) =>
        column < 0 ? "" : (row.values[sheet.headers[column]!] ?? "").trim(),
      );
      const readProblems = row.readProblems.flatMap((p) => {
        const field = fieldOfHeader.get(p.column);
        return field ? [{ field, code: p.code }] : [];
      });
      yield { rowNumber: row.rowNumber, cells, readProblems };
    }
  }
  return { format: "xlsx", present, estimatedRows: sheet.rows.length, records };
}

export async function openSheet(buffer: Buffer): Promise<OpenedSheet> {
  if (buffer.length === 0) throw new AppError("import_empty", 400);
  const isXlsx = buffer[0] === 0x50 && buffer[1] === 0x4b && buffer[2] === 0x03 && buffer[3] === 0x04;
  return isXlsx ? openXlsx(buffer) : openCsv(buffer);
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

const INVALID = Symbol("invalid");
type Parsed = string | boolean | null;
type FieldParser = (raw: string) => Parsed | typeof INVALID;

const YES = new Set(["是", "1", "true", "yes", "Y", "y"]);
const NO = new Set(["否", "0", "false", "no", "N", "n"]);
const PHONE = /^[0-9+\-() ]{7,20}$/;
const MONTH = /^(\d{4})[-/.]?(\d{2})$/;
export const IDENTITY_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
export const CHECK_CHARACTERS = "10X98765432";

/** Memoises a pure function of a cell: codes, dates and divisions repeat across rows. */
function cached(compute: (raw: string) => Parsed | typeof INVALID): FieldParser {
  const memo = new Map<string, Parsed | typeof INVALID>();
  return (raw) => {
    let value = memo.get(raw);
    if (value === undefined) {
      value = compute(raw);
      if (memo.size < 100_000) memo.set(raw, value);
    }
    return value;
  };
}

function isRealIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

function parseDate(raw: string): string | typeof INVALID {
  const compact = /^\d{8}$/.test(raw)
    ? `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6)}`
    : raw.replace(/[/.]/g, "-");
  return isRealIsoDate(compact) ? compact : INVALID;
}

function parseMonth(raw: string): string | typeof INVALID {
  const match = MONTH.exec(raw);
  if (!match) return INVALID;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? `${match[1]}${match[2]}` : INVALID;
}

function kindParser(codes: CodeRegistry, field: StudentField): FieldParser {
  const division = (digits: number) =>
    cached((raw) =>
      raw.length === digits && /^\d+$/.test(raw) && codes.isKnownProvince(raw.slice(0, 2)) ? raw : INVALID,
    );
  switch (field.kind) {
    case "text":
    case "document":
      return (raw) => raw;
    case "code": {
      const codeSet = field.codeSet!;
      return cached((raw) => codes.resolve(codeSet, codeCandidate(codes, codeSet, raw)) ?? INVALID);
    }
    case "date":
      return cached(parseDate);
    case "month":
      return cached(parseMonth);
    case "division":
      return division(6);
    case "division12":
      return division(12);
    case "yesNo":
      return (raw) => (YES.has(raw) ? true : NO.has(raw) ? false : INVALID);
    case "phone":
      return (raw) => (PHONE.test(raw) ? raw : INVALID);
  }
}

function fieldParser(codes: CodeRegistry, field: StudentField): FieldParser {
  const parse = kindParser(codes, field);
  const max = field.maxLength;
  return (raw) => {
    if (raw === "") return field.required ? INVALID : null;
    if (max && raw.length > max) return INVALID;
    return parse(raw);
  };
}

/**
 * A resident identity number that passes every check validateIdentityNumber makes (format,
 * known province, real birth date from 1900 to today, check character), normalised; else null.
 */
function acceptedIdentity(
  value: string,
  codes: CodeRegistry,
  todayCompact: string,
  isRealBirthDate: (compact: string) => boolean,
): string | null {
  const number = value.endsWith("x") ? `${value.slice(0, -1)}X` : value;
  if (number.length !== 18) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const digit = number.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    sum += digit * IDENTITY_WEIGHTS[i]!;
  }
  const last = number.charCodeAt(17);
  if (!((last >= 48 && last <= 57) || last === 88)) return null;
  if (CHECK_CHARACTERS[sum % 11] !== number[17]) return null;
  if (!codes.isKnownProvince(number.slice(0, 2))) return null;
  const birth = number.slice(6, 14);
  if (birth < "19000101" || birth > todayCompact) return null;
  return isRealBirthDate(birth) ? number : null;
}

/**
 * The fast check: the same rules as checkStudentRecord, compiled once per import from the
 * field table with memoised code, date and division look-ups and no allocation per field. It
 * only ever says "this row is clean, here is its record"; any row it doubts goes to
 * checkStudentRecord, which also words the problems. A sample of the rows it accepts is checked
 * again by checkStudentRecord, and one disagreement sends the whole import back to the
 * reference check (see previewRows), so a drift between the two cannot let a bad row through.
 */
function fastChecker(
  codes: CodeRegistry,
  today: Date,
): (cells: readonly string[]) => StudentRecord | undefined {
  const parsers = STUDENT_FIELDS.map((field) => fieldParser(codes, field));
  const keys = STUDENT_FIELDS.map((field) => field.key);
  const at = (key: string) => keys.indexOf(key);
  const [iSex, iBirth, iDocType, iIdentity, iGrade] = [
    "sex",
    "birthDate",
    "idDocumentType",
    "identityNumber",
    "grade",
  ].map(at);
  const guardianFields = [1, 2].map((n) =>
    ["Name", "Relation", "IdType", "IdNumber", "Phone"].map((k) => at(`guardian${n}${k}`)),
  );
  const firstGuardianField = Math.min(...guardianFields.flat());
  const todayCompact = toCompactLocalDate(today);
  const todayChina = new Date(today.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
  const gradeOk = cached((grade) => (codes.find("grade", grade)?.parentCode ? grade : INVALID));
  const values: Parsed[] = new Array(keys.length).fill(null);
  const birthDates = cached((compact) => (parseDate(compact) === INVALID ? INVALID : compact));
  const isRealBirthDate = (compact: string) => birthDates(compact) !== INVALID;

  const guardianOf = (fields: number[]): Guardian | undefined => {
    const name = values[fields[0]!] as string | null;
    const relation = values[fields[1]!] as string | null;
    const idType = values[fields[2]!] as string | null;
    const idNumber = values[fields[3]!] as string | null;
    const phone = values[fields[4]!] as string | null;
    if (name === null && relation === null && idType === null && idNumber === null && phone === null)
      return undefined;
    return {
      name: name ?? "",
      relation: relation ?? null,
      idType: idType ?? null,
      idNumber: idNumber ?? null,
      phone: phone ?? null,
    };
  };

  return (cells) => {
    for (let i = 0; i < parsers.length; i++) {
      const value = parsers[i]!(cells[i] ?? "");
      if (value === INVALID) return undefined;
      values[i] = value;
    }
    const documentType = values[iDocType!] as string;
    const identity = values[iIdentity!] as string | null;
    if (documentType !== OTHER_DOCUMENT && !identity) return undefined;
    if (documentType === RESIDENT_ID_CARD && identity) {
      const number = acceptedIdentity(identity, codes, todayCompact, isRealBirthDate);
      if (!number) return undefined;
      const birth = `${number.slice(6, 10)}-${number.slice(10, 12)}-${number.slice(12, 14)}`;
      const sex = Number(number.slice(14, 17)) % 2 === 1 ? "1" : "2";
      if (values[iBirth!] !== birth || values[iSex!] !== sex) return undefined;
      values[iIdentity!] = number;
    }
    if ((values[iBirth!] as string) > todayChina) return undefined;
    if (gradeOk(values[iGrade!] as string) === INVALID) return undefined;
    const record: Record<string, unknown> = {};
    for (let i = 0; i < firstGuardianField; i++) record[keys[i]!] = values[i];
    const guardians: Guardian[] = [];
    for (const fields of guardianFields) {
      const guardian = guardianOf(fields);
      if (guardian) guardians.push(guardian);
    }
    record.guardians = guardians;
    return record as unknown as StudentRecord;
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
    if (++accepted % CROSS_CHECK_EVERY === 1) {
      const again = reference(cells);
      if (!again.record || !sameRecord(record, again.record)) throw new CheckerDisagreement();
    }
    return { record, problems: [] };
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

/** Kinds whose checked values cannot hold a tab, line break or backslash: written unescaped. */
const PLAIN_KINDS = new Set(["date", "month", "division", "division12", "phone", "yesNo"]);

interface ColumnWriter {
  column: StudentColumn;
  /** The record field the column copies, or null when toColumns computes it (guardians). */
  key: string | null;
  escape: boolean;
}

/**
 * How each staged column is written, learnt once from toColumns itself (a record whose every
 * field holds its own key): columns that copy a field are read straight from the record, so a
 * row costs no intermediate object; the rest go through toColumns.
 */
const COLUMN_WRITERS: ColumnWriter[] = (() => {
  const probe: Record<string, unknown> = {};
  for (const field of STUDENT_FIELDS) probe[field.key] = `\u0000${field.key}`;
  probe.guardians = [];
  const columns = toColumns(probe as unknown as StudentRecord) as Record<string, unknown>;
  return STUDENT_COLUMNS.map((column) => {
    const value = columns[column];
    const key = typeof value === "string" && value.startsWith("\u0000") ? value.slice(1) : null;
    const kind = key === null ? undefined : STUDENT_FIELDS.find((f) => f.key === key)?.kind;
    return { column, key, escape: kind === undefined || !PLAIN_KINDS.has(kind) };
  });
})();

function plainValue(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  return String(value);
}

export function stagedLine(
  rowNumber: number,
  school: RegistrySchool,
  stage: string,
  record: StudentRecord,
): string {
  const fields = record as unknown as Record<string, unknown>;
  let computed: Record<string, unknown> | undefined;
  let line = `${rowNumber}\t${school.id}\t${school.provinceCode}\t${school.divisionCode}`;
  line += `\t${formatCopyValue(stage)}`;
  for (const writer of COLUMN_WRITERS) {
    let value: unknown;
    if (writer.key !== null) value = fields[writer.key];
    else if (writer.column === "guardians") value = JSON.stringify(record.guardians);
    else {
      computed ??= toColumns(record) as Record<string, unknown>;
      value = computed[writer.column];
    }
    line += `\t${writer.escape ? formatCopyValue(value as string | boolean | null) : plainValue(value)}`;
  }
  return `${line}\n`;
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
  return { line: stagedLine(row.rowNumber, school, stage, record), problems: [] };
}
