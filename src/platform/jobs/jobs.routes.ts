import { z } from "zod";
import { contextOf } from "../../http/access-policy";
import type { AppServices } from "../../http/services";
import { idParam, type ZodApp } from "../../http/zod-app";
import { AppError } from "../../shared/errors";
import { can, type Module } from "../access/actor";
import { getJob, runJob } from "./jobs.service";

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
  app.get(
    "/api/v1/jobs/:id",
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ["jobs"],
        summary:
          "Progress and result of a long job (import, promotion…) of my scope: needs the job's module's read permission unless you ordered it",
        params: idParam,
        response: { 200: jobSchema },
      },
    },
    async (request) => {
      const job = await getJob(contextOf(services, request), request.params.id);
      return {
        id: job.id,
        kind: job.kind,
        module: job.module,
        status: job.status,
        unitId: job.unit_id,
        progressDone: job.progress_done,
        progressTotal: job.progress_total,
        result: job.result,
        error: job.error,
        createdAt: new Date(job.created_at).toISOString(),
        finishedAt: job.finished_at ? job.finished_at.toISOString() : null,
      };
    },
  );

  app.post(
    "/api/v1/jobs/:id/resume",
    {
      config: { access: { signedIn: true } },
      schema: {
        tags: ["jobs"],
        summary: "Resume a failed or interrupted job where it stopped",
        params: idParam,
        response: { 202: z.object({ id: z.number() }) },
      },
    },
    async (request, reply) => {
      const ctx = contextOf(services, request);
      const job = await getJob(ctx, request.params.id);
      // Resuming is doing the job's work: the caller needs its module's approve permission
      // (or ordered it); the work itself runs as the orderer stands now (runJob).
      if (job.created_by !== ctx.actor.userId && !can(ctx.actor, job.module as Module, "approve"))
        throw new AppError("forbidden", 403);
      await runJob(ctx, job.id, { wait: false });
      return reply.status(202).send({ id: job.id });
    },
  );
}
