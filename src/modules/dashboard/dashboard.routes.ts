import { z } from "zod";
import { contextOf } from "../../http/access-policy";
import type { AppServices } from "../../http/services";
import { idParam, type ZodApp } from "../../http/zod-app";
import { unitStats } from "./dashboard.service";

const counts = z.record(z.string(), z.number());

export function registerDashboardRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/units/:id/stats",
    {
      config: { access: { module: "orgs", action: "read", unitParam: "id" } },
      schema: {
        tags: ["orgs"],
        summary: "Figures of a unit's home page; a figure is null when you may not read its module",
        params: idParam,
        response: {
          200: z.object({
            children: z.number(),
            schoolsByStatus: counts,
            schoolsByType: counts,
            users: z.number().nullable(),
            studentsByStatus: counts.nullable(),
            openProblems: z.number().nullable(),
            pendingApprovals: z.number().nullable(),
            overdueApprovals: z.number().nullable(),
          }),
        },
      },
    },
    async (request) => unitStats(contextOf(services, request), request.params.id),
  );
}
