/**
 * Signing in and staying signed in: password login with lockout, server-side sessions (the
 * browser holds only a random token in an httpOnly cookie; the table holds its SHA-256), CSRF
 * tokens bound to the session, and revocable API tokens for system-to-system clients.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Kysely } from "kysely";
import { inTransaction } from "../../db/database";
import type { DB } from "../../db/schema";
import { AppError, notFound, unprocessable } from "../../shared/errors";
import { recordAudit } from "../audit/audit.service";
import * as repo from "./access.repo";
import type { Actor, Permission } from "./actor";
import * as throttle from "./login-throttle";
import { clientAddressKey } from "./login-throttle";
import { checkPasswordPolicy, decoyPasswordHash, hashPassword, verifyPassword } from "./passwords";
import type { Scope } from "./scope";
import { securityPolicy } from "./security-policy";

export const API_TOKEN_PREFIX = "edm_";

export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
}

function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Where a unit's users reach: a department reaches its administrative unit's subtree. */
export function scopeOfUnit(unit: {
  id: number;
  kind: string;
  path: string;
  parent_id: number | null;
  department_type: "education" | "finance" | "hrss" | null;
}): Scope {
  if (unit.kind === "department" && unit.parent_id !== null && unit.department_type) {
    const parentPath = unit.path.slice(0, unit.path.slice(0, -1).lastIndexOf("/") + 1);
    return { rootPath: parentPath, rootUnitId: unit.parent_id, side: unit.department_type };
  }
  return {
    rootPath: unit.path,
    rootUnitId: unit.id,
    side: unit.kind === "school" ? "school" : (unit.department_type ?? "education"),
  };
}

export async function buildActor(
  db: Kysely<DB>,
  user: {
    id: number;
    username: string;
    display_name: string;
    unit_id: number;
    must_change_password: boolean;
  },
  via: { sessionId?: string; tokenId?: number },
): Promise<Actor> {
  const unit = await repo.findUnitForActor(db, user.unit_id);
  const roles = (await repo.rolesOfUsers(db, [user.id])).get(user.id) ?? [];
  const permissions = await repo.permissionsOfRoles(db, roles);
  return {
    kind: via.tokenId !== undefined ? "api_token" : "user",
    userId: user.id,
    username: user.username,
    displayName: user.display_name,
    unitId: unit.id,
    unitName: unit.name,
    unitPath: unit.path,
    scope: scopeOfUnit(unit),
    roles,
    permissions: new Set(permissions as Permission[]),
    mustChangePassword: user.must_change_password,
    ...via,
  };
}

export interface LoginResult {
  sessionToken: string;
  csrfToken: string;
  expiresAt: Date;
  mustChangePassword: boolean;
}

function minutesFromNow(minutes: number): Date {
  return new Date(Date.now() + minutes * 60_000);
}

/**
 * Checks a password login. Every attempt is audited; the answer for an unknown name and for a
 * wrong password is the same, and takes the same time. Failures are reserved atomically before
 * the password is checked (login-throttle.ts), so parallel guesses cannot exceed the limits.
 */
