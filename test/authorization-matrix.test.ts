/**
 * The authorisation matrix: every declared API route, called by users of a sibling county, the
 * parent city, another school and a read-only auditor, plus the owning county as reference. The
 * expectation is derived from each route's declared access, so a new route is covered the day it
 * is added, and a route without a declaration cannot even be registered.
 */
import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type DeclaredRoute, registerAccessPolicy } from "../src/http/access-policy";
import type { AppServices } from "../src/http/services";
import { registerStudent } from "../src/modules/students/students.service";
import { type Actor, can } from "../src/platform/access/actor";
import { buildActor, createApiToken } from "../src/platform/access/auth.service";
import { isPathInScope } from "../src/platform/access/scope";
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
const callers: Caller[] = [];

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
});
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
  if ("public" in access || "signedIn" in access) return "allow";
  if (!can(caller.actor, access.module, access.action)) return "forbidden";
  const path = subjectPath(route);
  if (path && !isPathInScope(caller.actor.scope, path)) return "hidden";
  return "allow";
}

function fillUrl(route: DeclaredRoute, caller: Caller): string {
  let id = String(targetSchoolId);
  if (route.url.startsWith("/api/v1/users/:id")) id = String(targetUserId);
  if (route.url.startsWith("/api/v1/auth/tokens/:id")) id = String(caller.spareTokenId);
  if ("studentParam" in route.access && route.access.studentParam) id = String(targetStudentId);
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
        const ok =
          expected === "allow"
            ? ![401, 403, 404].includes(status) ||
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
