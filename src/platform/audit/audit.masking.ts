/**
 * Personal identifiers never reach the audit trail in clear: values of fields whose names say
 * they hold an identity number or a phone number are masked wherever they sit in a diff.
 */
import { maskIdentityNumber, maskPhoneNumber } from "../identifiers/masking";

const IDENTITY_KEY = /(identity|id_?number|idnumber|id_?card|证件号|身份证)/i;
const PHONE_KEY = /(phone|mobile|tel|电话)/i;
const SECRET_KEY = /(password|secret|token|hash)/i;

export function maskPersonalData(value: unknown, key = ""): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "string") {
    if (SECRET_KEY.test(key)) return "***";
    if (IDENTITY_KEY.test(key)) return maskIdentityNumber(value);
    if (PHONE_KEY.test(key)) return maskPhoneNumber(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => maskPersonalData(v, key));
  if (typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskPersonalData(v, k)]));
  }
  return value;
}

/** The fields that changed between two versions of a record, masked. */
export function diffFields(
  before: Record<string, unknown> | null | undefined,
  after: Record<string, unknown> | null | undefined,
): Record<string, { before: unknown; after: unknown }> {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  const changes: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of keys) {
    const b = before?.[key];
    const a = after?.[key];
    if (JSON.stringify(b) === JSON.stringify(a)) continue;
    changes[key] = { before: maskPersonalData(b ?? null, key), after: maskPersonalData(a ?? null, key) };
  }
  return changes;
}
