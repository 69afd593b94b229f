/**
 * SQL of the organisation tree. Every read takes the caller's Scope; writes are called by the
 * service after it has checked the scope. A subtree is one prefix scan of org_unit.path.
 */
import { type Selectable, sql } from "kysely";
import type { Executor } from "../../db/database";
import type { DB, OrgUnitTable, SchoolTable, UnitEventType, UnitKind, UnitStatus } from "../../db/schema";
import { cappedCount } from "../../http/pagination";
import { type Scope, whereUnitInScope } from "../access/scope";

export type UnitRow = Selectable<OrgUnitTable> & {
  school_code: string | null;
  school_type: string | null;
  running_type: string | null;
  stages: string[] | null;
  ownership: "public" | "private" | null;
  credit_code: string | null;
  address: string | null;
  supervising_unit_id: number | null;
  opened_on: string | null;
  closed_on: string | null;
  merged_into_unit_id: number | null;
  child_count?: number;
};

function unitQuery(db: Executor, scope: Scope) {
  return whereUnitInScope(db.selectFrom("org_unit"), scope)
    .leftJoin("school", "school.unit_id", "org_unit.id")
    .selectAll("org_unit")
    .select([
      "school.school_code",
      "school.school_type",
      "school.running_type",
      "school.stages",
      "school.ownership",
      "school.credit_code",
      "school.address",
      "school.supervising_unit_id",
      "school.opened_on",
      "school.closed_on",
      "school.merged_into_unit_id",
    ]);
}

export function findUnitById(db: Executor, scope: Scope, id: number): Promise<UnitRow | undefined> {
  return unitQuery(db, scope).where("org_unit.id", "=", id).executeTakeFirst();
}

export function findUnitByCode(db: Executor, scope: Scope, code: string): Promise<UnitRow | undefined> {
  return unitQuery(db, scope).where("org_unit.code", "=", code).executeTakeFirst();
}

export interface UnitFilter {
  q?: string | undefined;
  kind?: UnitKind | undefined;
  status?: UnitStatus | undefined;
  schoolType?: string | undefined;
  runningType?: string | undefined;
  /** Only below this path (a unit inside the scope). */
  withinPath?: string | undefined;
  parentId?: number | undefined;
}

/**
 * The units matching a filter, from org_unit alone (school attributes through EXISTS): a page
 * of ids is chosen on the path index first, and only those rows are then joined and counted
 * for children. Joining before paging made a province's first page read the whole province.
 */
