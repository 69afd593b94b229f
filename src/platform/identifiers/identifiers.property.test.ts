/**
 * Properties of the identifier validators and masks, over generated numbers (fast-check, fixed
 * seed and bounded budget: test/support/property.ts). Valid numbers are built from independent
 * references written from the standards (not from the implementation's tables), and every claim
 * about detected errors is exactly what the check algorithm guarantees:
 * - ISO 7064 MOD 11-2 (identity numbers, J student numbers): position i of 18 has weight
 *   2^(17−i) mod 11; 2 has order 10 modulo 11, so every single substitution and every
 *   transposition of two different characters is detected EXCEPT a transposition of two positions
 *   ten apart, which keeps the weighted sum and is never detected;
 * - GB 32100 MOD 31 (credit codes): position i of the first 17 has weight 3^i mod 31 and the check
 *   character weight 1; 3 has order 30 modulo 31, so every single substitution within the charset
 *   and every transposition is detected EXCEPT swapping the first and the last character (both
 *   weight 1), which is never detected.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkProperty,
  HOSTILE_CHARACTERS,
  hostileString,
  type PropertyBudget,
} from "../../../test/support/property";
import { CREDIT_CODE_CHARSET, validateCreditCode } from "./credit-code";
import {
  formatIdentifierProblem,
  IDENTIFIER_ERROR_CODES,
  type IdentifierProblem,
  type Validation,
} from "./identifiers.errors";
import { PROVINCE_CODES, validateIdentityNumber } from "./identity-number";
import { maskIdentityNumber, maskPhoneNumber } from "./masking";
import { SCHOOL_TYPE_CODES, validateSchoolCode } from "./school-code";
import { validateStudentNumber } from "./student-number";
import { validateTeacherCertificate } from "./teacher-certificate";

/** A fixed "today", so that generated birth dates and years never drift into the future. */
const TODAY = new Date(2026, 5, 30);
const QUICK: PropertyBudget = { numRuns: 300, timeLimitMs: 2_000 };
const THOROUGH: PropertyBudget = { numRuns: 1_000, timeLimitMs: 3_000 };

// ---------------------------------------------------------------------------------------------
// Independent references and generators
// ---------------------------------------------------------------------------------------------

/** ISO 7064 MOD 11-2 from the standard: the check value makes the full weighted sum ≡ 1 (mod 11). */
function mod11Check(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * (2 ** (17 - i) % 11);
  const value = (12 - (sum % 11)) % 11;
  return value === 10 ? "X" : String(value);
}

/** GB 32100: weights 3^i mod 31, check = (31 − sum mod 31) mod 31 as an index into the charset. */
function mod31Check(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CREDIT_CODE_CHARSET.indexOf(first17[i]!) * (3 ** i % 31);
  return CREDIT_CODE_CHARSET[(31 - (sum % 31)) % 31]!;
}

const digits = (length: number) =>
  fc.string({ unit: fc.constantFrom(..."0123456789"), minLength: length, maxLength: length });
const province = fc.constantFrom(...PROVINCE_CODES);
/** A birth date from 1900-01-01 to TODAY, as YYYYMMDD. */
const birthDate = fc
  .integer({ min: Date.UTC(1900, 0, 1) / 86_400_000, max: Date.UTC(2026, 5, 30) / 86_400_000 })
  .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10).replaceAll("-", ""));

const identityNumber = fc
  .tuple(province, digits(4), birthDate, digits(3))
  .map(([p, rest, birth, sequence]) => {
    const first17 = `${p}${rest}${birth}${sequence}`;
    return first17 + mod11Check(first17);
  });
const jNumber = fc.tuple(digits(6), birthDate, digits(3)).map(([division, birth, sequence]) => {
  const first17 = `${division}${birth}${sequence}`;
  return `J${first17}${mod11Check(first17)}`;
});
const lNumber = fc.tuple(digits(6), birthDate, digits(4)).map(([d, b, s]) => `L${d}${b}${s}`);
const creditCode = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...CREDIT_CODE_CHARSET), minLength: 2, maxLength: 2 }),
    digits(6),
    fc.string({ unit: fc.constantFrom(...CREDIT_CODE_CHARSET), minLength: 9, maxLength: 9 }),
  )
  .map(([head, division, organisation]) => {
    const first17 = `${head}${division}${organisation}`;
    return first17 + mod31Check(first17);
  });
