import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, createUser, signIn, TEST_PASSWORD, type TestNode } from "../../../test/support/app";
import { securityPolicy } from "./security-policy";

let node: TestNode;
beforeAll(async () => {
  node = await createTestNode();
  await createUser(node, {
    username: "clerk",
    unitCode: "330102-EDU",
    roles: ["data_clerk"],
    phone: "13912345678",
  });
  await createUser(node, { username: "locker", unitCode: "330102-EDU", roles: ["data_clerk"] });
  await createUser(node, {
    username: "newbie",
    unitCode: "330102-EDU",
    roles: ["data_clerk"],
    mustChangePassword: true,
  });
  await createUser(node, { username: "roamer", unitCode: "330102-EDU", roles: ["data_clerk"] });
  await createUser(node, { username: "machine", unitCode: "330102-EDU", roles: ["data_clerk"] });
  for (const username of ["racer", "owner", "sprayed", "proxied", "changer", "picky", "guessed"]) {
    await createUser(node, { username, unitCode: "330102-EDU", roles: ["data_clerk"] });
  }
});
afterAll(() => node.close());

const login = (body: unknown, headers: Record<string, string> = {}) =>
  node.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: body as object, headers });

const loginFrom = (remoteAddress: string, body: object, headers: Record<string, string> = {}) =>
  node.app.inject({ method: "POST", url: "/api/v1/auth/login", payload: body, remoteAddress, headers });

/** Password checks made for an account: sign-ins that failed on the password, or succeeded. */
async function passwordChecks(username: string): Promise<number> {
  const rows = await node.services.db
    .selectFrom("audit_log")
    .innerJoin("app_user", (join) =>
      join.on((eb) => eb(eb.cast("app_user.id", "text"), "=", eb.ref("audit_log.subject_id"))),
    )
    .select(["audit_log.outcome", "audit_log.detail"])
    .where("audit_log.action", "=", "auth.login")
    .where("app_user.username", "=", username)
    .execute();
  return rows.filter((r) => {
    const detail = (typeof r.detail === "string" ? JSON.parse(r.detail) : r.detail) as { reason?: string };
    return r.outcome === "success" || (r.outcome === "failure" && detail.reason === "password");
  }).length;
}

async function auditCount(action: string, outcome: string): Promise<number> {
  const { n } = await node.services.db
    .selectFrom("audit_log")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("action", "=", action)
    .where("outcome", "=", outcome as "success")
    .executeTakeFirstOrThrow();
  return Number(n);
}

describe("login", () => {
  it("signs in by user name or by phone number and audits it", async () => {
    const before = await auditCount("auth.login", "success");
    const byName = await login({ login: "clerk", password: TEST_PASSWORD });
    expect(byName.statusCode).toBe(200);
    const cookie = byName.cookies.find((c) => c.name === "edumis_session")!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe("Strict");
    const byPhone = await login({ login: "13912345678", password: TEST_PASSWORD });
    expect(byPhone.statusCode).toBe(200);
    expect(await auditCount("auth.login", "success")).toBe(before + 2);
  });

  it("gives the same answer for an unknown name and a wrong password, localised", async () => {
    const unknown = await login({ login: "nobody", password: "x" });
    const wrong = await login({ login: "clerk", password: "wrong" }, { "accept-language": "en-US,en;q=0.9" });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json()).toMatchObject({ code: "login_failed", detail: "用户名或密码错误" });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ code: "login_failed", detail: "Wrong user name or password" });
  });

  it("rejects malformed credentials with field errors", async () => {
    const response = await login({ login: "", password: 5 });
    expect(response.statusCode).toBe(400);
    const body = response.json();
    expect(body.code).toBe("validation_failed");
    expect(body.errors.map((e: { path: string }) => e.path).sort()).toEqual(["body.login", "body.password"]);
  });

  it("locks the account after repeated failures, with a clear message, even for the right password", async () => {
    const { maxFailedAttempts } = securityPolicy.lockout;
    for (let i = 1; i < maxFailedAttempts; i++) {
      expect((await login({ login: "locker", password: `bad-${i}` })).statusCode).toBe(401);
    }
    const locking = await login({ login: "locker", password: "bad-last" });
    expect(locking.statusCode).toBe(423);
    expect(locking.json().code).toBe("account_locked");
    const right = await login({ login: "locker", password: TEST_PASSWORD });
    expect(right.statusCode).toBe(423);
    expect(right.json().detail).toMatch(/锁定/);
    expect(await auditCount("auth.login", "denied")).toBeGreaterThanOrEqual(1);
  });
});

