/**
 * A fuzzer of the HTTP boundary: every operation of the app's own OpenAPI document gets requests
 * built by fast-check (fixed seed, a few runs per route: test/support/property.ts) — random path
 * ids, query values and JSON bodies, both arbitrary JSON and mutations of the declared shape
 * (wrong types, huge numbers, NUL bytes, lone surrogates, very long strings, deep nesting,
 * prototype keys), malformed JSON and odd content types, and hostile files on the upload routes.
 * The properties: no answer is a 5xx; every answer ≥ 400 is an RFC 9457 problem document
 * (application/problem+json); the process keeps answering; nothing pollutes Object.prototype.
 *
 * The caller is a national system administrator holding every role of the education side, with an
 * API token (a fresh user per route, so that a route that disables, re-roles or signs out its
 * caller only spoils its own runs). It runs on a fresh node, so routes that delete or change data
 * are fuzzed too: no route is skipped (SKIPPED below says why if one ever must be).
 */
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import { registerStudent } from "../src/modules/students/students.service";
import { buildActor, createApiToken } from "../src/platform/access/auth.service";
import { createTestNode, createUser, openTestSchool } from "./support/app";
import { type OpenApiDocument, operationsOf, pupilCsv, requestsFor } from "./support/fuzz-requests";
import { multipartFile } from "./support/multipart";
import { PROPERTY_SEED, propertyParameters } from "./support/property";
import { sampleStudent } from "./support/students";

// ---------------------------------------------------------------------------------------------
// The node, its error log, fixtures and the operations to fuzz
// ---------------------------------------------------------------------------------------------

const node = await createTestNode();
/** Lines the app logs at level error (the unhandled errors behind a 500), to name the cause. */
const errorLog: string[] = [];
const app = await buildApp(node.services, {
  logger: { level: "error", stream: { write: (line: string) => void errorLog.push(line) } },
});
afterAll(async () => {
  await app.close();
  await node.close();
});

const SCHOOL = "2133100001";
const schoolId = await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
const studentId = (await registerStudent(node.system, { ...sampleStudent("20150301"), schoolCode: SCHOOL }))
  .id;
const clerkId = await createUser(node, { username: "fuzz_clerk", unitCode: SCHOOL, roles: ["data_clerk"] });
/** Ids that name real records, so that fuzzed requests reach handlers and not only "not found". */
const REAL_IDS = [schoolId, studentId, clerkId, 1, 2, 3];

const ROLES = ["system_admin", "account_clerk", "data_clerk", "reviewer", "unit_leader", "auditor"];
let callers = 0;

/** A fresh national administrator with every role, and an API token for it. */
async function freshCaller(): Promise<string> {
  const username = `fuzz_admin_${++callers}`;
  const id = await createUser(node, { username, unitCode: "CN-EDU", roles: ROLES });
  const user = await node.services.db
    .selectFrom("app_user")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const actor = await buildActor(node.services.db, user, {});
  return (await createApiToken(node.services.db, actor, { name: "fuzz", expiresInDays: 1 })).token;
}

const documentResponse = await app.inject({ method: "GET", url: "/api/docs/json" });
const openapi = documentResponse.json() as OpenApiDocument;
const OPERATIONS = operationsOf(openapi);

/**
 * Operations not fuzzed, each with its reason. Empty: the node is fresh and private to this
 * file, so even routes that delete data or sign the caller out are fuzzed.
 */
const SKIPPED: Record<string, string> = {};

/** Routes that take a file: they also get multipart bodies with hostile files. */
const UPLOADS = new Set(["POST /api/v1/schools/import", "POST /api/v1/students/imports"]);
const requestArbitrary = requestsFor({
  realIds: REAL_IDS,
  school: SCHOOL,
  uploads: UPLOADS,
  components: openapi.components?.schemas,
});

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

const clip = (text: string, length = 300) =>
  text.length > length ? `${text.slice(0, length)}…(${text.length} chars)` : text;

/** The messages the app logged while answering, to name the cause of a 5xx in the failure. */
function loggedErrors(from: number): string[] {
  return errorLog.slice(from).map((line) => {
    try {
      const entry = JSON.parse(line) as {
        msg?: string;
        err?: { type?: string; message?: string; code?: string };
      };
      return `${entry.msg ?? ""}: ${entry.err?.type ?? ""} ${entry.err?.code ?? ""} ${entry.err?.message ?? ""}`.trim();
    } catch {
      return clip(line);
    }
  });
}

