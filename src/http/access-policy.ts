/**
 * Every API route declares who may call it in its `config.access`:
 *   { public: true }                          — no sign-in (health, login, docs)
 *   { signedIn: true, duringPasswordChange? } — any signed-in user (own profile, logout)
 *   { module, action, unitParam? | userParam? | studentParam? }
 *                                             — a permission; the named path parameter is a
 *                                               unit (user, student) id whose unit (school)
 *                                               must lie in the caller's scope
 *   … record?: { kind, param }                — (with either of the last two) the path parameter
 *                                               names a request, archive item, job or seal,
 *                                               which the caller must be able to see (its
 *                                               kind's visibility rule: scope and module read
 *                                               permission), else 404 before validation
 * A route under /api/ without a declaration makes the app refuse to start, and the
 * authorisation matrix test walks every declared route.
 */
import "@fastify/cookie";
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from "fastify";
import type { Kysely } from "kysely";
import type { DB } from "../db/schema";
import { type Action, type Actor, can, type Module } from "../platform/access/actor";
import { csrfMatches, resolveApiToken, resolveSession } from "../platform/access/auth.service";
import { unitIdInScope } from "../platform/access/scope";
import { recordAudit } from "../platform/audit/audit.service";
import type { ServiceContext } from "../platform/context";
import { findUnitUnscoped } from "../platform/orgs/orgs.repo";
import { sendProblem } from "./problem";
import type { AppServices } from "./services";

/** Records other than units, users and students that a route's path parameter can name. */
export type RecordKind = "request" | "archive_item" | "job" | "seal";
export interface RecordParam {
  kind: RecordKind;
  param: string;
}

export type RouteAccess =
  | { public: true }
  | { signedIn: true; duringPasswordChange?: boolean; record?: RecordParam }
  | {
      module: Module;
      action: Action;
      unitParam?: string;
      userParam?: string;
      studentParam?: string;
      record?: RecordParam;
    };

/** Whether the actor may see the record with that id (the kind's own visibility rule). */
export type RecordVisibility = (db: Kysely<DB>, actor: Actor, id: number) => Promise<boolean>;
const recordVisibility = new Map<RecordKind, RecordVisibility>();

/** Each module that owns a record kind registers how to tell whether a caller can see one. */
export function registerRecordVisibility(kind: RecordKind, visible: RecordVisibility): void {
  recordVisibility.set(kind, visible);
}

const RECORD_NOT_FOUND = {
  request: "request_not_found",
  archive_item: "archive_item_not_found",
  job: "job_not_found",
  seal: "seal_not_found",
} as const;

async function recordHidden(
  services: AppServices,
  actor: Actor,
  record: RecordParam,
  request: FastifyRequest,
): Promise<boolean> {
  const visible = recordVisibility.get(record.kind);
  if (!visible) throw new Error(`no visibility rule registered for record kind ${record.kind}`);
  const id = Number((request.params as Record<string, string>)[record.param]);
  if (!Number.isSafeInteger(id) || id <= 0) return true;
  return !(await visible(services.db, actor, id));
}

export interface DeclaredRoute {
  method: string;
  url: string;
  access: RouteAccess;
}

declare module "fastify" {
  interface FastifyInstance {
    /** Every API route with its declared access, for the authorisation matrix and the docs. */
    declaredRoutes: DeclaredRoute[];
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyRequest {
    actor: Actor | null;
    csrfHash: string | null;
    authFailure: "expired" | "invalid" | null;
  }
}

export const SESSION_COOKIE = "edumis_session";
export const CSRF_COOKIE = "edumis_csrf";
export const CSRF_HEADER = "x-csrf-token";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header?.startsWith("Bearer ")) return undefined;
  return header.slice(7).trim();
}

/** Who is calling: a session cookie (console) or a bearer API token (systems). */
async function identify(services: AppServices, request: FastifyRequest): Promise<void> {
  request.actor = null;
  request.csrfHash = null;
  request.authFailure = null;
  const bearer = bearerToken(request);
  if (bearer) {
    const result = await resolveApiToken(services.db, bearer);
    if (typeof result === "string") request.authFailure = result;
    else request.actor = result;
    return;
  }
  const cookie = request.cookies?.[SESSION_COOKIE];
  if (!cookie) return;
  const result = await resolveSession(services.db, cookie);
  if (typeof result === "string") request.authFailure = result;
  else {
    request.actor = result.actor;
    request.csrfHash = result.csrfHash;
  }
}

