/** Student records for tests: valid by default, with a real identity number for a birth date. */
import { type Kysely, sql } from "kysely";
import { expect } from "vitest";
import type { DB } from "../../src/db/schema";
import { computeIdentityCheckCharacter } from "../../src/platform/identifiers/identity-number";

/**
 * A valid resident identity number for an address code, birth date (YYYYMMDD or YYYY-MM-DD) and
 * sequence.
 */
export function identityNumber(birthDate: string, sequence = 101, address = "330102"): string {
  const first17 = `${address}${birthDate.replaceAll("-", "")}${String(sequence).padStart(3, "0")}`;
  return first17 + computeIdentityCheckCharacter(first17);
}

/**
 * A number written with one Han letter per digit, for test names that must differ: a person's
 * name cannot hold digits (person-name.ts). The letters are U+4E00 + digit (一丁丂七丄丅丆万丈三),
 * so names sort as the digits did.
 */
export function hanNumber(n: number): string {
  return [...String(n)].map((d) => String.fromCharCode(0x4e00 + Number(d))).join("");
}

/** A complete registration (template keys) for a primary pupil born on the date. */
export function sampleStudent(
  birthDate: string,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const sequence = Number(overrides.sequence ?? 101);
  const { sequence: _ignored, ...rest } = overrides;
  return {
    name: "张小明",
    sex: sequence % 2 === 1 ? "1" : "2",
    birthDate,
    birthplace: "330102001001",
    nativePlace: "330102",
    ethnicity: "01",
    nationality: "CHN",
    idDocumentType: "1",
    identityNumber: identityNumber(birthDate, sequence),
    overseasStatus: "00",
    healthStatus: "10",
    householdLocation: "330102",
    householdType: "2",
    grade: "P3",
    className: "三年级2班",
    enrolmentMonth: "202309",
    enrolmentMode: "11",
    attendanceMode: "1",
    currentAddress: "杭州市上城区解放路1号",
    mailingAddress: "杭州市上城区解放路1号",
    homeAddress: "杭州市上城区解放路1号",
    phone: "13900001111",
    isOnlyChild: "是",
    hadPreschool: "是",
    guardian1Name: "张大明",
    guardian1Relation: "51",
    guardian1Phone: "13900001111",
    ...rest,
  };
}

/**
 * The per-school tally (student_tally) must equal a live count of the records after any sequence
 * of the registry's own write paths.
 */
export async function expectTallyEqualsRecords(db: Kysely<DB>): Promise<void> {
  const tally = await sql<{ row: string }>`
    SELECT school_unit_id || '/' || status || '=' || n AS row FROM student_tally WHERE n <> 0
    ORDER BY school_unit_id, status`.execute(db);
  const records = await sql<{ row: string }>`
    SELECT school_unit_id || '/' || status || '=' || count(*) AS row FROM student
    GROUP BY school_unit_id, status ORDER BY school_unit_id, status`.execute(db);
  expect(records.rows.length).toBeGreaterThan(0);
  expect(tally.rows.map((r) => r.row)).toEqual(records.rows.map((r) => r.row));
}
