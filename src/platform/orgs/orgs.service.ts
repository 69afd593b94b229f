/**
 * The organisation tree (组织机构): reading it within the caller's scope, and the life of a
 * school — opened, renamed, moved, merged, closed, reopened — with each step kept as an event
 * with its effective date, and every change audited in its own transaction.
 */
import type { Executor } from "../../db/database";
import { inTransaction } from "../../db/database";
import type { UnitKind, UnitStatus } from "../../db/schema";
import { type PageQuery, pageWindow, toPage } from "../../http/pagination";
import { AppError, conflict, type FieldError, notFound, sqlState, unprocessable } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { can } from "../access/actor";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";
import { validateCreditCode } from "../identifiers/credit-code";
import type { IdentifierProblem } from "../identifiers/identifiers.errors";
import { validateSchoolCode } from "../identifiers/school-code";
import { loadDepartmentConfig } from "./divisions";
import type { UnitRow } from "./orgs.repo";
import * as repo from "./orgs.repo";

export interface SchoolInput {
  schoolCode: string;
  name: string;
  runningType: string;
  stages: string[];
  ownership: "public" | "private";
  creditCode?: string | null | undefined;
  address?: string | null | undefined;
  divisionCode: string;
  /** Code of the administrative unit the school hangs off; defaults to its county. */
  parentCode?: string | undefined;
  /** Code of the supervising department; defaults to the parent's education (or HR) department. */
  supervisingUnitCode?: string | undefined;
  openedOn?: string | undefined;
}

const ADMIN_KINDS: ReadonlySet<UnitKind> = new Set(["nation", "province", "prefecture", "county"]);

function identifierFieldErrors(path: string, problems: IdentifierProblem[]): FieldError[] {
  return problems.map((p) => ({ path, code: p.code, params: p.detail }));
}

async function requireUnit(ctx: ServiceContext, id: number, db: Executor = ctx.db): Promise<UnitRow> {
  const unit = await repo.findUnitById(db, ctx.actor.scope, id);
  if (!unit) throw notFound("unit_not_found");
  return unit;
}

export async function getUnit(ctx: ServiceContext, id: number) {
  const unit = await requireUnit(ctx, id);
  const ancestors = await repo.listAncestors(ctx.db, ctx.actor.scope, unit);
  return { unit, ancestors };
}

export async function searchUnits(
  ctx: ServiceContext,
  filter: repo.UnitFilter & { withinId?: number },
  page: PageQuery,
) {
  const { withinId, ...rest } = filter;
  let withinPath: string | undefined;
  if (withinId !== undefined) withinPath = (await requireUnit(ctx, withinId)).path;
  const { rows, cappedTotal } = await repo.searchUnits(
    ctx.db,
    ctx.actor.scope,
    { ...rest, withinPath },
    pageWindow(page),
  );
  return toPage(rows, cappedTotal, page);
}

export async function listChildren(
  ctx: ServiceContext,
  parentId: number,
  filter: { kind?: UnitKind; status?: UnitStatus; q?: string },
  page: PageQuery,
) {
  await requireUnit(ctx, parentId);
  const { rows, cappedTotal } = await repo.searchUnits(
    ctx.db,
    ctx.actor.scope,
    { ...filter, parentId },
    pageWindow(page),
  );
  return toPage(rows, cappedTotal, page);
}

export async function unitHistory(ctx: ServiceContext, id: number) {
  await requireUnit(ctx, id);
  return repo.listUnitEvents(ctx.db, id);
}

/** The unit's name on a date, derived from its rename events. */
export async function nameOnDate(ctx: ServiceContext, id: number, date: string): Promise<string> {
  const unit = await requireUnit(ctx, id);
  const renames = (await repo.listUnitEvents(ctx.db, id)).filter((e) => e.event_type === "renamed");
  const before = renames.filter((e) => e.effective_on <= date).at(-1);
  if (before) return String(before.details.to);
  const after = renames.find((e) => e.effective_on > date);
  return after ? String(after.details.from) : unit.name;
}

interface ResolvedPlacement {
  parent: UnitRow;
  supervisingUnitId: number;
  provinceCode: string;
}

