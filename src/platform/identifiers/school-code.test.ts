import { describe, expect, it } from "vitest";
import type { IdentifierErrorCode, Validation } from "./identifiers.errors";
import { PROVINCE_CODES } from "./identity-number";
import { SCHOOL_TYPE_CODES, validateSchoolCode } from "./school-code";

function codesOf<T>(result: Validation<T>): IdentifierErrorCode[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

const withXpcc = (code: string): boolean => PROVINCE_CODES.has(code) || code === "66";

describe("validateSchoolCode — valid codes", () => {
  it("parses Peking University's code 4111010001", () => {
    expect(validateSchoolCode("4111010001")).toEqual({
      ok: true,
      value: { code: "4111010001", schoolType: "41", provinceCode: "11", sequence: "010001" },
    });
  });

  it("exports the 16 default school types", () => {
    expect([...SCHOOL_TYPE_CODES]).toEqual([
      ...["11", "21", "22", "31", "32", "33", "34", "35", "36", "37"],
      ...["41", "42", "51", "91", "92", "93"],
    ]);
  });

  it.each([...SCHOOL_TYPE_CODES])("accepts default school type %s", (schoolType) => {
    const result = validateSchoolCode(`${schoolType}33000123`);
    expect(result.ok && result.value.schoolType).toBe(schoolType);
  });

  it.each([...PROVINCE_CODES])("accepts default province %s", (province) => {
    const result = validateSchoolCode(`21${province}000001`);
    expect(result.ok && result.value.provinceCode).toBe(province);
  });

  it("accepts any 6-digit sequence, including all zeros and all nines", () => {
    expect(validateSchoolCode("2111000000").ok).toBe(true);
    expect(validateSchoolCode("2111999999").ok).toBe(true);
  });
});

describe("validateSchoolCode — school type", () => {
  it.each(["00", "10", "12", "20", "23", "30", "38", "40", "43", "50", "52", "90", "94", "99"])(
    "rejects school type %s by default",
    (schoolType) => {
      expect(validateSchoolCode(`${schoolType}11010001`)).toEqual({
        ok: false,
        problems: [{ code: "school_code.school_type_unknown", detail: { schoolType } }],
      });
    },
  );

  it("uses the caller's school-type set instead of the default", () => {
    const onlyKindergartens = new Set(["11"]);
    expect(validateSchoolCode("1111010001", { schoolTypeCodes: onlyKindergartens }).ok).toBe(true);
    expect(codesOf(validateSchoolCode("4111010001", { schoolTypeCodes: onlyKindergartens }))).toEqual([
      "school_code.school_type_unknown",
    ]);
    expect(validateSchoolCode("9911010001", { schoolTypeCodes: new Set(["99"]) }).ok).toBe(true);
  });
});

describe("validateSchoolCode — province", () => {
  it.each(["00", "10", "16", "47", "55", "66", "72", "99"])(
    "rejects province %s by default",
    (provinceCode) => {
      expect(validateSchoolCode(`41${provinceCode}010001`)).toEqual({
        ok: false,
        problems: [{ code: "school_code.province_unknown", detail: { provinceCode } }],
      });
    },
  );

  it("accepts XPCC 66 only when the caller's predicate does", () => {
    expect(codesOf(validateSchoolCode("4166000001"))).toEqual(["school_code.province_unknown"]);
    expect(validateSchoolCode("4166000001", { isKnownProvince: withXpcc })).toEqual({
      ok: true,
      value: { code: "4166000001", schoolType: "41", provinceCode: "66", sequence: "000001" },
    });
  });

  it("lets the caller's predicate narrow the set too", () => {
    const onlyBeijing = (code: string): boolean => code === "11";
    expect(codesOf(validateSchoolCode("4132000001", { isKnownProvince: onlyBeijing }))).toEqual([
      "school_code.province_unknown",
    ]);
  });

  it("accepts a code whose province matches expectedProvince", () => {
    expect(validateSchoolCode("4111010001", { expectedProvince: "11" }).ok).toBe(true);
  });

  it("reports a mismatch with expectedProvince, naming both provinces", () => {
    expect(validateSchoolCode("4111010001", { expectedProvince: "32" })).toEqual({
      ok: false,
      problems: [
        { code: "school_code.province_mismatch", detail: { provinceCode: "11", expectedProvince: "32" } },
      ],
    });
  });

  it("checks expectedProvince against XPCC codes as well", () => {
    expect(validateSchoolCode("4166000001", { isKnownProvince: withXpcc, expectedProvince: "66" }).ok).toBe(
      true,
    );
    expect(
      codesOf(validateSchoolCode("4166000001", { isKnownProvince: withXpcc, expectedProvince: "65" })),
    ).toEqual(["school_code.province_mismatch"]);
  });
});

describe("validateSchoolCode — format", () => {
  it.each<[string, unknown]>([
    ["empty", ""],
    ["9 digits", "411101000"],
    ["11 digits", "41110100010"],
    ["leading space", " 4111010001"],
    ["trailing space", "4111010001 "],
    ["inner space", "4111 10001"],
    ["letter", "41110100O1"],
    ["hyphen", "41-1101000"],
    ["full-width digits", "４１１１０１０００１"],
    ["number type", 4111010001],
    ["null", null],
    ["undefined", undefined],
    ["array", ["4111010001"]],
  ])("rejects %s", (_label, input) => {
    expect(validateSchoolCode(input)).toEqual({ ok: false, problems: [{ code: "school_code.format" }] });
  });
});

describe("validateSchoolCode — several problems at once", () => {
  it("reports school type, province and mismatch together, in that order", () => {
    expect(codesOf(validateSchoolCode("9999000001", { expectedProvince: "11" }))).toEqual([
      "school_code.school_type_unknown",
      "school_code.province_unknown",
      "school_code.province_mismatch",
    ]);
  });
});
