/**
 * National student number (全国学籍号), always 19 characters, in three kinds:
 *   G + 18-character identity number — the student's own identity number, validated in full;
 *   J + 6-digit division code + YYYYMMDD + 3-digit sequence + check character (students without an
 *       identity number; the check character is computed exactly like an identity number's, over the
 *       17 digits after the J);
 *   L + 6-digit division code + YYYYMMDD + 4 digits — a temporary number with no check character.
 */
import { type IdentifierProblem, invalid, problem, type Validation, valid } from "./identifiers.errors";
import {
  checkBirthDate,
  computeIdentityCheckCharacter,
  type IdentityNumberOptions,
  isRealCalendarDate,
  validateIdentityNumber,
} from "./identity-number";

export type StudentNumberKind = "G" | "J" | "L";

export interface StudentNumber {
  /** Normalised: a trailing lowercase "x" is reported as "X". */
  number: string;
  kind: StudentNumberKind;
  divisionCode: string;
  /** ISO form, YYYY-MM-DD. */
  birthDate: string;
  /** Only for kind G: the embedded identity number. */
  identityNumber?: string;
}

/** `isKnownProvince` applies to the identity number inside a G number only. */
export type StudentNumberOptions = IdentityNumberOptions;

const STUDENT_NUMBER_LENGTH = 19;
const PATTERNS: Record<StudentNumberKind, RegExp> = {
  G: /^G\d{17}[\dX]$/,
  J: /^J\d{17}[\dX]$/,
  L: /^L\d{18}$/,
};

const BIRTH_DATE_CODES = {
  invalid: "student_number.birth_date_invalid",
  future: "student_number.birth_date_future",
  too_early: "student_number.birth_date_too_early",
} as const;

function isStudentNumberKind(value: string): value is StudentNumberKind {
  return value === "G" || value === "J" || value === "L";
}

function normaliseCheckCase(value: string): string {
  return value.endsWith("x") ? `${value.slice(0, -1)}X` : value;
}

/**
 * A G number is the identity number with a prefix, so its problems are the identity number's own
 * (`identity_number.*` codes): the clerk must correct the identity number, not the prefix.
 */
function validateGNumber(number: string, options: StudentNumberOptions): Validation<StudentNumber> {
  const identity = validateIdentityNumber(number.slice(1), options);
  if (!identity.ok) return identity;
  return valid({
    number,
    kind: "G",
    divisionCode: identity.value.addressCode,
    birthDate: identity.value.birthDate,
    identityNumber: identity.value.number,
  });
}

function validateJOrLNumber(
  number: string,
  kind: "J" | "L",
  options: StudentNumberOptions,
): Validation<StudentNumber> {
  const problems: IdentifierProblem[] = [];
  const compactBirthDate = number.slice(7, 15);
  const birth = checkBirthDate(compactBirthDate, options.today ?? new Date());
  if (!birth.ok) problems.push(problem(BIRTH_DATE_CODES[birth.issue], { birthDate: compactBirthDate }));
  if (kind === "J") {
    const expected = computeIdentityCheckCharacter(number.slice(1, 18));
    const actual = number.charAt(18);
    if (expected !== actual) problems.push(problem("student_number.check_character", { expected, actual }));
  }
  if (problems.length > 0 || !birth.ok) return invalid(problems);
  return valid({ number, kind, divisionCode: number.slice(1, 7), birthDate: birth.isoDate });
}

/** Validates a student number; never throws. The caller trims: any whitespace is a format error. */
export function validateStudentNumber(
  input: unknown,
  options: StudentNumberOptions = {},
): Validation<StudentNumber> {
  if (typeof input !== "string" || input.length !== STUDENT_NUMBER_LENGTH) {
    return invalid([problem("student_number.format")]);
  }
  const kind = input.charAt(0);
  if (!isStudentNumberKind(kind)) return invalid([problem("student_number.kind_unknown", { kind })]);
  const number = normaliseCheckCase(input);
  if (!PATTERNS[kind].test(number)) return invalid([problem("student_number.format")]);
  return kind === "G" ? validateGNumber(number, options) : validateJOrLNumber(number, kind, options);
}

// ---------------------------------------------------------------------------------------------------
// Generators — they serve code issuing numbers, so bad arguments are caller bugs and throw RangeError.
// ---------------------------------------------------------------------------------------------------

function assertDivisionAndBirthDate(divisionCode: string, birthDate: string): void {
  if (!/^\d{6}$/.test(divisionCode)) {
    throw new RangeError(`divisionCode must be 6 digits, got "${divisionCode}"`);
  }
  if (!isRealCalendarDate(birthDate)) {
    throw new RangeError(`birthDate must be a real date written YYYYMMDD, got "${birthDate}"`);
  }
}

/** Builds a J number; `sequence` is an integer 0..999. */
export function makeJNumber(divisionCode: string, birthDate: string, sequence: number): string {
  assertDivisionAndBirthDate(divisionCode, birthDate);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 999) {
    throw new RangeError(`sequence must be an integer from 0 to 999, got ${sequence}`);
  }
  const first17 = `${divisionCode}${birthDate}${String(sequence).padStart(3, "0")}`;
  return `J${first17}${computeIdentityCheckCharacter(first17)}`;
}

/** Builds a temporary L number; `fourDigits` is a 4-digit string or an integer 0..9999. */
export function makeLNumber(divisionCode: string, birthDate: string, fourDigits: string | number): string {
  assertDivisionAndBirthDate(divisionCode, birthDate);
  const tail = typeof fourDigits === "number" ? formatFourDigits(fourDigits) : fourDigits;
  if (!/^\d{4}$/.test(tail)) throw new RangeError(`fourDigits must be 4 digits, got "${fourDigits}"`);
  return `L${divisionCode}${birthDate}${tail}`;
}

function formatFourDigits(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 9999) {
    throw new RangeError(`fourDigits must be an integer from 0 to 9999, got ${value}`);
  }
  return String(value).padStart(4, "0");
}

/** Builds a G number from a fully valid identity number (a trailing lowercase "x" is upper-cased). */
export function makeGNumber(identityNumber: string, options: IdentityNumberOptions = {}): string {
  const identity = validateIdentityNumber(identityNumber, options);
  if (!identity.ok) {
    const codes = identity.problems.map((p) => p.code).join(", ");
    throw new RangeError(`"${identityNumber}" is not a valid identity number (${codes})`);
  }
  return `G${identity.value.number}`;
}
