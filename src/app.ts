/**
 * Builds the HTTP application of one node from its services (no listen): the API under
 * /api/v1, its OpenAPI document at /api/docs, and the built web console as static files.
 */
import { existsSync } from "node:fs";
import fastifyCookie from "@fastify/cookie";
import fastifyMultipart from "@fastify/multipart";
import fastifyStatic from "@fastify/static";
import fastifySwagger from "@fastify/swagger";
import fastifySwaggerUi from "@fastify/swagger-ui";
import Fastify, { type FastifyServerOptions } from "fastify";
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import { registerAccessPolicy } from "./http/access-policy";
import { registerHealthRoutes } from "./http/health.routes";
import { registerInputGuard } from "./http/input-guard";
import { registerResponseMasking, serializeRequestForLog } from "./http/masking";
import { registerProblemHandlers, requestIdOptions, sendProblem } from "./http/problem";
import { loadRateLimits, type RateLimitSettings, registerRateLimits } from "./http/rate-limit";
import { registerSecurityHeaders } from "./http/security-headers";
import type { AppServices } from "./http/services";
import type { ZodApp } from "./http/zod-app";
import { registerDashboardRoutes } from "./modules/dashboard/dashboard.routes";
import { registerStudentImportRoutes } from "./modules/students/students.import.routes";
import { registerStudentRoutes } from "./modules/students/students.routes";
import { registerAccessRoutes } from "./platform/access/access.routes";
import { registerResponsibleRoutes } from "./platform/access/responsible.routes";
import { registerAuditRoutes } from "./platform/audit/audit.routes";
import { registerCodeRoutes } from "./platform/codes/codes.routes";
import { registerJobRoutes } from "./platform/jobs/jobs.routes";
import { registerOrgImportRoutes } from "./platform/orgs/orgs.import.routes";
import { registerOrgRoutes } from "./platform/orgs/orgs.routes";
import { registerSigningRoutes } from "./platform/signing/signing.routes";
import { registerWorkflowRoutes } from "./platform/workflow/workflow.routes";

/** Each module registers its own routes; this list is the whole API. */
const modules: ((app: ZodApp, services: AppServices) => void)[] = [
  registerHealthRoutes,
  registerAccessRoutes,
  registerResponsibleRoutes,
  registerAuditRoutes,
  registerCodeRoutes,
  registerOrgRoutes,
  registerOrgImportRoutes,
  registerWorkflowRoutes,
  registerSigningRoutes,
  registerStudentRoutes,
  registerStudentImportRoutes,
  registerJobRoutes,
  registerDashboardRoutes,
];

export interface BuildOptions {
  logger?: FastifyServerOptions["logger"];
  /** Rate limits (default: data/access/rate-limits.json); false turns them off (most test nodes). */
  rateLimits?: RateLimitSettings | false;
}

/**
 * The logger as asked for, with the request serialiser that masks identifiers in URLs (a search by
 * identity number must not write the number into the log).
 */
function withMaskedRequests(logger: BuildOptions["logger"]): FastifyServerOptions["logger"] {
  if (!logger) return false;
  const base = logger === true ? {} : logger;
  return { ...base, serializers: { ...base.serializers, req: serializeRequestForLog } };
}

export async function buildApp(services: AppServices, options: BuildOptions = {}): Promise<ZodApp> {
  const app = Fastify({
    logger: withMaskedRequests(options.logger),
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    // Row ids in URLs are numbers; anything longer than this is an attack or a typo.
    routerOptions: { maxParamLength: 200 },
    // Errors of the router itself (a broken percent-escape, a parameter past maxParamLength)
    // would leave as Fastify's own JSON: they are problem responses like any other.
    frameworkErrors: (error, request, reply) =>
      error.code === "FST_ERR_MAX_PARAM_LENGTH"
        ? sendProblem(request, reply, 414, "url_too_long")
        : sendProblem(request, reply, 400, "malformed_url"),
    ...requestIdOptions,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const hasConsole = existsSync(services.config.webDistDir);
  // The console is a single-page app: unknown non-API paths get its index page.
  registerProblemHandlers(
    app,
    hasConsole ? { spaFallback: (_request, reply) => reply.sendFile("index.html") } : {},
  );
  // Before the access policy: no hook or handler sees a NUL or a lone surrogate.
  registerInputGuard(app);

  await app.register(fastifyCookie);
  await app.register(fastifyMultipart, {
    limits: { fileSize: services.config.maxUploadBytes, files: 1, fields: 10 },
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "edumis API",
        description:
          "National education management platform. Errors are RFC 9457 problem documents with a stable `code`; lists take `page` and `pageSize` (see docs/api.md). Sign in at POST /api/v1/auth/login (cookie + X-CSRF-Token) or send `Authorization: Bearer <API token>`.",
        version: "1.0.0",
      },
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "edumis_session" },
          bearer: { type: "http", scheme: "bearer" },
        },
      },
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, { routePrefix: "/api/docs" });

  if (options.rateLimits !== false) await registerRateLimits(app, options.rateLimits ?? loadRateLimits());
  registerAccessPolicy(app, services);
  registerSecurityHeaders(app, { hsts: services.config.secureCookies });
  registerResponseMasking(app);
  for (const register of modules) register(app, services);

  if (hasConsole) {
    await app.register(fastifyStatic, { root: services.config.webDistDir, prefix: "/", wildcard: false });
  }
  await app.ready();
  return app;
}
