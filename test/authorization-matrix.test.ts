/**
 * The authorisation matrix: every declared API route, called by users of a sibling county, the
 * parent city, another school, a read-only auditor, the human-resources side (province and
 * county), a school administrator and an account clerk without students:read, plus the owning
 * county as reference. The expectation is derived from each route's declared access, so a new
 * route is covered the day it is added, and a route without a declaration cannot even be
 * registered. Routes naming a request, archive item, job or seal are called with a real one
 * (fixtures of every record kind), and the lists of requests and archive items are checked to
 * show the fixture exactly to those who may read it; a route with a path parameter or a list
 * of records that the matrix does not know makes it fail until it is classified here.
 */
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeclaredRoute, type RecordKind, registerAccessPolicy } from "../src/http/access-policy";
import type { AppServices } from "../src/http/services";
import { registerStudent } from "../src/modules/students/students.service";
import { type Actor, can } from "../src/platform/access/actor";
import { buildActor, createApiToken } from "../src/platform/access/auth.service";
import { createTestNode, createUser, openTestSchool, type TestNode } from "./support/app";
import { sampleStudent } from "./support/students";

interface Caller {
  name: string;
  token: string;
  spareTokenId: number;
  actor: Actor;
}

let node: TestNode;
let targetSchoolId: number;
let targetSchoolPath: string;
let targetUserId: number;
let targetStudentId: number;
let countyEduPath: string;
const callers: Caller[] = [];
/** One real record of every kind a route can name, and who may see it (the oracle). */
const records = {} as Record<RecordKind, { id: number; visibleTo(caller: Caller): boolean }>;

async function makeCaller(name: string, unitCode: string, roles: string[]): Promise<Caller> {
  const userId = await createUser(node, { username: name, unitCode, roles });
  const user = await node.services.db
    .selectFrom("app_user")
    .selectAll()
    .where("id", "=", userId)
    .executeTakeFirstOrThrow();
  const actor = await buildActor(node.services.db, user, {});
  const { token } = await createApiToken(node.services.db, actor, { name: "matrix", expiresInDays: 1 });
  const spare = await createApiToken(node.services.db, actor, { name: "spare", expiresInDays: 1 });
  return { name, token, spareTokenId: spare.id, actor };
}

beforeAll(async () => {
  node = await createTestNode();
  targetSchoolId = await openTestSchool(node, { schoolCode: "2133100001", divisionCode: "330102" });
  const otherSchoolId = await openTestSchool(node, { schoolCode: "2133100002", divisionCode: "330102" });
  const otherSchoolCode = "2133100002";
  expect(otherSchoolId).toBeGreaterThan(0);
  targetSchoolPath = (
    await node.services.db
      .selectFrom("org_unit")
      .select("path")
      .where("id", "=", targetSchoolId)
      .executeTakeFirstOrThrow()
  ).path;
  // A user of the target school keeps it referenced, so DELETE is refused rather than executed.
  targetUserId = await createUser(node, {
    username: "target_user",
    unitCode: "2133100001",
    roles: ["data_clerk"],
  });
  targetStudentId = (
    await registerStudent(node.system, { ...sampleStudent("20150301"), schoolCode: "2133100001" })
  ).id;
  const adminRoles = ["system_admin", "data_clerk", "reviewer"];
  callers.push(await makeCaller("owner_county", "330102-EDU", adminRoles));
  callers.push(await makeCaller("sibling_county", "330106-EDU", adminRoles));
  callers.push(await makeCaller("parent_city", "330100-EDU", adminRoles));
  callers.push(await makeCaller("other_school", otherSchoolCode, ["system_admin", "data_clerk"]));
  callers.push(await makeCaller("auditor", "330000-EDU", ["auditor"]));
  // The human-resources side reaches only the technical schools it supervises: none of these.
  callers.push(await makeCaller("hr_province", "330000-HRSS", ["hrss_officer"]));
  callers.push(await makeCaller("hr_county", "330102-HRSS", ["auditor", "system_admin"]));
  // In scope, but without the students module's read permission.
  callers.push(await makeCaller("school_admin", "2133100001", ["system_admin"]));
  callers.push(await makeCaller("county_accounts", "330102-EDU", ["account_clerk"]));
  countyEduPath = callers[0]!.actor.unitPath;
  await createRecordFixtures();
});

