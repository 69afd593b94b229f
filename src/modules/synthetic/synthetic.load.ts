/**
 * Synthetic data into the database without the registration path (which would refuse or queue the
 * planted problems): schools by set-based INSERT (org_unit, school and the "opened" event in one
 * statement per batch), students by COPY in chunks of ~100,000 rows, their history (admission,
 * one promotion a year since, status changes) by INSERT … SELECT over id ranges, then ANALYZE.
 */
import { sql } from "kysely";
import type { Database } from "../../db/database";
import { schoolYear as schoolYearRules } from "../students/students.school-year";
import type { SyntheticData } from "./synthetic.data";
import { copyLine, STUDENT_COPY_COLUMNS } from "./synthetic.formats";
import { buildProvinceGeo, type GeoUnits, type ProvinceGeo } from "./synthetic.geo";
import type { PlannedSchool } from "./synthetic.schools";
import type { LoadSession, Queryable } from "./synthetic.session";
import type { SyntheticStudent } from "./synthetic.students";

const SCHOOL_BATCH = 2000;
/** Rows per COPY statement: PGlite holds a chunk in memory as one blob. */
export const COPY_CHUNK_ROWS = 100_000;
/** Rows joined before they are handed to COPY: fewer, larger pieces stream faster. */
const PIECE_ROWS = 500;
/** Students per history statement: bounded statements, and progress to show. */
export const EVENT_BATCH_STUDENTS = 250_000;

/** The province's divisions and the units schools hang under (county, its departments). */
export async function loadProvinceGeo(database: Database, provinceCode: string): Promise<ProvinceGeo> {
  const { pool } = database;
  const divisions = await pool.query<{
    code: string;
    name: string;
    level: number;
    parent_code: string | null;
  }>("SELECT code, name, level, parent_code FROM division WHERE province_code = $1 ORDER BY code", [
    provinceCode,
  ]);
  const geo = buildProvinceGeo(
    divisions.rows.map((d) => ({ code: d.code, name: d.name, level: d.level, parentCode: d.parent_code })),
    provinceCode,
  );
  const units = await pool.query<{ code: string; id: number; path: string; edu: number; hrss: number }>(
    `SELECT u.code, u.id, u.path, e.id AS edu, h.id AS hrss
     FROM org_unit u
     JOIN org_unit e ON e.parent_id = u.id AND e.department_type = 'education'
     JOIN org_unit h ON h.parent_id = u.id AND h.department_type = 'hrss'
     WHERE u.kind IN ('province', 'county') AND u.province_code = $1 AND u.status = 'active'`,
    [provinceCode],
  );
  const byCode = new Map<string, GeoUnits>(
    units.rows.map((u) => [
      u.code,
      { unitId: Number(u.id), path: u.path, educationId: Number(u.edu), hrssId: Number(u.hrss) },
    ]),
  );
  const province = byCode.get(`${provinceCode}0000`);
  if (!province)
    throw new Error(`Province ${provinceCode} has no unit in the organisation tree: run migrate`);
  // Only counties present in the tree can hold schools.
  const counties = geo.counties.flatMap((c) => {
    const found = byCode.get(c.code);
    return found ? [{ ...c, units: found }] : [];
  });
  if (counties.length === 0) throw new Error(`Province ${provinceCode} has no county units`);
  return { ...geo, counties, units: province };
}

/** The last school-code sequence used per school type in the province, so new codes continue. */
export async function usedSchoolSequences(database: Database, provinceCode: string) {
  const { rows } = await database.pool.query<{ school_type: string; last: number }>(
    `SELECT school_type, max(substr(school_code, 5)::int) AS last FROM school
     WHERE substr(school_code, 3, 2) = $1 GROUP BY school_type`,
    [provinceCode],
  );
  return new Map(rows.map((r) => [r.school_type.trim(), Number(r.last)]));
}

/**
 * Student numbers already registered with this province's division codes, and the J sequences
 * already allocated: the generator skips them, so a load into a used database cannot collide.
 * Ranges rather than LIKE, so the unique index serves them under any collation.
 */