/** Checks division, parent and supervising unit of a school, all within the caller's scope. */
async function resolvePlacement(
  ctx: ServiceContext,
  db: Executor,
  input: Pick<SchoolInput, "divisionCode" | "parentCode" | "supervisingUnitCode" | "runningType">,
  schoolType: string,
): Promise<ResolvedPlacement> {
  const division = await repo.findDivision(db, input.divisionCode);
  if (!division) {
    throw unprocessable("division_unknown", { code: input.divisionCode }, [
      { path: "divisionCode", code: "division_unknown", params: { code: input.divisionCode } },
    ]);
  }
  const parentCode = input.parentCode ?? input.divisionCode;
  const parent = await repo.findUnitByCode(db, ctx.actor.scope, parentCode);
  if (!parent) {
    throw unprocessable("parent_not_found", { parent: parentCode }, [
      { path: "parentCode", code: "parent_not_found", params: { parent: parentCode } },
    ]);
  }
  const config = await loadDepartmentConfig();
  const parentAllowed =
    ADMIN_KINDS.has(parent.kind) &&
    (parent.kind !== "nation" || config.higherEducationSchoolTypes.includes(schoolType)) &&
    (parent.division_code === null ||
      input.divisionCode.startsWith(parent.division_code.replace(/(00)+$/, "")));
  if (!parentAllowed) {
    throw unprocessable("parent_kind_invalid", { parentKind: parent.kind }, [
      { path: "parentCode", code: "parent_kind_invalid", params: { parentKind: parent.kind } },
    ]);
  }
  if (parent.status !== "active") throw conflict("unit_not_active", { name: parent.name });
  let supervisingUnitId: number;
  if (input.supervisingUnitCode) {
    const supervisor = await repo.findUnitByCode(db, ctx.actor.scope, input.supervisingUnitCode);
    if (supervisor?.kind !== "department") {
      throw unprocessable("unit_not_found", {}, [{ path: "supervisingUnitCode", code: "unit_not_found" }]);
    }
    supervisingUnitId = supervisor.id;
  } else {
    const side = config.hrssRunningTypes.includes(input.runningType) ? "hrss" : "education";
    const department = await repo.findDepartment(db, parent.id, side);
    if (!department)
      throw unprocessable("unit_not_found", {}, [{ path: "supervisingUnitCode", code: "unit_not_found" }]);
    supervisingUnitId = department.id;
  }
  return { parent, supervisingUnitId, provinceCode: division.province_code };
}

/** Validates identifiers and code sets of a school; returns the school type from the code. */
function validateSchoolFields(
  ctx: ServiceContext,
  input: Partial<SchoolInput>,
  expectedProvince?: string,
): string {
  const errors: FieldError[] = [];
  let schoolType = "";
  if (input.schoolCode !== undefined) {
    const schoolTypes = new Set(
      ctx.codes
        .items("school_type")
        .filter((i) => i.isActive)
        .map((i) => i.code),
    );
    const checked = validateSchoolCode(input.schoolCode, {
      schoolTypeCodes: schoolTypes,
      isKnownProvince: (code) => ctx.codes.isKnownProvince(code),
      ...(expectedProvince ? { expectedProvince } : {}),
    });
    if (checked.ok) schoolType = checked.value.schoolType;
    else errors.push(...identifierFieldErrors("schoolCode", checked.problems));
  }
  if (input.creditCode) {
    const checked = validateCreditCode(input.creditCode);
    if (!checked.ok) errors.push(...identifierFieldErrors("creditCode", checked.problems));
  }
  if (input.runningType !== undefined) {
    const problem = ctx.codes.check("school_running_type", input.runningType, "runningType");
    if (problem) errors.push(problem);
  }
  for (const [index, stage] of (input.stages ?? []).entries()) {
    const problem = ctx.codes.check("education_stage", stage, `stages.${index}`);
    if (problem) errors.push(problem);
  }
  if (errors.length > 0) throw unprocessable("validation_failed", {}, errors);
  return schoolType;
}

function requireWrite(ctx: ServiceContext): void {
  if (!can(ctx.actor, "orgs", "write")) throw new AppError("forbidden", 403);
}

