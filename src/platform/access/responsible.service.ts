/**
 * Responsible persons (责任人): for every unit and every system, a named leader and operator
 * with contact details (notice 教技〔2013〕2号, part 5). Supervisors list who is missing.
 */
import { sql } from "kysely";
import { inTransaction } from "../../db/database";
import { type PageQuery, pageWindow, toPage } from "../../http/pagination";
import { AppError, notFound, unprocessable } from "../../shared/errors";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";
import { requirePersonName } from "../identifiers/person-name";
import { findUnitById } from "../orgs/orgs.repo";
import { can } from "./actor";
import { unitInScope } from "./scope";

export type Duty = "leader" | "operator";
export const DUTIES: Duty[] = ["leader", "operator"];

async function requireUnit(ctx: ServiceContext, unitId: number) {
  const unit = await findUnitById(ctx.db, ctx.actor.scope, unitId);
  if (!unit) throw notFound("unit_not_found");
  return unit;
}

export async function listForUnit(ctx: ServiceContext, unitId: number) {
  await requireUnit(ctx, unitId);
  return ctx.db
    .selectFrom("responsible_person")
    .selectAll()
    .where("unit_id", "=", unitId)
    .orderBy("system")
    .orderBy("duty")
    .execute();
}

export interface PersonInput {
  name: string;
  position?: string | null | undefined;
  phone: string;
  email?: string | null | undefined;
}

export async function assign(
  ctx: ServiceContext,
  unitId: number,
  system: string,
  duty: Duty,
  person: PersonInput,
) {
  if (!can(ctx.actor, "responsible", "write")) throw new AppError("forbidden", 403);
  ctx.codes.require("responsible_system", system, "system");
  const unit = await requireUnit(ctx, unitId);
  if (unit.kind !== "school" && unit.kind !== "department") {
    throw unprocessable("validation_failed", {}, [{ path: "unitId", code: "responsible_unit_kind" }]);
  }
  await inTransaction(ctx.db, async (trx) => {
    const before = await trx
      .selectFrom("responsible_person")
      .selectAll()
      .where("unit_id", "=", unitId)
      .where("system", "=", system)
      .where("duty", "=", duty)
      .executeTakeFirst();
    const values = {
      name: requirePersonName(person.name, "name"),
      position: person.position ?? null,
      phone: person.phone,
      email: person.email ?? null,
    };
    await trx
      .insertInto("responsible_person")
      .values({ unit_id: unitId, system, duty, ...values })
      .onConflict((oc) =>
        oc.columns(["unit_id", "system", "duty"]).doUpdateSet({ ...values, updated_at: sql`now()` }),
      )
      .execute();
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "responsible.assign",
      module: "responsible",
      subjectType: "org_unit",
      subjectId: unitId,
      subjectUnitPath: unit.path,
      detail: {
        system,
        duty,
        before: before
          ? { name: before.name, position: before.position, phone: before.phone, email: before.email }
          : null,
        after: values,
      },
    });
  });
}

export async function unassign(ctx: ServiceContext, unitId: number, system: string, duty: Duty) {
  if (!can(ctx.actor, "responsible", "write")) throw new AppError("forbidden", 403);
  const unit = await requireUnit(ctx, unitId);
  await inTransaction(ctx.db, async (trx) => {
    const removed = await trx
      .deleteFrom("responsible_person")
      .where("unit_id", "=", unitId)
      .where("system", "=", system)
      .where("duty", "=", duty)
      .returning(["name", "phone"])
      .executeTakeFirst();
    if (!removed) throw notFound();
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "responsible.unassign",
      module: "responsible",
      subjectType: "org_unit",
      subjectId: unitId,
      subjectUnitPath: unit.path,
      detail: { system, duty, before: removed },
    });
  });
}

/**
 * Units in scope (schools and education departments) lacking a leader or an operator for a
 * system: the supervision list a county bureau works through.
 */
export async function listMissing(
  ctx: ServiceContext,
  filter: { system: string; kind?: "school" | "department" | undefined },
  page: PageQuery,
) {
  ctx.codes.require("responsible_system", filter.system, "system");
  const base = () => {
    let query = ctx.db
      .selectFrom("org_unit")
      .where(unitInScope(ctx.actor.scope))
      .where("org_unit.status", "=", "active")
      .where((eb) =>
        eb.or([
          eb("org_unit.kind", "=", "school"),
          eb.and([eb("org_unit.kind", "=", "department"), eb("org_unit.department_type", "=", "education")]),
        ]),
      )
      .where((eb) =>
        eb(
          eb
            .selectFrom("responsible_person as rp")
            .whereRef("rp.unit_id", "=", "org_unit.id")
            .where("rp.system", "=", filter.system)
            .select((e) => e.fn.count<number>("rp.id").as("n")),
          "<",
          DUTIES.length,
        ),
      );
    if (filter.kind) query = query.where("org_unit.kind", "=", filter.kind);
    return query;
  };
  const window = pageWindow(page);
  const rows = await base()
    .select(["org_unit.id", "org_unit.code", "org_unit.name", "org_unit.kind"])
    .select((eb) =>
      eb
        .selectFrom("responsible_person as rp")
        .whereRef("rp.unit_id", "=", "org_unit.id")
        .where("rp.system", "=", filter.system)
        .select(sql<string[]>`coalesce(array_agg(rp.duty), '{}')`.as("duties"))
        .as("named_duties"),
    )
    .orderBy("org_unit.path")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  const { n } = await base()
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const items = rows.map((r) => ({
    id: r.id,
    code: r.code,
    name: r.name,
    kind: r.kind,
    missingDuties: DUTIES.filter((d) => !(r.named_duties ?? []).includes(d)),
  }));
  return toPage(items, Number(n), page);
}
