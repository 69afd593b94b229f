/**
 * The demo data of `npm start`: loading it twice changes nothing, and every demo account sees
 * exactly its own subtree of the 40 demo schools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDemoFile, seedDemo } from "../src/demo/seed-demo";
import { createTestNode, signIn, type TestNode } from "./support/app";

let node: TestNode;
let password: string;
beforeAll(async () => {
  node = await createTestNode();
  password = (await readDemoFile()).demoPassword;
});
afterAll(() => node.close());

async function visibleSchools(username: string): Promise<string[]> {
  const client = await signIn(node, username, password);
  const response = await client.get("/api/v1/units?kind=school&pageSize=200");
  expect(response.statusCode, username).toBe(200);
  return response
    .json()
    .items.map((u: { code: string }) => u.code)
    .sort();
}

describe("demo data", () => {
  it("loads 40 schools in two prefectures and four counties, and a second load adds nothing", async () => {
    const first = await seedDemo(node.services);
    expect(first).toMatchObject({ schoolsCreated: 40, usersCreated: 13, studentsCreated: 25 });
    const second = await seedDemo(node.services);
    expect(second).toMatchObject({ schoolsCreated: 0, usersCreated: 0, studentsCreated: 0 });
    const counties = await node.services.db
      .selectFrom("school")
      .select("division_code")
      .distinct()
      .where("division_code", "in", ["330102", "330106", "330203", "330212"])
      .execute();
    expect(counties).toHaveLength(4);
  });

  it("shows each account exactly its subtree", async () => {
    const demo = await readDemoFile();
    const all = demo.schools.map((s) => s.schoolCode).sort();
    const inCounty = (division: string) =>
      demo.schools.filter((s) => s.divisionCode === division && !s.parentCode);
    const codes = (list: { schoolCode: string }[]) => list.map((s) => s.schoolCode).sort();
    const ministryRun = demo.schools.filter((s) => s.parentCode === "CN");
    const hangzhou = [
      ...inCounty("330102"),
      ...inCounty("330106"),
      ...demo.schools.filter((s) => s.parentCode === "330100"),
    ];
    expect(await visibleSchools("nation_admin")).toEqual(all);
    expect(await visibleSchools("zj_admin")).toEqual(
      codes(demo.schools.filter((s) => s.parentCode !== "CN")),
    );
    expect(ministryRun).toHaveLength(1);
    expect(await visibleSchools("zj_finance")).toEqual(await visibleSchools("zj_admin"));
    expect(await visibleSchools("zj_hrss")).toEqual(["3633000901"]);
    expect(await visibleSchools("hz_admin")).toEqual(codes(hangzhou));
    expect(await visibleSchools("sc_admin")).toEqual(codes(inCounty("330102")));
    expect(await visibleSchools("xh_admin")).toEqual(codes(inCounty("330106")));
    expect(await visibleSchools("school_clerk")).toEqual([demo.schools[2]!.schoolCode]);
  });
});

describe("unit home-page figures", () => {
  it("counts the subtree and hides figures of modules the caller may not read", async () => {
    const county = await node.services.db
      .selectFrom("org_unit")
      .select("id")
      .where("code", "=", "330102")
      .executeTakeFirstOrThrow();
    const admin = await signIn(node, "sc_admin", password);
    const stats = (await admin.get(`/api/v1/units/${county.id}/stats`)).json();
    expect(stats).toMatchObject({
      schoolsByStatus: { active: 9 },
      schoolsByType: { "11": 2, "21": 3, "31": 2, "34": 1, "36": 1 },
    });
    expect(stats.users).toBeGreaterThanOrEqual(2);
    // sc_admin is also a reviewer, who reads students: an empty count, not a hidden one.
    expect(stats.studentsByStatus).toEqual({ "01": 25 });
    const clerk = await signIn(node, "sc_clerk", password);
    // The demo's 25 registrations: 24 pupils and one suspected duplicate waiting in the queue.
    expect((await clerk.get(`/api/v1/units/${county.id}/stats`)).json()).toMatchObject({
      studentsByStatus: { "01": 25 },
      openProblems: 1,
      pendingApprovals: 1,
      users: null,
    });
    const inbox = (await clerk.get("/api/v1/workflow/inbox")).json();
    expect(inbox.items).toHaveLength(1);
    const province = await node.services.db
      .selectFrom("org_unit")
      .select("id")
      .where("code", "=", "330000")
      .executeTakeFirstOrThrow();
    const finance = await signIn(node, "zj_finance", password);
    const financeStats = (await finance.get(`/api/v1/units/${province.id}/stats`)).json();
    expect(financeStats.studentsByStatus).toBeNull();
    expect(financeStats.schoolsByStatus.active).toBe(39);
    expect((await admin.get(`/api/v1/units/${province.id}/stats`)).statusCode).toBe(404);
  });
});