const schoolCode = fc
  .tuple(fc.constantFrom(...SCHOOL_TYPE_CODES), province, digits(6))
  .map((parts) => parts.join(""));
const teacherCertificate = fc
  .tuple(
    fc.integer({ min: 1990, max: TODAY.getFullYear() }),
    province,
    digits(3),
    fc.constantFrom(..."1234567"),
    digits(7),
  )
  .map(([year, p, body, type, rest]) => `${year}${p}${body}${type}${rest}`);

/** Any character at all as a replacement: digits, X and x, letters, hostile characters. */
const replacement = fc.oneof(
  fc.constantFrom(..."0123456789Xx"),
  fc.constantFrom(...HOSTILE_CHARACTERS),
  fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
);

function substitute(value: string, position: number, character: string): string {
  return value.slice(0, position) + character + value.slice(position + 1);
}

function transpose(value: string, a: number, b: number): string {
  const characters = [...value];
  [characters[a], characters[b]] = [characters[b]!, characters[a]!];
  return characters.join("");
}

function codes(result: Validation<unknown>): string[] {
  return result.ok ? [] : result.problems.map((p) => p.code);
}

// ---------------------------------------------------------------------------------------------
// Result shape
// ---------------------------------------------------------------------------------------------

/** The documented result: ok with a value, or not ok with at least one known problem whose messages render. */
function expectDocumentedShape(result: Validation<unknown>): void {
  expect(typeof result.ok).toBe("boolean");
  if (result.ok) {
    expect(result.value).toBeTypeOf("object");
    return;
  }
  expect(result.problems.length).toBeGreaterThan(0);
  for (const problem of result.problems as IdentifierProblem[]) {
    expect(IDENTIFIER_ERROR_CODES).toContain(problem.code);
    for (const locale of ["zh-CN", "en"] as const) {
      const message = formatIdentifierProblem(problem, locale);
      // A placeholder left in the text means the problem lacks a detail its message names.
      expect(message).not.toMatch(/\{\w+\}/);
      expect(message.length).toBeGreaterThan(0);
    }
  }
}

const VALIDATORS: [string, (input: unknown) => Validation<unknown>][] = [
  ["identity number", (input) => validateIdentityNumber(input, { today: TODAY })],
  ["student number", (input) => validateStudentNumber(input, { today: TODAY })],
  ["school code", (input) => validateSchoolCode(input)],
  ["school code with an expected province", (input) => validateSchoolCode(input, { expectedProvince: "33" })],
  ["credit code", (input) => validateCreditCode(input)],
  ["teacher certificate", (input) => validateTeacherCertificate(input, { today: TODAY })],
];

/** Inputs near the valid ones as well as far from them: valid numbers with a piece cut, added or replaced. */
const anyIdentifierLike = fc.oneof(
  hostileString(),
  fc.anything(),
  fc
    .tuple(
      fc.oneof(identityNumber, jNumber, lNumber, creditCode, schoolCode, teacherCertificate),
      fc.nat(20),
      fc.nat(3),
      hostileString({ maxLength: 3 }),
    )
    .map(([valid, at, cut, piece]) => valid.slice(0, at) + piece + valid.slice(at + cut)),
);

describe("every identifier validator", () => {
  it.each(VALIDATORS)(
    "%s: never throws and always returns the documented result",
    async (_name, validate) => {
      await checkProperty(
        fc.property(anyIdentifierLike, (input) => {
          expectDocumentedShape(validate(input));
        }),
        THOROUGH,
      );
    },
  );
});

// ---------------------------------------------------------------------------------------------
// Identity numbers and J student numbers: ISO 7064 MOD 11-2
// ---------------------------------------------------------------------------------------------

