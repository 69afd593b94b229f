/**
 * Hostile input at the HTTP boundary (issue 13, item 11): a NUL or a lone surrogate in a path
 * parameter, a query string or a JSON body is a 400 with a stable code, never a 500 from the
 * database; an unexpected error is a 500 internal_error with a correlation id that the log
 * also holds, never the library's own message; an impossible date is refused everywhere.
 */
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerProblemHandlers, requestIdOptions } from "../src/http/problem";
import { createJob, registerJobRunner, runJob } from "../src/platform/jobs/jobs.service";
import { formatMessage } from "../src/shared/messages";
import { parseCalendarDate } from "../src/shared/time";
import { type Client, createTestNode, createUser, signIn, type TestNode } from "./support/app";
import { multipartFile } from "./support/multipart";

let node: TestNode;
let clerk: Client;
let admin: Client;

beforeAll(async () => {
  node = await createTestNode();
  await createUser(node, { username: "guard_clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
  await createUser(node, {
    username: "guard_admin",
    unitCode: "330102-EDU",
    roles: ["system_admin", "auditor"],
  });
  clerk = await signIn(node, "guard_clerk");
  admin = await signIn(node, "guard_admin");
});
afterAll(() => node.close());

describe("NUL and broken surrogates", () => {
  it.each([
    ["a query string", () => clerk.get("/api/v1/students?q=%E7%8E%8B%00")],
    ["a path parameter", () => admin.get("/api/v1/divisions/3301%00")],
    ["a unit search", () => admin.get("/api/v1/units?q=%00")],
    ["an audit filter", () => admin.get("/api/v1/audit?action=%00")],
    [
      "a JSON body",
      () =>
        node.app.inject({
          method: "POST",
          url: "/api/v1/auth/login",
          headers: { "content-type": "application/json" },
          payload: '{"login":"guard_clerk\\u0000","password":"x"}',
        }),
    ],
    [
      "a JSON body with a lone surrogate",
      () =>
        node.app.inject({
          method: "POST",
          url: "/api/v1/auth/login",
          headers: { "content-type": "application/json" },
          payload: '{"login":"\\ud800","password":"x"}',
        }),
    ],
    [
      "a key of a JSON body",
      () => admin.send("PATCH", "/api/v1/users/1", JSON.parse('{"display\\u0000Name":"x"}')),
    ],
    [
      "a multipart file name",
      () => {
        const { payload, headers } = multipartFile("名册\u0000.csv", Buffer.from("姓名\r\n王小明\r\n"));
        return clerk.send("POST", "/api/v1/students/imports", payload, headers);
      },
    ],
  ])("in %s gives 400 text_unstorable_character", async (_where, send) => {
    const response = await send();
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: "text_unstorable_character",
      errors: [expect.objectContaining({ code: "text_unstorable_character" })],
    });
  });
});

describe("addresses the router cannot read", () => {
  it("are problem responses: a broken percent-escape 400, an over-long parameter 414", async () => {
    const broken = await clerk.get("/api/v1/students/%E4%B8");
    expect(broken.statusCode).toBe(400);
    expect(broken.headers["content-type"]).toContain("application/problem+json");
    expect(broken.json().code).toBe("malformed_url");
    const long = await clerk.get(`/api/v1/students/${"1".repeat(300)}`);
    expect(long.statusCode).toBe(414);
    expect(long.json()).toMatchObject({ code: "url_too_long", status: 414 });
  });
});

