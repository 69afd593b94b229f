/**
 * Accounts administered within scope: create, edit, disable, reset password, unlock, assign
 * roles, end sessions. Nobody can act on a user outside their subtree or on their own account,
 * and every action on an account requires the caller to outrank it (outrank.ts); refused
 * attempts are audited too.
 */
import { type Executor, inTransaction } from "../../db/database";
import { type PageQuery, pageWindow, toPage } from "../../http/pagination";
import { AppError, conflict, notFound, sqlState, unprocessable } from "../../shared/errors";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";
import { maskPhoneNumber } from "../identifiers/masking";
import { requirePersonName } from "../identifiers/person-name";
import * as repo from "./access.repo";
import { type Actor, can } from "./actor";
import { scopeOfUnit } from "./auth.service";
import { clearLoginThrottle } from "./login-throttle";
import {
  accountTarget,
  assertOutranks,
  isAboveLevel,
  manageableIds,
  outranks,
  refuseAccountAction,
} from "./outrank";
import { generateTemporaryPassword, hashPassword } from "./passwords";
import { unitIdInScope } from "./scope";

function requireAccess(ctx: ServiceContext, action: "read" | "write"): void {
  if (!can(ctx.actor, "access", action)) throw new AppError("forbidden", 403);
}

/**
 * Roles must exist and fit the unit's side. Who may grant (or take away) what: the grantor must
 * outrank the account as the role makes it (outrank.ts: hold every permission of the role, or
 * hold access:administer above the unit's level), and administrator roles are granted only to
 * units below the grantor's own level (administrators are appointed from above).
 */
async function checkGrantableRoles(
  ctx: ServiceContext,
  roles: string[],
  unit: { side: string; scopeRootPath: string },
  subjectId: number | undefined,
  action: string,
): Promise<void> {
  const found = await repo.findRoles(ctx.db, roles);
  const unitBelowActor = isAboveLevel(ctx.actor, unit.scopeRootPath);
  for (const code of roles) {
    const role = found.find((r) => r.code === code);
    if (!role) {
      const error = unprocessable("role_unknown", { role: code }, [
        { path: "roles", code: "role_unknown", params: { role: code } },
      ]);
      await refuseAccountAction(ctx, action, subjectId, error);
    }
    if (!role!.unit_sides.includes(unit.side)) {
      await refuseAccountAction(
        ctx,
        action,
        subjectId,
        unprocessable("role_not_allowed_for_unit", { role: code }),
      );
    }
    if (ctx.actor.kind === "system") continue;
    const permissions = await repo.permissionsOfRoles(ctx.db, [code]);
    const grantable =
      outranks(ctx.actor, { permissions, scopeRootPath: unit.scopeRootPath }) &&
      (!permissions.includes("access:administer") || unitBelowActor);
    if (!grantable)
      await refuseAccountAction(
        ctx,
        action,
        subjectId,
        new AppError("role_exceeds_own", 403, { role: code }),
      );
  }
}

/** A phone number as the database accepts it (0002's CHECK); also the shape a user name may not have. */
export const PHONE_PATTERN = /^1[3-9]\d{9}$/;

/**
 * Sign-in takes a user name or a phone number (findUserByLogin), so the two must never name two
 * accounts: a user name may not have the shape of a phone number, and a phone number may not be
 * another account's user name (accounts from before this rule).
 */
async function checkLoginNames(
  ctx: ServiceContext,
  names: { username?: string; phone?: string | null },
  subjectId: number | undefined,
  action: string,
): Promise<void> {
  if (names.username && PHONE_PATTERN.test(names.username)) {
    const error = unprocessable("username_like_phone", {}, [
      { path: "username", code: "username_like_phone" },
    ]);
    await refuseAccountAction(ctx, action, subjectId, error);
  }
  if (names.phone) {
    let query = ctx.db.selectFrom("app_user").select("id").where("username", "=", names.phone);
    if (subjectId !== undefined) query = query.where("id", "!=", subjectId);
    if (await query.executeTakeFirst())
      await refuseAccountAction(ctx, action, subjectId, conflict("phone_is_username"));
  }
}

async function unitForUser(ctx: ServiceContext, unitId: number) {
  const unit = await repo.findUnitForActor(ctx.db, unitId).catch(() => undefined);
  if (
    !unit ||
    !["department", "school"].includes(unit.kind) ||
    !(await unitIdInScope(ctx.db, ctx.actor.scope, unit.id))
  ) {
    throw unprocessable("unit_not_found", {}, [{ path: "unitId", code: "unit_not_found" }]);
  }
  const scope = scopeOfUnit(unit);
  return { ...unit, side: scope.side, scopeRootPath: scope.rootPath };
}

