/**
 * The fields of a student record as the national template has them (mirrors the API's
 * students.fields.ts: keys, kinds, code sets, required ★), grouped as the registration form and
 * the detail page show them. Labels live in the message files under "student.<key>".
 */
export type FieldKind =
  | "text"
  | "code"
  | "date"
  | "month"
  | "division"
  | "division12"
  | "yesNo"
  | "phone"
  | "document";

export type FieldGroup = "basic" | "identity" | "household" | "schooling" | "family" | "guardians";

export interface StudentFieldDef {
  key: string;
  kind: FieldKind;
  required: boolean;
  group: FieldGroup;
  codeSet?: string;
  maxLength?: number;
}

const f = (
  key: string,
  kind: FieldKind,
  group: FieldGroup,
  required = false,
  extra: Partial<StudentFieldDef> = {},
): StudentFieldDef => ({ key, kind, group, required, ...extra });

function guardian(n: 1 | 2): StudentFieldDef[] {
  return [
    f(`guardian${n}Name`, "text", "guardians", false, { maxLength: 50 }),
    f(`guardian${n}Relation`, "code", "guardians", false, { codeSet: "guardian_relation" }),
    f(`guardian${n}IdType`, "code", "guardians", false, { codeSet: "id_document_type" }),
    f(`guardian${n}IdNumber`, "document", "guardians", false, { maxLength: 30 }),
    f(`guardian${n}Phone`, "phone", "guardians"),
  ];
}

export const GROUPS: FieldGroup[] = ["basic", "identity", "household", "schooling", "family", "guardians"];

export const STUDENT_FIELDS: StudentFieldDef[] = [
  f("name", "text", "basic", true, { maxLength: 100 }),
  f("formerName", "text", "basic", false, { maxLength: 100 }),
  f("sex", "code", "basic", true, { codeSet: "sex" }),
  f("birthDate", "date", "basic", true),
  f("birthplace", "division12", "basic", true),
  f("nativePlace", "division", "basic", true),
  f("ethnicity", "code", "basic", true, { codeSet: "ethnicity" }),
  f("nationality", "code", "basic", true, { codeSet: "nationality" }),
  f("politicalStatus", "code", "basic", false, { codeSet: "political_status" }),
  f("healthStatus", "code", "basic", true, { codeSet: "health_status" }),
  f("idDocumentType", "code", "identity", true, { codeSet: "id_document_type" }),
  f("identityNumber", "document", "identity", false, { maxLength: 30 }),
  f("idValidUntil", "text", "identity", false, { maxLength: 20 }),
  f("overseasStatus", "code", "identity", true, { codeSet: "overseas_status" }),
  f("householdLocation", "division", "household", true),
  f("householdType", "code", "household", true, { codeSet: "household_type" }),
  f("schoolCode", "text", "schooling", false, { maxLength: 10 }),
  f("grade", "code", "schooling", true, { codeSet: "grade" }),
  f("className", "text", "schooling", true, { maxLength: 50 }),
  f("classNumber", "text", "schooling", false, { maxLength: 20 }),
  f("auxNumber", "text", "schooling", false, { maxLength: 50 }),
  f("enrolmentMonth", "month", "schooling", true),
  f("enrolmentMode", "code", "schooling", true, { codeSet: "enrolment_mode" }),
  f("attendanceMode", "code", "schooling", true, { codeSet: "attendance_mode" }),
  f("currentAddress", "text", "family", true, { maxLength: 200 }),
  f("mailingAddress", "text", "family", true, { maxLength: 200 }),
  f("homeAddress", "text", "family", true, { maxLength: 200 }),
  f("phone", "phone", "family", true),
  f("isOnlyChild", "yesNo", "family", true),
  f("hadPreschool", "yesNo", "family", true),
  f("leftBehind", "code", "family", false, { codeSet: "left_behind_status" }),
  f("isMigrantChild", "yesNo", "family"),
  f("isOrphan", "yesNo", "family"),
  f("isMartyrChild", "yesNo", "family"),
  f("inclusiveSchooling", "code", "family", false, { codeSet: "inclusive_schooling" }),
  f("disabilityType", "code", "family", false, { codeSet: "disability_type" }),
  ...guardian(1),
  ...guardian(2),
];

export const FIELD_KEYS = STUDENT_FIELDS.map((field) => field.key);

/** GB 11643 resident identity number: 17 digits and a check character. */
export const IDENTITY_PATTERN = /^\d{17}[\dX]$/;
export const PHONE_PATTERN = /^[0-9+\-() ]{7,20}$/;

/** The check character of a resident identity number (ISO 7064 MOD 11-2), as the API checks it. */
export function identityCheckOk(value: string): boolean {
  if (!IDENTITY_PATTERN.test(value)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((total, weight, i) => total + weight * Number(value[i]), 0);
  return "10X98765432"[sum % 11] === value[17];
}

/** Birth date and sex as a valid resident identity number carries them. */
export function fromIdentityNumber(value: string): { birthDate: string; sex: "1" | "2" } | null {
  if (!identityCheckOk(value)) return null;
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  return { birthDate, sex: Number(value[16]) % 2 === 1 ? "1" : "2" };
}
