import { describe, expect, it } from "vitest";
import { validateCreditCode } from "./credit-code";
import {
  formatIdentifierProblem,
  IDENTIFIER_ERROR_CODES,
  type IdentifierErrorCode,
  type IdentifierProblem,
  identifierMessages,
  type Validation,
} from "./identifiers.errors";
import { computeIdentityCheckCharacter, validateIdentityNumber } from "./identity-number";
import { validateSchoolCode } from "./school-code";
import { validateStudentNumber } from "./student-number";
import { validateTeacherCertificate } from "./teacher-certificate";

const TODAY = new Date(2024, 5, 15);

function identity(first17: string): string {
  return first17 + computeIdentityCheckCharacter(first17);
}

function jNumber(first17: string): string {
  return `J${identity(first17)}`;
}

/** One real validator call per error code, so the catalogue is checked against what is actually emitted. */
const PRODUCERS: Record<IdentifierErrorCode, () => Validation<unknown>> = {
  "identity_number.format": () => validateIdentityNumber("123"),
  "identity_number.check_character": () => validateIdentityNumber("110105194912310020", { today: TODAY }),
  "identity_number.birth_date_invalid": () =>
    validateIdentityNumber(identity("11010520230230001"), { today: TODAY }),
  "identity_number.birth_date_future": () =>
    validateIdentityNumber(identity("11010520240616001"), { today: TODAY }),
  "identity_number.birth_date_too_early": () =>
    validateIdentityNumber(identity("11010518991231001"), { today: TODAY }),
  "identity_number.province_unknown": () =>
    validateIdentityNumber(identity("99010519491231002"), { today: TODAY }),
  "student_number.format": () => validateStudentNumber("G123"),
  "student_number.kind_unknown": () => validateStudentNumber("A11010519491231002X"),
  "student_number.check_character": () => validateStudentNumber("J110105201509010010", { today: TODAY }),
  "student_number.birth_date_invalid": () => validateStudentNumber("L110105202302300001", { today: TODAY }),
  "student_number.birth_date_future": () =>
    validateStudentNumber(jNumber("11010520240616001"), { today: TODAY }),
  "student_number.birth_date_too_early": () => validateStudentNumber("L110105189912310001", { today: TODAY }),
  "school_code.format": () => validateSchoolCode("41110"),
  "school_code.school_type_unknown": () => validateSchoolCode("9911010001"),
  "school_code.province_unknown": () => validateSchoolCode("4199010001"),
  "school_code.province_mismatch": () => validateSchoolCode("4111010001", { expectedProvince: "32" }),
  "credit_code.format": () => validateCreditCode("9135"),
  "credit_code.charset": () => validateCreditCode("91350100O000100Y43"),
  "credit_code.division_code": () => validateCreditCode("9135A100M000100Y43"),
  "credit_code.check_character": () => validateCreditCode("91350100M000100Y44"),
  "teacher_certificate.format": () => validateTeacherCertificate("2019"),
  "teacher_certificate.year": () => validateTeacherCertificate("19891100121000123", { today: TODAY }),
  "teacher_certificate.province_unknown": () =>
    validateTeacherCertificate("20199900121000123", { today: TODAY }),
  "teacher_certificate.type_unknown": () => validateTeacherCertificate("20191100181000123", { today: TODAY }),
};

function placeholders(template: string): string[] {
  return [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? "");
}

function problemWithCode(result: Validation<unknown>, code: IdentifierErrorCode): IdentifierProblem {
  if (result.ok) throw new Error(`expected ${code}, got a valid result`);
  const found = result.problems.find((p) => p.code === code);
  if (!found) throw new Error(`expected ${code}, got ${result.problems.map((p) => p.code).join(", ")}`);
  return found;
}

describe("IDENTIFIER_ERROR_CODES", () => {
  it("lists each code once, all namespaced by identifier kind", () => {
    expect(new Set(IDENTIFIER_ERROR_CODES).size).toBe(IDENTIFIER_ERROR_CODES.length);
    for (const code of IDENTIFIER_ERROR_CODES) {
      expect(code).toMatch(
        /^(identity_number|student_number|school_code|credit_code|teacher_certificate)\.[a-z_]+$/,
      );
    }
  });

  it("has a message in both locales for every code, and no message for unknown codes", () => {
    expect(Object.keys(identifierMessages).sort()).toEqual([...IDENTIFIER_ERROR_CODES].sort());
    for (const code of IDENTIFIER_ERROR_CODES) {
      expect(identifierMessages[code]["zh-CN"]).toMatch(/[\u4e00-\u9fff]/);
      expect(identifierMessages[code].en).toMatch(/^[A-Z]/);
      // The two locales must ask for the same values.
      expect(placeholders(identifierMessages[code].en).sort()).toEqual(
        placeholders(identifierMessages[code]["zh-CN"]).sort(),
      );
    }
  });
});

describe("every error code is reachable and its messages can be filled in", () => {
  it.each([...IDENTIFIER_ERROR_CODES])("%s", (code) => {
    const issue = problemWithCode(PRODUCERS[code](), code);
    for (const name of placeholders(identifierMessages[code].en)) {
      expect(issue.detail?.[name], `detail.${name}`).toBeDefined();
    }
    for (const locale of ["zh-CN", "en"] as const) {
      expect(formatIdentifierProblem(issue, locale)).not.toMatch(/[{}]/);
    }
  });
});

describe("formatIdentifierProblem", () => {
  const issue: IdentifierProblem = {
    code: "identity_number.check_character",
    detail: { expected: "X", actual: "0" },
  };

  it("fills placeholders in Chinese and English", () => {
    expect(formatIdentifierProblem(issue, "zh-CN")).toBe("身份证件号校验位错误，应为 X");
    expect(formatIdentifierProblem(issue, "en")).toBe(
      "The check character of the identity number is wrong; it should be X",
    );
  });

  it("formats numbers and leaves a placeholder without detail visible rather than invent a value", () => {
    expect(
      formatIdentifierProblem(
        { code: "teacher_certificate.year", detail: { year: 1989, maxYear: 2024 } },
        "en",
      ),
    ).toBe("The year 1989 in the teacher certificate number is invalid; it must be from 1990 to 2024");
    expect(formatIdentifierProblem({ code: "identity_number.check_character" }, "zh-CN")).toBe(
      "身份证件号校验位错误，应为 {expected}",
    );
  });

  it("renders a message with no placeholders unchanged", () => {
    expect(formatIdentifierProblem({ code: "school_code.format" }, "zh-CN")).toBe(
      identifierMessages["school_code.format"]["zh-CN"],
    );
  });
});
