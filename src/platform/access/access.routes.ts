import { z } from "zod";
import { CSRF_COOKIE, contextOf, SESSION_COOKIE } from "../../http/access-policy";
import { pageQuerySchema, pageSchema } from "../../http/pagination";
import type { AppServices } from "../../http/services";
import { idParam, ok, okSchema, type ZodApp } from "../../http/zod-app";
import * as auth from "./auth.service";
import { listRoles } from "./roles";
import { securityPolicy } from "./security-policy";
import * as users from "./users.service";

const tags = ["access"];

const meSchema = z.object({
  userId: z.number().nullable(),
  username: z.string(),
  displayName: z.string(),
  unitId: z.number(),
  unitName: z.string(),
  scopeUnitId: z.number(),
  side: z.string(),
  roles: z.array(z.string()),
  permissions: z.array(z.string()),
  mustChangePassword: z.boolean(),
});

const userListItem = z.object({
  id: z.number(),
  username: z.string(),
  displayName: z.string(),
  phone: z.string().nullable(),
  unitId: z.number(),
  unitName: z.string(),
  status: z.enum(["active", "disabled"]),
  roles: z.array(z.string()),
  mustChangePassword: z.boolean(),
  lockedUntil: z.string().nullable(),
  lastLoginAt: z.string().nullable(),
  /** Whether the caller may act on this account (outrank.ts); the server refuses otherwise anyway. */
  canManage: z.boolean(),
});

const username = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.@-]{3,64}$/);
const phone = z.string().trim().regex(users.PHONE_PATTERN);
const roleList = z
  .array(
    z
      .string()
      .regex(/^[a-z][a-z0-9_]*$/)
      .max(64),
  )
  .max(20);
const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

