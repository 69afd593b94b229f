/**
 * Who may act on whose account. One rule for every account action (edit, disable, enable,
 * unlock, password reset, role grant or revocation, ending sessions and tokens, and creating an
 * account with roles): the caller must OUTRANK the account, that is
 *
 *   - hold every permission the account holds (the union over its roles), or
 *   - hold `access:administer` at a level above the account's unit level (the account's scope
 *     root lies strictly inside the caller's scope: administrators are appointed from above).
 *
 * Without it, an account clerk could reset a system administrator's password, sign in as it and
 * grant itself anything. Nobody acts on their own account through these actions: one changes
 * one's own password at /auth/password, and one's roles only through someone above.
 */
import type { Executor } from "../../db/database";
import { AppError } from "../../shared/errors";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";
import * as repo from "./access.repo";
import type { Actor, Permission } from "./actor";
import { scopeOfUnit } from "./auth.service";

export interface AccountTarget {
  /** The account's id; undefined for an account being created. */
  userId?: number | undefined;
  /** Every permission the account holds (or would hold), over all its roles. */
  permissions: Iterable<string>;
  /** The scope root of the account's unit (scopeOfUnit(unit).rootPath): its level. */
  scopeRootPath: string;
}

/** True when the actor's level is strictly above the account's (its scope contains the account's). */
export function isAboveLevel(actor: Actor, scopeRootPath: string): boolean {
  return scopeRootPath !== actor.scope.rootPath && scopeRootPath.startsWith(actor.scope.rootPath);
}

/** The rule itself, without side effects; the console's `canManage` comes from here too. */
export function outranks(actor: Actor, target: AccountTarget): boolean {
  if (actor.kind === "system") return true;
  if (target.userId !== undefined && target.userId === actor.userId) return false;
  if (actor.permissions.has("access:administer") && isAboveLevel(actor, target.scopeRootPath)) return true;
  for (const permission of target.permissions) {
    if (!actor.permissions.has(permission as Permission)) return false;
  }
  return true;
}

/** The account as a target: its permissions now and its level. */
export async function accountTarget(
  db: Executor,
  user: { id: number; unit_id: number },
): Promise<AccountTarget> {
  const roles = (await repo.rolesOfUsers(db, [user.id])).get(user.id) ?? [];
  const permissions = await repo.permissionsOfRoles(db, roles);
  const unit = await repo.findUnitForActor(db, user.unit_id);
  return { userId: user.id, permissions, scopeRootPath: scopeOfUnit(unit).rootPath };
}

/**
 * Refuses (403, audited as denied) unless the caller outranks the account: `own_account` when
 * it is the caller's own, `not_outranked` otherwise. Every account action calls it first.
 */
export async function assertOutranks(
  ctx: ServiceContext,
  target: AccountTarget,
  action: string,
): Promise<void> {
  if (outranks(ctx.actor, target)) return;
  const own = target.userId !== undefined && target.userId === ctx.actor.userId;
  await refuseAccountAction(
    ctx,
    action,
    target.userId,
    new AppError(own ? "own_account" : "not_outranked", 403),
  );
}

/** Audits a refused account action as denied (with the error's code and parameters), then throws it. */
export async function refuseAccountAction(
  ctx: ServiceContext,
  action: string,
  subjectId: number | undefined,
  error: AppError,
): Promise<never> {
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    ip: ctx.ip,
    action,
    module: "access",
    subjectType: "app_user",
    subjectId,
    outcome: "denied",
    detail: { code: error.code, ...error.params },
  });
  throw error;
}

/** canManage for a page of accounts, with two queries for the whole page. */
export async function manageableIds(
  db: Executor,
  actor: Actor,
  rows: { id: number; unit_id: number; roles: string[] }[],
): Promise<Set<number>> {
  const result = new Set<number>();
  if (rows.length === 0) return result;
  const rolePermissions = await db
    .selectFrom("role_permission")
    .select(["role_code", "permission"])
    .execute();
  const byRole = new Map<string, string[]>();
  for (const r of rolePermissions)
    byRole.set(r.role_code, [...(byRole.get(r.role_code) ?? []), r.permission]);
  const units = await db
    .selectFrom("org_unit")
    .select(["id", "kind", "name", "path", "parent_id", "department_type"])
    .where("id", "in", [...new Set(rows.map((r) => r.unit_id))])
    .execute();
  const levelOf = new Map(units.map((u) => [u.id, scopeOfUnit(u).rootPath]));
  for (const row of rows) {
    const permissions = row.roles.flatMap((role) => byRole.get(role) ?? []);
    const scopeRootPath = levelOf.get(row.unit_id);
    if (scopeRootPath !== undefined && outranks(actor, { userId: row.id, permissions, scopeRootPath })) {
      result.add(row.id);
    }
  }
  return result;
}
