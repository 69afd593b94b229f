/** SQL of accounts, sessions and API tokens. User lists are scoped through the user's unit path. */
import { sql } from "kysely";
import type { Executor } from "../../db/database";
import type { Scope } from "./scope";
import { unitInScope } from "./scope";

export function findUserByLogin(db: Executor, login: string) {
  return db
    .selectFrom("app_user")
    .selectAll()
    .where((eb) => eb.or([eb("username", "=", login), eb("phone", "=", login)]))
    .executeTakeFirst();
}

export function findUserById(db: Executor, id: number) {
  return db.selectFrom("app_user").selectAll().where("id", "=", id).executeTakeFirst();
}

/** A user with the unit it belongs to, if that unit lies in the scope. */
export function findUserInScope(db: Executor, scope: Scope, id: number) {
  return db
    .selectFrom("app_user")
    .innerJoin("org_unit", "org_unit.id", "app_user.unit_id")
    .selectAll("app_user")
    .select(["org_unit.name as unit_name", "org_unit.path as unit_path", "org_unit.kind as unit_kind"])
    .select(["org_unit.department_type as unit_department_type"])
    .where("app_user.id", "=", id)
    .where(unitInScope(scope))
    .executeTakeFirst();
}

export interface UserFilter {
  q?: string | undefined;
  unitPath?: string | undefined;
  status?: "active" | "disabled" | undefined;
  role?: string | undefined;
}

function userQuery(db: Executor, scope: Scope, filter: UserFilter) {
  let query = db
    .selectFrom("app_user")
    .innerJoin("org_unit", "org_unit.id", "app_user.unit_id")
    .where(unitInScope(scope));
  if (filter.unitPath) query = query.where("org_unit.path", "like", `${filter.unitPath}%`);
  if (filter.status) query = query.where("app_user.status", "=", filter.status);
  if (filter.q) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([eb("app_user.username", "like", like), eb("app_user.display_name", "like", like)]),
    );
  }
  if (filter.role) {
    const role = filter.role;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("user_role")
          .whereRef("user_role.user_id", "=", "app_user.id")
          .where("user_role.role_code", "=", role)
          .select(sql`1`.as("one")),
      ),
    );
  }
  return query;
}

export async function listUsers(
  db: Executor,
  scope: Scope,
  filter: UserFilter,
  window: { limit: number; offset: number },
) {
  const rows = await userQuery(db, scope, filter)
    .select([
      "app_user.id",
      "app_user.username",
      "app_user.phone",
      "app_user.display_name",
      "app_user.unit_id",
      "app_user.status",
      "app_user.must_change_password",
      "app_user.locked_until",
      "app_user.last_login_at",
      "org_unit.name as unit_name",
    ])
    .orderBy("org_unit.path")
    .orderBy("app_user.username")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  const { n } = await userQuery(db, scope, filter)
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  const roles = await rolesOfUsers(
    db,
    rows.map((r) => r.id),
  );
  return { rows: rows.map((r) => ({ ...r, roles: roles.get(r.id) ?? [] })), total: Number(n) };
}

export async function rolesOfUsers(db: Executor, userIds: number[]): Promise<Map<number, string[]>> {
  const map = new Map<number, string[]>();
  if (userIds.length === 0) return map;
  const rows = await db
    .selectFrom("user_role")
    .select(["user_id", "role_code"])
    .where("user_id", "in", userIds)
    .orderBy("role_code")
    .execute();
  for (const row of rows) map.set(row.user_id, [...(map.get(row.user_id) ?? []), row.role_code]);
  return map;
}

export async function permissionsOfRoles(db: Executor, roles: string[]): Promise<string[]> {
  if (roles.length === 0) return [];
  const rows = await db
    .selectFrom("role_permission")
    .select("permission")
    .distinct()
    .where("role_code", "in", roles)
    .execute();
  return rows.map((r) => r.permission);
}

export function findRoles(db: Executor, codes: string[]) {
  if (codes.length === 0) return Promise.resolve([]);
  return db.selectFrom("role").selectAll().where("code", "in", codes).execute();
}

export function findSession(db: Executor, id: string) {
  return db.selectFrom("user_session").selectAll().where("id", "=", id).executeTakeFirst();
}

export function findApiToken(db: Executor, tokenHash: string) {
  return db.selectFrom("api_token").selectAll().where("token_hash", "=", tokenHash).executeTakeFirst();
}

export function findUnitForActor(db: Executor, unitId: number) {
  return db
    .selectFrom("org_unit")
    .select(["id", "kind", "name", "path", "parent_id", "department_type"])
    .where("id", "=", unitId)
    .executeTakeFirstOrThrow();
}

/** Ends every open session of a user (except one, e.g. the caller's own); returns how many. */
export async function revokeSessions(db: Executor, userId: number, except?: string): Promise<number> {
  let query = db
    .updateTable("user_session")
    .set({ revoked_at: new Date() })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null);
  if (except) query = query.where("id", "!=", except);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Revokes every live API token of a user; returns how many. */
export async function revokeApiTokens(db: Executor, userId: number): Promise<number> {
  const result = await db
    .updateTable("api_token")
    .set({ revoked_at: new Date() })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
