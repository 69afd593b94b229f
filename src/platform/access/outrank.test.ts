/**
 * The outrank rule over every ordered pair of roles of data/access/roles.json (the roles the demo
 * accounts of data/demo/demo.json hold) and every account action. The expectation is derived
 * here from the rule as the issue states it, not from outrank.ts:
 *
 *   manage(A, T, level) = A holds access:write
 *                         and (permissions(T) ⊆ permissions(A)
 *                              or (A holds access:administer and T sits below A's level))
 *   grant(A, T, level)  = manage(A, T, level) and not (T carries access:administer at A's own level)
 *
 * Edit, unlock, ending sessions, disable, enable and password reset follow `manage`; revoking
 * and granting a role and creating an account with it follow `grant`. A refusal is 403 with its
 * code and changes nothing; an allowed action has its effect.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
  unitIdByCode,
} from "../../../test/support/app";
import { projectRoot } from "../../config";

interface RoleData {
  code: string;
  unitSides: string[];
  permissions: string[];
}
const roles: RoleData[] = JSON.parse(
  readFileSync(path.join(projectRoot, "data", "access", "roles.json"), "utf8"),
).roles;
const permissionsOf = (code: string) => new Set(roles.find((r) => r.code === code)!.permissions);

type Level = "same" | "below";
const SCHOOL = "2133199001";
/** Units of county 330102 by side: its departments are at the county's level, its school below. */
const SAME_LEVEL_UNIT: Record<string, string> = {
  education: "330102-EDU",
  finance: "330102-FIN",
  hrss: "330102-HRSS",
};

/** Where an account with the role sits at a level: the first fitting department, or the school. */
function unitCodeFor(role: RoleData, level: Level): string | undefined {
  if (level === "below") return role.unitSides.includes("school") ? SCHOOL : undefined;
  const side = role.unitSides.find((s) => s in SAME_LEVEL_UNIT);
  return side ? SAME_LEVEL_UNIT[side] : undefined;
}

function expected(actor: string, target: string, level: Level) {
  const a = permissionsOf(actor);
  const t = permissionsOf(target);
  const subset = [...t].every((p) => a.has(p));
  const manage = a.has("access:write") && (subset || (a.has("access:administer") && level === "below"));
  const grant = manage && !(t.has("access:administer") && level === "same");
  return { write: a.has("access:write"), manage, grant };
}

let node: TestNode;
const actors = new Map<string, Client>();
const actorIds = new Map<string, number>();

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  for (const role of roles) {
    // Actors sit at the county (its education department when the role allows, else the school).
    const unitCode = unitCodeFor(role, "same") ?? SCHOOL;
    const username = `a_${role.code}`;
    actorIds.set(role.code, await createUser(node, { username, unitCode, roles: [role.code] }));
    actors.set(role.code, await signIn(node, username));
  }
}, 120_000);
afterAll(() => node.close());