describe("identity numbers (GB 11643, ISO 7064 MOD 11-2)", () => {
  it("accepts every generated valid number and decomposes it", async () => {
    await checkProperty(
      fc.property(identityNumber, fc.boolean(), (number, lowerX) => {
        const typed = lowerX ? number.replace(/X$/, "x") : number;
        const result = validateIdentityNumber(typed, { today: TODAY });
        expect(result).toMatchObject({ ok: true });
        if (!result.ok) return;
        expect(result.value.number).toBe(number);
        expect(result.value.birthDate.replaceAll("-", "")).toBe(number.slice(6, 14));
        expect(result.value.sex).toBe(Number(number[16]) % 2 === 1 ? "1" : "2");
      }),
      QUICK,
    );
  });

  it("refuses every single substitution, and names the check character whenever the format still holds", async () => {
    await checkProperty(
      fc.property(identityNumber, fc.nat(17), replacement, (number, position, character) => {
        const changed = substitute(number, position, character);
        fc.pre(changed.toUpperCase() !== number);
        const result = validateIdentityNumber(changed, { today: TODAY });
        expect(result.ok).toBe(false);
        if (/^\d{17}[\dXx]$/.test(changed))
          expect(codes(result)).toContain("identity_number.check_character");
      }),
      THOROUGH,
    );
  });

  it("detects every transposition of two different characters except of positions ten apart, which it cannot", async () => {
    await checkProperty(
      fc.property(identityNumber, fc.nat(17), fc.nat(17), (number, a, b) => {
        fc.pre(number[a] !== number[b]);
        const changed = transpose(number, a, b);
        const result = validateIdentityNumber(changed, { today: TODAY });
        if (!/^\d{17}[\dX]$/.test(changed)) {
          expect(result.ok).toBe(false);
          return;
        }
        const detected = codes(result).includes("identity_number.check_character");
        expect({ distance: Math.abs(a - b), detected }).toEqual({
          distance: Math.abs(a - b),
          detected: Math.abs(a - b) !== 10,
        });
      }),
      THOROUGH,
    );
  });
});

