/**
 * Stable error codes, result types and the clerk-facing message catalogue shared by every identifier
 * validator in this folder. The codes are part of the API contract (they reach HTTP responses, import
 * reports and translations), so existing codes must never be renamed — only added.
 */

export const IDENTIFIER_ERROR_CODES = [
  "identity_number.format",
  "identity_number.check_character",
  "identity_number.birth_date_invalid",
  "identity_number.birth_date_future",
  "identity_number.birth_date_too_early",
  "identity_number.province_unknown",
  "student_number.format",
  "student_number.kind_unknown",
  "student_number.check_character",
  "student_number.birth_date_invalid",
  "student_number.birth_date_future",
  "student_number.birth_date_too_early",
  "school_code.format",
  "school_code.school_type_unknown",
  "school_code.province_unknown",
  "school_code.province_mismatch",
  "credit_code.format",
  "credit_code.charset",
  "credit_code.division_code",
  "credit_code.check_character",
  "teacher_certificate.format",
  "teacher_certificate.year",
  "teacher_certificate.province_unknown",
  "teacher_certificate.type_unknown",
] as const;

export type IdentifierErrorCode = (typeof IDENTIFIER_ERROR_CODES)[number];

/** `detail` carries the values named by the `{placeholders}` of the code's messages. */
export type IdentifierProblem = { code: IdentifierErrorCode; detail?: Record<string, string | number> };

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: IdentifierProblem[] };

export type IdentifierLocale = "zh-CN" | "en";

export function valid<T>(value: T): Validation<T> {
  return { ok: true, value };
}

export function invalid<T>(problems: IdentifierProblem[]): Validation<T> {
  return { ok: false, problems };
}

export function problem(
  code: IdentifierErrorCode,
  detail?: Record<string, string | number>,
): IdentifierProblem {
  return detail === undefined ? { code } : { code, detail };
}