export async function existingNumbers(database: Database, provinceCode: string) {
  const next = String(Number(provinceCode) + 1).padStart(2, "0");
  const ranges = ["G", "J", "L"].map((k) => [`${k}${provinceCode}`, `${k}${next}`]);
  const taken = await database.pool.query<{ student_number: string }>(
    `SELECT student_number FROM student WHERE ${ranges
      .map((_, i) => `(student_number >= $${2 * i + 1} AND student_number < $${2 * i + 2})`)
      .join(" OR ")}`,
    ranges.flat(),
  );
  const sequences = await database.pool.query<{ prefix: string; last_value: number }>(
    "SELECT prefix, last_value FROM student_number_sequence WHERE prefix >= $1 AND prefix < $2",
    [provinceCode, next],
  );
  return {
    taken: new Set(taken.rows.map((r) => r.student_number)),
    jSequences: new Map(sequences.rows.map((r) => [r.prefix, r.last_value])),
  };
}

const INSERT_SCHOOLS = `
WITH src AS MATERIALIZED (
  SELECT nextval(pg_get_serial_sequence('org_unit', 'id')) AS id, t.*, p.path AS parent_path
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[],
              $8::date[], $9::text[], $10::text[])
    AS t(code, name, parent_id, running_type, stages, ownership, supervising_unit_id, opened_on, address,
         division_code)
  JOIN org_unit p ON p.id = t.parent_id
), units AS (
  INSERT INTO org_unit (id, kind, level, code, name, parent_id, path, province_code, division_code,
    effective_from)
  SELECT id, 'school', 5, code, name, parent_id, parent_path || id || '/', $11, division_code, opened_on
  FROM src
), schools AS (
  INSERT INTO school (unit_id, school_code, school_type, running_type, stages, ownership, address,
    division_code, supervising_unit_id, opened_on)
  SELECT id, code, substr(code, 1, 2), running_type, string_to_array(stages, ','), ownership, address,
    division_code, supervising_unit_id, opened_on
  FROM src
), events AS (
  INSERT INTO org_unit_event (unit_id, event_type, effective_on, details)
  SELECT id, 'opened', opened_on, jsonb_build_object('name', name, 'parentId', parent_id) FROM src
)
SELECT code, id FROM src`;

function placement(school: PlannedSchool, geo: ProvinceGeo): { parentId: number; supervisorId: number } {
  const county = school.county.units;
  const province = geo.units;
  if (!county || !province) throw new Error("insertSchools needs a geo loaded from the database");
  if (school.kind.placement === "province")
    return { parentId: province.unitId, supervisorId: province.educationId };
  return {
    parentId: county.unitId,
    supervisorId: school.kind.supervisor === "hrss" ? county.hrssId : county.educationId,
  };
}

/** Inserts the planned schools; returns the unit id of each, by plan index. */
export async function insertSchools(
  session: Queryable,
  geo: ProvinceGeo,
  schools: readonly PlannedSchool[],
): Promise<number[]> {
  const ids: number[] = new Array(schools.length);
  for (let i = 0; i < schools.length; i += SCHOOL_BATCH) {
    const batch = schools.slice(i, i + SCHOOL_BATCH);
    const places = batch.map((s) => placement(s, geo));
    const { rows } = await session.query<{ code: string; id: number }>(INSERT_SCHOOLS, [
      batch.map((s) => s.code),
      batch.map((s) => s.name),
      places.map((p) => p.parentId),
      batch.map((s) => s.kind.runningType),
      batch.map((s) => s.kind.stages.join(",")),
      batch.map((s) => s.ownership),
      places.map((p) => p.supervisorId),
      batch.map((s) => s.openedOn),
      batch.map((s) => s.address),
      batch.map((s) => s.county.code),
      geo.code,
    ]);
    const byCode = new Map(rows.map((r) => [r.code, Number(r.id)]));
    for (const school of batch) ids[school.index] = byCode.get(school.code)!;
  }
  return ids;
}

export interface CopyProgress {
  /** Called for every generated row before it is copied (CSV, side file…); may return a promise. */
  onRow?: (row: SyntheticStudent) => Promise<void> | undefined;
  onRows?: (copied: number) => void;
}