export async function login(
  db: Kysely<DB>,
  input: { login: string; password: string; ip?: string | undefined; userAgent?: string | undefined },
): Promise<LoginResult> {
  const auditBase = { action: "auth.login", module: "access", ip: input.ip, subjectType: "app_user" };
  const { lockout, addressThrottle } = securityPolicy;
  const now = new Date();
  const address = clientAddressKey(input.ip);
  const byAddress = await throttle.reserve(db, `a:${address}`, null, addressThrottle.windowMinutes, now);
  if (!throttle.admits(byAddress, addressThrottle.maxFailures, now)) {
    await recordAudit(db, {
      ...auditBase,
      actor: null,
      outcome: "denied",
      detail: { login: input.login, reason: "address_throttled" },
    });
    throw new AppError("login_throttled", 429, {
      minutes: throttle.minutesLeft(byAddress, addressThrottle.blockMinutes, now),
    });
  }
  const settleAddress = () =>
    throttle.settleFailure(db, byAddress, addressThrottle.maxFailures, addressThrottle.blockMinutes, now);
  const user = await repo.findUserByLogin(db, input.login);
  if (!user) {
    await verifyPassword(input.password, await decoyPasswordHash());
    await settleAddress();
    await recordAudit(db, {
      ...auditBase,
      actor: null,
      outcome: "failure",
      detail: { login: input.login, reason: "unknown" },
    });
    throw new AppError("login_failed", 401);
  }
  const unit = await repo.findUnitForActor(db, user.unit_id);
  const actorRef = {
    kind: "user" as const,
    userId: user.id,
    username: user.username,
    unitId: unit.id,
    unitPath: unit.path,
  };
  // The lock is looked at only after the attempt has been counted: that is what bounds the checks.
  const byAccountAddress = await throttle.reserve(
    db,
    throttle.accountKey(user.id, address),
    user.id,
    lockout.windowMinutes,
    now,
  );
  const byAccount = await throttle.reserveOnAccount(db, user.id, now);
  const admitted =
    throttle.admits(byAccountAddress, lockout.maxFailedAttempts, now) &&
    throttle.admits(byAccount, lockout.accountMaxFailedAttempts, now);
  if (!admitted) {
    await recordAudit(db, {
      ...auditBase,
      actor: actorRef,
      subjectId: user.id,
      outcome: "denied",
      detail: { reason: "locked" },
    });
    const minutes = Math.max(
      throttle.minutesLeft(byAccountAddress, lockout.lockMinutes, now),
      byAccount.lockedUntil && byAccount.lockedUntil > now
        ? throttle.minutesLeft(byAccount, lockout.lockMinutes, now)
        : 0,
    );
    throw new AppError("account_locked", 423, { minutes });
  }
  if (user.status !== "active") {
    await verifyPassword(input.password, user.password_hash);
    await recordAudit(db, {
      ...auditBase,
      actor: actorRef,
      subjectId: user.id,
      outcome: "denied",
      detail: { reason: "disabled" },
    });
    throw new AppError("login_failed", 401);
  }
  if (!(await verifyPassword(input.password, user.password_hash))) {
    const attempts = byAccountAddress.failures;
    const locked = await inTransaction(db, async (trx) => {
      const lockedHere = await throttle.settleFailure(
        trx,
        byAccountAddress,
        lockout.maxFailedAttempts,
        lockout.lockMinutes,
        now,
      );
      const lockedEverywhere = await throttle.settleFailure(
        trx,
        byAccount,
        lockout.accountMaxFailedAttempts,
        lockout.lockMinutes,
        now,
      );
      await throttle.settleFailure(
        trx,
        byAddress,
        addressThrottle.maxFailures,
        addressThrottle.blockMinutes,
        now,
      );
      await recordAudit(trx, {
        ...auditBase,
        actor: actorRef,
        subjectId: user.id,
        outcome: "failure",
        detail: { reason: "password", attempts, locked: lockedHere || lockedEverywhere },
      });
      return lockedHere || lockedEverywhere;
    });
    if (locked) throw new AppError("account_locked", 423, { minutes: lockout.lockMinutes });
    throw new AppError("login_failed", 401, { remaining: lockout.maxFailedAttempts - attempts });
  }
  const sessionToken = randomToken();
  const csrfToken = randomToken();
  const expiresAt = minutesFromNow(securityPolicy.session.idleMinutes);
  await inTransaction(db, async (trx) => {
    await trx
      .updateTable("app_user")
      .set({ failed_attempts: 0, locked_until: null, last_login_at: new Date() })
      .where("id", "=", user.id)
      .execute();
    await throttle.settleSuccess(trx, user.id, address, now);
    await trx
      .insertInto("user_session")
      .values({
        id: sha256Hex(sessionToken),
        user_id: user.id,
        csrf_hash: sha256Hex(csrfToken),
        expires_at: expiresAt,
        ip: input.ip ?? null,
        user_agent: input.userAgent?.slice(0, 300) ?? null,
      })
      .execute();
    await recordAudit(trx, { ...auditBase, actor: actorRef, subjectId: user.id, outcome: "success" });
  });
  const passwordExpired =
    Date.now() - new Date(user.password_changed_at).getTime() >
    securityPolicy.password.maxAgeDays * 86_400_000;
  return {
    sessionToken,
    csrfToken,
    expiresAt,
    mustChangePassword: user.must_change_password || passwordExpired,
  };
}

