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

let node: TestNode;
let admin: Client;
let clerkAdmin: Client;
let countyDept: number;

async function deniedAudits(action: string): Promise<number> {
  const rows = await node.services.db
    .selectFrom("audit_log")
    .select("id")
    .where("action", "=", action)
    .where("outcome", "=", "denied")
    .execute();
  return rows.length;
}

beforeAll(async () => {
  node = await createTestNode();
  await createUser(node, {
    username: "county_admin",
    unitCode: "330102-EDU",
    roles: ["system_admin", "auditor"],
  });
  // An account clerk manages accounts but holds no student permissions and no access:administer.
  await createUser(node, { username: "weak_admin", unitCode: "330102-EDU", roles: ["account_clerk"] });
  admin = await signIn(node, "county_admin");
  clerkAdmin = await signIn(node, "weak_admin");
  countyDept = await unitIdByCode(node, "330102-EDU");
});
afterAll(() => node.close());

describe("account administration", () => {
  it("creates an account in scope with a one-time temporary password that must be changed", async () => {
    const created = await admin.send("POST", "/api/v1/users", {
      username: "new.user",
      displayName: "新用户",
      phone: "13700001111",
      unitId: countyDept,
      roles: ["auditor"],
    });
    expect(created.statusCode).toBe(201);
    const { id, temporaryPassword } = created.json();
    const client = await signIn(node, "new.user", temporaryPassword);
    expect((await client.get("/api/v1/auth/me")).json()).toMatchObject({
      mustChangePassword: true,
      roles: ["auditor"],
    });
    const list = (await admin.get("/api/v1/users?q=new.user")).json();
    expect(list.items[0]).toMatchObject({ id, phone: "137****1111" });
    const detail = (await admin.get(`/api/v1/users/${id}`)).json();
    expect(detail.phone).toBe("13700001111");
    const reads = await node.services.db
      .selectFrom("audit_log")
      .select("id")
      .where("action", "=", "user.read")
      .where("subject_id", "=", String(id))
      .execute();
    expect(reads).toHaveLength(1);
  });

  it("refuses a unit outside the scope, unknown roles and duplicate names, changing nothing", async () => {
    const elsewhere = await admin.send("POST", "/api/v1/users", {
      username: "outsider",
      displayName: "x",
      unitId: await unitIdByCode(node, "330106-EDU"),
      roles: [],
    });
    expect(elsewhere.statusCode).toBe(422);
    expect(elsewhere.json().code).toBe("unit_not_found");
    const unknown = await admin.send("POST", "/api/v1/users", {
      username: "ghost",
      displayName: "x",
      unitId: countyDept,
      roles: ["emperor"],
    });
    expect(unknown.statusCode).toBe(422);
    expect(unknown.json().code).toBe("role_unknown");
    const duplicate = await admin.send("POST", "/api/v1/users", {
      username: "county_admin",
      displayName: "x",
      unitId: countyDept,
      roles: [],
    });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().code).toBe("username_taken");
    const users = await node.services.db
      .selectFrom("app_user")
      .select("username")
      .where("username", "in", ["outsider", "ghost"])
      .execute();
    expect(users).toEqual([]);
  });

  it("never lets anyone grant more than they hold, or change their own roles; attempts are audited", async () => {
    const target = await createUser(node, { username: "target", unitCode: "330102-EDU", roles: [] });
    const before = await deniedAudits("user.set_roles");
    const escalate = await clerkAdmin.send("PUT", `/api/v1/users/${target}/roles`, { roles: ["data_clerk"] });
    expect(escalate.statusCode).toBe(403);
    expect(escalate.json().code).toBe("role_exceeds_own");
    const me = (await clerkAdmin.get("/api/v1/auth/me")).json().userId;
    const self = await clerkAdmin.send("PUT", `/api/v1/users/${me}/roles`, {
      roles: ["system_admin", "auditor"],
    });
    expect(self.statusCode).toBe(403);
    expect(self.json().code).toBe("self_role_change");
    expect(await deniedAudits("user.set_roles")).toBe(before + 2);
    const roles = await node.services.db
      .selectFrom("user_role")
      .select("role_code")
      .where("user_id", "in", [target, me])
      .execute();
    expect(roles.map((r) => r.role_code)).toEqual(["account_clerk"]);
  });

  it("appoints administrators only below the appointer's own level", async () => {
    const peer = await admin.send("POST", "/api/v1/users", {
      username: "peer.admin",
      displayName: "x",
      unitId: countyDept,
      roles: ["system_admin"],
    });
    expect(peer.statusCode).toBe(403);
    expect(peer.json().code).toBe("role_exceeds_own");
    const schoolId = await openTestSchool(node, { schoolCode: "2133109001", divisionCode: "330102" });
    const below = await admin.send("POST", "/api/v1/users", {
      username: "school.admin",
      displayName: "x",
      unitId: schoolId,
      roles: ["system_admin"],
    });
    expect(below.statusCode).toBe(201);
  });

  it("refuses a role that does not fit the kind of unit", async () => {
    const response = await admin.send("POST", "/api/v1/users", {
      username: "teacher1",
      displayName: "x",
      unitId: countyDept,
      roles: ["teacher_self"],
    });
    expect(response.statusCode).toBe(422);
    expect(response.json().code).toBe("role_not_allowed_for_unit");
  });

  it("disables an account and ends its sessions; resets and unlocks", async () => {
    const id = await createUser(node, { username: "leaver", unitCode: "330102-EDU", roles: ["auditor"] });
    const leaver = await signIn(node, "leaver");
    expect((await admin.send("PATCH", `/api/v1/users/${id}`, { status: "disabled" })).statusCode).toBe(200);
    expect((await leaver.get("/api/v1/auth/me")).statusCode).toBe(401);
    await expect(signIn(node, "leaver")).rejects.toThrow(/401/);
    expect((await admin.send("PATCH", `/api/v1/users/${id}`, { status: "active" })).statusCode).toBe(200);
    const { temporaryPassword } = (await admin.send("POST", `/api/v1/users/${id}/reset-password`)).json();
    expect(
      (await (await signIn(node, "leaver", temporaryPassword)).get("/api/v1/auth/me")).json()
        .mustChangePassword,
    ).toBe(true);
    await node.services.db
      .updateTable("app_user")
      .set({ locked_until: new Date(Date.now() + 600_000) })
      .where("id", "=", id)
      .execute();
    expect((await admin.send("POST", `/api/v1/users/${id}/unlock`)).statusCode).toBe(200);
    expect((await signIn(node, "leaver", temporaryPassword)).csrf).toBeTruthy();
  });
});