async function authorise(
  services: AppServices,
  access: RouteAccess,
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  if ("public" in access) return undefined;
  const actor = request.actor;
  if (!actor) {
    return sendProblem(
      request,
      reply,
      401,
      request.authFailure === "expired" ? "session_expired" : "unauthenticated",
    );
  }
  // The console's cookie travels with every request a page makes, including forged ones;
  // a state change must also carry the CSRF token that only our own pages can read.
  if (actor.sessionId && !SAFE_METHODS.has(request.method)) {
    if (
      !request.csrfHash ||
      !csrfMatches(request.csrfHash, request.headers[CSRF_HEADER] as string | undefined)
    ) {
      return sendProblem(request, reply, 403, "csrf_failed");
    }
  }
  if (actor.mustChangePassword && !("signedIn" in access && access.duringPasswordChange)) {
    return sendProblem(request, reply, 403, "password_change_required");
  }
  if ("signedIn" in access) {
    if (access.record && (await recordHidden(services, actor, access.record, request)))
      return sendProblem(request, reply, 404, RECORD_NOT_FOUND[access.record.kind]);
    return undefined;
  }
  if (!can(actor, access.module, access.action)) {
    if (access.action !== "read") {
      await recordAudit(services.db, {
        actor,
        ip: request.ip,
        action: `${access.module}.${access.action}`,
        module: access.module,
        outcome: "denied",
        detail: { method: request.method, route: request.routeOptions.url ?? request.url },
      });
    }
    return sendProblem(request, reply, 403, "forbidden");
  }
  const subjectUnit = await subjectUnitId(services, access, request);
  // Outside the scope and non-existent look the same: existence must not leak. The scope rule
  // is scope.ts's, the HR side's included.
  if (
    subjectUnit === null ||
    (subjectUnit !== undefined && !(await unitIdInScope(services.db, actor.scope, subjectUnit)))
  ) {
    const code = access.unitParam
      ? "unit_not_found"
      : access.studentParam
        ? "student_not_found"
        : "not_found";
    return sendProblem(request, reply, 404, code);
  }
  if (access.record && (await recordHidden(services, actor, access.record, request)))
    return sendProblem(request, reply, 404, RECORD_NOT_FOUND[access.record.kind]);
  return undefined;
}

/** The unit of the record a route's path parameter names; null when there is no such record. */
async function subjectUnitId(
  services: AppServices,
  access: { unitParam?: string; userParam?: string; studentParam?: string },
  request: FastifyRequest,
): Promise<number | null | undefined> {
  const param = access.unitParam ?? access.userParam ?? access.studentParam;
  if (!param) return undefined;
  const id = Number((request.params as Record<string, string>)[param]);
  if (!Number.isSafeInteger(id) || id <= 0) return null;
  if (access.unitParam) return (await findUnitUnscoped(services.db, { id }))?.id ?? null;
  const owner = access.userParam
    ? services.db.selectFrom("app_user").select("app_user.unit_id as unit").where("app_user.id", "=", id)
    : services.db.selectFrom("student").select("student.school_unit_id as unit").where("student.id", "=", id);
  return (await owner.executeTakeFirst())?.unit ?? null;
}

export function registerAccessPolicy(app: FastifyInstance, services: AppServices): void {
  app.decorateRequest("actor", null);
  app.decorateRequest("csrfHash", null);
  app.decorateRequest("authFailure", null);
  app.decorate("declaredRoutes", [] as DeclaredRoute[]);
  app.addHook("onRoute", (route: RouteOptions) => {
    // The OpenAPI browser (/api/docs) is public documentation registered by its plugin.
    if (!route.url.startsWith("/api/") || route.url.startsWith("/api/docs")) return;
    const access = route.config?.access;
    if (!access) throw new Error(`Route ${route.method} ${route.url} declares no config.access`);
    for (const method of [route.method].flat()) {
      if (method !== "HEAD") app.declaredRoutes.push({ method, url: route.url, access });
    }
    const check = async (request: FastifyRequest, reply: FastifyReply) => {
      await identify(services, request);
      return authorise(services, access, request, reply);
    };
    // onRequest runs before the body is parsed or validated: an unauthorised caller learns
    // nothing from validation errors, and the matrix test can send empty bodies.
    const existing = route.onRequest;
    route.onRequest = existing ? [check, ...(Array.isArray(existing) ? existing : [existing])] : [check];
  });
}

/** The service context of a request that passed authorise() for a non-public route. */
export function contextOf(services: AppServices, request: FastifyRequest): ServiceContext {
  if (!request.actor) throw new Error("contextOf called on a route without a signed-in actor");
  return { db: services.db, codes: services.codes, actor: request.actor, ip: request.ip };
}