export async function listUsers(
  ctx: ServiceContext,
  filter: repo.UserFilter & { unitId?: number },
  page: PageQuery,
) {
  requireAccess(ctx, "read");
  let unitPath: string | undefined;
  if (filter.unitId !== undefined) {
    const unit = await repo.findUnitForActor(ctx.db, filter.unitId).catch(() => undefined);
    if (!unit || !(await unitIdInScope(ctx.db, ctx.actor.scope, unit.id))) throw notFound("unit_not_found");
    unitPath = unit.path;
  }
  const { rows, total } = await repo.listUsers(
    ctx.db,
    ctx.actor.scope,
    { ...filter, unitPath },
    pageWindow(page),
  );
  // The console hides what the caller may not do; the same rule refuses it on the server.
  const manageable = can(ctx.actor, "access", "write")
    ? await manageableIds(ctx.db, ctx.actor, rows)
    : new Set<number>();
  const items = rows.map((r) => ({
    ...r,
    phone: r.phone ? maskPhoneNumber(r.phone) : null,
    can_manage: manageable.has(r.id),
  }));
  return toPage(items, total, page);
}

/** One account in full (phone unmasked); the read is audited. */
export async function getUser(ctx: ServiceContext, id: number) {
  requireAccess(ctx, "read");
  const user = await repo.findUserInScope(ctx.db, ctx.actor.scope, id);
  if (!user) throw notFound();
  const roles = (await repo.rolesOfUsers(ctx.db, [id])).get(id) ?? [];
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: "user.read",
    module: "access",
    subjectType: "app_user",
    subjectId: id,
    subjectUnitPath: user.unit_path,
  });
  const { password_hash: _hash, ...visible } = user;
  const canManage =
    can(ctx.actor, "access", "write") && outranks(ctx.actor, await accountTarget(ctx.db, user));
  return { ...visible, roles, can_manage: canManage };
}

export interface NewUser {
  username: string;
  displayName: string;
  phone?: string | null | undefined;
  unitId: number;
  roles: string[];
}

export async function createUser(
  ctx: ServiceContext,
  rawInput: NewUser,
): Promise<{ id: number; temporaryPassword: string }> {
  requireAccess(ctx, "write");
  // The name rule of person-name.ts (display-name profile): stored normalised, hostile text refused.
  const input = {
    ...rawInput,
    displayName: requirePersonName(rawInput.displayName, "displayName", "displayName"),
  };
  const unit = await unitForUser(ctx, input.unitId);
  // Creating an account with roles is granting them: the grant rule is the outrank rule.
  await checkGrantableRoles(ctx, input.roles, unit, undefined, "user.create");
  await checkLoginNames(
    ctx,
    { username: input.username, phone: input.phone ?? null },
    undefined,
    "user.create",
  );
  const temporaryPassword = generateTemporaryPassword();
  const passwordHash = await hashPassword(temporaryPassword);
  try {
    const id = await inTransaction(ctx.db, async (trx) => {
      const { id } = await trx
        .insertInto("app_user")
        .values({
          username: input.username,
          display_name: input.displayName,
          phone: input.phone ?? null,
          unit_id: unit.id,
          password_hash: passwordHash,
          must_change_password: true,
          locked_until: null,
          last_login_at: null,
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      if (input.roles.length > 0) {
        await trx
          .insertInto("user_role")
          .values(input.roles.map((role_code) => ({ user_id: id, role_code, granted_by: ctx.actor.userId })))
          .execute();
      }
      await recordAudit(trx, {
        actor: ctx.actor,
        ip: ctx.ip,
        action: "user.create",
        module: "access",
        subjectType: "app_user",
        subjectId: id,
        subjectUnitPath: unit.path,
        detail: {
          after: {
            username: input.username,
            displayName: input.displayName,
            phone: input.phone,
            unitId: unit.id,
            roles: input.roles,
          },
        },
      });
      return id;
    });
    return { id, temporaryPassword };
  } catch (error) {
    if (sqlState(error) === "23505") {
      const detail = String((error as { detail?: string }).detail ?? "");
      if (detail.includes("phone")) throw conflict("phone_taken");
      throw conflict("username_taken", { username: input.username });
    }
    throw error;
  }
}

async function requireUserInScope(ctx: ServiceContext, id: number) {
  const user = await repo.findUserInScope(ctx.db, ctx.actor.scope, id);
  if (!user) throw notFound();
  return user;
}

/** The account in scope, after the outrank check every account action starts with. */
async function requireOutranked(ctx: ServiceContext, id: number, action: string) {
  const user = await requireUserInScope(ctx, id);
  await assertOutranks(ctx, await accountTarget(ctx.db, user), action);
  return user;
}

export async function updateUser(
  ctx: ServiceContext,
  id: number,
  update: {
    displayName?: string | undefined;
    phone?: string | null | undefined;
    status?: "active" | "disabled" | undefined;
  },
): Promise<void> {
  requireAccess(ctx, "write");
  const user = await requireOutranked(ctx, id, "user.update");
  const values: { display_name?: string; phone?: string | null; status?: "active" | "disabled" } = {};
  if (update.displayName !== undefined)
    values.display_name = requirePersonName(update.displayName, "displayName", "displayName");
  if (update.phone !== undefined) values.phone = update.phone;
  if (update.status !== undefined) values.status = update.status;
  if (Object.keys(values).length === 0) return;
  if (values.phone) await checkLoginNames(ctx, { phone: values.phone }, id, "user.update");
  try {
    await inTransaction(ctx.db, async (trx) => {
      await trx.updateTable("app_user").set(values).where("id", "=", id).execute();
      const ended = update.status === "disabled" ? await endAccess(trx, id) : undefined;
      await recordAudit(trx, {
        actor: ctx.actor,
        ip: ctx.ip,
        action: "user.update",
        module: "access",
        subjectType: "app_user",
        subjectId: id,
        subjectUnitPath: user.unit_path,
        detail: {
          before: { displayName: user.display_name, phone: user.phone, status: user.status },
          after: {
            displayName: values.display_name ?? user.display_name,
            phone: values.phone === undefined ? user.phone : values.phone,
            status: values.status ?? user.status,
          },
          ...ended,
        },
      });
    });
  } catch (error) {
    if (sqlState(error) === "23505") throw conflict("phone_taken");
    throw error;
  }
}

/**
 * Role changes do not end sessions or tokens: every request rebuilds the actor from the roles
 * in the database (buildActor), so a revoked role stops working at the next request anyway.
 */
export async function setUserRoles(ctx: ServiceContext, id: number, roles: string[]): Promise<void> {
  requireAccess(ctx, "write");
  if (id === ctx.actor.userId) {
    await requireUserInScope(ctx, id);
    await refuseAccountAction(ctx, "user.set_roles", id, new AppError("self_role_change", 403));
  }
  const user = await requireOutranked(ctx, id, "user.set_roles");
  const unit = await unitForUser(ctx, user.unit_id);
  const before = (await repo.rolesOfUsers(ctx.db, [id])).get(id) ?? [];
  // Removing a role is also a grant decision: one cannot strip a role more powerful than one's own.
  await checkGrantableRoles(ctx, [...new Set([...roles, ...before])], unit, id, "user.set_roles");
  await inTransaction(ctx.db, async (trx) => {
    await trx.deleteFrom("user_role").where("user_id", "=", id).execute();
    if (roles.length > 0) {
      await trx
        .insertInto("user_role")
        .values(
          [...new Set(roles)].map((role_code) => ({ user_id: id, role_code, granted_by: ctx.actor.userId })),
        )
        .execute();
    }
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "user.set_roles",
      module: "access",
      subjectType: "app_user",
      subjectId: id,
      subjectUnitPath: user.unit_path,
      detail: { before: { roles: before }, after: { roles } },
    });
  });
}

