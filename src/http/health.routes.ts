import { sql } from "kysely";
import { z } from "zod";
import { sendProblem } from "./problem";
import type { AppServices } from "./services";
import type { ZodApp } from "./zod-app";

export function registerHealthRoutes(app: ZodApp, services: AppServices): void {
  // Liveness: the process answers. Readiness: the database answers too.
  app.get(
    "/healthz",
    {
      config: { access: { public: true } },
      schema: { hide: true, response: { 200: z.object({ status: z.literal("ok") }) } },
    },
    async () => ({ status: "ok" as const }),
  );
  app.get(
    "/readyz",
    {
      config: { access: { public: true } },
      schema: { hide: true, response: { 200: z.object({ status: z.literal("ready"), engine: z.string() }) } },
    },
    async (request, reply) => {
      try {
        await sql`SELECT 1`.execute(services.db);
        return { status: "ready" as const, engine: services.database.engine };
      } catch (error) {
        request.log.warn({ err: error }, "database not ready");
        return sendProblem(request, reply, 503, "database_unavailable");
      }
    },
  );
}
