/**
 * Masking for display and logs, so screens and exports show enough to recognise a record without
 * disclosing the identifier. Inputs are not validated: malformed data must be masked too.
 */

const MASK = "*";

/** Keeps the last `keep` characters; a string no longer than that is masked entirely, never shown. */
function maskAllButLast(value: string, keep: number): string {
  if (value.length <= keep) return MASK.repeat(value.length);
  return MASK.repeat(value.length - keep) + value.slice(-keep);
}

/**
 * `110105********002X`: keeps the first 6 (address code) and last 4. Ten characters or fewer keep only the
 * last 2 — at exactly 10, "first 6 + last 4" would be the whole value, unmasked.
 */
export function maskIdentityNumber(value: string): string {
  if (value.length <= 10) return maskAllButLast(value, 2);
  return value.slice(0, 6) + MASK.repeat(value.length - 10) + value.slice(-4);
}

/** `138****5678` for an 11-digit mainland mobile number; anything else keeps only its last 4. */
export function maskPhoneNumber(value: string): string {
  if (/^1\d{10}$/.test(value)) return `${value.slice(0, 3)}****${value.slice(-4)}`;
  return maskAllButLast(value, 4);
}
