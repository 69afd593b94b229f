import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  createTestNode,
  createUser,
  signIn,
  type TestNode,
  unitIdByCode,
} from "../../../test/support/app";

let node: TestNode;
let county: Client;
let sibling: Client;
let hrss: Client;

const school = (overrides: Record<string, unknown> = {}) => ({
  schoolCode: "2133102001",
  name: "上城区测试小学",
  runningType: "211",
  stages: ["primary"],
  ownership: "public",
  divisionCode: "330102",
  openedOn: "2001-09-01",
  ...overrides,
});

beforeAll(async () => {
  node = await createTestNode();
  await createUser(node, {
    username: "county",
    unitCode: "330102-EDU",
    roles: ["system_admin", "data_clerk"],
  });
  await createUser(node, { username: "sibling", unitCode: "330106-EDU", roles: ["system_admin"] });
  await createUser(node, { username: "hrss", unitCode: "330000-HRSS", roles: ["hrss_officer"] });
  county = await signIn(node, "county");
  sibling = await signIn(node, "sibling");
  hrss = await signIn(node, "hrss");
});
afterAll(() => node.close());

describe("the administrative tree", () => {
  it("holds every GB/T 2260 division with its departments, plus the Corps", async () => {
    const counts = await node.services.db
      .selectFrom("org_unit")
      .select(["kind", (eb) => eb.fn.countAll<number>().as("n")])
      .groupBy("kind")
      .execute();
    const byKind: Record<string, number> = Object.fromEntries(counts.map((c) => [c.kind, Number(c.n)]));
    const count = (kind: string) => byKind[kind] ?? 0;
    expect(byKind.nation).toBe(1);
    expect(byKind.province).toBe(32);
    expect(byKind.prefecture).toBeGreaterThan(300);
    expect(byKind.county).toBeGreaterThan(2800);
    expect(count("department")).toBe(
      3 * (count("nation") + count("province") + count("prefecture") + count("county")),
    );
    const corps = await node.services.db
      .selectFrom("org_unit")
      .select("name")
      .where("code", "=", "660000")
      .executeTakeFirstOrThrow();
    expect(corps.name).toBe("新疆生产建设兵团");
  });

  it("shows a county its ancestors inside its scope only, and children of its subtree", async () => {
    const countyId = await unitIdByCode(node, "330102");
    const detail = (await county.get(`/api/v1/units/${countyId}`)).json();
    expect(detail.unit).toMatchObject({ code: "330102", name: "上城区", kind: "county" });
    expect(detail.ancestors).toEqual([]);
    const children = (await county.get(`/api/v1/units/${countyId}/children`)).json();
    expect(children.items.map((u: { code: string }) => u.code)).toEqual([
      "330102-EDU",
      "330102-FIN",
      "330102-HRSS",
    ]);
    const cityId = await unitIdByCode(node, "330100");
    expect((await county.get(`/api/v1/units/${cityId}`)).statusCode).toBe(404);
  });
});