describe("what an account action ends", () => {
  async function tokenOf(username: string) {
    const client = await signIn(node, username);
    const { token } = (
      await client.send("POST", "/api/v1/auth/tokens", { name: "sync", expiresInDays: 365 })
    ).json();
    const call = (url: string) =>
      node.app.inject({ method: "GET", url, headers: { authorization: `Bearer ${token}` } });
    return { client, call };
  }
  async function lastAuditDetail(action: string, subjectId: number) {
    const row = await node.services.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", action)
      .where("subject_id", "=", String(subjectId))
      .where("outcome", "=", "success")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    return typeof row.detail === "string" ? JSON.parse(row.detail) : row.detail;
  }

  it("a password reset by an administrator ends every session and API token of the account", async () => {
    const id = await createUser(node, { username: "reset.me", unitCode: "330102-EDU", roles: ["auditor"] });
    const { client, call } = await tokenOf("reset.me");
    expect((await call("/api/v1/auth/me")).statusCode).toBe(200);
    expect((await admin.send("POST", `/api/v1/users/${id}/reset-password`)).statusCode).toBe(200);
    expect((await call("/api/v1/auth/me")).statusCode).toBe(401);
    expect((await client.get("/api/v1/auth/me")).statusCode).toBe(401);
    expect(await lastAuditDetail("user.reset_password", id)).toMatchObject({
      endedSessions: 1,
      revokedTokens: 1,
    });
  });

  it("disabling ends every session and API token, which stay dead after re-enabling", async () => {
    const id = await createUser(node, { username: "disable.me", unitCode: "330102-EDU", roles: ["auditor"] });
    const { client, call } = await tokenOf("disable.me");
    expect((await admin.send("PATCH", `/api/v1/users/${id}`, { status: "disabled" })).statusCode).toBe(200);
    expect(await lastAuditDetail("user.update", id)).toMatchObject({ endedSessions: 1, revokedTokens: 1 });
    expect((await admin.send("PATCH", `/api/v1/users/${id}`, { status: "active" })).statusCode).toBe(200);
    expect((await call("/api/v1/auth/me")).statusCode).toBe(401);
    expect((await client.get("/api/v1/auth/me")).statusCode).toBe(401);
  });

  it("ending sessions from the console signs the account out everywhere, tokens included", async () => {
    const id = await createUser(node, { username: "end.me", unitCode: "330102-EDU", roles: ["auditor"] });
    const { client, call } = await tokenOf("end.me");
    const ended = await admin.send("POST", `/api/v1/users/${id}/end-sessions`);
    expect(ended.json()).toEqual({ endedSessions: 1, revokedTokens: 1 });
    expect((await call("/api/v1/auth/me")).statusCode).toBe(401);
    expect((await client.get("/api/v1/auth/me")).statusCode).toBe(401);
  });

  it("a revoked role stops working at the next request of a session or token (which live on)", async () => {
    const id = await createUser(node, { username: "demote.me", unitCode: "330102-EDU", roles: ["auditor"] });
    const { client, call } = await tokenOf("demote.me");
    expect((await call("/api/v1/users")).statusCode).toBe(200);
    expect((await admin.send("PUT", `/api/v1/users/${id}/roles`, { roles: [] })).statusCode).toBe(200);
    expect((await call("/api/v1/users")).statusCode).toBe(403);
    expect((await client.get("/api/v1/users")).statusCode).toBe(403);
    expect((await call("/api/v1/auth/me")).json().roles).toEqual([]);
  });
});

