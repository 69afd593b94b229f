import { describe, expect, it } from "vitest";
import type { IdentifierErrorCode, Validation } from "./identifiers.errors";
import {
  FIRST_TEACHER_CERTIFICATE_YEAR,
  TEACHER_CERTIFICATE_TYPES,
  validateTeacherCertificate,
} from "./teacher-certificate";

const TODAY = new Date(2024, 5, 15); // 15 June 2024, local time

function codesOf<T>(result: Validation<T>): IdentifierErrorCode[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

/** year(4) + province(2) + certifying body(3) + type(1) + sex digit(1) + sequence(6). */
function certificate(parts: {
  year?: string;
  province?: string;
  body?: string;
  type?: string;
  sex?: string;
}) {
  const number = `${parts.year ?? "2019"}${parts.province ?? "11"}${parts.body ?? "001"}${parts.type ?? "2"}${
    parts.sex ?? "1"
  }000123`;
  expect(number).toHaveLength(17);
  return number;
}

describe("validateTeacherCertificate — valid numbers", () => {
  it("parses every field", () => {
    expect(validateTeacherCertificate("20191100121000123", { today: TODAY })).toEqual({
      ok: true,
      value: {
        number: "20191100121000123",
        year: 2019,
        provinceCode: "11",
        certifyingBody: "001",
        type: "2",
        sexDigit: "1",
        sequence: "000123",
      },
    });
  });

  it("labels the seven certificate types", () => {
    expect(Object.keys(TEACHER_CERTIFICATE_TYPES)).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(TEACHER_CERTIFICATE_TYPES["1"].en).toBe("Kindergarten teacher");
    expect(TEACHER_CERTIFICATE_TYPES["7"]["zh-CN"]).toBe("高等学校教师资格");
  });

  it.each(["1", "2", "3", "4", "5", "6", "7"])("accepts type %s", (type) => {
    const result = validateTeacherCertificate(certificate({ type }), { today: TODAY });
    expect(result.ok && result.value.type).toBe(type);
  });

  it.each([..."0123456789"])("accepts sex digit %s, whose meaning is unverified", (sex) => {
    const result = validateTeacherCertificate(certificate({ sex }), { today: TODAY });
    expect(result.ok && result.value.sexDigit).toBe(sex);
  });

  it("accepts any certifying body, including 000 and 999", () => {
    expect(validateTeacherCertificate(certificate({ body: "000" }), { today: TODAY }).ok).toBe(true);
    expect(validateTeacherCertificate(certificate({ body: "999" }), { today: TODAY }).ok).toBe(true);
  });

  it("accepts a certificate of the current year when no today is injected", () => {
    const year = String(new Date().getFullYear());
    expect(validateTeacherCertificate(certificate({ year })).ok).toBe(true);
  });
});

describe("validateTeacherCertificate — year", () => {
  it.each([
    ["1990", true],
    ["1991", true],
    ["2024", true],
    ["1989", false],
    ["2025", false],
    ["0000", false],
    ["9999", false],
  ])("with today 2024-06-15: year %s → valid %s", (year, expectedValid) => {
    const result = validateTeacherCertificate(certificate({ year }), { today: TODAY });
    expect(result).toEqual(
      expectedValid
        ? expect.objectContaining({ ok: true })
        : {
            ok: false,
            problems: [{ code: "teacher_certificate.year", detail: { year: Number(year), maxYear: 2024 } }],
          },
    );
  });

  it("starts at 1990", () => {
    expect(FIRST_TEACHER_CERTIFICATE_YEAR).toBe(1990);
  });
});

describe("validateTeacherCertificate — province and type", () => {
  it.each(["00", "10", "66", "99"])("rejects province %s by default", (provinceCode) => {
    expect(validateTeacherCertificate(certificate({ province: provinceCode }), { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "teacher_certificate.province_unknown", detail: { provinceCode } }],
    });
  });

  it("defers to the caller's province predicate", () => {
    const withXpcc = (code: string): boolean => code === "66";
    const number = certificate({ province: "66" });
    expect(validateTeacherCertificate(number, { today: TODAY, isKnownProvince: withXpcc }).ok).toBe(true);
  });

  it.each(["0", "8", "9"])("rejects type %s", (type) => {
    expect(validateTeacherCertificate(certificate({ type }), { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "teacher_certificate.type_unknown", detail: { type } }],
    });
  });

  it("reports year, province and type together, in that order", () => {
    const number = certificate({ year: "1980", province: "99", type: "0" });
    expect(codesOf(validateTeacherCertificate(number, { today: TODAY }))).toEqual([
      "teacher_certificate.year",
      "teacher_certificate.province_unknown",
      "teacher_certificate.type_unknown",
    ]);
  });
});

describe("validateTeacherCertificate — format", () => {
  it.each<[string, unknown]>([
    ["empty", ""],
    ["16 digits", "2019110012100012"],
    ["18 digits", "201911001210001234"],
    ["leading space", " 20191100121000123"],
    ["trailing space", "20191100121000123 "],
    ["inner space", "2019110 121000123"],
    ["letter", "2019110012100012X"],
    ["full-width digits", "２０１９１１００１２１０００１２３"],
    ["number type", 2019110012100012],
    ["null", null],
    ["undefined", undefined],
  ])("rejects %s", (_label, input) => {
    expect(validateTeacherCertificate(input, { today: TODAY })).toEqual({
      ok: false,
      problems: [{ code: "teacher_certificate.format" }],
    });
  });
});
