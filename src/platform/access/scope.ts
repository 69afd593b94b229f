/**
 * A caller's reach in the five-level tree, and the ONE place that decides whether a unit lies
 * in it. Every read, write, job and archive access goes through the functions below, so no
 * route, job or module can forget a part of the rule:
 *
 * - A department user (e.g. 朝阳区教育局) reaches the subtree of the administrative unit the
 *   department belongs to (the whole district); a school user reaches the school alone.
 * - The human-resources side (人社) reaches only the schools it supervises (技工院校) below its
 *   unit, the HR departments there and the administrative units between; never the education
 *   or finance side's schools or departments (and so none of their requests, archive items or
 *   jobs). The education and finance sides reach every unit below theirs.
 *
 * SQL forms: unitInScope (an org_unit row under an alias), whereUnitInScope (a query over
 * org_unit), schoolInScope (a column holding a school's unit id), unitPathInScope (a column
 * holding a unit's path); narrowScope for "within" filters. Single checks in code:
 * unitIdInScope (by id, through the same SQL). isPathInScope is the subtree half only, for a
 * caller that has already checked the side (or a scope whose side is not HR).
 */
import { type SelectQueryBuilder, sql } from "kysely";
import type { Executor } from "../../db/database";
import type { DB, DepartmentType } from "../../db/schema";

export interface Scope {
  /** Path of the subtree root, e.g. "/1/2/34/". */
  rootPath: string;
  rootUnitId: number;
  side: DepartmentType | "school";
}

/** The scope of the whole nation, for system jobs (migrate, seed, CLI imports) — never for a request. */
export function systemScope(nationPath: string, nationId: number): Scope {
  return { rootPath: nationPath, rootUnitId: nationId, side: "education" };
}

/** The same scope narrowed to the subtree of a unit inside it (e.g. "within" filters). */
export function narrowScope(scope: Scope, path: string): Scope {
  return path.length > scope.rootPath.length && path.startsWith(scope.rootPath)
    ? { ...scope, rootPath: path }
    : scope;
}

/**
 * The subtree half of the rule: the path lies under the scope's root. Enough alone only for a
 * scope of the education or finance side; use unitIdInScope for a unit of any side.
 */
export function isPathInScope(scope: Scope, path: string): boolean {
  return path.startsWith(scope.rootPath);
}

/** The HR side's half of the rule, over the org_unit row under alias `u`. */
function hrssReach(u: string) {
  const ref = (column: string) => sql.ref(`${u}.${column}`);
  return sql<boolean>`(${ref("kind")} NOT IN ('school', 'department')
    OR (${ref("kind")} = 'department' AND ${ref("department_type")} = 'hrss')
    OR (${ref("kind")} = 'school' AND EXISTS (
      SELECT 1 FROM school hs JOIN org_unit sup ON sup.id = hs.supervising_unit_id
      WHERE hs.unit_id = ${ref("id")} AND sup.department_type = 'hrss')))`;
}

/**
 * SQL condition: the org_unit row under `alias` lies in the scope (subtree and side). The
 * argument names the row's alias; the older form naming its path column ("x.path") is taken
 * as alias "x", so that callers written against the path-only helper keep the full rule.
 */
export function unitInScope(scope: Scope, alias = "org_unit") {
  const u = alias.endsWith(".path") ? alias.slice(0, -".path".length) : alias;
  // LIKE with a literal prefix uses the text_pattern_ops index; paths hold only digits and
  // slashes, so no LIKE wildcard can hide in them.
  const subtree = sql<boolean>`${sql.ref(`${u}.path`)} LIKE ${`${scope.rootPath}%`}`;
  return scope.side === "hrss" ? sql<boolean>`(${subtree} AND ${hrssReach(u)})` : subtree;
}

/**
 * SQL condition: a column holding a unit's path (e.g. an audit entry's subject_unit_path, kept
 * as text) names a unit in the scope. The HR side's half looks the unit up by its path.
 */
export function unitPathInScope(scope: Scope, pathColumn: string) {
  const subtree = sql<boolean>`${sql.ref(pathColumn)} LIKE ${`${scope.rootPath}%`}`;
  if (scope.side !== "hrss") return subtree;
  return sql<boolean>`(${subtree} AND EXISTS (
    SELECT 1 FROM org_unit pu WHERE pu.path = ${sql.ref(pathColumn)} AND ${hrssReach("pu")}))`;
}

/** Restricts a query over org_unit (before any join) to the scope. */
export function whereUnitInScope<O>(
  query: SelectQueryBuilder<DB, "org_unit", O>,
  scope: Scope,
): SelectQueryBuilder<DB, "org_unit", O> {
  return query.where(unitInScope(scope, "org_unit"));
}

/**
 * SQL condition: the school id column names a school inside the scope. For records that hang
 * off a school (students, teachers…) without repeating the tree in every table.
 */
export function schoolInScope(scope: Scope, schoolIdColumn: string) {
  return sql<boolean>`${sql.ref(schoolIdColumn)} IN (
    SELECT su.id FROM org_unit su WHERE su.kind = 'school' AND ${unitInScope(scope, "su")})`;
}

/** The unit with this id lies in the scope (subtree and side): the check for a single unit. */
export async function unitIdInScope(db: Executor, scope: Scope, unitId: number): Promise<boolean> {
  if (!Number.isSafeInteger(unitId) || unitId <= 0) return false;
  const row = await db
    .selectFrom("org_unit")
    .select("org_unit.id")
    .where("org_unit.id", "=", unitId)
    .where(unitInScope(scope, "org_unit"))
    .executeTakeFirst();
  return row !== undefined;
}