async function ensureUniqueCodes(
  db: Executor,
  input: { schoolCode?: string; creditCode?: string | null },
  selfId?: number,
) {
  if (input.schoolCode) {
    const existing = await repo.findSchoolByCode(db, input.schoolCode);
    if (existing && existing.unit_id !== selfId) {
      throw conflict("school_code_taken", { code: input.schoolCode, name: existing.name });
    }
  }
  if (input.creditCode) {
    const existing = await repo.findSchoolByCreditCode(db, input.creditCode);
    if (existing && existing.unit_id !== selfId)
      throw conflict("credit_code_taken", { code: input.creditCode });
  }
}

/** Opens (registers) a school. Returns the new unit id. */
export async function openSchool(
  ctx: ServiceContext,
  input: SchoolInput,
  db: Executor = ctx.db,
): Promise<number> {
  requireWrite(ctx);
  const division = await repo.findDivision(db, input.divisionCode);
  validateSchoolFields(ctx, input, division?.province_code);
  const schoolType = input.schoolCode.slice(0, 2);
  return inTransaction(db, async (trx) => {
    const placement = await resolvePlacement(ctx, trx, input, schoolType);
    await ensureUniqueCodes(trx, input);
    const openedOn = input.openedOn ?? todayIso();
    let id: number;
    try {
      id = await repo.insertSchool(trx, {
        name: input.name,
        parent: placement.parent,
        provinceCode: placement.provinceCode,
        school: {
          school_code: input.schoolCode,
          school_type: schoolType,
          running_type: input.runningType,
          stages: input.stages,
          ownership: input.ownership,
          credit_code: input.creditCode ?? null,
          address: input.address ?? null,
          division_code: input.divisionCode,
          supervising_unit_id: placement.supervisingUnitId,
          opened_on: openedOn,
        },
      });
    } catch (error) {
      // Two clerks registering the same code at once: the unique index decides, cleanly.
      if (sqlState(error) === "23505")
        throw conflict("school_code_taken", { code: input.schoolCode, name: input.name });
      throw error;
    }
    await repo.insertUnitEvent(trx, id, "opened", openedOn, {
      name: input.name,
      parentId: placement.parent.id,
    });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "school.open",
      module: "orgs",
      subjectType: "org_unit",
      subjectId: id,
      subjectUnitPath: `${placement.parent.path}${id}/`,
      detail: { after: { ...input } },
    });
    return id;
  });
}

export interface SchoolUpdate {
  runningType?: string | undefined;
  stages?: string[] | undefined;
  ownership?: "public" | "private" | undefined;
  creditCode?: string | null | undefined;
  address?: string | null | undefined;
  supervisingUnitCode?: string | undefined;
  effectiveOn?: string | undefined;
}

export async function updateSchool(ctx: ServiceContext, id: number, update: SchoolUpdate): Promise<void> {
  requireWrite(ctx);
  validateSchoolFields(ctx, update);
  await inTransaction(ctx.db, async (trx) => {
    const unit = await requireUnit(ctx, id, trx);
    if (unit.kind !== "school") throw notFound("unit_not_found");
    if (unit.status !== "active") throw conflict("unit_not_active", { name: unit.name });
    await ensureUniqueCodes(trx, { creditCode: update.creditCode ?? null }, id);
    const values: Parameters<typeof repo.updateSchool>[2] = {};
    if (update.runningType !== undefined) values.running_type = update.runningType;
    if (update.stages !== undefined) values.stages = update.stages;
    if (update.ownership !== undefined) values.ownership = update.ownership;
    if (update.creditCode !== undefined) values.credit_code = update.creditCode;
    if (update.address !== undefined) values.address = update.address;
    if (update.supervisingUnitCode !== undefined) {
      const supervisor = await repo.findUnitByCode(trx, ctx.actor.scope, update.supervisingUnitCode);
      if (supervisor?.kind !== "department") {
        throw unprocessable("unit_not_found", {}, [{ path: "supervisingUnitCode", code: "unit_not_found" }]);
      }
      values.supervising_unit_id = supervisor.id;
    }
    const before = {
      runningType: unit.running_type,
      stages: unit.stages,
      ownership: unit.ownership,
      creditCode: unit.credit_code,
      address: unit.address,
      supervisingUnitId: unit.supervising_unit_id,
    };
    await repo.updateSchool(trx, id, values);
    const after = {
      ...before,
      ...update,
      supervisingUnitId: values.supervising_unit_id ?? before.supervisingUnitId,
    };
    delete (after as { supervisingUnitCode?: string }).supervisingUnitCode;
    delete (after as { effectiveOn?: string }).effectiveOn;
    await repo.insertUnitEvent(trx, id, "updated", update.effectiveOn ?? todayIso(), { before, after });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "school.update",
      module: "orgs",
      subjectType: "org_unit",
      subjectId: id,
      subjectUnitPath: unit.path,
      detail: { before, after },
    });
  });
}

