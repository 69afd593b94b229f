/**
 * National student numbers (全国学籍号): G + identity number for a usable resident ID; J +
 * school division + birth date + sequence + check character for a student without one; L +
 * division + birth date + 4 random digits as a temporary number while a problem is resolved.
 */
import { randomInt } from "node:crypto";
import { sql } from "kysely";
import type { Executor } from "../../db/database";
import { makeGNumber, makeJNumber, makeLNumber } from "../../platform/identifiers/student-number";
import { AppError } from "../../shared/errors";

const compact = (isoDate: string) => isoDate.replaceAll("-", "");

export function gNumber(identityNumber: string): string {
  return makeGNumber(identityNumber);
}

/** The next J number for a division and birth date; sequences are allocated under a row lock. */
export async function nextJNumber(db: Executor, divisionCode: string, birthDate: string): Promise<string> {
  const prefix = `${divisionCode}${compact(birthDate)}`;
  const { rows } = await sql<{ last_value: number }>`
    INSERT INTO student_number_sequence (prefix, last_value) VALUES (${prefix}, 1)
    ON CONFLICT (prefix) DO UPDATE SET last_value = student_number_sequence.last_value + 1
    RETURNING last_value`.execute(db);
  const sequence = rows[0]!.last_value;
  if (sequence > 999) throw new AppError("student_number_exhausted", 409, { prefix });
  return makeJNumber(divisionCode, compact(birthDate), sequence);
}

/** A temporary L number not yet in use. */
export async function newLNumber(db: Executor, divisionCode: string, birthDate: string): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const candidate = makeLNumber(divisionCode, compact(birthDate), randomInt(10_000));
    const taken = await db
      .selectFrom("student")
      .select("id")
      .where("student_number", "=", candidate)
      .executeTakeFirst();
    if (!taken) return candidate;
  }
  throw new AppError("student_number_exhausted", 409, { prefix: `L${divisionCode}${compact(birthDate)}` });
}
