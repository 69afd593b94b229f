/**
 * Personal identifiers never reach the audit trail in clear: every detail is masked by the one
 * masking policy (identifiers/masking-policy.ts) — identity, student, phone and bank card numbers
 * by the name of their field wherever they sit in a diff, the same numbers inside free text, and
 * secrets replaced whole.
 */
import { kindOfField, maskPersonalFields } from "../identifiers/masking-policy";

export function maskPersonalData(value: unknown, key = ""): unknown {
  return maskPersonalFields(value, { secrets: true }, key ? kindOfField(key) : undefined);
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