describe("schools", () => {
  it("opens a school under its county with the county's education bureau supervising", async () => {
    const created = await county.send("POST", "/api/v1/schools", school());
    expect(created.statusCode).toBe(201);
    const detail = (await county.get(`/api/v1/units/${created.json().id}`)).json();
    expect(detail.unit.school).toMatchObject({
      schoolCode: "2133102001",
      schoolType: "21",
      runningType: "211",
    });
    expect(detail.unit.school.supervisingUnitId).toBe(await unitIdByCode(node, "330102-EDU"));
    expect(detail.ancestors.map((a: { code: string }) => a.code)).toEqual(["330102"]);
  });

  it("explains bad input field by field and writes nothing", async () => {
    const before = await node.services.db
      .selectFrom("school")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    const bad = await county.send(
      "POST",
      "/api/v1/schools",
      school({
        schoolCode: "2111102009",
        runningType: "999",
        stages: ["nursery"],
        creditCode: "12330102MB1234567X",
      }),
    );
    expect(bad.statusCode).toBe(422);
    const codes = bad.json().errors.map((e: { path: string; code: string }) => `${e.path}:${e.code}`);
    expect(codes).toEqual(
      expect.arrayContaining([
        "schoolCode:school_code.province_mismatch",
        "runningType:code_unknown",
        "stages.0:code_unknown",
        expect.stringMatching(/^creditCode:credit_code\./),
      ]),
    );
    expect(
      bad.json().errors.find((e: { code: string }) => e.code === "school_code.province_mismatch").message,
    ).toMatch(/省/);
    const shape = await county.send("POST", "/api/v1/schools", { ...school(), schoolCode: "12AB" });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().errors[0].path).toBe("body.schoolCode");
    const unknownDivision = await county.send(
      "POST",
      "/api/v1/schools",
      school({ schoolCode: "2133102099", divisionCode: "339999" }),
    );
    expect(unknownDivision.statusCode).toBe(422);
    expect(unknownDivision.json().code).toBe("division_unknown");
    const after = await node.services.db
      .selectFrom("school")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });

  it("refuses a duplicate school code and a parent outside the caller's scope", async () => {
    const duplicate = await county.send("POST", "/api/v1/schools", school({ name: "另一所" }));
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json()).toMatchObject({ code: "school_code_taken" });
    const elsewhere = await county.send(
      "POST",
      "/api/v1/schools",
      school({ schoolCode: "2133102002", divisionCode: "330106" }),
    );
    expect(elsewhere.statusCode).toBe(422);
    expect(elsewhere.json().code).toBe("parent_not_found");
    const notUniversity = await county.send(
      "POST",
      "/api/v1/schools",
      school({ schoolCode: "2133102003", parentCode: "330102-EDU" }),
    );
    expect(notUniversity.statusCode).toBe(422);
    expect(notUniversity.json().code).toBe("parent_kind_invalid");
  });

  it("renames with an effective date and tells the name on any date", async () => {
    const id = (
      await county.send("POST", "/api/v1/schools", school({ schoolCode: "2133102010", name: "旧名小学" }))
    ).json().id;
    expect(
      (
        await county.send("POST", `/api/v1/units/${id}/rename`, {
          name: "新名小学",
          effectiveOn: "2020-09-01",
        })
      ).statusCode,
    ).toBe(200);
    expect((await county.get(`/api/v1/units/${id}?asOf=2019-01-01`)).json().nameOnDate).toBe("旧名小学");
    expect((await county.get(`/api/v1/units/${id}?asOf=2021-01-01`)).json().nameOnDate).toBe("新名小学");
    const backdated = await county.send("POST", `/api/v1/units/${id}/rename`, {
      name: "更名",
      effectiveOn: "1999-01-01",
    });
    expect(backdated.statusCode).toBe(422);
    expect(backdated.json().code).toBe("effective_date_invalid");
    const history = (await county.get(`/api/v1/units/${id}/history`)).json().items;
    expect(history.map((e: { eventType: string }) => e.eventType)).toEqual(["opened", "renamed"]);
  });

  it("merges a school into another, keeps its history, and can reopen it", async () => {
    const a = (
      await county.send("POST", "/api/v1/schools", school({ schoolCode: "2133102020", name: "甲小学" }))
    ).json().id;
    const b = (
      await county.send("POST", "/api/v1/schools", school({ schoolCode: "2133102021", name: "乙小学" }))
    ).json().id;
    expect((await county.send("POST", `/api/v1/schools/${a}/merge`, { intoUnitId: a })).json().code).toBe(
      "merge_target_invalid",
    );
    expect(
      (await county.send("POST", `/api/v1/schools/${a}/merge`, { intoUnitId: b, effectiveOn: "2024-08-31" }))
        .statusCode,
    ).toBe(200);
    const merged = (await county.get(`/api/v1/units/${a}`)).json().unit;
    expect(merged.status).toBe("merged");
    expect(merged.school).toMatchObject({ mergedIntoUnitId: b, closedOn: "2024-08-31" });
    expect((await county.send("POST", `/api/v1/units/${a}/rename`, { name: "x" })).json().code).toBe(
      "unit_not_active",
    );
    const absorbed = (await county.get(`/api/v1/units/${b}/history`)).json().items;
    expect(absorbed.at(-1)).toMatchObject({ eventType: "absorbed", details: { fromUnitId: a } });
    expect(
      (await county.send("POST", `/api/v1/schools/${a}/reopen`, { effectiveOn: "2025-09-01" })).statusCode,
    ).toBe(200);
    expect((await county.get(`/api/v1/units/${a}`)).json().unit.status).toBe("active");
  });

  it("never deletes a school that records refer to, and deletes one registered in error", async () => {
    const used = (await county.send("POST", "/api/v1/schools", school({ schoolCode: "2133102030" }))).json()
      .id;
    await createUser(node, { username: "teacher_of_used", unitCode: "2133102030", roles: [] });
    const refused = await county.send("DELETE", `/api/v1/schools/${used}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe("unit_in_use");
    const mistake = (
      await county.send("POST", "/api/v1/schools", school({ schoolCode: "2133102031" }))
    ).json().id;
    expect((await county.send("DELETE", `/api/v1/schools/${mistake}`)).statusCode).toBe(200);
    expect((await county.get(`/api/v1/units/${mistake}`)).statusCode).toBe(404);
    const tombstone = await node.services.db
      .selectFrom("deleted_record")
      .select("natural_key")
      .where("table_name", "=", "org_unit")
      .execute();
    expect(tombstone.map((t) => t.natural_key)).toContainEqual({ code: "2133102031" });
  });

  it("searches by name and code within the scope only", async () => {
    const byName = (await county.get(`/api/v1/units?q=${encodeURIComponent("测试小学")}&kind=school`)).json();
    expect(byName.items.map((u: { code: string }) => u.code)).toContain("2133102001");
    const byCode = (await county.get("/api/v1/units?q=2133102001")).json();
    expect(byCode.items).toHaveLength(1);
    expect((await sibling.get(`/api/v1/units?q=${encodeURIComponent("测试小学")}`)).json().total).toBe(0);
  });

  it("lets the human-resources side see technical schools only", async () => {
    const technical = await county.send(
      "POST",
      "/api/v1/schools",
      school({
        schoolCode: "3633102001",
        name: "上城技工学校",
        runningType: "366",
        stages: ["secondary_vocational"],
      }),
    );
    expect(technical.statusCode).toBe(201);
    const seen = (await hrss.get("/api/v1/units?kind=school&pageSize=200"))
      .json()
      .items.map((u: { code: string }) => u.code);
    expect(seen).toEqual(["3633102001"]);
    expect((await hrss.get(`/api/v1/units/${technical.json().id}`)).statusCode).toBe(200);
  });

  it("pages with a total and refuses to page past the window", async () => {
    const page = (await county.get("/api/v1/units?pageSize=2&page=2")).json();
    expect(page).toMatchObject({ page: 2, pageSize: 2, totalIsLowerBound: false });
    expect(page.items).toHaveLength(2);
    const far = await county.get("/api/v1/units?pageSize=200&page=100");
    expect(far.statusCode).toBe(400);
    expect(far.json().code).toBe("page_window_exceeded");
  });
});
