/**
 * Teacher certificate number (教师资格证书编号), 17 digits:
 * year (4) + province (2) + certifying body (3) + certificate type (1) + sex digit (1) + sequence (6).
 * Only the shape is checked: certifying-body numbers are not published as a code set, so any 3 digits pass.
 */
import { type IdentifierProblem, invalid, problem, type Validation, valid } from "./identifiers.errors";
import { isKnownProvinceCode, type ProvincePredicate } from "./identity-number";

/** Earliest year accepted in a certificate number, as fixed by the project's standards document. */
export const FIRST_TEACHER_CERTIFICATE_YEAR = 1990;

export type TeacherCertificateType = "1" | "2" | "3" | "4" | "5" | "6" | "7";

export const TEACHER_CERTIFICATE_TYPES: Record<TeacherCertificateType, { "zh-CN": string; en: string }> = {
  "1": { "zh-CN": "幼儿园教师资格", en: "Kindergarten teacher" },
  "2": { "zh-CN": "小学教师资格", en: "Primary school teacher" },
  "3": { "zh-CN": "初级中学教师资格", en: "Junior secondary school teacher" },
  "4": { "zh-CN": "高级中学教师资格", en: "Senior secondary school teacher" },
  "5": { "zh-CN": "中等职业学校教师资格", en: "Secondary vocational school teacher" },
  "6": { "zh-CN": "中等职业学校实习指导教师资格", en: "Secondary vocational practice instructor" },
  "7": { "zh-CN": "高等学校教师资格", en: "Higher education teacher" },
};

export interface TeacherCertificateOptions {
  /** Its local calendar year is the latest year accepted; defaults to now. */
  today?: Date;
  isKnownProvince?: ProvincePredicate;
}

export interface TeacherCertificate {
  number: string;
  year: number;
  provinceCode: string;
  certifyingBody: string;
  type: TeacherCertificateType;
  /** The meaning of this digit is UNVERIFIED (not confirmed against the issuing rules); any digit passes. */
  sexDigit: string;
  sequence: string;
}

function isTeacherCertificateType(value: string): value is TeacherCertificateType {
  return Object.hasOwn(TEACHER_CERTIFICATE_TYPES, value);
}

/** Validates a teacher certificate number; never throws. The caller trims: whitespace is an error. */
export function validateTeacherCertificate(
  input: unknown,
  options: TeacherCertificateOptions = {},
): Validation<TeacherCertificate> {
  if (typeof input !== "string" || !/^\d{17}$/.test(input)) {
    return invalid([problem("teacher_certificate.format")]);
  }
  const problems: IdentifierProblem[] = [];
  const year = Number(input.slice(0, 4));
  const maxYear = (options.today ?? new Date()).getFullYear();
  if (year < FIRST_TEACHER_CERTIFICATE_YEAR || year > maxYear) {
    problems.push(problem("teacher_certificate.year", { year, maxYear }));
  }
  const provinceCode = input.slice(4, 6);
  if (!(options.isKnownProvince ?? isKnownProvinceCode)(provinceCode)) {
    problems.push(problem("teacher_certificate.province_unknown", { provinceCode }));
  }
  const type = input.charAt(9);
  if (!isTeacherCertificateType(type)) problems.push(problem("teacher_certificate.type_unknown", { type }));
  if (problems.length > 0 || !isTeacherCertificateType(type)) return invalid(problems);
  return valid({
    number: input,
    year,
    provinceCode,
    certifyingBody: input.slice(6, 9),
    type,
    sexDigit: input.charAt(10),
    sequence: input.slice(11),
  });
}
