import { describe, expect, it } from "vitest";
import {
  CREDIT_CODE_CHARSET,
  computeCreditCodeCheck,
  creditCodeKind,
  validateCreditCode,
} from "./credit-code";
import type { IdentifierErrorCode, Validation } from "./identifiers.errors";

function codesOf<T>(result: Validation<T>): IdentifierErrorCode[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

/**
 * Independent reference, written from the standard's definition rather than the implementation's table:
 * position i (0-based) has weight 3^i mod 31, the check character has weight 1, and a valid code's full
 * weighted sum ≡ 0 (mod 31).
 */
function referenceWeightedSum(code18: string): number {
  let sum = 0;
  for (let i = 0; i < 18; i++) {
    const weight = i === 17 ? 1 : 3 ** i % 31;
    sum += CREDIT_CODE_CHARSET.indexOf(code18.charAt(i)) * weight;
  }
  return sum % 31;
}

function withCheck(first17: string): string {
  return first17 + computeCreditCodeCheck(first17);
}

/** Real codes as printed on business licences and certificates; each also passes the reference sum below. */
const PUBLISHED_CODES = [
  "91350100M000100Y43",
  "914403001922038216",
  "91440300708461136T",
  "91110108551385082Q",
  "12100000400000624D",
];

describe("computeCreditCodeCheck", () => {
  it("uses weights 3^i mod 31, as GB 32100-2015 defines them", () => {
    expect(Array.from({ length: 17 }, (_, i) => 3 ** i % 31)).toEqual([
      1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ]);
  });

  it.each(PUBLISHED_CODES)("reproduces the check character of published code %s", (code) => {
    expect(computeCreditCodeCheck(code.slice(0, 17))).toBe(code.charAt(17));
    expect(referenceWeightedSum(code)).toBe(0);
  });

  it("produces every one of the 31 possible check characters, each round-tripping", () => {
    const seen = new Map<string, string>();
    for (const a of CREDIT_CODE_CHARSET) {
      for (const b of CREDIT_CODE_CHARSET) {
        const code = withCheck(`91110108MA${a}${b}12345`);
        expect(referenceWeightedSum(code)).toBe(0);
        if (!seen.has(code.charAt(17))) seen.set(code.charAt(17), code);
      }
    }
    expect([...seen.keys()].sort()).toEqual([...CREDIT_CODE_CHARSET].sort());
    for (const code of seen.values()) expect(validateCreditCode(code).ok).toBe(true);
  });

  it("gives 0 for seventeen zeros, the (31 − 0) mod 31 edge", () => {
    expect(computeCreditCodeCheck("0".repeat(17))).toBe("0");
  });

  it.each([
    ["16 characters", "91350100M000100Y"],
    ["18 characters", "91350100M000100Y43"],
    ["letter I", "91350100I000100Y4"],
    ["lowercase", "91350100m000100y4"],
    ["empty", ""],
  ])("throws RangeError on %s", (_label, input) => {
    expect(() => computeCreditCodeCheck(input)).toThrow(RangeError);
  });
});

describe("creditCodeKind", () => {
  it.each([
    ["11100000000013127X", "government_organ"],
    ["12100000400000624D", "public_institution"],
    ["52110000MJ0000000X", "private_non_enterprise_unit"],
    ["91350100M000100Y43", "other"],
    ["13", "other"],
    ["51", "other"],
    ["1", "other"],
    ["", "other"],
  ])("classifies %j as %s", (code, kind) => {
    expect(creditCodeKind(code)).toBe(kind);
  });
});

describe("validateCreditCode — valid codes", () => {
  it("parses a published code", () => {
    expect(validateCreditCode("91350100M000100Y43")).toEqual({
      ok: true,
      value: { code: "91350100M000100Y43", kind: "other" },
    });
  });

  it.each([
    ["11", "government_organ"],
    ["12", "public_institution"],
    ["52", "private_non_enterprise_unit"],
    ["91", "other"],
    ["Y1", "other"],
  ])("reports kind of a computed %s… code as %s", (prefix, kind) => {
    const code = withCheck(`${prefix}330106MB1234567`);
    expect(validateCreditCode(code)).toEqual({ ok: true, value: { code, kind } });
  });

  it("accepts lower case, reporting the upper-case code", () => {
    expect(validateCreditCode("91350100m000100y43")).toEqual({
      ok: true,
      value: { code: "91350100M000100Y43", kind: "other" },
    });
  });
});

describe("validateCreditCode — check character", () => {
  it("detects every single-character substitution at each of the 17 positions", () => {
    const code = "91440300708461136T";
    let cases = 0;
    for (let position = 0; position < 17; position++) {
      for (const character of CREDIT_CODE_CHARSET) {
        if (character === code.charAt(position)) continue;
        const altered = code.slice(0, position) + character + code.slice(position + 1);
        expect(codesOf(validateCreditCode(altered))).toContain("credit_code.check_character");
        cases++;
      }
    }
    expect(cases).toBe(17 * 30);
  });

  it("reports the expected and the actual check character", () => {
    expect(validateCreditCode("91350100M000100Y44")).toEqual({
      ok: false,
      problems: [{ code: "credit_code.check_character", detail: { expected: "3", actual: "4" } }],
    });
  });
});

describe("validateCreditCode — charset, division code and format", () => {
  it.each(["I", "O", "Z", "S", "V"])("rejects the excluded letter %s", (letter) => {
    expect(validateCreditCode(`91350100${letter}000100Y43`)).toEqual({
      ok: false,
      problems: [{ code: "credit_code.charset", detail: { position: 9, character: letter } }],
    });
  });

  it("folds lower-case excluded letters to upper case before reporting them", () => {
    expect(validateCreditCode("91350100o000100Y43")).toEqual({
      ok: false,
      problems: [{ code: "credit_code.charset", detail: { position: 9, character: "O" } }],
    });
  });

  it.each([
    ["inner space", "91350100 000100Y43", 9, " "],
    ["hyphen", "9135010-M000100Y43", 8, "-"],
    ["full-width digit", "９1350100M000100Y43", 1, "９"],
    ["bad check position", "91350100M000100Y4I", 18, "I"],
  ])("rejects %s with its position", (_label, input, position, character) => {
    expect(validateCreditCode(input)).toEqual({
      ok: false,
      problems: [{ code: "credit_code.charset", detail: { position, character } }],
    });
  });

  it("reports every bad character, not just the first", () => {
    expect(validateCreditCode("9I350100O000100Y4Z")).toEqual({
      ok: false,
      problems: [
        { code: "credit_code.charset", detail: { position: 2, character: "I" } },
        { code: "credit_code.charset", detail: { position: 9, character: "O" } },
        { code: "credit_code.charset", detail: { position: 18, character: "Z" } },
      ],
    });
  });

  it("rejects letters in the division code (characters 3–8), even with a correct check character", () => {
    const code = withCheck("9135A100M000100Y4");
    expect(validateCreditCode(code)).toEqual({
      ok: false,
      problems: [{ code: "credit_code.division_code", detail: { divisionCode: "35A100" } }],
    });
  });

  it("reports a bad division code and a bad check character together", () => {
    expect(codesOf(validateCreditCode("9135A100M000100Y43"))).toEqual([
      "credit_code.division_code",
      "credit_code.check_character",
    ]);
  });

  it.each<[string, unknown]>([
    ["empty", ""],
    ["17 characters", "91350100M000100Y4"],
    ["19 characters", "91350100M000100Y430"],
    ["leading space", " 91350100M000100Y43"],
    ["trailing space", "91350100M000100Y43 "],
    ["15-digit old business registration number", "350100100001234"],
    ["number type", 913501001000100],
    ["null", null],
    ["undefined", undefined],
    ["object", { code: "91350100M000100Y43" }],
  ])("rejects %s as format", (_label, input) => {
    expect(validateCreditCode(input)).toEqual({ ok: false, problems: [{ code: "credit_code.format" }] });
  });
});
