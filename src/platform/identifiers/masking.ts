/**
 * Masking rules of single values, for display, exports, the audit trail and logs. Which field gets
 * which rule is masking-policy.ts; the reasoning is in docs/architecture.md ("Masking").
 *
 * Every rule decides what to keep from the value's LENGTH only (and, for a student number, from its
 * kind letter, which it keeps). Masking a masked value therefore changes nothing, so a value masked
 * by a service and again by the response step comes out the same. Inputs are not validated:
 * malformed data must be masked too.
 */

const MASK = "*";

/** Keeps the last `keep` characters; a string no longer than that is masked entirely, never shown. */
function maskAllButLast(value: string, keep: number): string {
  if (value.length <= keep) return MASK.repeat(value.length);
  return MASK.repeat(value.length - keep) + value.slice(-keep);
}

function keepFirst(value: string, keep: number): string {
  return value.slice(0, keep) + MASK.repeat(Math.max(0, value.length - keep));
}

/**
 * `110105************`: keeps the address code (first 6) of a 15- or 18-character number and masks
 * the birth date, the sequence and the check character. The birth date is printed beside the number
 * in lists and exports, and the check character lets anyone test a guess, so a mask that hid only
 * the birth date (`110105********002X`) was the full number to anyone who read the row; what stays
 * hidden now (the sequence: 500 values once the sex is known, with no check to test them) is not
 * derivable from anything shown. Shorter values (other documents, broken numbers) keep 2 at most.
 */
export function maskIdentityNumber(value: string): string {
  if (value.length >= 15) return keepFirst(value, 6);
  if (value.length >= 6) return keepFirst(value, 2);
  return MASK.repeat(value.length);
}

/**
 * A G number is "G" + the identity number, so it is masked exactly as the identity number is
 * (`G110105************`). J and L numbers are the registry's own numbers (division, birth date and a
 * counter, no document of the person) and are shown in full: clerks quote them in transfers, and
 * their sequence is derivable from the school's division and the birth date anyway. Anything else is
 * masked like an identity number.
 */
export function maskStudentNumber(value: string): string {
  const kind = value.charAt(0);
  if (kind === "J" || kind === "L") return value;
  if (kind === "G") return kind + maskIdentityNumber(value.slice(1));
  return maskIdentityNumber(value);
}

/** `138****5678` for any 11-character number (a mainland mobile); anything else keeps only its last 4. */
export function maskPhoneNumber(value: string): string {
  if (value.length === 11) return `${value.slice(0, 3)}****${value.slice(-4)}`;
  return maskAllButLast(value, 4);
}

/**
 * `6222***********1234`: the bank's first 4 and the last 4 (at most what PCI DSS allows to show);
 * the Luhn digit constrains the hidden 8–11 digits to one in ten, so they are not derivable.
 */
export function maskBankCardNumber(value: string): string {
  if (value.length >= 12) return value.slice(0, 4) + MASK.repeat(value.length - 8) + value.slice(-4);
  return maskAllButLast(value, 4);
}
