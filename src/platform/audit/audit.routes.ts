import { z } from "zod";
import { contextOf } from "../../http/access-policy";
import type { AppServices } from "../../http/services";
import { isoDateOrTime, type ZodApp } from "../../http/zod-app";
import { notFound } from "../../shared/errors";
import { findUnitById } from "../orgs/orgs.repo";
import { signingServicesFor } from "../signing/signing.context";
import { searchAudit, verifyAuditChain } from "./audit.service";

const tags = ["audit"];

const entrySchema = z.object({
  id: z.number(),
  occurredAt: z.string(),
  actorKind: z.string(),
  actorUserId: z.number().nullable(),
  actorUsername: z.string(),
  actorUnitId: z.number().nullable(),
  action: z.string(),
  module: z.string(),
  subjectType: z.string().nullable(),
  subjectId: z.string().nullable(),
  outcome: z.string(),
  ip: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
  hash: z.string(),
});

export function registerAuditRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/audit",
    {
      config: { access: { module: "audit", action: "read" } },
      schema: {
        tags,
        summary: "Search the audit trail of my scope, newest first (keyset paging with beforeId)",
        querystring: z.object({
          userId: z.coerce.number().int().positive().optional(),
          action: z.string().max(64).optional(),
          module: z.string().max(32).optional(),
          subjectType: z.string().max(32).optional(),
          subjectId: z.string().max(64).optional(),
          outcome: z.enum(["success", "failure", "denied"]).optional(),
          from: isoDateOrTime.optional(),
          to: isoDateOrTime.optional(),
          withinUnitId: z.coerce.number().int().positive().optional(),
          beforeId: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ items: z.array(entrySchema), nextBeforeId: z.number().nullable() }) },
      },
    },
    async (request) => {
      const ctx = contextOf(services, request);
      const { beforeId, limit, withinUnitId, ...filter } = request.query;
      let withinPath: string | undefined;
      if (withinUnitId) {
        const unit = await findUnitById(ctx.db, ctx.actor.scope, withinUnitId);
        if (!unit) throw notFound("unit_not_found");
        withinPath = unit.path;
      }
      const result = await searchAudit(
        ctx.db,
        ctx.actor.scope,
        { ...filter, withinPath },
        { limit, beforeId },
      );
      return {
        nextBeforeId: result.nextBeforeId,
        items: result.items.map((e) => ({
          id: e.id,
          occurredAt: e.occurred_at.toISOString(),
          actorKind: e.actor_kind,
          actorUserId: e.actor_user_id,
          actorUsername: e.actor_username,
          actorUnitId: e.actor_unit_id,
          action: e.action,
          module: e.module,
          subjectType: e.subject_type,
          subjectId: e.subject_id,
          outcome: e.outcome,
          ip: e.ip,
          detail: e.detail,
          hash: e.hash,
        })),
      };
    },
  );

  app.post(
    "/api/v1/audit/verify",
    {
      config: { access: { module: "audit", action: "administer" } },
      schema: {
        tags,
        summary:
          "Recompute the audit hash chain, check it against the signed anchors, and name the first broken entry",
        response: {
          200: z.object({
            ok: z.boolean(),
            checked: z.number(),
            firstBroken: z
              .object({
                id: z.number(),
                reason: z.string(),
                anchorId: z.number().optional(),
                anchorProblem: z.string().optional(),
                anchoredEntryId: z.number().optional(),
              })
              .optional(),
            anchors: z.object({
              checked: z.number(),
              lastGood: z.object({ id: z.number(), entryId: z.number(), anchoredAt: z.string() }).nullable(),
            }),
            unanchoredTail: z.object({ entries: z.number(), since: z.string().nullable() }),
          }),
        },
      },
    },
    async () => verifyAuditChain(services.db, signingServicesFor(services.config).vault),
  );
}