describe("student numbers", () => {
  it("accepts every generated G, J and L number", async () => {
    await checkProperty(
      fc.property(
        fc.oneof(
          identityNumber.map((n) => `G${n}`),
          jNumber,
          lNumber,
        ),
        (number) => {
          const result = validateStudentNumber(number, { today: TODAY });
          expect(result).toMatchObject({ ok: true, value: { number, kind: number[0] } });
          if (result.ok && number.startsWith("G")) expect(result.value.identityNumber).toBe(number.slice(1));
        },
      ),
      QUICK,
    );
  });

  it("refuses every single substitution after the kind letter of a G or J number", async () => {
    await checkProperty(
      fc.property(
        fc.oneof(
          identityNumber.map((n) => `G${n}`),
          jNumber,
        ),
        fc.integer({ min: 1, max: 18 }),
        replacement,
        (number, position, character) => {
          const changed = substitute(number, position, character);
          fc.pre(changed.toUpperCase() !== number);
          const result = validateStudentNumber(changed, { today: TODAY });
          expect(result.ok).toBe(false);
          if (/^[GJ]\d{17}[\dXx]$/.test(changed)) {
            expect(codes(result)).toContain(
              number.startsWith("G") ? "identity_number.check_character" : "student_number.check_character",
            );
          }
        },
      ),
      THOROUGH,
    );
  });

  it("refuses an L number that is not 18 digits after the L", async () => {
    await checkProperty(
      fc.property(lNumber, fc.integer({ min: 1, max: 18 }), replacement, (number, position, character) => {
        fc.pre(!/^\d$/.test(character));
        expect(validateStudentNumber(substitute(number, position, character), { today: TODAY }).ok).toBe(
          false,
        );
      }),
      QUICK,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Credit codes: GB 32100 MOD 31
// ---------------------------------------------------------------------------------------------

describe("unified social credit codes (GB 32100, MOD 31)", () => {
  it("accepts every generated valid code, in upper or lower case", async () => {
    await checkProperty(
      fc.property(creditCode, fc.boolean(), (code, lower) => {
        const result = validateCreditCode(lower ? code.toLowerCase() : code);
        expect(result).toMatchObject({ ok: true, value: { code } });
      }),
      QUICK,
    );
  });

  it("refuses every single substitution, naming the check character when the new character is in the charset", async () => {
    await checkProperty(
      fc.property(creditCode, fc.nat(17), replacement, (code, position, character) => {
        const changed = substitute(code, position, character);
        fc.pre(changed.toUpperCase() !== code);
        const result = validateCreditCode(changed);
        expect(result.ok).toBe(false);
        if (/^[0-9A-Za-z]$/.test(character) && CREDIT_CODE_CHARSET.includes(character.toUpperCase())) {
          expect(codes(result)).toContain("credit_code.check_character");
        }
      }),
      THOROUGH,
    );
  });

  it("detects every transposition of two different characters except of the first and the last, which it cannot", async () => {
    await checkProperty(
      fc.property(creditCode, fc.nat(17), fc.nat(17), (code, a, b) => {
        fc.pre(code[a] !== code[b]);
        const result = validateCreditCode(transpose(code, a, b));
        const undetectable = Math.min(a, b) === 0 && Math.max(a, b) === 17;
        if (undetectable) expect(result.ok).toBe(true);
        else expect(codes(result)).toContain("credit_code.check_character");
      }),
      THOROUGH,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Codes without a check character: the shape is all there is to check
// ---------------------------------------------------------------------------------------------

describe("school codes and teacher certificates", () => {
  it("accept every generated valid code and give back its parts", async () => {
    await checkProperty(
      fc.property(schoolCode, teacherCertificate, (school, certificate) => {
        const s = validateSchoolCode(school);
        expect(s).toMatchObject({ ok: true, value: { code: school } });
        if (s.ok) expect(s.value.schoolType + s.value.provinceCode + s.value.sequence).toBe(school);
        const t = validateTeacherCertificate(certificate, { today: TODAY });
        expect(t).toMatchObject({ ok: true, value: { number: certificate } });
        if (t.ok) {
          const v = t.value;
          expect(`${v.year}${v.provinceCode}${v.certifyingBody}${v.type}${v.sexDigit}${v.sequence}`).toBe(
            certificate,
          );
        }
      }),
      QUICK,
    );
  });

  it("refuse any character but a digit anywhere, and a school code from another province", async () => {
    await checkProperty(
      fc.property(
        schoolCode,
        teacherCertificate,
        fc.nat(16),
        replacement,
        (school, certificate, at, character) => {
          fc.pre(!/^\d$/.test(character));
          expect(validateSchoolCode(substitute(school, at % 10, character)).ok).toBe(false);
          expect(
            validateTeacherCertificate(substitute(certificate, at, character), { today: TODAY }).ok,
          ).toBe(false);
          const other = school.slice(2, 4) === "33" ? "34" : "33";
          expect(codes(validateSchoolCode(school, { expectedProvince: other }))).toContain(
            "school_code.province_mismatch",
          );
        },
      ),
      QUICK,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Masks: a hidden character never comes back
// ---------------------------------------------------------------------------------------------

/** The positions a mask may show of a value (UTF-16 indexes); every other one must be "*". */
function shownPositions(kind: "identity" | "phone", value: string): Set<number> {
  // The masking policy (docs/architecture.md, Masking), restated: an identity number of 15 or
  // more characters shows its address code (first 6), a shorter value of 6 or more its first 2,
  // anything shorter nothing; an 11-character phone shows 3 + 4, anything else its last 4.
  const n = value.length;
  const first = (count: number) => Array.from({ length: Math.min(count, n) }, (_, i) => i);
  const last = (count: number) => (n <= count ? [] : Array.from({ length: count }, (_, i) => n - count + i));
  if (kind === "identity") return new Set(n >= 15 ? first(6) : n >= 6 ? first(2) : []);
  if (n === 11) return new Set([0, 1, 2, 7, 8, 9, 10]);
  return new Set(last(4));
}

describe("masks", () => {
  it.each([
    ["identity", maskIdentityNumber],
    ["phone", maskPhoneNumber],
  ] as const)(
    "%s: same length, every hidden position is *, shown ones are the input's",
    async (kind, mask) => {
      const phone = fc.tuple(digits(10)).map(([rest]) => `1${rest}`);
      await checkProperty(
        fc.property(
          fc.oneof(hostileString(), identityNumber, phone, fc.string({ unit: "binary" })),
          (value) => {
            const masked = mask(value);
            expect(masked.length).toBe(value.length);
            const shown = shownPositions(kind, value);
            let expected = "";
            for (let i = 0; i < value.length; i++) expected += shown.has(i) ? value[i] : "*";
            expect(masked === expected).toBe(true);
            if (value.length > 0) expect(masked).toContain("*");
          },
        ),
        THOROUGH,
      );
    },
  );

  it("never shows the birth date, the sequence or the check character of an identity number", async () => {
    await checkProperty(
      fc.property(identityNumber, (number) => {
        expect(maskIdentityNumber(number).slice(6)).toBe("*".repeat(number.length - 6));
      }),
      QUICK,
    );
  });
});
