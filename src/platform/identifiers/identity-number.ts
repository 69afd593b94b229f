/**
 * Citizen identity number (公民身份号码, GB 11643-1999): 6-digit address code, 8-digit birth date
 * YYYYMMDD, 3-digit sequence (odd = male, even = female) and an ISO 7064 MOD 11-2 check character.
 *
 * Also home of the province-code set and the birth-date rules, which student numbers, school codes and
 * teacher certificates reuse so that all identifiers agree on what a "known province" and a "real
 * birth date" are.
 */
import { type IdentifierProblem, invalid, problem, type Validation, valid } from "./identifiers.errors";

/** Province-level division codes of GB/T 2260 (first two digits of any 6-digit division code). */
export const PROVINCE_CODES: ReadonlySet<string> = new Set([
  ...["11", "12", "13", "14", "15"],
  ...["21", "22", "23"],
  ...["31", "32", "33", "34", "35", "36", "37"],
  ...["41", "42", "43", "44", "45", "46"],
  ...["50", "51", "52", "53", "54"],
  ...["61", "62", "63", "64", "65"],
  ...["71", "81", "82"],
]);

/** Decides whether a 2-digit province code is acceptable; callers may widen it (e.g. XPCC "66"). */
export type ProvincePredicate = (code2: string) => boolean;

export function isKnownProvinceCode(code2: string): boolean {
  return PROVINCE_CODES.has(code2);
}

export interface IdentityNumberOptions {
  /** The day against which "born in the future" is judged; its local calendar date is used. */
  today?: Date;
  isKnownProvince?: ProvincePredicate;
}

export interface IdentityNumber {
  /** Normalised: a trailing lowercase "x" is reported as "X". */
  number: string;
  addressCode: string;
  provinceCode: string;
  /** ISO form, YYYY-MM-DD. */
  birthDate: string;
  /** GB/T 2261.1 sex code: "1" male, "2" female. */
  sex: "1" | "2";
  sequence: string;
}

const IDENTITY_PATTERN = /^\d{17}[\dX]$/;
const IDENTITY_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const IDENTITY_CHECK_CHARACTERS = "10X98765432";

/** ISO 7064 MOD 11-2 over 17 digits. Throws RangeError on anything but 17 ASCII digits (a caller bug). */
export function computeIdentityCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) {
    throw new RangeError(`computeIdentityCheckCharacter needs exactly 17 digits, got "${first17}"`);
  }
  let sum = 0;
  IDENTITY_WEIGHTS.forEach((weight, index) => {
    sum += (first17.charCodeAt(index) - 48) * weight;
  });
  return IDENTITY_CHECK_CHARACTERS.charAt(sum % 11);
}

// ---------------------------------------------------------------------------------------------------
// Birth dates (shared with student numbers)
// ---------------------------------------------------------------------------------------------------

/** Nobody registered in the system was born earlier; older dates are typing errors. */
export const EARLIEST_BIRTH_DATE = "19000101";

export type BirthDateCheck = { ok: true; isoDate: string } | { ok: false; issue: BirthDateIssue };
export type BirthDateIssue = "invalid" | "future" | "too_early";

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** True when `compact` is YYYYMMDD naming a day that exists in the proleptic Gregorian calendar. */
export function isRealCalendarDate(compact: string): boolean {
  if (!/^\d{8}$/.test(compact)) return false;
  const year = Number(compact.slice(0, 4));
  const month = Number(compact.slice(4, 6));
  const day = Number(compact.slice(6, 8));
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** The local calendar date of `date` as YYYYMMDD; local because clerks mean "today where I am". */
export function toCompactLocalDate(date: Date): string {
  const year = String(date.getFullYear()).padStart(4, "0");
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${year}${month}${day}`;
}

/** A birth date must exist, be on or after 1900-01-01 and not be after `today`'s date. */
export function checkBirthDate(compact: string, today: Date): BirthDateCheck {
  if (!isRealCalendarDate(compact)) return { ok: false, issue: "invalid" };
  // Both sides are 8-digit strings, so string order is date order.
  if (compact < EARLIEST_BIRTH_DATE) return { ok: false, issue: "too_early" };
  if (compact > toCompactLocalDate(today)) return { ok: false, issue: "future" };
  return { ok: true, isoDate: `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}` };
}

// ---------------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------------

const BIRTH_DATE_CODES = {
  invalid: "identity_number.birth_date_invalid",
  future: "identity_number.birth_date_future",
  too_early: "identity_number.birth_date_too_early",
} as const;

/** Only a trailing "x" is normalised; anything else lower-case is left to fail the format check. */
function normaliseCheckCase(value: string): string {
  return value.endsWith("x") ? `${value.slice(0, -1)}X` : value;
}

function checkCharacterProblem(number: string): IdentifierProblem | undefined {
  const expected = computeIdentityCheckCharacter(number.slice(0, 17));
  const actual = number.charAt(17);
  return expected === actual ? undefined : problem("identity_number.check_character", { expected, actual });
}

/**
 * Validates an identity number; never throws. The caller trims: surrounding or inner whitespace is a
 * format error. Only the province part of the address code is checked — the full 6-digit code is NOT
 * required to be current, because counties merge and renumber while people keep the number issued at
 * birth, so retired address codes stay valid in old identity numbers.
 */
export function validateIdentityNumber(
  input: unknown,
  options: IdentityNumberOptions = {},
): Validation<IdentityNumber> {
  if (typeof input !== "string") return invalid([problem("identity_number.format")]);
  const number = normaliseCheckCase(input);
  if (!IDENTITY_PATTERN.test(number)) return invalid([problem("identity_number.format")]);

  const isKnownProvince = options.isKnownProvince ?? isKnownProvinceCode;
  const problems: IdentifierProblem[] = [];
  const provinceCode = number.slice(0, 2);
  if (!isKnownProvince(provinceCode)) {
    problems.push(problem("identity_number.province_unknown", { provinceCode }));
  }
  const compactBirthDate = number.slice(6, 14);
  const birth = checkBirthDate(compactBirthDate, options.today ?? new Date());
  if (!birth.ok) problems.push(problem(BIRTH_DATE_CODES[birth.issue], { birthDate: compactBirthDate }));
  const checkProblem = checkCharacterProblem(number);
  if (checkProblem) problems.push(checkProblem);
  if (problems.length > 0 || !birth.ok) return invalid(problems);

  const sequence = number.slice(14, 17);
  return valid({
    number,
    addressCode: number.slice(0, 6),
    provinceCode,
    birthDate: birth.isoDate,
    sex: Number(sequence) % 2 === 1 ? "1" : "2",
    sequence,
  });
}
