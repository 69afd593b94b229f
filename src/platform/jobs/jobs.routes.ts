import { z } from "zod";
import { contextOf, registerRecordVisibility } from "../../http/access-policy";
import type { AppServices } from "../../http/services";
import { idParam, type ZodApp } from "../../http/zod-app";
import { AppError } from "../../shared/errors";
import { can, type Module } from "../access/actor";
import { getJob, isJobVisible, runJob } from "./jobs.service";

const jobSchema = z.object({
  id: z.number(),
  kind: z.string(),
  /** The module whose read permission reading the job takes. */
  module: z.string(),
  status: z.string(),
  unitId: z.number(),
  progressDone: z.number(),
  progressTotal: z.number(),
  result: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
});

export function registerJobRoutes(app: ZodApp, services: AppServices): void {
  registerRecordVisibility("job", isJobVisible);
  const job = { signedIn: true, record: { kind: "job", param: "id" } } as const;
  app.get(
    "/api/v1/jobs/:id",
    {
      config: { access: job },
      schema: {
        tags: ["jobs"],
        summary:
          "Progress and result of a long job (import, promotion…) of my scope: needs the job's module's read permission unless you ordered it",
        params: idParam,
        response: { 200: jobSchema },
      },
    },
    async (request) => {
      const found = await getJob(contextOf(services, request), request.params.id);
      return {
        id: found.id,
        kind: found.kind,
        module: found.module,
        status: found.status,
        unitId: found.unit_id,
        progressDone: found.progress_done,
        progressTotal: found.progress_total,
        result: found.result,
        error: found.error,
        createdAt: new Date(found.created_at).toISOString(),
        finishedAt: found.finished_at ? found.finished_at.toISOString() : null,
      };
    },
  );

  app.post(
    "/api/v1/jobs/:id/resume",
    {
      config: { access: job },
      schema: {
        tags: ["jobs"],
        summary: "Resume a failed or interrupted job where it stopped",
        params: idParam,
        response: { 202: z.object({ id: z.number() }) },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(services, request);
      const found = await getJob(ctx, request.params.id);
      // Resuming is doing the job's work: the caller needs its module's approve permission
      // (or ordered it); the work itself runs as the orderer stands now (runJob).
      if (found.created_by !== ctx.actor.userId && !can(ctx.actor, found.module as Module, "approve"))
        throw new AppError("forbidden", 403);
      await runJob(ctx, found.id, { wait: false });
      return reply.status(202).send({ id: found.id });
    },
  );
}