export function registerAccessRoutes(app: ZodApp, services: AppServices): void {
  const secureCookies = services.config.secureCookies;
  app.post(
    "/api/v1/auth/login",
    {
      config: { access: { public: true }, rateLimitGroup: "login" },
      schema: {
        tags,
        summary: "Sign in with user name or phone number and password",
        body: z.object({ login: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) }),
        response: {
          200: z.object({ csrfToken: z.string(), expiresAt: z.string(), mustChangePassword: z.boolean() }),
        },
      },
    },
    async (request, reply) => {
      const result = await auth.login(services.db, {
        ...request.body,
        ip: request.ip,
        userAgent: request.headers["user-agent"],
      });
      const cookieBase = { path: "/", sameSite: "strict" as const, secure: secureCookies };
      reply.setCookie(SESSION_COOKIE, result.sessionToken, { ...cookieBase, httpOnly: true });
      // Readable by our own pages (double submit): a forged cross-site request cannot read it.
      reply.setCookie(CSRF_COOKIE, result.csrfToken, { ...cookieBase, httpOnly: false });
      return {
        csrfToken: result.csrfToken,
        expiresAt: result.expiresAt.toISOString(),
        mustChangePassword: result.mustChangePassword,
      };
    },
  );

  app.post(
    "/api/v1/auth/logout",
    {
      config: { access: { signedIn: true, duringPasswordChange: true } },
      schema: {
        tags,
        summary: "Sign out (everywhere=true ends every session of the account)",
        querystring: z.object({ everywhere: z.stringbool().default(false) }),
        response: { 200: z.object({ endedSessions: z.number() }) },
      },
    },
    async (request, reply) => {
      const ended = await auth.logout(services.db, request.actor!, request.query.everywhere, request.ip);
      reply.clearCookie(SESSION_COOKIE, { path: "/" }).clearCookie(CSRF_COOKIE, { path: "/" });
      return { endedSessions: ended };
    },
  );

  app.get(
    "/api/v1/auth/me",
    {
      config: { access: { signedIn: true, duringPasswordChange: true } },
      schema: { tags, summary: "Who am I: unit, scope, roles and permissions", response: { 200: meSchema } },
    },
    async (request) => users.describeActor(request.actor!),
  );

  app.post(
    "/api/v1/auth/password",
    {
      config: { access: { signedIn: true, duringPasswordChange: true }, rateLimitGroup: "password" },
      schema: {
        tags,
        summary: "Change my password",
        body: z.object({
          currentPassword: z.string().min(1).max(256),
          newPassword: z.string().min(1).max(256),
        }),
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await auth.changePassword(services.db, request.actor!, request.body, request.ip);
      return ok;
    },
  );

  app.get(
    "/api/v1/auth/password-policy",
    {
      config: { access: { public: true } },
      schema: {
        tags,
        summary: "The password rules, for forms",
        response: {
          200: z.object({ minLength: z.number(), maxLength: z.number(), minCharacterClasses: z.number() }),
        },
      },
    },
    async () => {
      const { minLength, maxLength, minCharacterClasses } = securityPolicy.password;
      return { minLength, maxLength, minCharacterClasses };
    },
  );

  app.get(
    "/api/v1/auth/tokens",
    {
      config: { access: { signedIn: true } },
      schema: {
        tags,
        summary: "My API tokens (values are never shown again)",
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.number(),
                name: z.string(),
                prefix: z.string(),
                expiresAt: z.string().nullable(),
                revokedAt: z.string().nullable(),
                lastUsedAt: z.string().nullable(),
                createdAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const rows = await auth.listApiTokens(services.db, request.actor!);
      return {
        items: rows.map((r) => ({
          id: r.id,
          name: r.name,
          prefix: r.prefix,
          expiresAt: iso(r.expires_at),
          revokedAt: iso(r.revoked_at),
          lastUsedAt: iso(r.last_used_at),
          createdAt: iso(r.created_at)!,
        })),
      };
    },
  );

  app.post(
    "/api/v1/auth/tokens",
    {
      config: { access: { signedIn: true } },
      schema: {
        tags,
        summary: "Create an API token for a system-to-system client; the value is shown once",
        body: z.object({
          name: z.string().trim().min(1).max(100),
          expiresInDays: z.number().int().min(1).max(securityPolicy.apiToken.maxDays),
        }),
        response: { 201: z.object({ id: z.number(), token: z.string(), expiresAt: z.string() }) },
      },
    },
    async (request, reply) => {
      const created = await auth.createApiToken(services.db, request.actor!, request.body, request.ip);
      return reply
        .status(201)
        .send({ id: created.id, token: created.token, expiresAt: created.expiresAt.toISOString() });
    },
  );

  app.delete(
    "/api/v1/auth/tokens/:id",
    {
      config: { access: { signedIn: true } },
      schema: { tags, summary: "Revoke one of my API tokens", params: idParam, response: { 200: okSchema } },
    },
    async (request) => {
      await auth.revokeApiToken(services.db, request.actor!, request.params.id, request.ip);
      return ok;
    },
  );

  app.get(
    "/api/v1/roles",
    {
      config: { access: { module: "access", action: "read" } },
      schema: {
        tags,
        summary: "Roles and their permissions",
        response: {
          200: z.object({
            items: z.array(
              z.object({
                code: z.string(),
                nameZh: z.string(),
                nameEn: z.string(),
                descriptionZh: z.string(),
                unitSides: z.array(z.string()),
                permissions: z.array(z.string()),
              }),
            ),
          }),
        },
      },
    },
    async () => {
      const roles = await listRoles(services.db);
      return {
        items: roles.map((r) => ({
          code: r.code,
          nameZh: r.name_zh,
          nameEn: r.name_en,
          descriptionZh: r.description_zh,
          unitSides: r.unit_sides,
          permissions: r.permissions,
        })),
      };
    },
  );

  app.get(
    "/api/v1/users",
    {
      config: { access: { module: "access", action: "read" } },
      schema: {
        tags,
        summary: "Accounts in my scope (phone numbers masked)",
        querystring: pageQuerySchema.extend({
          q: z.string().trim().min(1).max(64).optional(),
          unitId: z.coerce.number().int().positive().optional(),
          status: z.enum(["active", "disabled"]).optional(),
          role: z.string().max(64).optional(),
        }),
        response: { 200: pageSchema(userListItem) },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      const result = await users.listUsers(contextOf(services, request), filter, { page, pageSize });
      return {
        ...result,
        items: result.items.map((u) => ({
          id: u.id,
          username: u.username,
          displayName: u.display_name,
          phone: u.phone,
          unitId: u.unit_id,
          unitName: u.unit_name,
          status: u.status,
          roles: u.roles,
          mustChangePassword: u.must_change_password,
          lockedUntil: iso(u.locked_until),
          lastLoginAt: iso(u.last_login_at),
          canManage: u.can_manage,
        })),
      };
    },
  );

  app.get(
    "/api/v1/users/:id",
    {
      config: { access: { module: "access", action: "read", userParam: "id" }, personalData: "full" },
      schema: {
        tags,
        summary: "One account in full; the read is audited",
        params: idParam,
        response: { 200: userListItem },
      },
    },
    async (request) => {
      const u = await users.getUser(contextOf(services, request), request.params.id);
      return {
        id: u.id,
        username: u.username,
        displayName: u.display_name,
        phone: u.phone,
        unitId: u.unit_id,
        unitName: u.unit_name,
        status: u.status,
        roles: u.roles,
        mustChangePassword: u.must_change_password,
        lockedUntil: iso(u.locked_until),
        lastLoginAt: iso(u.last_login_at),
        canManage: u.can_manage,
      };
    },
  );

  app.post(
    "/api/v1/users",
    {
      config: { access: { module: "access", action: "write" } },
      schema: {
        tags,
        summary: "Create an account in a unit of my scope; the temporary password is shown once",
        body: z.object({
          username,
          displayName: z.string().trim().min(1).max(100),
          phone: phone.nullish(),
          unitId: z.number().int().positive(),
          roles: roleList,
        }),
        response: { 201: z.object({ id: z.number(), temporaryPassword: z.string() }) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await users.createUser(contextOf(services, request), request.body)),
  );

  app.patch(
    "/api/v1/users/:id",
    {
      config: { access: { module: "access", action: "write", userParam: "id" } },
      schema: {
        tags,
        summary: "Edit or disable an account",
        params: idParam,
        body: z
          .object({
            displayName: z.string().trim().min(1).max(100).optional(),
            phone: phone.nullish(),
            status: z.enum(["active", "disabled"]).optional(),
          })
          .strict(),
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await users.updateUser(contextOf(services, request), request.params.id, request.body);
      return ok;
    },
  );

  app.put(
    "/api/v1/users/:id/roles",
    {
      config: { access: { module: "access", action: "write", userParam: "id" } },
      schema: {
        tags,
        summary: "Replace an account's roles",
        params: idParam,
        body: z.object({ roles: roleList }),
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await users.setUserRoles(contextOf(services, request), request.params.id, request.body.roles);
      return ok;
    },
  );

  app.post(
    "/api/v1/users/:id/reset-password",
    {
      config: { access: { module: "access", action: "write", userParam: "id" }, rateLimitGroup: "password" },
      schema: {
        tags,
        summary: "Reset a password to a temporary one (shown once); sessions end",
        params: idParam,
        response: { 200: z.object({ temporaryPassword: z.string() }) },
      },
    },
    async (request) => users.resetPassword(contextOf(services, request), request.params.id),
  );

  app.post(
    "/api/v1/users/:id/unlock",
    {
      config: { access: { module: "access", action: "write", userParam: "id" } },
      schema: {
        tags,
        summary: "Unlock an account locked after failed sign-ins",
        params: idParam,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await users.unlockUser(contextOf(services, request), request.params.id);
      return ok;
    },
  );

  app.post(
    "/api/v1/users/:id/end-sessions",
    {
      config: { access: { module: "access", action: "write", userParam: "id" } },
      schema: {
        tags,
        summary: "Sign an account out everywhere: end its sessions and revoke its API tokens",
        params: idParam,
        response: { 200: z.object({ endedSessions: z.number(), revokedTokens: z.number() }) },
      },
    },
    async (request) => users.endUserSessions(contextOf(services, request), request.params.id),
  );
}
