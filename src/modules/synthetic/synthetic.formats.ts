/**
 * One synthetic student as a row of the national template (CSV, XLSX: the headers and column
 * order of students.fields.ts) and as a line of COPY text for the student table. Values come
 * from data files checked at load time to hold no character either format escapes, so lines are
 * joined without per-value escaping — the difference between 100,000 and 250,000 rows a second.
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { csvCell, neutraliseFormula } from "../../platform/imports/csv-cell";
import { STUDENT_FIELDS, templateHeader } from "../students/students.fields";
import type { SyntheticStudent } from "./synthetic.students";

type Getter = (s: SyntheticStudent) => string;

const text = (value: string | null) => value ?? "";
const yesNo = (value: boolean | null) => (value === null ? "" : value ? "是" : "否");

/** Template key → cell text. Every template field must have one (checked below). */
const TEMPLATE_VALUES: Record<string, Getter> = {
  schoolCode: (s) => s.schoolCode,
  name: (s) => s.name,
  sex: (s) => s.sex,
  birthDate: (s) => s.birthCompact,
  birthplace: (s) => s.birthplace,
  nativePlace: (s) => s.nativePlace,
  ethnicity: (s) => text(s.ethnicity),
  nationality: (s) => s.nationality,
  idDocumentType: (s) => s.idDocumentType,
  identityNumber: (s) => text(s.identityNumber),
  overseasStatus: (s) => s.overseasStatus,
  politicalStatus: (s) => s.politicalStatus,
  healthStatus: (s) => s.healthStatus,
  householdLocation: (s) => s.householdLocation,
  householdType: (s) => text(s.householdType),
  grade: (s) => s.grade,
  className: (s) => text(s.className),
  enrolmentMonth: (s) => s.enrolmentMonth,
  enrolmentMode: (s) => text(s.enrolmentMode),
  attendanceMode: (s) => s.attendanceMode,
  currentAddress: (s) => s.currentAddress,
  mailingAddress: (s) => s.mailingAddress,
  homeAddress: (s) => text(s.homeAddress),
  phone: (s) => text(s.phone),
  isOnlyChild: (s) => yesNo(s.isOnlyChild),
  hadPreschool: (s) => yesNo(s.hadPreschool),
  leftBehind: (s) => text(s.leftBehind),
  isMigrantChild: (s) => yesNo(s.isMigrantChild),
  isOrphan: (s) => yesNo(s.isOrphan),
  isMartyrChild: (s) => yesNo(s.isMartyrChild),
  inclusiveSchooling: (s) => text(s.inclusiveSchooling),
  disabilityType: (s) => text(s.disabilityType),
  auxNumber: () => "",
  classNumber: (s) => s.classNumber,
  formerName: () => "",
  idValidUntil: () => "",
  guardian1Name: (s) => s.guardian1Name,
  guardian1Relation: (s) => s.guardian1Relation,
  guardian1IdType: () => "",
  guardian1IdNumber: () => "",
  guardian1Phone: (s) => s.guardian1Phone,
  guardian2Name: (s) => text(s.guardian2Name),
  guardian2Relation: (s) => text(s.guardian2Relation),
  guardian2IdType: () => "",
  guardian2IdNumber: () => "",
  guardian2Phone: (s) => text(s.guardian2Phone),
};

const TEMPLATE_GETTERS: Getter[] = STUDENT_FIELDS.map((field) => {
  const getter = TEMPLATE_VALUES[field.key];
  if (!getter) throw new Error(`synthetic.formats: no value for template field ${field.key}`);
  return getter;
});

/** The template's headers (required ones with ★), as the import expects them. */
export const TEMPLATE_HEADERS: string[] = STUDENT_FIELDS.map(templateHeader);

/** The student's cells in template order. */
export function templateValues(student: SyntheticStudent): string[] {
  return TEMPLATE_GETTERS.map((get) => get(student));
}

const yn = (value: boolean | null) => (value === null ? "" : value ? "是" : "否");
const tx = (value: string | null) => value ?? "";

/**
 * The CSV line of a student in template order, written out by hand: the getter table above does
 * the same at a third of the speed. A test holds the two equal. Generated values are codes,
 * digits, dates and names from the letter sets, none of which starts a formula; csvLine, which
 * the test compares it with, neutralises every cell, so a generator that ever made one would fail it.
 */
export function templateCsvLine(s: SyntheticStudent): string {
  // An array joined once gives V8 a flat string; a long template literal builds a rope that
  // costs more to flatten when written than the whole row cost to generate.
  return `${[
    s.schoolCode,
    s.name,
    s.sex,
    s.birthCompact,
    s.birthplace,
    s.nativePlace,
    tx(s.ethnicity),
    s.nationality,
    s.idDocumentType,
    tx(s.identityNumber),
    s.overseasStatus,
    s.politicalStatus,
    s.healthStatus,
    s.householdLocation,
    tx(s.householdType),
    s.grade,
    tx(s.className),
    s.enrolmentMonth,
    tx(s.enrolmentMode),
    s.attendanceMode,
    s.currentAddress,
    s.mailingAddress,
    tx(s.homeAddress),
    tx(s.phone),
    yn(s.isOnlyChild),
    yn(s.hadPreschool),
    tx(s.leftBehind),
    yn(s.isMigrantChild),
    yn(s.isOrphan),
    yn(s.isMartyrChild),
    tx(s.inclusiveSchooling),
    tx(s.disabilityType),
    "",
    s.classNumber,
    "",
    "",
    s.guardian1Name,
    s.guardian1Relation,
    "",
    "",
    s.guardian1Phone,
    tx(s.guardian2Name),
    tx(s.guardian2Relation),
    "",
    "",
    tx(s.guardian2Phone),
  ].join(",")}\r\n`;
}