/** Shown to county clerks correcting imported rows, so they say what is wrong and what is expected. */
export const identifierMessages: Record<IdentifierErrorCode, { "zh-CN": string; en: string }> = {
  "identity_number.format": {
    "zh-CN": "身份证件号格式错误：应为 18 位，前 17 位为数字，最后一位为数字或 X",
    en: "The identity number must be 18 characters: 17 digits followed by a digit or X",
  },
  "identity_number.check_character": {
    "zh-CN": "身份证件号校验位错误，应为 {expected}",
    en: "The check character of the identity number is wrong; it should be {expected}",
  },
  "identity_number.birth_date_invalid": {
    "zh-CN": "身份证件号中的出生日期 {birthDate} 不是有效日期",
    en: "The birth date {birthDate} in the identity number is not a real calendar date",
  },
  "identity_number.birth_date_future": {
    "zh-CN": "身份证件号中的出生日期 {birthDate} 晚于今天",
    en: "The birth date {birthDate} in the identity number is in the future",
  },
  "identity_number.birth_date_too_early": {
    "zh-CN": "身份证件号中的出生日期 {birthDate} 早于 1900 年 1 月 1 日",
    en: "The birth date {birthDate} in the identity number is before 1 January 1900",
  },
  "identity_number.province_unknown": {
    "zh-CN": "身份证件号前两位 {provinceCode} 不是已知的省级行政区划代码",
    en: "The first two digits {provinceCode} of the identity number are not a known province code",
  },
  "student_number.format": {
    "zh-CN": "学籍号格式错误：应为 19 位，G 或 J 后接 17 位数字和 1 位数字或 X，L 后接 18 位数字",
    en:
      "The student number must be 19 characters: G or J followed by 17 digits and a digit or X, " +
      "or L followed by 18 digits",
  },
  "student_number.kind_unknown": {
    "zh-CN": "学籍号首字母 {kind} 无效，应为 G、J 或 L",
    en: "The student number starts with {kind}; it must start with G, J or L",
  },
  "student_number.check_character": {
    "zh-CN": "学籍号校验位错误，应为 {expected}",
    en: "The check character of the student number is wrong; it should be {expected}",
  },
  "student_number.birth_date_invalid": {
    "zh-CN": "学籍号中的出生日期 {birthDate} 不是有效日期",
    en: "The birth date {birthDate} in the student number is not a real calendar date",
  },
  "student_number.birth_date_future": {
    "zh-CN": "学籍号中的出生日期 {birthDate} 晚于今天",
    en: "The birth date {birthDate} in the student number is in the future",
  },
  "student_number.birth_date_too_early": {
    "zh-CN": "学籍号中的出生日期 {birthDate} 早于 1900 年 1 月 1 日",
    en: "The birth date {birthDate} in the student number is before 1 January 1900",
  },
  "school_code.format": {
    "zh-CN": "学校标识码格式错误：应为 10 位数字",
    en: "The school identification code must be exactly 10 digits",
  },
  "school_code.school_type_unknown": {
    "zh-CN": "学校标识码前两位 {schoolType} 不是有效的学校类型代码",
    en: "The first two digits {schoolType} of the school identification code are not a known school type",
  },
  "school_code.province_unknown": {
    "zh-CN": "学校标识码第 3–4 位 {provinceCode} 不是已知的省级行政区划代码",
    en: "Digits 3–4 ({provinceCode}) of the school identification code are not a known province code",
  },
  "school_code.province_mismatch": {
    "zh-CN": "学校标识码中的省份代码 {provinceCode} 与学校所在省份 {expectedProvince} 不一致",
    en:
      "The province code {provinceCode} in the school identification code does not match " +
      "the school's province {expectedProvince}",
  },
  "credit_code.format": {
    "zh-CN": "统一社会信用代码格式错误：应为 18 位",
    en: "The unified social credit code must be 18 characters",
  },
  "credit_code.charset": {
    "zh-CN": "统一社会信用代码第 {position} 位的字符“{character}”不允许使用（代码中不使用 I、O、Z、S、V）",
    en:
      'Character "{character}" at position {position} is not allowed in a unified social credit code ' +
      "(I, O, Z, S and V are never used)",
  },
  "credit_code.division_code": {
    "zh-CN": "统一社会信用代码第 3–8 位 {divisionCode} 应为 6 位数字的行政区划代码",
    en: "Characters 3–8 ({divisionCode}) of the unified social credit code must be a 6-digit division code",
  },
  "credit_code.check_character": {
    "zh-CN": "统一社会信用代码校验位错误，应为 {expected}",
    en: "The check character of the unified social credit code is wrong; it should be {expected}",
  },
  "teacher_certificate.format": {
    "zh-CN": "教师资格证书编号格式错误：应为 17 位数字",
    en: "The teacher certificate number must be exactly 17 digits",
  },
  "teacher_certificate.year": {
    "zh-CN": "教师资格证书编号中的年份 {year} 无效，应在 1990 年至 {maxYear} 年之间",
    en: "The year {year} in the teacher certificate number is invalid; it must be from 1990 to {maxYear}",
  },
  "teacher_certificate.province_unknown": {
    "zh-CN": "教师资格证书编号第 5–6 位 {provinceCode} 不是已知的省级行政区划代码",
    en: "Digits 5–6 ({provinceCode}) of the teacher certificate number are not a known province code",
  },
  "teacher_certificate.type_unknown": {
    "zh-CN": "教师资格证书编号第 10 位 {type} 不是有效的资格种类，应为 1 至 7",
    en: "Digit 10 ({type}) of the teacher certificate number is not a certificate type; it must be 1 to 7",
  },
};

/** Renders a problem's message, filling `{placeholders}` from `detail`; unknown ones are left visible. */
export function formatIdentifierProblem(issue: IdentifierProblem, locale: IdentifierLocale): string {
  const template = identifierMessages[issue.code][locale];
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => {
    const value = issue.detail?.[key];
    return value === undefined ? whole : String(value);
  });
}
