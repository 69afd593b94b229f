/**
 * Unit facts that signing and the workflow engine need about units outside the caller's own
 * subtree (the unit above that issues a seal, the sending school of a transfer, the county
 * that decides a step). They go through the orgs repository with a whole-tree scope and are
 * never returned to a caller as such: services expose only ids and names of parties.
 */
import type { Executor } from "../../db/database";
import type { DepartmentType } from "../../db/schema";
import type { Scope } from "../access/scope";
import { findDepartment, findUnitById, listAncestors, type UnitRow } from "../orgs/orgs.repo";

/** Every path starts with "/": a prefix that matches the whole tree, for internal lookups only. */
const WHOLE_TREE: Scope = { rootPath: "/", rootUnitId: 0, side: "education" };

export type { UnitRow };

export function unitById(db: Executor, id: number): Promise<UnitRow | undefined> {
  return findUnitById(db, WHOLE_TREE, id);
}

/** The administrative units above (and including, for an administrative unit) a unit, top first. */
export async function administrativeLine(db: Executor, unit: UnitRow) {
  const ancestors = await listAncestors(db, WHOLE_TREE, unit);
  const line = ancestors.filter((a) => a.kind !== "department" && a.kind !== "school");
  if (unit.kind !== "department" && unit.kind !== "school") {
    line.push({
      id: unit.id,
      kind: unit.kind,
      level: unit.level,
      code: unit.code,
      name: unit.name,
      path: unit.path,
    });
  }
  return line;
}

/** Which department side acts for a unit: a school's supervising side, a department's own. */
export async function departmentSideOf(db: Executor, unit: UnitRow): Promise<DepartmentType> {
  if (unit.kind === "department") return unit.department_type ?? "education";
  if (unit.kind === "school" && unit.supervising_unit_id) {
    const supervisor = await unitById(db, unit.supervising_unit_id);
    return supervisor?.department_type ?? "education";
  }
  return "education";
}

/** The department of an administrative unit on a side, falling back to its education department. */
export async function departmentOf(
  db: Executor,
  adminUnitId: number,
  side: DepartmentType,
): Promise<UnitRow | undefined> {
  const department =
    (await findDepartment(db, adminUnitId, side)) ?? (await findDepartment(db, adminUnitId, "education"));
  return department ? unitById(db, department.id) : undefined;
}

/**
 * The department above a unit, which supervises it: a school's supervising department; a
 * department's counterpart one level up. It issues the unit's seal and sees its overdue steps
 * escalated. The nation's departments have none and answer themselves (the root of trust).
 */
export async function supervisorOf(db: Executor, unit: UnitRow): Promise<UnitRow> {
  if (unit.kind === "school" && unit.supervising_unit_id) {
    const supervisor = await unitById(db, unit.supervising_unit_id);
    if (supervisor) return supervisor;
  }
  const line = await administrativeLine(db, unit);
  const own = unit.kind === "school" || unit.kind === "department" ? line.at(-1) : line.at(-2);
  if (!own) return unit;
  const side = await departmentSideOf(db, unit);
  if (unit.kind === "department") {
    const above = line.at(-2);
    if (!above) return unit;
    return (await departmentOf(db, above.id, side)) ?? unit;
  }
  return (await departmentOf(db, own.id, side)) ?? unit;
}