/** The values by template key, as a registration body (POST /api/v1/students) takes them. */
export function registrationBody(student: SyntheticStudent): Record<string, string> {
  const body: Record<string, string> = {};
  STUDENT_FIELDS.forEach((field, i) => {
    const value = TEMPLATE_GETTERS[i]!(student);
    if (value !== "") body[field.key] = value;
  });
  return body;
}

const NULL = "\\N";
const copyText = (value: string | null) => value ?? NULL;
const copyBool = (value: boolean | null) => (value === null ? NULL : value ? "t" : "f");

function guardiansJson(s: SyntheticStudent): string {
  // Built by hand: names and codes never hold quotes or backslashes (see the module comment).
  const one = (name: string, relation: string, phone: string) =>
    `{"name":"${name}","relation":"${relation}","idType":null,"idNumber":null,"phone":"${phone}"}`;
  const first = one(s.guardian1Name, s.guardian1Relation, s.guardian1Phone);
  return s.guardian2Name
    ? `[${first},${one(s.guardian2Name, s.guardian2Relation ?? "", s.guardian2Phone ?? "")}]`
    : `[${first}]`;
}

/** Columns of the student table the loader fills, in COPY order (id and timestamps default). */
export const STUDENT_COPY_COLUMNS = [
  "student_number",
  "number_kind",
  "province_code",
  "school_unit_id",
  "name",
  "sex",
  "birth_date",
  "birthplace_code",
  "native_place_code",
  "ethnicity",
  "nationality",
  "id_document_type",
  "identity_number",
  "overseas_status",
  "political_status",
  "health_status",
  "household_location_code",
  "household_type",
  "stage",
  "grade",
  "class_name",
  "class_number",
  "enrolment_month",
  "enrolment_mode",
  "attendance_mode",
  "status",
  "current_address",
  "mailing_address",
  "home_address",
  "phone",
  "is_only_child",
  "had_preschool",
  "left_behind",
  "is_migrant_child",
  "is_orphan",
  "is_martyr_child",
  "inclusive_schooling",
  "disability_type",
  "guardians",
  "suspended_since",
] as const;

/** One line of COPY text for STUDENT_COPY_COLUMNS, newline included (joined: see templateCsvLine). */
export function copyLine(s: SyntheticStudent, provinceCode: string, schoolUnitId: number): string {
  return `${[
    s.studentNumber,
    s.numberKind,
    provinceCode,
    schoolUnitId,
    s.name,
    s.sex,
    s.birthDate,
    s.birthplace,
    s.nativePlace,
    copyText(s.ethnicity),
    s.nationality,
    s.idDocumentType,
    copyText(s.identityNumber),
    s.overseasStatus,
    s.politicalStatus,
    s.healthStatus,
    s.householdLocation,
    copyText(s.householdType),
    s.stage,
    s.grade,
    copyText(s.className),
    s.classNumber,
    s.enrolmentMonth,
    copyText(s.enrolmentMode),
    s.attendanceMode,
    s.status,
    s.currentAddress,
    s.mailingAddress,
    copyText(s.homeAddress),
    copyText(s.phone),
    copyBool(s.isOnlyChild),
    copyBool(s.hadPreschool),
    copyText(s.leftBehind),
    copyBool(s.isMigrantChild),
    copyBool(s.isOrphan),
    copyBool(s.isMartyrChild),
    copyText(s.inclusiveSchooling),
    copyText(s.disabilityType),
    guardiansJson(s),
    copyText(s.suspendedSince),
  ].join("\t")}\n`;
}

/**
 * CSV line in writeCsv's dialect (CRLF), every cell through the platform's neutralising writer
 * (csv-cell.ts: no cell can start a formula). Generated cells need no quoting; with quote=true
 * they are quoted where needed too.
 */
export function csvLine(values: readonly string[], quote = false): string {
  return `${(quote ? values.map(csvCell) : values.map(neutraliseFormula)).join(",")}\r\n`;
}

const FLUSH_CHARS = 1 << 20;

/**
 * A CSV file written as it is generated, in the dialect of spreadsheet.ts writeCsv (UTF-8 BOM,
 * CRLF), which builds the whole file in memory: five million rows would not fit.
 */
export class CsvFileWriter {
  private readonly stream: WriteStream;
  private buffer = "";
  rows = 0;

  constructor(file: string, headers: readonly string[]) {
    this.stream = createWriteStream(file);
    this.buffer = `\uFEFF${csvLine(headers, true)}`;
  }

  /**
   * Appends a line. Returns a promise only when a buffer went to disk and the disk is behind:
   * awaiting every row would cost more than formatting it.
   */
  write(line: string): Promise<void> | undefined {
    this.buffer += line;
    this.rows++;
    return this.buffer.length >= FLUSH_CHARS ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    const chunk = this.buffer;
    this.buffer = "";
    if (!this.stream.write(chunk)) await once(this.stream, "drain");
  }

  async close(): Promise<void> {
    await this.flush();
    this.stream.end();
    await once(this.stream, "finish");
  }
}
