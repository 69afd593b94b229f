/**
 * School identification code (学校标识码), 10 digits AABBCCCCCC with no check digit:
 * AA school type, BB province code, CCCCCC sequence within type and province.
 */
import { type IdentifierProblem, invalid, problem, type Validation, valid } from "./identifiers.errors";
import { isKnownProvinceCode, type ProvincePredicate } from "./identity-number";

/** School-type prefixes issued by the Ministry of Education's school code scheme. */
export const SCHOOL_TYPE_CODES: ReadonlySet<string> = new Set([
  ...["11", "21", "22", "31", "32", "33", "34", "35", "36", "37"],
  ...["41", "42", "51", "91", "92", "93"],
]);

export interface SchoolCodeOptions {
  /** Accepted school-type prefixes; defaults to SCHOOL_TYPE_CODES. */
  schoolTypeCodes?: ReadonlySet<string>;
  /**
   * Defaults to the GB/T 2260 provinces. The XPCC code "66" is accepted only when this predicate
   * accepts it, so a caller whose province set includes the Corps passes a predicate that does.
   */
  isKnownProvince?: ProvincePredicate;
  /** The 2-digit province of the school's division; when given, the code must carry the same one. */
  expectedProvince?: string;
}

export interface SchoolCode {
  code: string;
  schoolType: string;
  provinceCode: string;
  sequence: string;
}

/** Validates a school identification code; never throws. The caller trims: whitespace is an error. */
export function validateSchoolCode(input: unknown, options: SchoolCodeOptions = {}): Validation<SchoolCode> {
  if (typeof input !== "string" || !/^\d{10}$/.test(input)) return invalid([problem("school_code.format")]);
  const schoolType = input.slice(0, 2);
  const provinceCode = input.slice(2, 4);
  const problems: IdentifierProblem[] = [];
  if (!(options.schoolTypeCodes ?? SCHOOL_TYPE_CODES).has(schoolType)) {
    problems.push(problem("school_code.school_type_unknown", { schoolType }));
  }
  if (!(options.isKnownProvince ?? isKnownProvinceCode)(provinceCode)) {
    problems.push(problem("school_code.province_unknown", { provinceCode }));
  }
  const { expectedProvince } = options;
  if (expectedProvince !== undefined && expectedProvince !== provinceCode) {
    problems.push(problem("school_code.province_mismatch", { provinceCode, expectedProvince }));
  }
  if (problems.length > 0) return invalid(problems);
  return valid({ code: input, schoolType, provinceCode, sequence: input.slice(4) });
}