export interface SessionCheck {
  actor: Actor;
  csrfHash: string;
}

/** The actor of a session token, or the reason it is not valid. Extends an idle session. */
export async function resolveSession(
  db: Kysely<DB>,
  token: string,
): Promise<SessionCheck | "expired" | "invalid"> {
  const session = await repo.findSession(db, sha256Hex(token));
  if (!session || session.revoked_at) return "invalid";
  const now = Date.now();
  const absoluteEnd =
    new Date(session.created_at).getTime() + securityPolicy.session.absoluteHours * 3_600_000;
  if (session.expires_at.getTime() <= now || absoluteEnd <= now) return "expired";
  const user = await repo.findUserById(db, session.user_id);
  if (user?.status !== "active") return "invalid";
  // Sliding expiry, written at most once a minute to keep reads cheap.
  if (now - new Date(session.last_seen_at).getTime() > 60_000) {
    await db
      .updateTable("user_session")
      .set({ last_seen_at: new Date(now), expires_at: minutesFromNow(securityPolicy.session.idleMinutes) })
      .where("id", "=", session.id)
      .execute();
  }
  const passwordExpired =
    now - new Date(user.password_changed_at).getTime() > securityPolicy.password.maxAgeDays * 86_400_000;
  const actor = await buildActor(
    db,
    { ...user, must_change_password: user.must_change_password || passwordExpired },
    {
      sessionId: session.id,
    },
  );
  return { actor, csrfHash: session.csrf_hash };
}

