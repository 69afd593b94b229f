/**
 * The fields of a student record, in the order and with the Chinese headers of the national
 * template (STANDARDS.md, "Student record: the national template's fields"). One table drives
 * validation, the import template, imports and exports, so they cannot drift apart.
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

export interface StudentField {
  key: string;
  header: string;
  required: boolean;
  kind: FieldKind;
  codeSet?: string;
  maxLength?: number;
  /** A person's name: normalised and checked by normalisePersonName (platform/identifiers). */
  personName?: true;
}

const text = (key: string, header: string, required = false, maxLength = 100): StudentField => ({
  key,
  header,
  required,
  kind: "text",
  maxLength,
});
const code = (key: string, header: string, codeSet: string, required = false): StudentField => ({
  key,
  header,
  required,
  kind: "code",
  codeSet,
});
const yesNo = (key: string, header: string, required = false): StudentField => ({
  key,
  header,
  required,
  kind: "yesNo",
});

function guardian(n: 1 | 2): StudentField[] {
  const suffix = n === 1 ? "" : "2";
  return [
    { ...text(`guardian${n}Name`, `监护人${suffix}姓名`, false, 50), personName: true },
    code(`guardian${n}Relation`, `监护人${suffix}关系`, "guardian_relation"),
    code(`guardian${n}IdType`, `监护人${suffix}身份证件类型`, "id_document_type"),
    { key: `guardian${n}IdNumber`, header: `监护人${suffix}身份证件号`, required: false, kind: "document" },
    { key: `guardian${n}Phone`, header: `监护人${suffix}联系电话`, required: false, kind: "phone" },
  ];
}

/** The template. 学校标识码 (first column) is the project's addition for uploads above school level. */
export const STUDENT_FIELDS: StudentField[] = [
  { key: "schoolCode", header: "学校标识码", required: false, kind: "text", maxLength: 10 },
  { ...text("name", "姓名", true, 100), personName: true },
  code("sex", "性别", "sex", true),
  { key: "birthDate", header: "出生日期", required: true, kind: "date" },
  { key: "birthplace", header: "出生地", required: true, kind: "division12" },
  { key: "nativePlace", header: "籍贯", required: true, kind: "division" },
  code("ethnicity", "民族", "ethnicity", true),
  code("nationality", "国籍/地区", "nationality", true),
  code("idDocumentType", "身份证件类型", "id_document_type", true),
  { key: "identityNumber", header: "身份证件号", required: false, kind: "document" },
  code("overseasStatus", "港澳台侨外", "overseas_status", true),
  code("politicalStatus", "政治面貌", "political_status"),
  code("healthStatus", "健康状况", "health_status", true),
  { key: "householdLocation", header: "户口所在地", required: true, kind: "division" },
  code("householdType", "户口性质", "household_type", true),
  code("grade", "年级", "grade", true),
  text("className", "班级", true, 50),
  { key: "enrolmentMonth", header: "入学年月", required: true, kind: "month" },
  code("enrolmentMode", "入学方式", "enrolment_mode", true),
  code("attendanceMode", "就读方式", "attendance_mode", true),
  text("currentAddress", "现住址", true, 200),
  text("mailingAddress", "通信地址", true, 200),
  text("homeAddress", "家庭地址", true, 200),
  { key: "phone", header: "联系电话", required: true, kind: "phone" },
  yesNo("isOnlyChild", "是否独生子女", true),
  yesNo("hadPreschool", "是否受过学前教育", true),
  code("leftBehind", "是否留守儿童", "left_behind_status"),
  yesNo("isMigrantChild", "是否进城务工人员随迁子女"),
  yesNo("isOrphan", "是否孤儿"),
  yesNo("isMartyrChild", "是否烈士或优抚子女"),
  code("inclusiveSchooling", "随班就读", "inclusive_schooling"),
  code("disabilityType", "残疾类型", "disability_type"),
  text("auxNumber", "学籍辅号", false, 50),
  text("classNumber", "班内学号", false, 20),
  { ...text("formerName", "曾用名", false, 100), personName: true },
  text("idValidUntil", "身份证件有效期", false, 20),
  ...guardian(1),
  ...guardian(2),
];

export const FIELD_BY_KEY = new Map(STUDENT_FIELDS.map((f) => [f.key, f]));

/** Headers as written in the template: required ones carry ★. */
export function templateHeader(field: StudentField): string {
  return field.required ? `${field.header}★` : field.header;
}
