/**
 * The figures of a unit's home page in one call: children, schools by status and type, users,
 * students by status, approvals waiting in the subtree and overdue, open problem records.
 * Each figure is counted within the caller's scope and only when the caller may read that
 * module, so a finance officer's page shows no student figures at all.
 */
import { sql } from "kysely";
import { can } from "../../platform/access/actor";
import { schoolInScope, unitInScope, whereUnitInScope } from "../../platform/access/scope";
import type { ServiceContext } from "../../platform/context";
import { findUnitById } from "../../platform/orgs/orgs.repo";
import { notFound } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { tallyByStatus } from "../students/students.tally";

export interface UnitStats {
  children: number;
  schoolsByStatus: Record<string, number>;
  schoolsByType: Record<string, number>;
  users: number | null;
  studentsByStatus: Record<string, number> | null;
  openProblems: number | null;
  pendingApprovals: number | null;
  overdueApprovals: number | null;
}

const toRecord = (rows: { key: string | null; n: number }[]) =>
  Object.fromEntries(rows.map((r) => [r.key ?? "", Number(r.n)]));

export async function unitStats(ctx: ServiceContext, unitId: number): Promise<UnitStats> {
  const unit = await findUnitById(ctx.db, ctx.actor.scope, unitId);
  if (!unit) throw notFound("unit_not_found");
  const below = { ...ctx.actor.scope, rootPath: unit.path };
  const { n: children } = await ctx.db
    .selectFrom("org_unit")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("parent_id", "=", unit.id)
    .executeTakeFirstOrThrow();
  const schools = whereUnitInScope(ctx.db.selectFrom("org_unit"), below).where(
    "org_unit.kind",
    "=",
    "school",
  );
  const byStatus = await schools
    .select(["org_unit.status as key", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("org_unit.status")
    .execute();
  const byType = await schools
    .innerJoin("school", "school.unit_id", "org_unit.id")
    .where("org_unit.status", "=", "active")
    .select(["school.school_type as key", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("school.school_type")
    .execute();
  const stats: UnitStats = {
    children: Number(children),
    schoolsByStatus: toRecord(byStatus),
    schoolsByType: toRecord(byType),
    users: null,
    studentsByStatus: null,
    openProblems: null,
    pendingApprovals: null,
    overdueApprovals: null,
  };
  if (can(ctx.actor, "access", "read")) {
    const { n } = await ctx.db
      .selectFrom("app_user")
      .innerJoin("org_unit", "org_unit.id", "app_user.unit_id")
      .where(unitInScope(below))
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    stats.users = Number(n);
  }
  if (can(ctx.actor, "students", "read")) {
    // From the per-school tally: a live count would read every student of a province.
    stats.studentsByStatus = await tallyByStatus(ctx.db, below);
    const { n } = await ctx.db
      .selectFrom("student_problem as p")
      .innerJoin("student", "student.id", "p.student_id")
      .where(schoolInScope(below, "student.school_unit_id"))
      .where("p.status", "=", "open")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    stats.openProblems = Number(n);
  }
  if (can(ctx.actor, "workflow", "read")) {
    const steps = await ctx.db
      .selectFrom("workflow_step")
      .innerJoin("org_unit", "org_unit.id", "workflow_step.acting_unit_id")
      .where(unitInScope(below))
      .where("workflow_step.status", "=", "pending")
      .select([
        (eb) => eb.fn.countAll<number>().as("pending"),
        sql<number>`count(*) FILTER (WHERE workflow_step.due_on < ${todayIso()})`.as("overdue"),
      ])
      .executeTakeFirstOrThrow();
    stats.pendingApprovals = Number(steps.pending);
    stats.overdueApprovals = Number(steps.overdue);
  }
  return stats;
}