export function csrfMatches(csrfHash: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(sha256Hex(presented), "hex");
  const b = Buffer.from(csrfHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function resolveApiToken(db: Kysely<DB>, token: string): Promise<Actor | "invalid" | "expired"> {
  const row = await repo.findApiToken(db, sha256Hex(token));
  if (!row || row.revoked_at) return "invalid";
  if (row.expires_at && row.expires_at.getTime() <= Date.now()) return "expired";
  const user = await repo.findUserById(db, row.user_id);
  if (user?.status !== "active") return "invalid";
  if (!row.last_used_at || Date.now() - row.last_used_at.getTime() > 60_000) {
    await db.updateTable("api_token").set({ last_used_at: new Date() }).where("id", "=", row.id).execute();
  }
  // A token acts with its user's roles, but never under "must change password": no one types it.
  return buildActor(db, { ...user, must_change_password: false }, { tokenId: row.id });
}

export async function logout(
  db: Kysely<DB>,
  actor: Actor,
  everywhere: boolean,
  ip?: string,
): Promise<number> {
  return inTransaction(db, async (trx) => {
    let query = trx
      .updateTable("user_session")
      .set({ revoked_at: new Date() })
      .where("revoked_at", "is", null);
    query = everywhere
      ? query.where("user_id", "=", actor.userId!)
      : query.where("id", "=", actor.sessionId ?? "");
    const result = await query.executeTakeFirst();
    await recordAudit(trx, {
      actor,
      ip,
      action: everywhere ? "auth.logout_everywhere" : "auth.logout",
      module: "access",
      subjectType: "app_user",
      subjectId: actor.userId ?? undefined,
      subjectUnitPath: actor.unitPath,
    });
    return Number(result.numUpdatedRows);
  });
}

export async function changePassword(
  db: Kysely<DB>,
  actor: Actor,
  input: { currentPassword: string; newPassword: string },
  ip?: string,
): Promise<void> {
  const user = await repo.findUserById(db, actor.userId!);
  if (!user) throw notFound();
  // Whoever holds a session (or a stolen cookie) guesses the current password under the same
  // limits as at sign-in, counted on the same (address, account) counter.
  const now = new Date();
  const { lockout } = securityPolicy;
  const reservation = await throttle.reserve(
    db,
    throttle.accountKey(user.id, clientAddressKey(ip)),
    user.id,
    lockout.windowMinutes,
    now,
  );
  if (!throttle.admits(reservation, lockout.maxFailedAttempts, now)) {
    throw new AppError("account_locked", 423, {
      minutes: throttle.minutesLeft(reservation, lockout.lockMinutes, now),
    });
  }
  if (!(await verifyPassword(input.currentPassword, user.password_hash))) {
    await throttle.settleFailure(db, reservation, lockout.maxFailedAttempts, lockout.lockMinutes, now);
    await recordAudit(db, {
      actor,
      ip,
      action: "auth.change_password",
      module: "access",
      subjectType: "app_user",
      subjectId: user.id,
      outcome: "failure",
      detail: { reason: "current_password" },
    });
    throw unprocessable("validation_failed", {}, [{ path: "currentPassword", code: "password_incorrect" }]);
  }
  await db.deleteFrom("login_throttle").where("key", "=", reservation.key).execute();
  const problems = checkPasswordPolicy(input.newPassword, user.username);
  if (input.newPassword === input.currentPassword)
    problems.push({ path: "newPassword", code: "password_reused" });
  if (problems.length > 0) throw unprocessable("validation_failed", {}, problems);
  const hash = await hashPassword(input.newPassword);
  await inTransaction(db, async (trx) => {
    await trx
      .updateTable("app_user")
      .set({ password_hash: hash, must_change_password: false, password_changed_at: new Date() })
      .where("id", "=", user.id)
      .execute();
    // Every other session and every API token of the account end: whoever knew the old
    // password, or a token made with it, is out. The session making the change stays.
    const endedSessions = await repo.revokeSessions(trx, user.id, actor.sessionId);
    const revokedTokens = await repo.revokeApiTokens(trx, user.id);
    await recordAudit(trx, {
      actor,
      ip,
      action: "auth.change_password",
      module: "access",
      subjectType: "app_user",
      subjectId: user.id,
      subjectUnitPath: actor.unitPath,
      detail: { endedSessions, revokedTokens },
    });
  });
}

export async function createApiToken(
  db: Kysely<DB>,
  actor: Actor,
  input: { name: string; expiresInDays: number },
  ip?: string,
): Promise<{ id: number; token: string; prefix: string; expiresAt: Date }> {
  const secret = randomToken();
  const prefix = secret.slice(0, 8);
  const token = `${API_TOKEN_PREFIX}${secret}`;
  const expiresAt = new Date(
    Date.now() + Math.min(input.expiresInDays, securityPolicy.apiToken.maxDays) * 86_400_000,
  );
  return inTransaction(db, async (trx) => {
    const { id } = await trx
      .insertInto("api_token")
      .values({
        user_id: actor.userId!,
        name: input.name,
        token_hash: sha256Hex(token),
        prefix,
        expires_at: expiresAt,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await recordAudit(trx, {
      actor,
      ip,
      action: "auth.token_create",
      module: "access",
      subjectType: "api_token",
      subjectId: id,
      subjectUnitPath: actor.unitPath,
      detail: { name: input.name, prefix, expiresAt: expiresAt.toISOString() },
    });
    return { id, token, prefix, expiresAt };
  });
}

export function listApiTokens(db: Kysely<DB>, actor: Actor) {
  return db
    .selectFrom("api_token")
    .select(["id", "name", "prefix", "expires_at", "revoked_at", "last_used_at", "created_at"])
    .where("user_id", "=", actor.userId!)
    .orderBy("id", "desc")
    .execute();
}

export async function revokeApiToken(db: Kysely<DB>, actor: Actor, id: number, ip?: string): Promise<void> {
  await inTransaction(db, async (trx) => {
    const result = await trx
      .updateTable("api_token")
      .set({ revoked_at: new Date() })
      .where("id", "=", id)
      .where("user_id", "=", actor.userId!)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw notFound();
    await recordAudit(trx, {
      actor,
      ip,
      action: "auth.token_revoke",
      module: "access",
      subjectType: "api_token",
      subjectId: id,
      subjectUnitPath: actor.unitPath,
    });
  });
}