async function checkEffectiveDate(db: Executor, unitId: number, effectiveOn: string): Promise<void> {
  const last = await repo.lastEventDate(db, unitId);
  if (last && effectiveOn < last)
    throw unprocessable("effective_date_invalid", { date: effectiveOn, after: last });
}

export async function renameUnit(ctx: ServiceContext, id: number, name: string, effectiveOn = todayIso()) {
  requireWrite(ctx);
  await inTransaction(ctx.db, async (trx) => {
    const unit = await requireUnit(ctx, id, trx);
    if (unit.status !== "active") throw conflict("unit_not_active", { name: unit.name });
    if (unit.name === name) return;
    await checkEffectiveDate(trx, id, effectiveOn);
    await repo.updateUnit(trx, id, { name });
    await repo.insertUnitEvent(trx, id, "renamed", effectiveOn, { from: unit.name, to: name });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "unit.rename",
      module: "orgs",
      subjectType: "org_unit",
      subjectId: id,
      subjectUnitPath: unit.path,
      detail: { before: { name: unit.name }, after: { name }, effectiveOn },
    });
  });
}

export async function closeSchool(ctx: ServiceContext, id: number, effectiveOn = todayIso(), reason = "") {
  requireWrite(ctx);
  await inTransaction(ctx.db, async (trx) => {
    const unit = await requireUnit(ctx, id, trx);
    if (unit.kind !== "school") throw notFound("unit_not_found");
    if (unit.status !== "active") throw conflict("unit_not_active", { name: unit.name });
    await checkEffectiveDate(trx, id, effectiveOn);
    await repo.updateUnit(trx, id, { status: "closed", effective_to: effectiveOn });
    await repo.updateSchool(trx, id, { closed_on: effectiveOn });
    await repo.insertUnitEvent(trx, id, "closed", effectiveOn, { reason });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "school.close",
      module: "orgs",
      subjectType: "org_unit",
      subjectId: id,
      subjectUnitPath: unit.path,
      detail: { effectiveOn, reason },
    });
  });
}

export async function reopenSchool(ctx: ServiceContext, id: number, effectiveOn = todayIso()) {
  requireWrite(ctx);
  await inTransaction(ctx.db, async (trx) => {
    const unit = await requireUnit(ctx, id, trx);
    if (unit.kind !== "school") throw notFound("unit_not_found");
    if (unit.status === "active") throw conflict("unit_already_active", { name: unit.name });
    await checkEffectiveDate(trx, id, effectiveOn);
    await repo.updateUnit(trx, id, { status: "active", effective_to: null });
    await repo.updateSchool(trx, id, { closed_on: null, merged_into_unit_id: null });
    await repo.insertUnitEvent(trx, id, "reopened", effectiveOn, {});
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "school.reopen",
      module: "orgs",
      subjectType: "org_unit",
      subjectId: id,
      subjectUnitPath: unit.path,
      detail: { effectiveOn },
    });
  });
}

