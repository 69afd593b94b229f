/**
 * Who holds the record a new one duplicates: the school (name and code) and the province of the
 * existing record, and its student number masked — what a clerk needs to call the other school,
 * and nothing a clerk of another county could not be told. The record's id is given only when
 * the caller's scope holds it (then the console can link to it); an id outside the scope would
 * only lead to a 404 and tell which ids exist.
 */
import { sql } from "kysely";
import type { Executor } from "../../db/database";
import { can } from "../../platform/access/actor";
import { schoolInScope } from "../../platform/access/scope";
import type { ServiceContext } from "../../platform/context";
import { maskStudentNumber } from "../../platform/identifiers/masking";

export interface DuplicateHolder {
  /** The existing record's id when the caller may open it, otherwise null. */
  studentId: number | null;
  /** Masked as the identity number it carries (a G number is G + the identity number). */
  studentNumber: string;
  schoolName: string;
  schoolCode: string;
  provinceCode: string;
  provinceName: string;
}

/** The holders of the given student ids, by id (ids no longer registered are absent). */
export async function duplicateHolders(
  ctx: ServiceContext,
  db: Executor,
  ids: readonly (number | null)[],
): Promise<Map<number, DuplicateHolder>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  const holders = new Map<number, DuplicateHolder>();
  if (wanted.length === 0) return holders;
  const mayRead = can(ctx.actor, "students", "read");
  const visible = mayRead ? schoolInScope(ctx.actor.scope, "s.school_unit_id") : sql<boolean>`false`;
  const { rows } = await sql<{
    id: number;
    student_number: string;
    school_name: string;
    school_code: string | null;
    province_code: string;
    province_name: string | null;
    visible: boolean;
  }>`
    SELECT s.id::int AS id, s.student_number, u.name AS school_name, sc.school_code, s.province_code,
      (SELECT p.name FROM org_unit p WHERE p.kind = 'province' AND p.province_code = s.province_code
        ORDER BY p.id LIMIT 1) AS province_name,
      ${visible} AS visible
    FROM student s
    JOIN org_unit u ON u.id = s.school_unit_id
    LEFT JOIN school sc ON sc.unit_id = s.school_unit_id
    WHERE s.id IN (${sql.join(wanted)})`.execute(db);
  for (const row of rows) {
    holders.set(Number(row.id), {
      studentId: row.visible ? Number(row.id) : null,
      studentNumber: maskStudentNumber(row.student_number),
      schoolName: row.school_name,
      schoolCode: row.school_code ?? "",
      provinceCode: row.province_code,
      provinceName: row.province_name ?? row.province_code,
    });
  }
  return holders;
}

/** The message parameters of a duplicate issue: the holder, or "—" where it is gone. */
export function holderParams(holder: DuplicateHolder | undefined): Record<string, string> {
  return {
    schoolName: holder?.schoolName ?? "—",
    schoolCode: holder?.schoolCode ?? "—",
    provinceName: holder?.provinceName ?? "—",
    studentNumber: holder?.studentNumber ?? "—",
  };
}
