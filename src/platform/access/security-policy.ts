/** The security settings of data/access/security.json, read once. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../config";

export interface SecurityPolicy {
  password: { minLength: number; maxLength: number; minCharacterClasses: number; maxAgeDays: number };
  lockout: {
    maxFailedAttempts: number;
    windowMinutes: number;
    lockMinutes: number;
    accountMaxFailedAttempts: number;
  };
  addressThrottle: {
    maxFailures: number;
    windowMinutes: number;
    blockMinutes: number;
    ipv6PrefixBits: number;
  };
  session: { idleMinutes: number; absoluteHours: number };
  apiToken: { maxDays: number };
  scrypt: { N: number; r: number; p: number; keyLength: number };
}

export const securityPolicy: SecurityPolicy = JSON.parse(
  readFileSync(path.join(projectRoot, "data", "access", "security.json"), "utf8"),
) as SecurityPolicy;