/** Merges a school into another: the source closes as "merged", the target records the absorption. */
export async function mergeSchool(ctx: ServiceContext, id: number, intoId: number, effectiveOn = todayIso()) {
  requireWrite(ctx);
  await inTransaction(ctx.db, async (trx) => {
    const source = await requireUnit(ctx, id, trx);
    if (source.kind !== "school") throw notFound("unit_not_found");
    if (source.status !== "active") throw conflict("unit_not_active", { name: source.name });
    const target = await repo.findUnitById(trx, ctx.actor.scope, intoId);
    if (target?.kind !== "school" || target.status !== "active" || target.id === source.id) {
      throw unprocessable("merge_target_invalid", {}, [{ path: "intoUnitId", code: "merge_target_invalid" }]);
    }
    await checkEffectiveDate(trx, id, effectiveOn);
    await repo.updateUnit(trx, id, { status: "merged", effective_to: effectiveOn });
    await repo.updateSchool(trx, id, { closed_on: effectiveOn, merged_into_unit_id: intoId });
    await repo.insertUnitEvent(trx, id, "merged", effectiveOn, { intoUnitId: intoId, intoName: target.name });
    await repo.insertUnitEvent(trx, intoId, "absorbed", effectiveOn, {
      fromUnitId: id,
      fromName: source.name,
    });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "school.merge",
      module: "orgs",
      subjectType: "org_unit",
      subjectId: id,
      subjectUnitPath: source.path,
      detail: { intoUnitId: intoId, effectiveOn },
    });
  });
}

/** Moves a school under another administrative unit of its division's line (e.g. county → city). */
export async function moveSchool(
  ctx: ServiceContext,
  id: number,
  parentCode: string,
  effectiveOn = todayIso(),
) {
  requireWrite(ctx);
  await inTransaction(ctx.db, async (trx) => {
    const unit = await requireUnit(ctx, id, trx);
    if (unit.kind !== "school" || !unit.division_code || !unit.school_type) throw notFound("unit_not_found");
    if (unit.status !== "active") throw conflict("unit_not_active", { name: unit.name });
    const placement = await resolvePlacement(
      ctx,
      trx,
      { divisionCode: unit.division_code, parentCode, runningType: unit.running_type ?? "" },
      unit.school_type,
    );
    if (placement.parent.id === unit.parent_id) return;
    await checkEffectiveDate(trx, id, effectiveOn);
    await repo.updateUnit(trx, id, {
      parent_id: placement.parent.id,
      path: `${placement.parent.path}${id}/`,
    });
    await repo.updateSchool(trx, id, { supervising_unit_id: placement.supervisingUnitId });
    await repo.insertUnitEvent(trx, id, "moved", effectiveOn, {
      fromParentId: unit.parent_id,
      toParentId: placement.parent.id,
    });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "school.move",
      module: "orgs",
      subjectType: "org_unit",
      subjectId: id,
      subjectUnitPath: unit.path,
      detail: { fromParentId: unit.parent_id, toParentId: placement.parent.id, effectiveOn },
    });
  });
}

/**
 * Deletes a unit registered in error. A unit with children or referenced by any record (users,
 * students, events of other units…) is refused: close or merge it instead, so history stays.
 */
export async function deleteUnit(ctx: ServiceContext, id: number): Promise<void> {
  requireWrite(ctx);
  await inTransaction(ctx.db, async (trx) => {
    const unit = await requireUnit(ctx, id, trx);
    if (unit.kind !== "school") throw conflict("unit_in_use", { name: unit.name });
    if ((await repo.countChildren(trx, id)) > 0) throw conflict("unit_in_use", { name: unit.name });
    try {
      await repo.deleteUnit(trx, id, { code: unit.code });
    } catch (error) {
      if (sqlState(error) === "23503") throw conflict("unit_in_use", { name: unit.name });
      throw error;
    }
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "school.delete",
      module: "orgs",
      subjectType: "org_unit",
      subjectId: id,
      subjectUnitPath: unit.path,
      detail: { before: { code: unit.code, name: unit.name } },
    });
  });
}

export const listDivisions = (ctx: ServiceContext, parentCode: string | null) =>
  repo.listDivisions(ctx.db, parentCode);

export async function getDivision(ctx: ServiceContext, code: string) {
  const division = await repo.findDivision(ctx.db, code);
  if (!division) throw notFound("division_unknown", { code });
  return division;
}