/** Ends every session and revokes every API token of an account; the counts go into the audit entry. */
async function endAccess(trx: Executor, id: number) {
  return {
    endedSessions: await repo.revokeSessions(trx, id),
    revokedTokens: await repo.revokeApiTokens(trx, id),
  };
}

export async function resetPassword(ctx: ServiceContext, id: number): Promise<{ temporaryPassword: string }> {
  requireAccess(ctx, "write");
  const user = await requireOutranked(ctx, id, "user.reset_password");
  const temporaryPassword = generateTemporaryPassword();
  const hash = await hashPassword(temporaryPassword);
  await inTransaction(ctx.db, async (trx) => {
    await trx
      .updateTable("app_user")
      .set({
        password_hash: hash,
        must_change_password: true,
        failed_attempts: 0,
        locked_until: null,
        password_changed_at: new Date(),
      })
      .where("id", "=", id)
      .execute();
    const ended = await endAccess(trx, id);
    await clearLoginThrottle(trx, id);
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "user.reset_password",
      module: "access",
      subjectType: "app_user",
      subjectId: id,
      subjectUnitPath: user.unit_path,
      detail: ended,
    });
  });
  return { temporaryPassword };
}

export async function unlockUser(ctx: ServiceContext, id: number): Promise<void> {
  requireAccess(ctx, "write");
  const user = await requireOutranked(ctx, id, "user.unlock");
  await inTransaction(ctx.db, async (trx) => {
    await trx
      .updateTable("app_user")
      .set({ failed_attempts: 0, locked_until: null })
      .where("id", "=", id)
      .execute();
    await clearLoginThrottle(trx, id);
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "user.unlock",
      module: "access",
      subjectType: "app_user",
      subjectId: id,
      subjectUnitPath: user.unit_path,
    });
  });
}

/** Signs an account out everywhere: every session ends and every API token is revoked. */
export async function endUserSessions(
  ctx: ServiceContext,
  id: number,
): Promise<{ endedSessions: number; revokedTokens: number }> {
  requireAccess(ctx, "write");
  const user = await requireOutranked(ctx, id, "user.end_sessions");
  return inTransaction(ctx.db, async (trx) => {
    const ended = await endAccess(trx, id);
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "user.end_sessions",
      module: "access",
      subjectType: "app_user",
      subjectId: id,
      subjectUnitPath: user.unit_path,
      detail: ended,
    });
    return ended;
  });
}

export function describeActor(actor: Actor) {
  return {
    userId: actor.userId,
    username: actor.username,
    displayName: actor.displayName,
    unitId: actor.unitId,
    unitName: actor.unitName,
    scopeUnitId: actor.scope.rootUnitId,
    side: actor.scope.side,
    roles: actor.roles,
    permissions: [...actor.permissions].sort(),
    mustChangePassword: actor.mustChangePassword ?? false,
  };
}