/** COPYs the rows in chunks; returns the count and [first id, last id] of the students inserted. */
export async function copyStudents(
  session: LoadSession,
  rows: Iterator<SyntheticStudent>,
  provinceCode: string,
  unitIds: readonly number[],
  progress: CopyProgress = {},
): Promise<{ rows: number; firstId: number; lastId: number }> {
  const maxId = async () =>
    Number(
      (await session.query<{ id: number | null }>("SELECT max(id) AS id FROM student")).rows[0]?.id ?? 0,
    );
  const firstId = (await maxId()) + 1;
  let total = 0;
  let finished = false;
  async function* chunk(): AsyncGenerator<string> {
    let pieces: string[] = [];
    for (let n = 0; n < COPY_CHUNK_ROWS; n++) {
      const next = rows.next();
      if (next.done) {
        finished = true;
        break;
      }
      const pending = progress.onRow?.(next.value);
      if (pending) await pending;
      pieces.push(copyLine(next.value, provinceCode, unitIds[next.value.schoolIndex]!));
      if (pieces.length === PIECE_ROWS) {
        yield pieces.join("");
        pieces = [];
        total += PIECE_ROWS;
        progress.onRows?.(total);
      }
    }
    if (pieces.length > 0) {
      yield pieces.join("");
      total += pieces.length;
      progress.onRows?.(total);
    }
  }
  while (!finished) await session.copy("student", STUDENT_COPY_COLUMNS, chunk());
  return { rows: total, firstId, lastId: await maxId() };
}

/**
 * The history of the students with ids in [from, to]: admission on 1 September of the enrolment
 * year, one promotion on each promotion day since (grade codes are a stage letter and a year:
 * P3 was P1 then P2), and the change that led to a status other than "in school". The snapshots
 * have the shape registration and promoteSchool write, so recordOnDate reads them back.
 */
export async function insertHistory(
  session: Queryable,
  database: Database,
  data: SyntheticData,
  range: { from: number; to: number },
  statusDay: string,
): Promise<number> {
  const [month, day] = schoolYearRules.promotionDate.split("-").map(Number);
  const changes = Object.entries(data.students.statusChangeType);
  const statusValues = sql.join(changes.map(([status, type]) => sql`(${status}::text, ${type}::text)`));
  const query = sql`
    INSERT INTO student_event (student_id, change_type, effective_on, school_unit_id, before, after)
    SELECT s.id, '11', make_date(left(s.enrolment_month, 4)::int, 9, 1), s.school_unit_id, '{}'::jsonb,
      jsonb_build_object('schoolUnitId', s.school_unit_id, 'grade', left(s.grade, 1) || '1',
        'className', s.class_name, 'status', '01')
    FROM student s WHERE s.id BETWEEN ${range.from} AND ${range.to}
    UNION ALL
    SELECT s.id, '31', make_date(left(s.enrolment_month, 4)::int + k, ${month}::int, ${day}::int),
      s.school_unit_id, jsonb_build_object('grade', left(s.grade, 1) || k),
      jsonb_build_object('grade', left(s.grade, 1) || (k + 1))
    FROM student s CROSS JOIN LATERAL generate_series(1, substr(s.grade, 2)::int - 1) AS k
    WHERE s.id BETWEEN ${range.from} AND ${range.to}
    UNION ALL
    SELECT s.id, c.change_type, coalesce(s.suspended_since, ${statusDay}::date), s.school_unit_id,
      jsonb_build_object('status', '01'), jsonb_build_object('status', s.status)
    FROM student s JOIN (VALUES ${statusValues}) AS c (status, change_type) ON c.status = s.status
    WHERE s.id BETWEEN ${range.from} AND ${range.to}`.compile(database.db);
  const result = await session.query(query.sql, [...query.parameters]);
  return result.rowCount ?? 0;
}

/** Stores the J sequences the generator used, so registrations continue after them. */
export async function storeJSequences(session: Queryable, sequences: ReadonlyMap<string, number>) {
  const entries = [...sequences];
  for (let i = 0; i < entries.length; i += 10_000) {
    const batch = entries.slice(i, i + 10_000);
    await session.query(
      `INSERT INTO student_number_sequence (prefix, last_value)
       SELECT * FROM unnest($1::text[], $2::int[])
       ON CONFLICT (prefix) DO UPDATE SET last_value = greatest(student_number_sequence.last_value, excluded.last_value)`,
      [batch.map(([p]) => p), batch.map(([, v]) => v)],
    );
  }
}

export async function analyze(database: Database): Promise<void> {
  await database.pool.query("ANALYZE org_unit, school, student, student_event");
}
