/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015), 18 characters:
 * 1 registration department, 2 organisation category, 3–8 division code, 9–17 organisation code,
 * 18 check character (MOD 31 over the 17 characters before it).
 */
import { type IdentifierProblem, invalid, problem, type Validation, valid } from "./identifiers.errors";

/** The 31 permitted characters; I, O, Z, S and V are left out because they read like 1, 0, 2, 5 and U. */
export const CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_CODE_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;
const CREDIT_CODE_LENGTH = 18;

export type CreditCodeKind =
  | "government_organ"
  | "public_institution"
  | "private_non_enterprise_unit"
  | "other";

export interface CreditCode {
  /** Normalised to upper case. */
  code: string;
  kind: CreditCodeKind;
}

/** The check character for 17 charset characters. Throws RangeError on anything else (a caller bug). */
export function computeCreditCodeCheck(first17: string): string {
  const indexes = [...first17].map((character) => CREDIT_CODE_CHARSET.indexOf(character));
  if (indexes.length !== 17 || indexes.includes(-1)) {
    throw new RangeError(
      `computeCreditCodeCheck needs 17 characters of the credit-code charset, got "${first17}"`,
    );
  }
  const sum = indexes.reduce((total, index, position) => total + index * CREDIT_CODE_WEIGHTS[position]!, 0);
  return CREDIT_CODE_CHARSET.charAt((31 - (sum % 31)) % 31);
}

/** Classifies by registration department + category (characters 1–2); tolerant of any input string. */
export function creditCodeKind(code: string): CreditCodeKind {
  switch (code.slice(0, 2)) {
    case "11":
      return "government_organ";
    case "12":
      return "public_institution";
    case "52":
      return "private_non_enterprise_unit";
    default:
      return "other";
  }
}

/** Codes are printed in upper case, but clerks often type lower case; only ASCII letters are folded. */
function normaliseCase(value: string): string {
  return value.replace(/[a-z]/g, (letter) => letter.toUpperCase());
}

function charsetProblems(code: string): IdentifierProblem[] {
  return [...code].flatMap((character, index) =>
    CREDIT_CODE_CHARSET.includes(character)
      ? []
      : [problem("credit_code.charset", { position: index + 1, character })],
  );
}

/** Validates a unified social credit code; never throws. The caller trims: whitespace is an error. */
export function validateCreditCode(input: unknown): Validation<CreditCode> {
  if (typeof input !== "string" || input.length !== CREDIT_CODE_LENGTH) {
    return invalid([problem("credit_code.format")]);
  }
  const code = normaliseCase(input);
  const badCharacters = charsetProblems(code);
  if (badCharacters.length > 0) return invalid(badCharacters);

  const problems: IdentifierProblem[] = [];
  const divisionCode = code.slice(2, 8);
  if (!/^\d{6}$/.test(divisionCode)) problems.push(problem("credit_code.division_code", { divisionCode }));
  const expected = computeCreditCodeCheck(code.slice(0, 17));
  const actual = code.charAt(17);
  if (expected !== actual) problems.push(problem("credit_code.check_character", { expected, actual }));
  if (problems.length > 0) return invalid(problems);
  return valid({ code, kind: creditCodeKind(code) });
}
