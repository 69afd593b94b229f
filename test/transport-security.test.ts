/**
 * Headers and rate limits (issue 13 item 12): every answer carries the security headers, no
 * API answer may be stored by a browser, HSTS only over HTTPS, and sign-in, password and
 * export routes are rate limited per address (anonymous) or per account (signed in).
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { loadRateLimits } from "../src/http/rate-limit";
import type { ZodApp } from "../src/http/zod-app";
import { createTestNode, createUser, signIn, TEST_PASSWORD, type TestNode } from "./support/app";

let node: TestNode;
let dist: string;
const apps: ZodApp[] = [];

async function extraApp(
  config: Partial<TestNode["services"]["config"]>,
  options: Parameters<typeof buildApp>[1] = {},
): Promise<ZodApp> {
  const app = await buildApp({ ...node.services, config: { ...node.services.config, ...config } }, options);
  apps.push(app);
  return app;
}

beforeAll(async () => {
  node = await createTestNode({ rateLimits: true });
  await createUser(node, { username: "hdr_admin", unitCode: "330102-EDU", roles: ["system_admin"] });
  await createUser(node, { username: "exporter_a", unitCode: "330102-EDU", roles: ["data_clerk"] });
  await createUser(node, { username: "exporter_b", unitCode: "330102-EDU", roles: ["data_clerk"] });
  // An account the administrator outranks (it holds nothing the administrator lacks), to reset.
  await createUser(node, { username: "reset_target", unitCode: "330102-EDU", roles: ["account_clerk"] });
  dist = await mkdtemp(path.join(tmpdir(), "edumis-dist-"));
  await mkdir(path.join(dist, "assets"));
  await writeFile(path.join(dist, "index.html"), "<!doctype html><title>edumis console</title>");
  await writeFile(path.join(dist, "assets", "index-abc123.js"), "console.log('app')");
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await node.close();
  await rm(dist, { recursive: true, force: true });
});

function expectSecurityHeaders(headers: Record<string, unknown>): void {
  const csp = String(headers["content-security-policy"]);
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toMatch(/script-src[^;]*unsafe/);
  for (const directive of [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ])
    expect(csp).toContain(directive);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["referrer-policy"]).toBe("same-origin");
  expect(String(headers["permissions-policy"])).toContain("camera=()");
}

describe("security headers", () => {
  it("are on API answers, errors included, and no API answer may be stored", async () => {
    for (const url of ["/healthz", "/api/v1/auth/me", "/api/v1/no-such-route"]) {
      const response = await node.app.inject({ method: "GET", url });
      expectSecurityHeaders(response.headers);
      expect(response.headers["cache-control"]).toBe("no-store");
      expect(response.headers["strict-transport-security"]).toBeUndefined();
    }
  });

  it("mark a personal-data answer no-store", async () => {
    const admin = await signIn(node, "hdr_admin");
    const me = await admin.get("/api/v1/auth/me");
    expect(me.statusCode).toBe(200);
    const users = await admin.get("/api/v1/users");
    expect(users.statusCode).toBe(200);
    const first = (users.json() as { items: { id: number }[] }).items[0]!;
    const detail = await admin.get(`/api/v1/users/${first.id}`);
    expect(detail.statusCode).toBe(200);
    for (const response of [me, users, detail]) {
      expect(response.headers["cache-control"]).toBe("no-store");
      expectSecurityHeaders(response.headers);
    }
  });

  it("are on the console; hashed assets are cached for long, the index page revalidated", async () => {
    const app = await extraApp({ webDistDir: dist });
    for (const url of ["/", "/index.html", "/students/12"]) {
      const page = await app.inject({ method: "GET", url });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain("edumis console");
      expectSecurityHeaders(page.headers);
      expect(page.headers["cache-control"]).toBe("no-cache");
    }
    const asset = await app.inject({ method: "GET", url: "/assets/index-abc123.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    // An asset of an older release is gone: whatever answers it must not be cached for a year.
    const gone = await app.inject({ method: "GET", url: "/assets/index-old999.js" });
    expect(gone.headers["cache-control"]).toBe("no-cache");
    expectSecurityHeaders(asset.headers);
  });

  it("give the API browser a policy of its own path that still forbids foreign scripts", async () => {
    const docs = await node.app.inject({ method: "GET", url: "/api/docs/static/index.html" });
    const csp = String(docs.headers["content-security-policy"]);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it("send HSTS only when the node is served over HTTPS (secure cookies on)", async () => {
    const secure = await extraApp({ secureCookies: true });
    const response = await secure.inject({ method: "GET", url: "/healthz" });
    expect(response.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
    const plain = await node.app.inject({ method: "GET", url: "/healthz" });
    expect(plain.headers["strict-transport-security"]).toBeUndefined();
  });
});

describe("rate limits", () => {
  it("refuse the 21st sign-in in a window from one address with a 429 problem; another address gets through", async () => {
    const limits = loadRateLimits();
    expect(limits.groups.login.max).toBe(20);
    const app = await extraApp({});
    const login = (remoteAddress: string, lang = "zh-CN") =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        remoteAddress,
        headers: { "accept-language": lang },
        payload: { login: "hdr_admin", password: TEST_PASSWORD },
      });
    for (let i = 0; i < 20; i++) expect((await login("203.0.113.7")).statusCode).toBe(200);
    const refused = await login("203.0.113.7");
    expect(refused.statusCode).toBe(429);
    expect(refused.headers["content-type"]).toContain("application/problem+json");
    expect(refused.json().code).toBe("rate_limited");
    expect(refused.json().detail).toContain("请求过于频繁");
    const retryAfter = Number(refused.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(limits.groups.login.timeWindowSeconds);
    expect(refused.headers["cache-control"]).toBe("no-store");
    const english = await login("203.0.113.7", "en");
    expect(english.json().detail).toContain("Too many requests");
    expect((await login("203.0.113.8")).statusCode).toBe(200);
  });

  it("limit every export per account, also one that does not name its group", async () => {
    const app = await extraApp(
      {},
      {
        rateLimits: {
          ...loadRateLimits(),
          groups: { ...loadRateLimits().groups, export: { max: 2, timeWindowSeconds: 600 } },
        },
      },
    );
    const client = async (username: string) => {
      const response = await app.inject({
        method: "POST",
        url: "/api/v1/auth/login",
        payload: { login: username, password: TEST_PASSWORD },
      });
      const session = response.cookies.find((c) => c.name === "edumis_session")!;
      return (url: string) =>
        app.inject({ method: "GET", url, headers: { cookie: `edumis_session=${session.value}` } });
    };
    const a = await client("exporter_a");
    const b = await client("exporter_b");
    for (const url of ["/api/v1/students/export?format=csv", "/api/v1/schools/export?format=csv"]) {
      expect((await a(url)).statusCode).toBe(200);
      expect((await a(url)).statusCode).toBe(200);
      const refused = await a(url);
      expect(refused.statusCode).toBe(429);
      expect(refused.json().code).toBe("rate_limited");
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
      // Counted per account: a colleague at the same address still exports.
      expect((await b(url)).statusCode).toBe(200);
    }
  });

  it("limit password changes and resets per account", async () => {
    const limits = loadRateLimits();
    const app = await extraApp(
      {},
      {
        rateLimits: { ...limits, groups: { ...limits.groups, password: { max: 1, timeWindowSeconds: 600 } } },
      },
    );
    const response = await app.inject({
      method: "POST",
      url: "/api/v1/auth/login",
      payload: { login: "hdr_admin", password: TEST_PASSWORD },
    });
    const session = response.cookies.find((c) => c.name === "edumis_session")!;
    const headers = { cookie: `edumis_session=${session.value}`, "x-csrf-token": response.json().csrfToken };
    const change = () =>
      app.inject({
        method: "POST",
        url: "/api/v1/auth/password",
        headers,
        payload: { currentPassword: "not-the-password", newPassword: "Another-Passw0rd!" },
      });
    expect((await change()).statusCode).not.toBe(429);
    expect((await change()).statusCode).toBe(429);
    const users = (await app.inject({ method: "GET", url: "/api/v1/users", headers })).json() as {
      items: { id: number; username: string }[];
    };
    const target = users.items.find((u) => u.username === "reset_target")!;
    const reset = () =>
      app.inject({ method: "POST", url: `/api/v1/users/${target.id}/reset-password`, headers });
    expect((await reset()).statusCode).toBe(200);
    expect((await reset()).statusCode).toBe(429);
  });
});
