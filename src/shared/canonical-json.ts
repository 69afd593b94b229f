/**
 * Canonical JSON: object keys sorted, no whitespace, undefined dropped. Hashes and signatures
 * are computed over this form so that the same content always gives the same bytes.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function normalise(value: unknown): Json | undefined {
  if (value === null) return null;
  if (value instanceof Date) return value.toISOString();
  switch (typeof value) {
    case "boolean":
    case "string":
      return value;
    case "number":
      if (!Number.isFinite(value)) throw new Error("canonical JSON cannot hold a non-finite number");
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (Array.isArray(value)) return value.map((v) => normalise(v) ?? null);
  const out: { [key: string]: Json } = {};
  for (const key of Object.keys(value as object).sort()) {
    const normalised = normalise((value as Record<string, unknown>)[key]);
    if (normalised !== undefined) out[key] = normalised;
  }
  return out;
}

export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value) ?? null);
}
