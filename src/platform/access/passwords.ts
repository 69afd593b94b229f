/**
 * Passwords: scrypt (memory-hard, in node:crypto) with a per-password salt, stored as
 * "scrypt$N$r$p$salt$hash" so that the cost can be raised later without breaking old hashes.
 */
import { randomBytes, randomInt, type ScryptOptions, scrypt, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../config";
import type { FieldError } from "../../shared/errors";
import { securityPolicy } from "./security-policy";

function scryptAsync(
  password: string,
  salt: Buffer,
  keyLength: number,
  options: ScryptOptions,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function scryptOptions(N: number, r: number, p: number): ScryptOptions {
  return { N, r, p, maxmem: 256 * N * r + 1024 * 1024 };
}

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p, keyLength } = securityPolicy.scrypt;
  const salt = randomBytes(16);
  const key = await scryptAsync(password.normalize("NFKC"), salt, keyLength, scryptOptions(N, r, p));
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${key.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64");
  const actual = await scryptAsync(
    password.normalize("NFKC"),
    Buffer.from(salt, "base64"),
    expected.length,
    scryptOptions(Number(n), Number(r), Number(p)),
  );
  return timingSafeEqual(actual, expected);
}

/** A hash of a random password, verified against when the login name is unknown, so timing tells nothing. */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBytes(16).toString("hex"));
  return decoyHash;
}

function characterClasses(password: string): number {
  return [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
}

/**
 * What the rules measure: the password after NFKC (as it is hashed) without control and format
 * characters (Unicode Cc, Cf: zero-width spaces, joiners, direction marks), which add length
 * and nothing a guesser has to find.
 */
export function visiblePassword(password: string): string {
  return password.normalize("NFKC").replace(/[\p{Cc}\p{Cf}]/gu, "");
}

const commonWords: ReadonlySet<string> = new Set(
  (
    JSON.parse(readFileSync(path.join(projectRoot, "data", "access", "common-passwords.json"), "utf8")) as {
      words: string[];
    }
  ).words,
);

/** Digits and symbols commonly typed for letters (P@ssw0rd). */
const LOOK_ALIKES: Record<string, string> = {
  "0": "o",
  "1": "i",
  "3": "e",
  "4": "a",
  "5": "s",
  "7": "t",
  "@": "a",
  $: "s",
  "!": "i",
};
const unLeet = (text: string) => text.replace(/[013457@$!]/g, (c) => LOOK_ALIKES[c]!);

/**
 * The rule for predictable passwords: lower-cased, the password, or its core without leading
 * and trailing digits and symbols (Password1234 -> password, Admin@2024 -> admin), read as it is
 * or with look-alikes read as letters, is on the list of data/access/common-passwords.json.
 */
export function isCommonPassword(password: string): boolean {
  const lower = visiblePassword(password).toLowerCase();
  const core = lower.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, "");
  return [lower, unLeet(lower), core, unLeet(core)].some((candidate) => commonWords.has(candidate));
}

/** Checks a new password against the policy; returns the problems (empty when acceptable). */
export function checkPasswordPolicy(password: string, username: string, path = "newPassword"): FieldError[] {
  const policy = securityPolicy.password;
  const errors: FieldError[] = [];
  const visible = visiblePassword(password);
  const length = [...visible].length;
  if (length < policy.minLength || length > policy.maxLength) {
    errors.push({ path, code: "password_length", params: { min: policy.minLength, max: policy.maxLength } });
  }
  if (characterClasses(visible) < policy.minCharacterClasses) {
    errors.push({ path, code: "password_weak", params: { classes: policy.minCharacterClasses } });
  }
  if (username && unLeet(visible.toLowerCase()).includes(unLeet(username.toLowerCase()))) {
    errors.push({ path, code: "password_contains_username" });
  }
  if (isCommonPassword(password)) errors.push({ path, code: "password_common" });
  return errors;
}

/** A temporary password that satisfies the policy, for new accounts and resets. */
export function generateTemporaryPassword(): string {
  const sets = ["ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#%+=@"];
  const all = sets.join("");
  const chars = sets.map((s) => s[randomInt(s.length)]!);
  while (chars.length < 14) chars.push(all[randomInt(all.length)]!);
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join("");
}