async function asCaller(caller: Caller, method: "GET" | "POST", url: string, payload?: object) {
  return node.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${caller.token}` },
    ...(payload === undefined ? {} : { payload }),
  });
}

/** A request, an archive item (registry card), a job (promotion) and a seal of the target school. */
async function createRecordFixtures(): Promise<void> {
  const clerk = await makeCaller("target_clerk", "2133100001", ["data_clerk"]);
  const owner = callers.find((c) => c.name === "owner_county")!;
  const submitted = await asCaller(clerk, "POST", "/api/v1/workflow/requests", {
    type: "student_suspension",
    payload: {
      studentId: targetStudentId,
      schoolId: targetSchoolId,
      reason: "因病休学",
      from: "2026-09-01",
      until: "2027-08-31",
    },
  });
  expect(submitted.statusCode, submitted.body).toBe(201);
  const card = await asCaller(clerk, "POST", `/api/v1/students/${targetStudentId}/card`);
  expect(card.statusCode, card.body).toBe(201);
  const ordered = await asCaller(owner, "POST", "/api/v1/students/promotions", {
    unitId: targetSchoolId,
    graduate: false,
  });
  expect(ordered.statusCode, ordered.body).toBe(202);
  const jobId = ordered.json().jobId as number;
  for (let i = 0; i < 400; i++) {
    const job = await node.services.db
      .selectFrom("job")
      .select("status")
      .where("id", "=", jobId)
      .executeTakeFirstOrThrow();
    if (job.status !== "queued" && job.status !== "running") break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const seal = await node.services.db
    .selectFrom("seal")
    .select("id")
    .where("unit_id", "=", targetSchoolId)
    .executeTakeFirstOrThrow();
  const readsStudents = (c: Caller) => can(c.actor, "students", "read") && reaches(c, targetSchoolPath);
  records.request = { id: submitted.json().id, visibleTo: readsStudents };
  records.archive_item = { id: card.json().id, visibleTo: readsStudents };
  records.job = {
    id: jobId,
    // Its orderer, or a reader of its module reaching both its unit and its orderer's unit.
    visibleTo: (c) => c.name === "owner_county" || (readsStudents(c) && reaches(c, countyEduPath)),
  };
  records.seal = { id: seal.id, visibleTo: (c) => reaches(c, targetSchoolPath) };
}

/**
 * The oracle of scope, written apart from src/platform/access/scope.ts: every fixture is an
 * education-side unit, which a caller reaches when it lies in the caller's subtree and the
 * caller is not on the human-resources side.
 */
function reaches(caller: Caller, path: string): boolean {
  return caller.actor.scope.side !== "hrss" && path.startsWith(caller.actor.scope.rootPath);
}

function recordOf(route: DeclaredRoute): RecordKind | undefined {
  return "record" in route.access && route.access.record ? route.access.record.kind : undefined;
}

/**
 * Path parameters that name no scoped record, each with why: anything else must be a declared
 * unit, user, student or record parameter.
 */
const UNSCOPED_PARAMS: Record<string, string> = {
  "DELETE /api/v1/auth/tokens/:id": "the caller's own tokens only (a foreign id is not found)",
  "GET /api/v1/code-sets/:name": "code sets are public reference data",
  "GET /api/v1/divisions/:code": "administrative divisions are public reference data",
  "GET /api/v1/students/imports/:jobId": "the caller's own imports only (ownImport)",
  "POST /api/v1/students/imports/:jobId/commit": "the caller's own imports only (ownImport)",
  "GET /api/v1/students/imports/:jobId/errors.xlsx": "the caller's own imports only (ownImport)",
  "GET /api/v1/students/imports/:jobId/errors.csv": "the caller's own imports only (ownImport)",
};

/** Lists of records, with how to read the record ids off a page and which fixture they show. */
const RECORD_LISTS: Record<
  string,
  { kind: RecordKind; url: () => string; ids: (body: { items: { id: number }[] }) => number[] }
> = {
  "GET /api/v1/workflow/requests": {
    kind: "request",
    url: () => "/api/v1/workflow/requests?pageSize=100",
    ids: (b) => b.items.map((i: { id: number }) => i.id),
  },
  "GET /api/v1/archive/items": {
    kind: "archive_item",
    url: () => "/api/v1/archive/items?pageSize=100",
    ids: (b) => b.items.map((i: { id: number }) => i.id),
  },
  "GET /api/v1/seals": {
    kind: "seal",
    url: () => "/api/v1/seals?pageSize=100",
    ids: (b) => b.items.map((i: { id: number }) => i.id),
  },
};

/** Other list routes of the record modules, each with why the fixture check does not apply. */
const OTHER_LISTS: Record<string, string> = {
  "GET /api/v1/workflow/types": "request types, not requests",
  "GET /api/v1/workflow/inbox":
    "steps acting at the caller's own unit (none of the callers acts on the fixture)",
  "GET /api/v1/workflow/overdue": "overdue steps: the fixture is not overdue; scoped like the request list",
  "GET /api/v1/workflow/stats": "counts per unit, scoped like the request list (test/scope.test.ts)",
  "GET /api/v1/workflow/calendar": "the working calendar",
  "GET /api/v1/workflow/calendar/deadline": "a date computation",
  "GET /api/v1/seals/personal-key": "the caller's own key",
};
afterAll(() => node.close());

type Expectation = "allow" | "forbidden" | "hidden";

/** The path of the record a route's :id names, when the route is about a scoped record. */
function subjectPath(route: DeclaredRoute): string | undefined {
  if ("unitParam" in route.access && route.access.unitParam) return targetSchoolPath;
  if ("userParam" in route.access && route.access.userParam) return targetSchoolPath;
  if ("studentParam" in route.access && route.access.studentParam) return targetSchoolPath;
  return undefined;
}

function expectation(route: DeclaredRoute, caller: Caller): Expectation {
  const { access } = route;
  if ("public" in access) return "allow";
  if (!("signedIn" in access)) {
    if (!can(caller.actor, access.module, access.action)) return "forbidden";
    const path = subjectPath(route);
    if (path && !reaches(caller, path)) return "hidden";
  }
  const kind = recordOf(route);
  if (kind && !records[kind].visibleTo(caller)) return "hidden";
  return "allow";
}

function fillUrl(route: DeclaredRoute, caller: Caller): string {
  let id = String(targetSchoolId);
  if (route.url.startsWith("/api/v1/users/:id")) id = String(targetUserId);
  if (route.url.startsWith("/api/v1/auth/tokens/:id")) id = String(caller.spareTokenId);
  if ("studentParam" in route.access && route.access.studentParam) id = String(targetStudentId);
  const kind = recordOf(route);
  if (kind) id = String(records[kind].id);
  return route.url
    .replace(":id", id)
    .replace(":system", "students")
    .replace(":duty", "leader")
    .replace(":name", "sex")
    .replace(":code", "330102");
}

async function ensureFixture(): Promise<void> {
  // Destructive calls by an allowed caller must not change what the next caller meets.
  await node.services.db
    .insertInto("responsible_person")
    .values({
      unit_id: targetSchoolId,
      system: "students",
      duty: "leader",
      name: "张三",
      phone: "13800000000",
      position: null,
      email: null,
    })
    .onConflict((oc) => oc.columns(["unit_id", "system", "duty"]).doNothing())
    .execute();
}

function outrankRefusal(route: { url: string }, code: string): boolean {
  return route.url.startsWith("/api/v1/users/:id") && code === "not_outranked";
}

describe("authorisation matrix", () => {
  it("covers a meaningful set of routes, each with a declared access", () => {
    const routes = node.app.declaredRoutes.filter((r) => r.url.startsWith("/api/"));
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) expect(route.access, `${route.method} ${route.url}`).toBeDefined();
  });

  it("refuses to register an API route without a declared access", () => {
    const app = Fastify();
    registerAccessPolicy(app, {} as AppServices);
    expect(() => app.get("/api/v1/undeclared", async () => "open")).toThrow(/declares no config.access/);
  });

  it("answers every route as its declaration says for every caller", async () => {
    const failures: string[] = [];
    const routes = node.app.declaredRoutes.filter(
      (r) => r.url.startsWith("/api/") && !("public" in r.access),
    );
    // Token revocation last: it ends the spare token only, but keep side effects at the end.
    routes.sort((a, b) => Number(a.url.includes("/auth/")) - Number(b.url.includes("/auth/")));
    for (const route of routes) {
      for (const caller of callers) {
        await ensureFixture();
        const response = await node.app.inject({
          method: route.method as "GET",
          url: fillUrl(route, caller),
          headers: { authorization: `Bearer ${caller.token}` },
        });
        const expected = expectation(route, caller);
        const status = response.statusCode;
        const record = recordOf(route) !== undefined;
        const ok =
          expected === "allow"
            ? record
              ? // A real record the caller may see: never hidden; an action may still be refused
                // by its own rule (e.g. resuming a job one did not order without approve).
                ![401, 404].includes(status) && (status !== 403 || route.method !== "GET")
              : ![401, 403, 404].includes(status) ||
                // An account action may still be refused by the outrank rule, which
                // src/platform/access/outrank.test.ts checks for every pair of roles.
                (status === 403 && outrankRefusal(route, response.json().code)) ||
                (status === 404 &&
                  response.json().code !== "unit_not_found" &&
                  response.json().code !== "not_found")
            : status === (expected === "forbidden" ? 403 : 404);
        if (!ok)
          failures.push(
            `${route.method} ${route.url} as ${caller.name}: expected ${expected}, got ${status} ${response.body.slice(0, 120)}`,
          );
        expect(status, `${route.method} ${route.url} as ${caller.name}`).not.toBe(500);
      }
    }
    expect(failures).toEqual([]);
  });

  it("knows how every path parameter is scoped: a unit, user, student or record, or listed as unscoped", () => {
    const unknown = node.app.declaredRoutes
      .filter((r) => r.url.startsWith("/api/") && r.url.includes("/:"))
      .filter((r) => {
        const a = r.access;
        if ("public" in a) return false;
        if ("record" in a && a.record) return false;
        if ("module" in a && (a.unitParam || a.userParam || a.studentParam)) return false;
        return !(`${r.method} ${r.url}` in UNSCOPED_PARAMS);
      })
      .map((r) => `${r.method} ${r.url}`);
    expect(unknown).toEqual([]);
  });

  it("knows every list of requests, archive items, seals and jobs", () => {
    const lists = node.app.declaredRoutes
      .filter((r) => r.method === "GET" && !r.url.includes("/:"))
      .filter((r) => /^\/api\/v1\/(workflow|archive|seals|jobs)(\/|$)/.test(r.url))
      .map((r) => `${r.method} ${r.url}`);
    expect(lists.filter((l) => !(l in RECORD_LISTS) && !(l in OTHER_LISTS))).toEqual([]);
    for (const known of [...Object.keys(RECORD_LISTS), ...Object.keys(OTHER_LISTS)])
      expect(lists, `${known} is no longer a route: remove it here`).toContain(known);
  });

  it("shows each record in lists exactly to the callers who may read it", async () => {
    const failures: string[] = [];
    for (const [route, list] of Object.entries(RECORD_LISTS)) {
      for (const caller of callers) {
        const response = await asCaller(caller, "GET", list.url());
        if (response.statusCode === 403) continue; // the list itself is refused: nothing shown
        expect(response.statusCode, `${route} as ${caller.name}`).toBe(200);
        const shown = list
          .ids(response.json() as { items: { id: number }[] })
          .includes(records[list.kind].id);
        if (shown !== records[list.kind].visibleTo(caller))
          failures.push(`${route} as ${caller.name}: ${shown ? "shows" : "hides"} the ${list.kind}`);
      }
    }
    // A student's requests: the same request, through the student's own list.
    for (const caller of callers) {
      const response = await asCaller(caller, "GET", `/api/v1/students/${targetStudentId}/requests`);
      const shown =
        response.statusCode === 200 &&
        response
          .json()
          .items.map((i: { id: number }) => i.id)
          .includes(records.request.id);
      if (shown !== records.request.visibleTo(caller))
        failures.push(`student requests as ${caller.name}: ${shown ? "shows" : "hides"} the request`);
    }
    expect(failures).toEqual([]);
  });

  it("rejects every non-public route without credentials", async () => {
    for (const route of node.app.declaredRoutes.filter(
      (r) => r.url.startsWith("/api/") && !("public" in r.access),
    )) {
      const response = await node.app.inject({
        method: route.method as "GET",
        url: fillUrl(route, callers[0]!),
      });
      expect(response.statusCode, `${route.method} ${route.url}`).toBe(401);
    }
  });

  it("lets a sibling county not even learn that a school exists", async () => {
    const sibling = callers.find((c) => c.name === "sibling_county")!;
    const existing = await node.app.inject({
      method: "GET",
      url: `/api/v1/units/${targetSchoolId}`,
      headers: { authorization: `Bearer ${sibling.token}` },
    });
    const missing = await node.app.inject({
      method: "GET",
      url: "/api/v1/units/999999999",
      headers: { authorization: `Bearer ${sibling.token}` },
    });
    expect(existing.statusCode).toBe(404);
    expect(existing.json()).toEqual({ ...missing.json(), instance: existing.json().instance });
  });
});
