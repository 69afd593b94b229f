/**
 * THE masking policy: which fields hold which kind of personal identifier, and how each kind is
 * masked. Every place that lets data out goes through it — the response step of every API route
 * (http/masking.ts), the exports, the audit trail (audit/audit.masking.ts), archive titles and the
 * request log — so that a field is masked the same way everywhere and a new field is masked by
 * its name alone. Only routes that declare `personalData: "full"` and audit the read show values
 * in full (docs/api.md, "Masking").
 */
import { computeIdentityCheckCharacter, isRealCalendarDate } from "./identity-number";
import { maskBankCardNumber, maskIdentityNumber, maskPhoneNumber, maskStudentNumber } from "./masking";

export type SensitiveKind = "identityNumber" | "studentNumber" | "phone" | "bankCard" | "secret";

interface KindPolicy {
  /** Masks one value; keeps nothing the rest of a row would complete (see masking.ts). */
  mask(value: string): string;
  /** Whether a field name (split into lower-case words) holds this kind. */
  holds(words: readonly string[], joined: string): boolean;
}

const has = (words: readonly string[], ...wanted: string[]) => wanted.some((w) => words.includes(w));

/** Checked in this order: a student number's field is not an identity field, a secret wins over all. */
export const MASKING_POLICY: Readonly<Record<SensitiveKind, KindPolicy>> = {
  secret: {
    mask: () => "***",
    holds: (words) => has(words, "password", "secret", "token", "hash"),
  },
  studentNumber: {
    mask: maskStudentNumber,
    holds: (words, joined) =>
      (has(words, "student") && has(words, "number", "no")) || /studentnumber|学籍号/.test(joined),
  },
  identityNumber: {
    mask: maskIdentityNumber,
    holds: (words, joined) =>
      has(words, "identity") ||
      (has(words, "id") && has(words, "number", "card", "no")) ||
      /idnumber|idcard|证件号|身份证/.test(joined),
  },
  bankCard: {
    mask: maskBankCardNumber,
    holds: (words, joined) =>
      (has(words, "bank") && has(words, "card", "account", "number")) || /银行卡|银行账号/.test(joined),
  },
  phone: {
    mask: maskPhoneNumber,
    holds: (words, joined) => has(words, "phone", "mobile", "tel", "telephone") || /电话|手机/.test(joined),
  },
};

const ORDER: readonly SensitiveKind[] = ["secret", "studentNumber", "identityNumber", "bankCard", "phone"];

/** `guardian1IdNumber` → guardian1, id, number; `student_number` → student, number. */
function wordsOf(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase()
    .split(/[^a-z0-9\u3400-\u9fff]+/)
    .filter(Boolean);
}

const kindCache = new Map<string, SensitiveKind | null>();

/** The kind of identifier a field of that name holds, if any. */
export function kindOfField(name: string): SensitiveKind | undefined {
  let kind = kindCache.get(name);
  if (kind === undefined) {
    const words = wordsOf(name);
    const joined = words.join("");
    kind = ORDER.find((k) => MASKING_POLICY[k].holds(words, joined)) ?? null;
    if (kindCache.size < 10_000) kindCache.set(name, kind);
  }
  return kind ?? undefined;
}

export function maskAs(kind: SensitiveKind, value: string): string {
  return MASKING_POLICY[kind].mask(value);
}

// ------------------------------------------------------------------------------ free text

const BOUNDARY_BEFORE = "(?<![0-9A-Za-z])";
const BOUNDARY_AFTER = "(?![0-9A-Za-z])";
/** An 18- or 15-character identity number, or a G number, standing alone in text. */
const IDENTITY_IN_TEXT = new RegExp(`${BOUNDARY_BEFORE}(G?)(\\d{17}[\\dXx]|\\d{15})${BOUNDARY_AFTER}`, "g");
/** A mainland mobile number, alone or after +86 / 86. */
const MOBILE_IN_TEXT = new RegExp(
  `(?<=(?:^|[^0-9A-Za-z])(?:\\+?86[- ]?)?)1[3-9]\\d{9}${BOUNDARY_AFTER}`,
  "g",
);
const CARD_IN_TEXT = new RegExp(`${BOUNDARY_BEFORE}\\d{16,19}${BOUNDARY_AFTER}`, "g");

/** Only what is an identity number (real birth date, right check character) is taken for one. */
function looksLikeIdentityNumber(digits: string): boolean {
  if (digits.length === 15) return isRealCalendarDate(`19${digits.slice(6, 12)}`);
  return (
    isRealCalendarDate(digits.slice(6, 14)) &&
    computeIdentityCheckCharacter(digits.slice(0, 17)) === digits.charAt(17).toUpperCase()
  );
}

function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits.charAt(digits.length - 1 - i));
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/**
 * Masks identifiers written inside free text (titles, comments, reasons, URLs): identity and G
 * numbers, mobile numbers and bank card numbers, each by its own rule. Only values that pass their
 * check are taken for identifiers, so codes of schools and divisions stay as they are.
 */
export function maskIdentifiersInText(text: string): string {
  if (!/\d{11}/.test(text)) return text;
  return text
    .replace(IDENTITY_IN_TEXT, (match, g: string, digits: string) =>
      looksLikeIdentityNumber(digits) ? g + maskIdentityNumber(digits) : match,
    )
    .replace(CARD_IN_TEXT, (match) => (passesLuhn(match) ? maskBankCardNumber(match) : match))
    .replace(MOBILE_IN_TEXT, (match) => maskPhoneNumber(match));
}

// ------------------------------------------------------------------------------ records

/** Only plain records are walked: a Date, a Buffer or a class with its own toJSON stays as it is. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

export interface MaskOptions {
  /** Secrets (passwords, tokens, hashes) become "***" — for the audit trail, not for responses. */
  secrets?: boolean;
}

/**
 * A deep copy of a value with every identifier masked: strings under a field of a sensitive kind
 * (or inside one, e.g. `identityNumber: {before, after}`) by that kind's rule, every other string
 * as free text.
 */
export function maskPersonalFields(value: unknown, options: MaskOptions = {}, kind?: SensitiveKind): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === "string") {
    if (kind === undefined || (kind === "secret" && !options.secrets)) return maskIdentifiersInText(value);
    return maskAs(kind, value);
  }
  if (Array.isArray(value)) return value.map((v) => maskPersonalFields(v, options, kind));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      out[key] = maskPersonalFields(child, options, kindOfField(key) ?? kind);
    }
    return out;
  }
  return value;
}
