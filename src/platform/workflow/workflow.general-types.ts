/**
 * Request types of the platform itself, so the engine is usable end to end before the business
 * modules bring theirs: a unit submits a report up its line, and a county asks to close a school.
 */
import { z } from "zod";
import { AppError, conflict, notFound } from "../../shared/errors";
import type { Actor, Permission } from "../access/actor";
import { unitIdInScope } from "../access/scope";
import { closeSchool } from "../orgs/orgs.service";
import { unitById } from "../signing/units";
import { registerRequestType } from "./workflow.registry";

const reportPayload = z.object({
  reportCode: z.string().trim().min(1).max(50),
  period: z.string().trim().min(1).max(20),
  title: z.string().trim().min(1).max(200),
  figures: z.record(z.string(), z.union([z.number(), z.string().max(500)])).default({}),
  note: z.string().max(2000).optional(),
});

const closurePayload = z.object({
  schoolId: z.number().int().positive(),
  effectiveOn: z.iso.date(),
  reason: z.string().trim().min(1).max(1000),
});

/** The approval is the authority for the change it approves: the approver acts with that right. */
function withGrant(actor: Actor, permission: Permission): Actor {
  return { ...actor, permissions: new Set([...actor.permissions, permission]) };
}

let registered = false;

export function registerGeneralRequestTypes(): void {
  if (registered) return;
  registered = true;

  registerRequestType({
    code: "report_submission",
    module: "workflow",
    titleZh: "报表报送",
    titleEn: "Report submission",
    payloadSchema: reportPayload,
    chain: "report",
    title: (p) => `${p.title}（${p.period}）`,
  });

  registerRequestType({
    code: "school_closure",
    module: "orgs",
    titleZh: "学校撤销",
    titleEn: "School closure",
    payloadSchema: closurePayload,
    chain: "school_closure",
    retentionClass: "permanent",
    parties: (p) => ({ subject: p.schoolId }),
    title: (p) => `撤销学校申请（${p.effectiveOn}）`,
    async validate(ctx, p) {
      const school = await unitById(ctx.db, p.schoolId);
      if (school?.kind !== "school" || !(await unitIdInScope(ctx.db, ctx.actor.scope, school.id))) {
        throw notFound("unit_not_found");
      }
      if (school.status !== "active") throw conflict("unit_not_active", { name: school.name });
      // Asked by the school's county (or above), never by the school itself.
      if (ctx.actor.scope.side === "school") throw new AppError("forbidden", 403);
    },
    async onApproved(_trx, request, ctx) {
      const { schoolId, effectiveOn, reason } = request.payload;
      await closeSchool({ ...ctx, actor: withGrant(ctx.actor, "orgs:write") }, schoolId, effectiveOn, reason);
    },
  });
}
