/**
 * Reading the workflow for work and supervision: request lists in scope, a user's inbox (the
 * steps waiting for the user's unit in types whose `<module>:approve` the user holds), overdue
 * steps escalated to the level above, and counts per unit.
 */
import { type PageQuery, pageWindow, toPage } from "../../http/pagination";
import { todayIso } from "../../shared/time";
import { can, readableModules } from "../access/actor";
import type { ServiceContext } from "../context";
import { supervisorOf, unitById } from "../signing/units";
import { addDays, WorkingCalendar } from "./workflow.calendar";
import { listRequestTypes } from "./workflow.registry";
import * as repo from "./workflow.repo";

export async function searchRequests(ctx: ServiceContext, filter: repo.RequestFilter, page: PageQuery) {
  const { rows, cappedTotal } = await repo.searchRequests(
    ctx.db,
    ctx.actor.scope,
    filter,
    pageWindow(page),
    readableModules(ctx.actor),
  );
  return toPage(rows, cappedTotal, page);
}

export interface InboxQuery {
  type?: string | undefined;
  /** Only steps waiting at least this many calendar days. */
  minAgeDays?: number | undefined;
  overdueOnly?: boolean | undefined;
}

export async function inbox(ctx: ServiceContext, query: InboxQuery, page: PageQuery) {
  const typeCodes = listRequestTypes()
    .filter((t) => can(ctx.actor, t.module, "approve"))
    .map((t) => t.code)
    .filter((code) => !query.type || code === query.type);
  if (typeCodes.length === 0) return toPage([], 0, page);
  const startedBefore =
    query.minAgeDays === undefined ? undefined : new Date(Date.now() - query.minAgeDays * 86_400_000);
  const { rows, cappedTotal } = await repo.inbox(
    ctx.db,
    ctx.actor.unitId,
    { typeCodes, person: ctx.actor, startedBefore, dueBefore: query.overdueOnly ? todayIso() : undefined },
    pageWindow(page),
  );
  return toPage(rows, cappedTotal, page);
}

/**
 * Overdue steps in the caller's scope: a county sees its own and its schools', a prefecture
 * its counties' too. Each names the unit above the late one (where it is escalated) and how
 * many working days it is late.
 */
export async function overdue(ctx: ServiceContext, page: PageQuery) {
  const today = todayIso();
  const { rows, cappedTotal } = await repo.overdueSteps(
    ctx.db,
    ctx.actor.scope,
    today,
    pageWindow(page),
    readableModules(ctx.actor),
  );
  const earliest = rows.reduce((min, r) => (r.due_on && r.due_on < min ? r.due_on : min), today);
  const calendar = await WorkingCalendar.load(ctx.db, earliest, addDays(today, 1));
  const escalations = new Map<number, { id: number; name: string } | null>();
  const items = [];
  for (const row of rows) {
    if (!escalations.has(row.acting_unit_id))
      escalations.set(row.acting_unit_id, await escalationOf(ctx, row));
    items.push({
      ...row,
      overdue_working_days: calendar.countWorkingDays(row.due_on ?? today, today),
      escalated_to: escalations.get(row.acting_unit_id) ?? null,
    });
  }
  return toPage(items, cappedTotal, page);
}

async function escalationOf(ctx: ServiceContext, row: { acting_unit_id: number }) {
  const unit = await unitById(ctx.db, row.acting_unit_id);
  if (!unit) return null;
  const above = await supervisorOf(ctx.db, unit);
  return above.id === unit.id ? null : { id: above.id, name: above.name };
}

export async function stats(ctx: ServiceContext) {
  const today = todayIso();
  const units = await repo.pendingCountsByUnit(ctx.db, ctx.actor.scope, today, readableModules(ctx.actor));
  const statuses = await repo.requestCountsByStatus(ctx.db, ctx.actor.scope, readableModules(ctx.actor));
  return { today, units, statuses };
}
