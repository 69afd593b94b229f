/**
 * Turns what a clerk typed or a spreadsheet held into a checked student record: codes may come
 * as codes or as their Chinese labels, dates as YYYYMMDD or YYYY-MM-DD (parseCalendarDate), yes/no as 是/否. Every
 * problem is reported with the field it belongs to; nothing is guessed silently.
 */

import type { CodeRegistry } from "../../platform/codes/codes.service";
import { validateIdentityNumber } from "../../platform/identifiers/identity-number";
import { normalisePersonName } from "../../platform/identifiers/person-name";
import { unstorableCharacter } from "../../shared/text";
import { parseCalendarDate } from "../../shared/time";
import { FIELD_BY_KEY, STUDENT_FIELDS, type StudentField } from "./students.fields";

export interface Guardian {
  name: string;
  relation: string | null;
  idType: string | null;
  idNumber: string | null;
  phone: string | null;
}

export interface StudentRecord {
  schoolCode: string | null;
  name: string;
  sex: string;
  birthDate: string;
  birthplace: string | null;
  nativePlace: string | null;
  ethnicity: string | null;
  nationality: string | null;
  idDocumentType: string;
  identityNumber: string | null;
  overseasStatus: string | null;
  politicalStatus: string | null;
  healthStatus: string | null;
  householdLocation: string | null;
  householdType: string | null;
  grade: string;
  className: string | null;
  enrolmentMonth: string | null;
  enrolmentMode: string | null;
  attendanceMode: string | null;
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
  auxNumber: string | null;
  classNumber: string | null;
  formerName: string | null;
  idValidUntil: string | null;
  guardians: Guardian[];
}

export interface FieldProblem {
  field: string;
  code: string;
  params?: Record<string, string | number>;
}

/** The resident identity card: its number must pass the GB 11643 check. */
export const RESIDENT_ID_CARD = "1";
/** "Other" document: the number may be absent. */
export const OTHER_DOCUMENT = "Z";

const YES = new Set(["是", "1", "true", "yes", "Y", "y"]);
const NO = new Set(["否", "0", "false", "no", "N", "n"]);

function asText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "boolean") return value ? "1" : "0";
  return String(value).trim();
}

function normaliseMonth(value: string): string | undefined {
  const match = /^(\d{4})[-/.]?(\d{2})$/.exec(value);
  if (!match) return undefined;
  const month = Number(match[2]);
  return month >= 1 && month <= 12 ? `${match[1]}${match[2]}` : undefined;
}

type Parsed = string | boolean | null;

function parseField(field: StudentField, raw: string, codes: CodeRegistry, problems: FieldProblem[]): Parsed {
  const fail = (code: string, params?: Record<string, string | number>) => {
    problems.push({ field: field.key, code, ...(params ? { params } : {}) });
    return null;
  };
  if (raw === "") return field.required ? fail("field_required") : null;
  // A NUL or a broken surrogate pair, from a spreadsheet cell or a form: no field can store it.
  const unstorable = unstorableCharacter(raw);
  if (unstorable) return fail("text_unstorable_character", { codePoint: unstorable });
  if (field.maxLength && raw.length > field.maxLength)
    return fail("field_too_long", { max: field.maxLength });
  switch (field.kind) {
    case "text":
    case "document": {
      if (!field.personName) return raw;
      const name = normalisePersonName(raw);
      return name.ok ? name.value : fail(name.code, name.params);
    }
    case "code": {
      const resolved = codes.resolve(field.codeSet!, raw);
      return resolved ?? fail("code_unknown", { codeSet: field.header, value: raw });
    }
    case "date":
      return parseCalendarDate(raw) ?? fail("date_invalid", { value: raw });
    case "month":
      return normaliseMonth(raw) ?? fail("month_invalid", { value: raw });
    case "division":
      return /^\d{6}$/.test(raw) && codes.isKnownProvince(raw.slice(0, 2))
        ? raw
        : fail("division_code_invalid", { value: raw });
    case "division12":
      return /^\d{12}$/.test(raw) && codes.isKnownProvince(raw.slice(0, 2))
        ? raw
        : fail("division_code_invalid", { value: raw });
    case "yesNo":
      if (YES.has(raw)) return true;
      if (NO.has(raw)) return false;
      return fail("yes_no_invalid", { value: raw });
    case "phone":
      return /^[0-9+\-() ]{7,20}$/.test(raw) ? raw : fail("phone_invalid", { value: raw });
  }
}