describe("login names", () => {
  it("refuses a user name shaped like a phone number, and a phone number that is another's user name", async () => {
    const phoneLike = await admin.send("POST", "/api/v1/users", {
      username: "13700002222",
      displayName: "x",
      unitId: countyDept,
      roles: [],
    });
    expect(phoneLike.statusCode).toBe(422);
    expect(phoneLike.json().code).toBe("username_like_phone");
    // An account from before the rule, whose user name is a phone number.
    const legacy = await createUser(node, { username: "13800009999", unitCode: "330102-EDU", roles: [] });
    const created = await admin.send("POST", "/api/v1/users", {
      username: "phone.clash",
      displayName: "x",
      phone: "13800009999",
      unitId: countyDept,
      roles: [],
    });
    expect(created.statusCode).toBe(409);
    expect(created.json().code).toBe("phone_is_username");
    const other = await createUser(node, { username: "phone.edit", unitCode: "330102-EDU", roles: [] });
    const edited = await admin.send("PATCH", `/api/v1/users/${other}`, { phone: "13800009999" });
    expect(edited.statusCode).toBe(409);
    expect(edited.json().code).toBe("phone_is_username");
    const rows = await node.services.db
      .selectFrom("app_user")
      .select(["username", "phone"])
      .where((eb) =>
        eb.or([eb("username", "in", ["13700002222", "phone.clash"]), eb("phone", "=", "13800009999")]),
      )
      .execute();
    expect(rows).toEqual([]);
    // The legacy account itself may keep its own number as its phone.
    expect((await admin.send("PATCH", `/api/v1/users/${legacy}`, { phone: "13800009999" })).statusCode).toBe(
      200,
    );
  });
});

describe("responsible persons", () => {
  it("names a leader and operator per system, audits it, and lists units still missing one", async () => {
    const school = await node.services.db
      .selectFrom("org_unit")
      .select("id")
      .where("code", "=", "330102-EDU")
      .executeTakeFirstOrThrow();
    const missingBefore = (
      await admin.get("/api/v1/responsible-persons/missing?system=students&pageSize=200")
    ).json();
    expect(missingBefore.items.map((u: { id: number }) => u.id)).toContain(school.id);
    for (const duty of ["leader", "operator"]) {
      const response = await admin.send(
        "PUT",
        `/api/v1/units/${school.id}/responsible-persons/students/${duty}`,
        {
          name: duty === "leader" ? "王局长" : "李科员",
          position: "学籍科",
          phone: "13800001234",
        },
      );
      expect(response.statusCode).toBe(200);
    }
    const listed = (await admin.get(`/api/v1/units/${school.id}/responsible-persons`)).json().items;
    expect(listed.map((p: { duty: string }) => p.duty)).toEqual(["leader", "operator"]);
    const missingAfter = (
      await admin.get("/api/v1/responsible-persons/missing?system=students&pageSize=200")
    ).json();
    expect(missingAfter.items.map((u: { id: number }) => u.id)).not.toContain(school.id);
    const badSystem = await admin.send(
      "PUT",
      `/api/v1/units/${school.id}/responsible-persons/weather/leader`,
      { name: "x", phone: "13800001234" },
    );
    expect(badSystem.statusCode).toBe(422);
    const audits = await node.services.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "responsible.assign")
      .execute();
    expect(audits).toHaveLength(2);
    expect(JSON.stringify(audits)).not.toContain("13800001234");
  });
});
