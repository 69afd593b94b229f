/**
 * A caller's reach in the five-level tree. Every repository function that reads unit or
 * personal data takes a Scope and filters by it in SQL, so no route can forget it.
 *
 * - A department user (e.g. 朝阳区教育局) reaches the subtree of the administrative unit the
 *   department belongs to (the whole district); a school user reaches the school alone.
 * - The human-resources side (人社) reaches only the schools it supervises (技工院校) below its
 *   unit; the education and finance sides reach every school below theirs.
 */
import { type ExpressionBuilder, type SelectQueryBuilder, sql } from "kysely";
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

export function isPathInScope(scope: Scope, path: string): boolean {
  return path.startsWith(scope.rootPath);
}

/** SQL condition: the org_unit row (under alias) lies in the scope's subtree. */
export function unitInScope(scope: Scope, pathColumn = "org_unit.path") {
  // LIKE with a literal prefix uses the text_pattern_ops index; paths hold only digits and
  // slashes, so no LIKE wildcard can hide in them.
  return sql<boolean>`${sql.ref(pathColumn)} LIKE ${`${scope.rootPath}%`}`;
}

/**
 * Restricts a query over org_unit (optionally joined with school as "school") to the scope,
 * including the HR side's restriction to the schools it supervises.
 */
export function whereUnitInScope<O>(
  query: SelectQueryBuilder<DB, "org_unit", O>,
  scope: Scope,
): SelectQueryBuilder<DB, "org_unit", O> {
  // Applied to the bare org_unit query, before any join, so it composes with every caller.
  let scoped = query.where(unitInScope(scope));
  if (scope.side === "hrss") {
    scoped = scoped.where((eb: ExpressionBuilder<DB, "org_unit">) =>
      eb.or([
        eb("org_unit.kind", "!=", "school"),
        eb.exists(
          eb
            .selectFrom("school as hs")
            .innerJoin("org_unit as sup", "sup.id", "hs.supervising_unit_id")
            .whereRef("hs.unit_id", "=", "org_unit.id")
            .where("sup.department_type", "=", "hrss")
            .select(sql`1`.as("one")),
        ),
      ]),
    );
  }
  return scoped;
}

/**
 * SQL condition: the school id column names a school inside the scope. For records that hang
 * off a school (students, teachers…) without repeating the tree in every table.
 */
export function schoolInScope(scope: Scope, schoolIdColumn: string) {
  const hrss =
    scope.side === "hrss"
      ? sql`AND EXISTS (SELECT 1 FROM school hs JOIN org_unit sup ON sup.id = hs.supervising_unit_id
             WHERE hs.unit_id = su.id AND sup.department_type = 'hrss')`
      : sql``;
  return sql<boolean>`${sql.ref(schoolIdColumn)} IN (
    SELECT su.id FROM org_unit su WHERE su.kind = 'school' AND su.path LIKE ${`${scope.rootPath}%`} ${hrss})`;
}