/** The stable code of an answer: the problem's code, Fastify's own error code, or "?". */
function codeOf(body: string): string {
  try {
    return String((JSON.parse(body) as { code?: unknown }).code ?? "?");
  } catch {
    return "?";
  }
}

/** Runs per route: about 100 routes share the suite's time on a 2-core machine (FC_RUNS for a campaign). */
const BUDGET = { numRuns: 5, timeLimitMs: 2_500 };

describe("the HTTP boundary under fuzzed requests", () => {
  it("has every documented operation either fuzzed or skipped with a reason", () => {
    expect(OPERATIONS.length).toBeGreaterThan(50);
    for (const skipped of Object.keys(SKIPPED)) {
      expect(OPERATIONS.map((o) => `${o.method} ${o.path}`)).toContain(skipped);
    }
  });

  for (const operation of OPERATIONS) {
    const route = `${operation.method} ${operation.path}`;
    if (SKIPPED[route]) {
      it.skip(`${route} (skipped: ${SKIPPED[route]})`, () => undefined);
      continue;
    }
    it(`${route}: never 5xx, problem+json from 400, still answering`, async () => {
      const token = await freshCaller();
      // Every run is made and every faulty answer kept, one example per kind of fault, so that a
      // failure lists all that is wrong with the route (fast-check would stop at the first).
      const faults = new Map<string, string>();
      const statuses = new Map<number, number>();
      const details = await fc.check(
        fc.asyncProperty(requestArbitrary(operation), async (request) => {
          const logged = errorLog.length;
          const response = await app.inject({
            ...request,
            headers: { ...request.headers, authorization: `Bearer ${token}` },
          });
          const status = response.statusCode;
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          if (process.env.FUZZ_STATUSES === "verbose")
            console.log(status, clip(request.url, 120), clip(response.body, 200));
          const isProblem = /^application\/problem\+json/.test(String(response.headers["content-type"]));
          if (status < 400 || (status < 500 && isProblem)) return;
          const causes = loggedErrors(logged);
          const kind = `${status} ${isProblem ? "" : "NOT problem+json "}${codeOf(response.body)} ${causes[0] ?? ""}`;
          if (!faults.has(kind)) {
            faults.set(
              kind,
              `${status} for ${request.method} ${clip(request.url)} [${request.headers["content-type"] ?? "no body"}] ` +
                `${clip(String(request.payload ?? ""), 200)}\n    answer: ${clip(response.body, 300)}\n` +
                `    logged: ${causes.join(" | ") || "nothing"}`,
            );
          }
        }),
        propertyParameters(BUDGET, route),
      );
      if (details.failed) {
        // Interrupted before a single run ended: the route's requests are slower than the time limit.
        throw details.errorInstance ?? new Error(`${route}: no run finished within ${BUDGET.timeLimitMs} ms`);
      }
      expect(
        [...faults.values()],
        `${route}: ${faults.size} kinds of faulty answer in ${details.numRuns} runs (seed ${details.seed} = FC_SEED ${PROPERTY_SEED} mixed with the route)`,
      ).toEqual([]);
      if (process.env.FUZZ_STATUSES) console.log(route, JSON.stringify([...statuses]));
      // A fuzzer that only ever meets the sign-in check tests nothing: some runs must get past it.
      expect(
        [...statuses.keys()].some((status) => status !== 401 && status !== 403),
        route,
      ).toBe(true);
      const health = await app.inject({ method: "GET", url: "/healthz" });
      expect(health.statusCode).toBe(200);
    });
  }

  it("answers a student CSV with a NUL byte in a free-text cell without a 5xx", async () => {
    // Found by this fuzzer: the checked row is staged with COPY, and PostgreSQL text cannot hold NUL.
    const token = await freshCaller();
    for (const text of ["杭州\u0000路", "\u0000"]) {
      const { payload, headers } = multipartFile("学生.csv", pupilCsv(SCHOOL, "currentAddress", text));
      const logged = errorLog.length;
      const response = await app.inject({
        method: "POST",
        url: "/api/v1/students/imports?wait=true",
        payload,
        headers: { ...headers, authorization: `Bearer ${token}` },
      });
      expect({ status: response.statusCode, logged: loggedErrors(logged) }).toMatchObject({
        status: expect.toSatisfy((status: number) => status < 500),
      });
    }
  });

  it("leaves Object.prototype unpolluted", () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
  });
});