describe("lockout under attack", () => {
  it("checks no more than the limit of passwords when 40 wrong ones and the right one arrive at once", async () => {
    const { maxFailedAttempts } = securityPolicy.lockout;
    const attacker = "203.0.113.7";
    const attempts = [
      ...Array.from({ length: 40 }, (_, i) => ({ login: "racer", password: `Wrong-guess-${i}` })),
      { login: "racer", password: TEST_PASSWORD },
    ];
    const responses = await Promise.all(attempts.map((body) => loginFrom(attacker, body)));
    expect(await passwordChecks("racer")).toBeLessThanOrEqual(maxFailedAttempts);
    // The right password came after the limit had been spent: it did not get in.
    expect(responses.at(-1)!.statusCode).not.toBe(200);
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(0);
    // From the attacking address the account stays closed, even with the right password...
    const again = await loginFrom(attacker, { login: "racer", password: TEST_PASSWORD });
    expect([423, 429]).toContain(again.statusCode);
    // ...while its owner signs in from another address.
    expect((await loginFrom("198.51.100.20", { login: "racer", password: TEST_PASSWORD })).statusCode).toBe(
      200,
    );
  });

  it("locks an address out of an account without locking the owner out from another address", async () => {
    const { maxFailedAttempts } = securityPolicy.lockout;
    for (let i = 1; i < maxFailedAttempts; i++) {
      expect((await loginFrom("203.0.113.8", { login: "owner", password: `bad-${i}` })).statusCode).toBe(401);
    }
    const locking = await loginFrom("203.0.113.8", { login: "owner", password: "bad-last" });
    expect(locking.statusCode).toBe(423);
    expect(locking.json().code).toBe("account_locked");
    expect((await loginFrom("203.0.113.8", { login: "owner", password: TEST_PASSWORD })).statusCode).toBe(
      423,
    );
    const home = await loginFrom("198.51.100.21", { login: "owner", password: TEST_PASSWORD });
    expect(home.statusCode).toBe(200);
    // The owner's success does not reopen the account to the guessing address.
    expect((await loginFrom("203.0.113.8", { login: "owner", password: TEST_PASSWORD })).statusCode).toBe(
      423,
    );
  });

  it("blocks an address that fails on many names (password spraying), not the others", async () => {
    const { maxFailures } = securityPolicy.addressThrottle;
    for (let i = 0; i < maxFailures; i++) {
      const response = await loginFrom("203.0.113.9", { login: `nobody${i}`, password: "Spray-1234" });
      expect(response.statusCode).toBe(401);
    }
    const blocked = await loginFrom("203.0.113.9", { login: "sprayed", password: TEST_PASSWORD });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().code).toBe("login_throttled");
    expect((await loginFrom("198.51.100.22", { login: "sprayed", password: TEST_PASSWORD })).statusCode).toBe(
      200,
    );
  });

  it("counts by the connection's address, not by an X-Forwarded-For header (trustProxy is off)", async () => {
    const { maxFailedAttempts } = securityPolicy.lockout;
    for (let i = 0; i < maxFailedAttempts; i++) {
      await loginFrom(
        "203.0.113.10",
        { login: "proxied", password: `bad-${i}` },
        { "x-forwarded-for": `10.0.0.${i}` },
      );
    }
    const response = await loginFrom(
      "203.0.113.10",
      { login: "proxied", password: TEST_PASSWORD },
      { "x-forwarded-for": "10.9.9.9" },
    );
    expect(response.statusCode).toBe(423);
  });

  it("counts IPv6 clients by their /64 network", async () => {
    const { clientAddressKey } = await import("./login-throttle");
    expect(clientAddressKey("2001:db8:1:2::1")).toBe(clientAddressKey("2001:db8:1:2:ffff:0:0:9"));
    expect(clientAddressKey("2001:db8:1:2::1")).not.toBe(clientAddressKey("2001:db8:1:3::1"));
    expect(clientAddressKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(clientAddressKey("192.0.2.1")).toBe("192.0.2.1");
  });
});