describe("unexpected errors", () => {
  it("are a 500 internal_error with the request id the log also holds, never the library's message", async () => {
    const lines: string[] = [];
    const app = Fastify({
      logger: { level: "error", stream: { write: (line: string) => lines.push(line) } },
      ...requestIdOptions,
    });
    registerProblemHandlers(app);
    app.get("/boom", async () => {
      const missing = undefined as unknown as { property: string };
      return missing.property;
    });
    await app.ready();
    for (const [language, pattern] of [
      ["zh-CN", /^系统内部错误/],
      ["en", /^Internal error/],
    ] as const) {
      const response = await app.inject({ url: "/boom", headers: { "accept-language": language } });
      expect(response.statusCode).toBe(500);
      const problem = response.json();
      expect(problem).toMatchObject({ code: "internal_error", status: 500 });
      expect(problem.detail).toMatch(pattern);
      expect(problem.detail).toContain(problem.requestId);
      expect(response.headers["x-request-id"]).toBe(problem.requestId);
      expect(problem.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(response.body).not.toMatch(/Cannot read|undefined|TypeError/);
      const logged = lines.map((l) => JSON.parse(l)).find((l) => l.reqId === problem.requestId);
      expect(logged).toMatchObject({
        msg: "unhandled error",
        err: { message: expect.stringMatching(/Cannot read/) },
      });
    }
    // A request id a client sends is not taken over.
    const forged = await app.inject({
      url: "/boom",
      headers: { "request-id": "forged", "x-request-id": "forged" },
    });
    expect(forged.json().requestId).not.toBe("forged");
    await app.close();
  });

  it("word schema errors from the catalogue, in the caller's language, not in Zod's", async () => {
    for (const language of ["zh-CN", "en"] as const) {
      const response = await clerk.send(
        "POST",
        "/api/v1/students",
        { name: 5, nosuchfield: "x" },
        { "accept-language": language },
      );
      expect(response.statusCode).toBe(400);
      const { errors } = response.json();
      expect(errors.length).toBeGreaterThan(0);
      for (const error of errors) expect(error.message).toBe(formatMessage(error.code, language));
      expect(response.body).not.toMatch(/expected|received|Invalid input|Unrecognized key/i);
    }
  });
});

describe("failed jobs", () => {
  it("show a stable code, not the library's message", async () => {
    registerJobRunner("test_library_failure", async () => {
      const missing = undefined as unknown as { property: string };
      return { value: missing.property };
    });
    const nation = await node.services.db
      .selectFrom("org_unit")
      .select("id")
      .where("kind", "=", "nation")
      .executeTakeFirstOrThrow();
    const jobId = await createJob(node.system, {
      kind: "test_library_failure",
      module: "orgs",
      unitId: nation.id,
      params: {},
    });
    await runJob(node.system, jobId, { wait: true }).catch(() => undefined);
    const job = await node.services.db
      .selectFrom("job")
      .select(["status", "error"])
      .where("id", "=", jobId)
      .executeTakeFirstOrThrow();
    expect(job).toEqual({ status: "failed", error: "internal_error" });
  });
});

describe("impossible dates", () => {
  it("are refused by the one date rule, not read as the next month", () => {
    expect(parseCalendarDate("2026-02-30")).toBeUndefined();
    expect(parseCalendarDate("20260230")).toBeUndefined();
    expect(parseCalendarDate("2026/02/30")).toBeUndefined();
    expect(parseCalendarDate("2025-02-29")).toBeUndefined();
    expect(parseCalendarDate("2024-02-29")).toBe("2024-02-29");
    expect(parseCalendarDate("2026.03.02")).toBe("2026-03-02");
    expect(parseCalendarDate("20260302")).toBe("2026-03-02");
    expect(parseCalendarDate("2026-3-2")).toBeUndefined();
  });

  it("in a filter, a path's query, a body and a registration", async () => {
    const audit = await admin.get("/api/v1/audit?from=2026-02-30");
    expect(audit.statusCode).toBe(400);
    expect(audit.json().errors).toEqual([
      expect.objectContaining({ path: "querystring.from", code: "calendar_date_invalid" }),
    ]);
    expect((await admin.get("/api/v1/audit?from=2026-02-28")).statusCode).toBe(200);
    expect((await admin.get("/api/v1/audit?from=2026-02-28T00:00:00%2B08:00")).statusCode).toBe(200);
    const tree = await admin.get("/api/v1/units/1/children?asOf=2026-02-30");
    expect([400, 404]).toContain(tree.statusCode);
    const calendar = await admin.get("/api/v1/workflow/calendar?from=2026-02-01&to=2026-02-30");
    expect(calendar.statusCode).toBe(400);
    const registration = await clerk.send("POST", "/api/v1/students", { birthDate: "2026-02-30" });
    expect(registration.statusCode).toBe(422);
    expect(registration.json().errors).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: "birthDate", code: "date_invalid" })]),
    );
  });
});