function guardianOf(values: Map<string, Parsed>, n: 1 | 2): Guardian | undefined {
  const get = (k: string) => (values.get(`guardian${n}${k}`) as string | null | undefined) ?? null;
  const guardian = {
    name: get("Name"),
    relation: get("Relation"),
    idType: get("IdType"),
    idNumber: get("IdNumber"),
    phone: get("Phone"),
  };
  if (Object.values(guardian).every((v) => v === null)) return undefined;
  return { ...guardian, name: guardian.name ?? "" };
}

export interface CheckOptions {
  today?: Date;
}

/** Checks one record; `record` is present only when there are no problems. */
export function checkStudentRecord(
  codes: CodeRegistry,
  input: Record<string, unknown>,
  options: CheckOptions = {},
): { record?: StudentRecord; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const values = new Map<string, Parsed>();
  for (const field of STUDENT_FIELDS)
    values.set(field.key, parseField(field, asText(input[field.key]), codes, problems));
  const documentType = values.get("idDocumentType") as string | null;
  const identity = values.get("identityNumber") as string | null;
  if (documentType && documentType !== OTHER_DOCUMENT && !identity) {
    problems.push({ field: "identityNumber", code: "field_required" });
  }
  if (documentType === RESIDENT_ID_CARD && identity) {
    const checked = validateIdentityNumber(identity, {
      ...(options.today ? { today: options.today } : {}),
      isKnownProvince: (p) => codes.isKnownProvince(p),
    });
    if (!checked.ok) {
      for (const p of checked.problems)
        problems.push({ field: "identityNumber", code: p.code, ...(p.detail ? { params: p.detail } : {}) });
    } else {
      values.set("identityNumber", checked.value.number);
      // The card is the source of truth for birth date and sex; a mismatch is a typing error.
      if (values.get("birthDate") && values.get("birthDate") !== checked.value.birthDate) {
        problems.push({
          field: "birthDate",
          code: "identity_birth_mismatch",
          params: { expected: checked.value.birthDate },
        });
      }
      if (values.get("sex") && values.get("sex") !== checked.value.sex) {
        problems.push({ field: "sex", code: "identity_sex_mismatch" });
      }
    }
  }
  const birthDate = values.get("birthDate") as string | null;
  if (
    birthDate &&
    birthDate > new Date((options.today ?? new Date()).getTime() + 8 * 3_600_000).toISOString().slice(0, 10)
  ) {
    problems.push({ field: "birthDate", code: "date_in_future", params: { value: birthDate } });
  }
  const grade = values.get("grade") as string | null;
  if (grade && !codes.find("grade", grade)?.parentCode)
    problems.push({ field: "grade", code: "code_unknown", params: { codeSet: "年级", value: grade } });
  if (problems.length > 0) return { problems };
  const text = (k: string) => (values.get(k) as string | null) ?? null;
  const flag = (k: string) => (values.get(k) as boolean | null) ?? null;
  const record: StudentRecord = {
    schoolCode: text("schoolCode"),
    name: text("name")!,
    sex: text("sex")!,
    birthDate: text("birthDate")!,
    birthplace: text("birthplace"),
    nativePlace: text("nativePlace"),
    ethnicity: text("ethnicity"),
    nationality: text("nationality"),
    idDocumentType: text("idDocumentType")!,
    identityNumber: text("identityNumber"),
    overseasStatus: text("overseasStatus"),
    politicalStatus: text("politicalStatus"),
    healthStatus: text("healthStatus"),
    householdLocation: text("householdLocation"),
    householdType: text("householdType"),
    grade: text("grade")!,
    className: text("className"),
    enrolmentMonth: text("enrolmentMonth"),
    enrolmentMode: text("enrolmentMode"),
    attendanceMode: text("attendanceMode"),
    currentAddress: text("currentAddress"),
    mailingAddress: text("mailingAddress"),
    homeAddress: text("homeAddress"),
    phone: text("phone"),
    isOnlyChild: flag("isOnlyChild"),
    hadPreschool: flag("hadPreschool"),
    leftBehind: text("leftBehind"),
    isMigrantChild: flag("isMigrantChild"),
    isOrphan: flag("isOrphan"),
    isMartyrChild: flag("isMartyrChild"),
    inclusiveSchooling: text("inclusiveSchooling"),
    disabilityType: text("disabilityType"),
    auxNumber: text("auxNumber"),
    classNumber: text("classNumber"),
    formerName: text("formerName"),
    idValidUntil: text("idValidUntil"),
    guardians: [guardianOf(values, 1), guardianOf(values, 2)].filter((g): g is Guardian => g !== undefined),
  };
  return { record, problems };
}

/** The stage (学段) a grade belongs to: its group in the grade code set. */
export function stageOfGrade(codes: CodeRegistry, grade: string): string {
  return codes.find("grade", grade)?.parentCode ?? "";
}

export { FIELD_BY_KEY };