function matching(db: Executor, scope: Scope, filter: UnitFilter) {
  let query = whereUnitInScope(db.selectFrom("org_unit"), scope);
  if (filter.withinPath) query = query.where("org_unit.path", "like", `${filter.withinPath}%`);
  if (filter.parentId !== undefined) query = query.where("org_unit.parent_id", "=", filter.parentId);
  if (filter.kind) query = query.where("org_unit.kind", "=", filter.kind);
  if (filter.status) query = query.where("org_unit.status", "=", filter.status);
  const { schoolType, runningType } = filter;
  if (schoolType || runningType) {
    query = query.where((eb) => {
      let school = eb
        .selectFrom("school")
        .select(sql`1`.as("one"))
        .whereRef("school.unit_id", "=", "org_unit.id");
      if (schoolType) school = school.where("school.school_type", "=", schoolType);
      if (runningType) school = school.where("school.running_type", "=", runningType);
      return eb.exists(school);
    });
  }
  if (filter.q) {
    const q = filter.q;
    // A code typed whole (school code, division code) is an exact match on the unique index,
    // or a prefix of it (the column's "C" collation lets LIKE use that index); anything else is
    // a substring of the name, served by the trigram index.
    query = /^[0-9A-Z-]{2,}$/.test(q)
      ? query.where((eb) => eb.or([eb("org_unit.code", "=", q), eb("org_unit.code", "like", `${q}%`)]))
      : query.where("org_unit.name", "like", `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  return query;
}

export async function searchUnits(
  db: Executor,
  scope: Scope,
  filter: UnitFilter,
  window: { limit: number; offset: number },
): Promise<{ rows: UnitRow[]; cappedTotal: number }> {
  const page = await matching(db, scope, filter)
    .select("org_unit.id")
    .orderBy("org_unit.level")
    .orderBy("org_unit.code")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  const rows =
    page.length === 0
      ? []
      : await unitQuery(db, scope)
          .where(
            "org_unit.id",
            "in",
            page.map((p) => p.id),
          )
          .select((eb) =>
            eb
              .selectFrom("org_unit as c")
              .whereRef("c.parent_id", "=", "org_unit.id")
              .select(eb.fn.countAll<number>().as("n"))
              .as("child_count"),
          )
          .orderBy("org_unit.level")
          .orderBy("org_unit.code")
          .execute();
  return { rows: rows as UnitRow[], cappedTotal: await cappedCount(db, matching(db, scope, filter)) };
}

/** Ancestors of a unit from the top of the scope down to its parent, for breadcrumbs. */
export function listAncestors(db: Executor, scope: Scope, unit: { path: string }) {
  const ids = unit.path.split("/").filter(Boolean).map(Number).slice(0, -1);
  if (ids.length === 0) return Promise.resolve([]);
  return whereUnitInScope(
    db.selectFrom("org_unit").select(["id", "kind", "level", "code", "name", "path"]).where("id", "in", ids),
    scope,
  )
    .orderBy("path")
    .execute();
}

export function findDivision(db: Executor, code: string) {
  return db.selectFrom("division").selectAll().where("code", "=", code).executeTakeFirst();
}

export function listDivisions(db: Executor, parentCode: string | null) {
  let query = db.selectFrom("division").selectAll().orderBy("code");
  query =
    parentCode === null
      ? query.where("parent_code", "is", null)
      : query.where("parent_code", "=", parentCode);
  return query.execute();
}

/** Any unit by id or code, unscoped: only for checks whose result is not shown to the caller. */
export function findUnitUnscoped(db: Executor, by: { id: number } | { code: string }) {
  const query = db.selectFrom("org_unit").selectAll();
  return ("id" in by ? query.where("id", "=", by.id) : query.where("code", "=", by.code)).executeTakeFirst();
}

export function findSchoolByCode(db: Executor, schoolCode: string) {
  return db
    .selectFrom("school")
    .innerJoin("org_unit", "org_unit.id", "school.unit_id")
    .select(["school.unit_id", "org_unit.name"])
    .where("school.school_code", "=", schoolCode)
    .executeTakeFirst();
}

export function findSchoolByCreditCode(db: Executor, creditCode: string) {
  return db.selectFrom("school").select(["unit_id"]).where("credit_code", "=", creditCode).executeTakeFirst();
}

export function findDepartment(db: Executor, adminUnitId: number, type: "education" | "finance" | "hrss") {
  return db
    .selectFrom("org_unit")
    .select(["id", "code", "name"])
    .where("parent_id", "=", adminUnitId)
    .where("kind", "=", "department")
    .where("department_type", "=", type)
    .executeTakeFirst();
}

export interface NewSchool {
  name: string;
  parent: { id: number; path: string; level: number };
  provinceCode: string;
  school: Omit<
    SchoolTable,
    "unit_id" | "change_version" | "created_at" | "updated_at" | "closed_on" | "merged_into_unit_id"
  >;
}

export async function insertSchool(db: Executor, input: NewSchool): Promise<number> {
  const { id } = await sql<{
    id: number;
  }>`SELECT nextval(pg_get_serial_sequence('org_unit', 'id'))::bigint AS id`
    .execute(db)
    .then((r) => r.rows[0]!);
  await db
    .insertInto("org_unit")
    .values({
      id,
      kind: "school",
      level: 5,
      code: input.school.school_code,
      name: input.name,
      parent_id: input.parent.id,
      path: `${input.parent.path}${id}/`,
      province_code: input.provinceCode,
      division_code: input.school.division_code,
      department_type: null,
      effective_from: input.school.opened_on,
      effective_to: null,
    })
    .execute();
  await db
    .insertInto("school")
    .values({ unit_id: id, ...input.school })
    .execute();
  return id;
}

export function updateUnit(
  db: Executor,
  id: number,
  values: Partial<Pick<Selectable<OrgUnitTable>, "name" | "status" | "effective_to" | "parent_id" | "path">>,
) {
  return db.updateTable("org_unit").set(values).where("id", "=", id).execute();
}

export function updateSchool(
  db: Executor,
  unitId: number,
  values: Partial<
    Omit<Selectable<SchoolTable>, "unit_id" | "school_code" | "change_version" | "created_at" | "updated_at">
  >,
) {
  return db.updateTable("school").set(values).where("unit_id", "=", unitId).execute();
}

export function insertUnitEvent(
  db: Executor,
  unitId: number,
  eventType: UnitEventType,
  effectiveOn: string,
  details: Record<string, unknown>,
) {
  return db
    .insertInto("org_unit_event")
    .values({
      unit_id: unitId,
      event_type: eventType,
      effective_on: effectiveOn,
      details: JSON.stringify(details),
    })
    .execute();
}

export function listUnitEvents(db: Executor, unitId: number) {
  return db
    .selectFrom("org_unit_event")
    .selectAll()
    .where("unit_id", "=", unitId)
    .orderBy("effective_on")
    .orderBy("id")
    .execute();
}

export function lastEventDate(db: Executor, unitId: number) {
  return db
    .selectFrom("org_unit_event")
    .select((eb) => eb.fn.max("effective_on").as("last"))
    .where("unit_id", "=", unitId)
    .executeTakeFirst()
    .then((r) => (r?.last as string | null | undefined) ?? null);
}

export async function deleteUnit(
  db: Executor,
  id: number,
  naturalKey: Record<string, unknown>,
): Promise<void> {
  await db.deleteFrom("org_unit").where("id", "=", id).execute();
  await db
    .insertInto("deleted_record")
    .values({ table_name: "org_unit", natural_key: JSON.stringify(naturalKey) })
    .execute();
}

export function countChildren(db: Executor, id: number) {
  return db
    .selectFrom("org_unit")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("parent_id", "=", id)
    .executeTakeFirstOrThrow()
    .then((r) => Number(r.n));
}

export type { DB };
