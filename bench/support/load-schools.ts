/**
 * Bulk load of generated schools: one set-based statement per batch inserts the org_unit rows
 * and their school rows from arrays passed as parameters (unnest). Ids come from the table's
 * own sequence and the path is the parent's path plus the new id, as insertSchool does row by
 * row. The row triggers (change_version) and every index stay in place: the load pays what a
 * real import pays.
 */
import type { Database } from "../../src/db/database";
import { type CountyRef, type GeneratedSchool, generateSchools } from "./school-generator";

const INSERT_BATCH = `
WITH src AS MATERIALIZED (
  SELECT nextval(pg_get_serial_sequence('org_unit', 'id')) AS id, t.*,
    p.path AS parent_path, p.province_code, p.division_code
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[],
              $8::date[], $9::text[])
    AS t(code, name, parent_id, running_type, stages, ownership, supervising_unit_id, opened_on, address)
  JOIN org_unit p ON p.id = t.parent_id
), units AS (
  INSERT INTO org_unit (id, kind, level, code, name, parent_id, path, province_code, division_code,
    effective_from)
  SELECT id, 'school', 5, code, name, parent_id, parent_path || id || '/', province_code, division_code,
    opened_on
  FROM src
  RETURNING id
)
INSERT INTO school (unit_id, school_code, school_type, running_type, stages, ownership, address,
  division_code, supervising_unit_id, opened_on)
SELECT id, code, substr(code, 1, 2), running_type, string_to_array(stages, ','), ownership, address,
  division_code, supervising_unit_id, opened_on
FROM src`;

export async function loadCounties(database: Database): Promise<CountyRef[]> {
  const { rows } = await database.pool.query<{
    id: number;
    code: string;
    name: string;
    province_code: string;
    edu: number;
    hrss: number;
  }>(
    `SELECT c.id, c.code, c.name, c.province_code, e.id AS edu, h.id AS hrss
     FROM org_unit c
     JOIN org_unit e ON e.parent_id = c.id AND e.department_type = 'education'
     JOIN org_unit h ON h.parent_id = c.id AND h.department_type = 'hrss'
     WHERE c.kind = 'county'
     ORDER BY c.code`,
  );
  return rows.map((r) => ({
    id: Number(r.id),
    code: r.code,
    name: r.name,
    provinceCode: r.province_code,
    educationDepartmentId: Number(r.edu),
    hrssDepartmentId: Number(r.hrss),
  }));
}

export interface LoadOptions {
  total: number;
  seed: number;
  batchSize: number;
  schoolTypes: ReadonlySet<string>;
  /** Called for each generated school, e.g. to keep samples. */
  onSchool?: (school: GeneratedSchool) => void;
  onProgress?: (loaded: number, total: number) => void;
  /** Time of each load statement, to tell database time from generation time. */
  onBatchMs?: (ms: number) => void;
}

export interface LoadReport {
  schools: number;
  counties: number;
  batches: number;
  ms: number;
}

export async function loadSchools(database: Database, options: LoadOptions): Promise<LoadReport> {
  const counties = await loadCounties(database);
  if (counties.length === 0) throw new Error("No counties: was the database prepared?");
  const t0 = process.hrtime.bigint();
  let batch: GeneratedSchool[] = [];
  let batches = 0;
  let loaded = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const t = process.hrtime.bigint();
    await database.pool.query(INSERT_BATCH, [
      batch.map((s) => s.code),
      batch.map((s) => s.name),
      batch.map((s) => s.county.id),
      batch.map((s) => s.runningType),
      batch.map((s) => s.stages.join(",")),
      batch.map((s) => s.ownership),
      batch.map((s) => s.supervisingUnitId),
      batch.map((s) => s.openedOn),
      batch.map((s) => s.address),
    ]);
    options.onBatchMs?.(Number(process.hrtime.bigint() - t) / 1e6);
    batches++;
    loaded += batch.length;
    batch = [];
    options.onProgress?.(loaded, options.total);
  };
  for (const school of generateSchools({
    total: options.total,
    seed: options.seed,
    counties,
    schoolTypes: options.schoolTypes,
  })) {
    options.onSchool?.(school);
    batch.push(school);
    if (batch.length >= options.batchSize) await flush();
  }
  await flush();
  return {
    schools: loaded,
    counties: counties.length,
    batches,
    ms: Number(process.hrtime.bigint() - t0) / 1e6,
  };
}