describe("password changes", () => {
  it("end every other session and every API token of the account, and are audited", async () => {
    const current = await signIn(node, "changer");
    const other = await signIn(node, "changer");
    const { token } = (
      await current.send("POST", "/api/v1/auth/tokens", { name: "sync", expiresInDays: 365 })
    ).json();
    const asToken = () =>
      node.app.inject({
        method: "GET",
        url: "/api/v1/auth/me",
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await asToken()).statusCode).toBe(200);
    const changed = await current.send("POST", "/api/v1/auth/password", {
      currentPassword: TEST_PASSWORD,
      newPassword: "Fresh-Horse-Battery9",
    });
    expect(changed.statusCode).toBe(200);
    expect((await asToken()).statusCode).toBe(401);
    expect((await other.get("/api/v1/auth/me")).statusCode).toBe(401);
    expect((await current.get("/api/v1/auth/me")).statusCode).toBe(200);
    const audit = await node.services.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "auth.change_password")
      .where("outcome", "=", "success")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const detail = typeof audit.detail === "string" ? JSON.parse(audit.detail) : audit.detail;
    expect(detail).toMatchObject({ endedSessions: 1, revokedTokens: 1 });
  });

  it("limit guesses of the current password like sign-ins", async () => {
    const { maxFailedAttempts } = securityPolicy.lockout;
    const client = await signIn(node, "guessed");
    const change = (currentPassword: string) =>
      client.send("POST", "/api/v1/auth/password", { currentPassword, newPassword: "Fresh-Horse-Battery9" });
    for (let i = 1; i <= maxFailedAttempts; i++) expect((await change(`guess-${i}`)).statusCode).toBe(422);
    const locked = await change(TEST_PASSWORD);
    expect(locked.statusCode).toBe(423);
    expect(locked.json().code).toBe("account_locked");
  });

  it("refuses common and predictable passwords, and does not count invisible characters", async () => {
    const client = await signIn(node, "picky");
    const codesFor = async (newPassword: string) => {
      const response = await client.send("POST", "/api/v1/auth/password", {
        currentPassword: TEST_PASSWORD,
        newPassword,
      });
      expect(response.statusCode, newPassword).toBe(422);
      return response.json().errors.map((e: { code: string }) => e.code);
    };
    for (const common of [
      "Password1234",
      "P@ssw0rd2024!",
      "Admin@20240101",
      "Qwerty123456!",
      "Edumis#2026!",
    ]) {
      expect(await codesFor(common)).toContain("password_common");
    }
    // Four visible characters and eight zero-width ones (Cf) are four characters, not twelve.
    expect(await codesFor(`Ab1!${"\u200b".repeat(8)}`)).toContain("password_length");
    expect(await codesFor(`Ab1!xy${"\u0007\u200d\u2066".repeat(2)}`)).toContain("password_length");
    expect(await codesFor("Picky-2026-Pick!".replace("Pick!", "p1cky!"))).toContain(
      "password_contains_username",
    );
  });
});