async function stateOf(id: number) {
  const db = node.services.db;
  const user = await db
    .selectFrom("app_user")
    .select([
      "display_name",
      "status",
      "password_hash",
      "locked_until",
      "failed_attempts",
      "must_change_password",
    ])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const userRoles = await db
    .selectFrom("user_role")
    .select("role_code")
    .where("user_id", "=", id)
    .orderBy("role_code")
    .execute();
  const sessions = await db
    .selectFrom("user_session")
    .select("id")
    .where("user_id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
  const tokens = await db
    .selectFrom("api_token")
    .select("id")
    .where("user_id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
  return {
    ...user,
    locked: user.locked_until !== null,
    roles: userRoles.map((r) => r.role_code),
    sessions: sessions.length,
    tokens: tokens.length,
  };
}
type State = Awaited<ReturnType<typeof stateOf>>;

/** A target account with a live session, a live API token and a lock, so every action has something to change. */
async function makeTarget(username: string, unitCode: string, role: string): Promise<number> {
  const id = await createUser(node, { username, unitCode, roles: [role] });
  const db = node.services.db;
  await db
    .updateTable("app_user")
    .set({ locked_until: new Date(Date.now() + 600_000) })
    .where("id", "=", id)
    .execute();
  await db
    .insertInto("user_session")
    .values({
      id: randomBytes(32).toString("hex"),
      user_id: id,
      csrf_hash: "x",
      expires_at: new Date(Date.now() + 600_000),
      ip: null,
      user_agent: null,
    })
    .execute();
  await db
    .insertInto("api_token")
    .values({
      user_id: id,
      name: "t",
      token_hash: randomBytes(32).toString("hex"),
      prefix: "x",
      expires_at: null,
    })
    .execute();
  return id;
}

interface Action {
  name: string;
  rule: "manage" | "grant";
  call(client: Client, id: number, role: string): Promise<LightMyRequestResponse>;
  effect(before: State, after: State, role: string): boolean;
}
const actions: Action[] = [
  {
    name: "edit",
    rule: "manage",
    call: (c, id) => c.send("PATCH", `/api/v1/users/${id}`, { displayName: "改名" }),
    effect: (_, after) => after.display_name === "改名",
  },
  {
    name: "unlock",
    rule: "manage",
    call: (c, id) => c.send("POST", `/api/v1/users/${id}/unlock`),
    effect: (before, after) => before.locked && !after.locked,
  },
  {
    name: "end sessions and tokens",
    rule: "manage",
    call: (c, id) => c.send("POST", `/api/v1/users/${id}/end-sessions`),
    effect: (before, after) => before.sessions + before.tokens > 0 && after.sessions + after.tokens === 0,
  },
  {
    name: "disable",
    rule: "manage",
    call: (c, id) => c.send("PATCH", `/api/v1/users/${id}`, { status: "disabled" }),
    effect: (_, after) => after.status === "disabled",
  },
  {
    name: "enable",
    rule: "manage",
    call: (c, id) => c.send("PATCH", `/api/v1/users/${id}`, { status: "active" }),
    effect: (_, after) => after.status === "active",
  },
  {
    name: "reset password",
    rule: "manage",
    call: (c, id) => c.send("POST", `/api/v1/users/${id}/reset-password`),
    effect: (before, after) => after.password_hash !== before.password_hash && after.must_change_password,
  },
  {
    name: "revoke role",
    rule: "grant",
    call: (c, id) => c.send("PUT", `/api/v1/users/${id}/roles`, { roles: [] }),
    effect: (_, after) => after.roles.length === 0,
  },
  {
    name: "grant role",
    rule: "grant",
    call: (c, id, role) => c.send("PUT", `/api/v1/users/${id}/roles`, { roles: [role] }),
    effect: (_, after, role) => after.roles.join() === role,
  },
];

describe("every account action requires the caller to outrank the account", () => {
  for (const actor of roles) {
    it(`as ${actor.code}, on an account of every role, at the actor's level and below`, async () => {
      const client = actors.get(actor.code)!;
      const mismatches: string[] = [];
      for (const target of roles) {
        for (const level of ["same", "below"] as const) {
          const unitCode = unitCodeFor(target, level);
          if (!unitCode) continue;
          const want = expected(actor.code, target.code, level);
          const pair = `${actor.code} → ${target.code} (${level})`;
          const id = await makeTarget(`t_${actor.code}_${target.code}_${level}`, unitCode, target.code);
          for (const action of actions) {
            const allowed = action.rule === "manage" ? want.manage : want.grant;
            const before = await stateOf(id);
            const response = await action.call(client, id, target.code);
            const after = await stateOf(id);
            if (allowed) {
              if (response.statusCode !== 200 || !action.effect(before, after, target.code)) {
                mismatches.push(
                  `${pair} ${action.name}: expected allowed, got ${response.statusCode} ${response.body}`,
                );
              }
              continue;
            }
            const code = !want.write ? "forbidden" : !want.manage ? "not_outranked" : "role_exceeds_own";
            if (response.statusCode !== 403 || response.json().code !== code) {
              mismatches.push(
                `${pair} ${action.name}: expected 403 ${code}, got ${response.statusCode} ${response.body}`,
              );
            }
            if (JSON.stringify(after) !== JSON.stringify(before)) {
              mismatches.push(`${pair} ${action.name}: refused, but the account changed`);
            }
          }
          // Creating an account with the role is granting it.
          const username = `c_${actor.code}_${target.code}_${level}`;
          const created = await client.send("POST", "/api/v1/users", {
            username,
            displayName: "新账号",
            unitId: await unitIdByCode(node, unitCode),
            roles: [target.code],
          });
          const exists = await node.services.db
            .selectFrom("app_user")
            .select("id")
            .where("username", "=", username)
            .executeTakeFirst();
          if (want.grant) {
            if (created.statusCode !== 201 || !exists) {
              mismatches.push(`${pair} create: expected allowed, got ${created.statusCode} ${created.body}`);
            }
          } else {
            const code = want.write ? "role_exceeds_own" : "forbidden";
            if (created.statusCode !== 403 || created.json().code !== code || exists) {
              mismatches.push(
                `${pair} create: expected 403 ${code}, got ${created.statusCode} ${created.body}`,
              );
            }
          }
        }
      }
      expect(mismatches).toEqual([]);
    }, 300_000);
  }

  it("refuses every account action on one's own account, changing nothing", async () => {
    for (const actor of roles.filter((r) => r.permissions.includes("access:write"))) {
      const client = actors.get(actor.code)!;
      const id = actorIds.get(actor.code)!;
      for (const action of actions) {
        const before = await stateOf(id);
        const response = await action.call(client, id, actor.code);
        expect(response.statusCode, `${actor.code} ${action.name}`).toBe(403);
        expect(response.json().code).toBe(action.rule === "grant" ? "self_role_change" : "own_account");
        expect(await stateOf(id)).toEqual(before);
      }
    }
  }, 120_000);

  it("tells the console which accounts the caller may manage, by the same rule", async () => {
    const client = actors.get("account_clerk")!;
    const byName = new Map<string, boolean>();
    for (const q of ["a_", "t_system_admin_account_clerk_same"]) {
      const list = (await client.get(`/api/v1/users?pageSize=100&q=${q}`)).json();
      for (const u of list.items as { username: string; canManage: boolean }[])
        byName.set(u.username, u.canManage);
    }
    expect(byName.get("a_system_admin")).toBe(false);
    expect(byName.get("a_data_clerk")).toBe(false);
    expect(byName.get("a_account_clerk")).toBe(false); // one's own account
    expect(byName.get("t_system_admin_account_clerk_same")).toBe(true);
    const readOnly = (await actors.get("auditor")!.get("/api/v1/users?pageSize=5")).json();
    expect(readOnly.items.every((u: { canManage: boolean }) => !u.canManage)).toBe(true);
  });
});