describe("sessions", () => {
  it("rejects a state change without the CSRF token, and accepts it with the token", async () => {
    const client = await signIn(node, "clerk");
    const body = { name: "t1", expiresInDays: 1 };
    const withoutToken = await node.app.inject({
      method: "POST",
      url: "/api/v1/auth/tokens",
      headers: { cookie: client.cookie },
      payload: body,
    });
    expect(withoutToken.statusCode).toBe(403);
    expect(withoutToken.json().code).toBe("csrf_failed");
    const wrongToken = await client.send("POST", "/api/v1/auth/tokens", body, { "x-csrf-token": "forged" });
    expect(wrongToken.statusCode).toBe(403);
    expect((await client.send("POST", "/api/v1/auth/tokens", body)).statusCode).toBe(201);
  });

  it("treats an expired session as signed out", async () => {
    const client = await signIn(node, "clerk");
    expect((await client.get("/api/v1/auth/me")).statusCode).toBe(200);
    await node.services.db
      .updateTable("user_session")
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where("revoked_at", "is", null)
      .execute();
    const response = await client.get("/api/v1/auth/me");
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe("session_expired");
  });

  it("ends one session at logout and every session with logout everywhere", async () => {
    const first = await signIn(node, "roamer");
    const second = await signIn(node, "roamer");
    expect((await first.send("POST", "/api/v1/auth/logout")).json()).toEqual({ endedSessions: 1 });
    expect((await first.get("/api/v1/auth/me")).statusCode).toBe(401);
    expect((await second.get("/api/v1/auth/me")).statusCode).toBe(200);
    const third = await signIn(node, "roamer");
    expect((await third.send("POST", "/api/v1/auth/logout?everywhere=true")).json()).toEqual({
      endedSessions: 2,
    });
    expect((await second.get("/api/v1/auth/me")).statusCode).toBe(401);
  });

  it("forces a change of an initial password before anything else", async () => {
    const client = await signIn(node, "newbie");
    expect((await client.get("/api/v1/auth/me")).json().mustChangePassword).toBe(true);
    const blocked = await client.get("/api/v1/units?kind=school");
    expect(blocked.statusCode).toBe(403);
    expect(blocked.json().code).toBe("password_change_required");
    const weak = await client.send("POST", "/api/v1/auth/password", {
      currentPassword: TEST_PASSWORD,
      newPassword: "short",
    });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().errors.map((e: { code: string }) => e.code)).toContain("password_length");
    const changed = await client.send("POST", "/api/v1/auth/password", {
      currentPassword: TEST_PASSWORD,
      newPassword: "Brand-new-Pass9",
    });
    expect(changed.statusCode).toBe(200);
    expect((await client.get("/api/v1/units?kind=school")).statusCode).toBe(200);
    expect((await signIn(node, "newbie", "Brand-new-Pass9")).csrf).toBeTruthy();
  });
});

describe("API tokens", () => {
  it("authenticates a system client by bearer token until revoked, without CSRF", async () => {
    const client = await signIn(node, "machine");
    const created = await client.send("POST", "/api/v1/auth/tokens", { name: "exchange", expiresInDays: 30 });
    const { id, token } = created.json();
    expect(token).toMatch(/^edm_/);
    const asToken = (method: "GET" | "POST", url: string) =>
      node.app.inject({ method, url, headers: { authorization: `Bearer ${token}` } });
    expect((await asToken("GET", "/api/v1/auth/me")).json().username).toBe("machine");
    const listed = await client.get("/api/v1/auth/tokens");
    expect(JSON.stringify(listed.json())).not.toContain(token);
    expect((await client.send("DELETE", `/api/v1/auth/tokens/${id}`)).statusCode).toBe(200);
    const revoked = await asToken("GET", "/api/v1/auth/me");
    expect(revoked.statusCode).toBe(401);
    expect(revoked.json().code).toBe("unauthenticated");
    const stored = await node.services.db
      .selectFrom("api_token")
      .select("token_hash")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(stored.token_hash).not.toContain(token);
  });

  it("refuses an expired token", async () => {
    const client = await signIn(node, "machine");
    const { id, token } = (
      await client.send("POST", "/api/v1/auth/tokens", { name: "old", expiresInDays: 1 })
    ).json();
    await node.services.db
      .updateTable("api_token")
      .set({ expires_at: new Date(Date.now() - 1) })
      .where("id", "=", id)
      .execute();
    const response = await node.app.inject({
      method: "GET",
      url: "/api/v1/auth/me",
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode).toBe(401);
  });
});

describe("request hygiene", () => {
  it("refuses oversized bodies and malformed JSON with problem responses", async () => {
    const huge = await login({ login: "x".repeat(2 * 1024 * 1024), password: "y" });
    expect(huge.statusCode).toBe(413);
    expect(huge.json().code).toBe("payload_too_large");
    const broken = await node.app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json().code).toBe("malformed_body");
  });

  it("answers unknown API routes with a problem document", async () => {
    const response = await node.app.inject({ method: "GET", url: "/api/v1/nothing-here" });
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe("route_not_found");
  });
});
