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
import { expectTallyEqualsRecords, sampleStudent } from "../../../test/support/students";
import { getJob, runJob } from "../../platform/jobs/jobs.service";
import { orderPromotion } from "./students.promotion";
import { registerStudent } from "./students.service";

let node: TestNode;
let leader: Client;
const A = "2133108001";
const B = "2133108002";

async function grades(schoolCode: string) {
  return node.services.db
    .selectFrom("student")
    .innerJoin("school", "school.unit_id", "student.school_unit_id")
    .select(["student.name", "student.grade", "student.status"])
    .where("school.school_code", "=", schoolCode)
    .orderBy("student.name")
    .execute();
}

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: A, divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: B, divisionCode: "330102" });
  let sequence = 201;
  for (const [school, grade, name] of [
    [A, "P1", "甲一"],
    [A, "P5", "甲五"],
    [A, "P6", "甲六"],
    [B, "P2", "乙二"],
    [B, "P6", "乙六"],
  ] as const) {
    await registerStudent(node.system, {
      ...sampleStudent("20140101", { sequence: sequence++ }),
      name,
      grade,
      schoolCode: school,
    });
  }
  await createUser(node, { username: "leader", unitCode: "330102-EDU", roles: ["unit_leader"] });
  leader = await signIn(node, "leader");
});
afterAll(() => node.close());

describe("annual promotion", () => {
  it("moves everyone in school up a grade, graduates the final grade when ordered, and records events", async () => {
    const county = await unitIdByCode(node, "330102");
    const jobId = await orderPromotion(
      node.system,
      { unitId: county, graduate: true, effectiveOn: "2026-08-10" },
      { wait: true },
    );
    const job = await getJob(node.system, jobId);
    expect(job.status).toBe("succeeded");
    expect(job.result).toMatchObject({ promoted: 3, graduated: 2 });
    expect(await grades(A)).toEqual([
      { name: "甲一", grade: "P2", status: "01" },
      { name: "甲五", grade: "P6", status: "01" },
      { name: "甲六", grade: "P6", status: "07" },
    ]);
    const events = await node.services.db
      .selectFrom("student_event")
      .select(["change_type"])
      .where("job_id", "=", jobId)
      .execute();
    expect(events.map((e) => e.change_type).sort()).toEqual(["21", "21", "31", "31", "31"]);
  });

  it("does not graduate anyone unless ordered, and never moves a graduate", async () => {
    const county = await unitIdByCode(node, "330102");
    await orderPromotion(
      node.system,
      { unitId: county, graduate: false, effectiveOn: "2027-08-10" },
      { wait: true },
    );
    expect(await grades(A)).toEqual([
      { name: "甲一", grade: "P3", status: "01" },
      { name: "甲五", grade: "P6", status: "01" },
      { name: "甲六", grade: "P6", status: "07" },
    ]);
  });

  it("resumes an interrupted job without promoting a finished school twice", async () => {
    const county = await unitIdByCode(node, "330102");
    const schoolA = await unitIdByCode(node, A);
    const before = await grades(B);
    const jobId = await orderPromotion(
      node.system,
      { unitId: schoolA, graduate: false, effectiveOn: "2028-08-10" },
      { wait: true },
    );
    // Pretend that a county-wide job had finished school A, then the process stopped.
    const { id: resumed } = await node.services.db
      .insertInto("job")
      .values({
        kind: "student_promotion",
        module: "students",
        status: "failed",
        unit_id: county,
        params: JSON.stringify({
          unitId: county,
          graduate: false,
          effectiveOn: "2028-08-10",
          concurrency: 1,
        }),
        error: "interrupted",
        created_by: null,
        finished_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    await node.services.db
      .insertInto("job_item")
      .values({
        job_id: resumed,
        item_key: String(schoolA),
        result: JSON.stringify({ promoted: 2, graduated: 0 }),
      })
      .execute();
    const aBefore = await grades(A);
    await runJob(node.system, resumed, { wait: true });
    expect((await getJob(node.system, resumed)).status).toBe("succeeded");
    expect(await grades(A)).toEqual(aBefore);
    expect((await grades(B)).find((s) => s.name === "乙二")!.grade).not.toBe(
      before.find((s) => s.name === "乙二")!.grade,
    );
    expect(jobId).toBeGreaterThan(0);
  });

  it("is ordered over HTTP by a unit leader and shows its progress; a clerk may not order it", async () => {
    const county = await unitIdByCode(node, "330102");
    const ordered = await leader.send("POST", "/api/v1/students/promotions", {
      unitId: county,
      graduate: false,
      effectiveOn: "2029-08-10",
    });
    expect(ordered.statusCode).toBe(202);
    const { jobId } = ordered.json();
    let job = (await leader.get(`/api/v1/jobs/${jobId}`)).json();
    for (let i = 0; i < 50 && job.status !== "succeeded"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      job = (await leader.get(`/api/v1/jobs/${jobId}`)).json();
    }
    expect(job).toMatchObject({ status: "succeeded", progressDone: 2, progressTotal: 2 });
    await createUser(node, { username: "clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
    const clerk = await signIn(node, "clerk");
    expect(
      (await clerk.send("POST", "/api/v1/students/promotions", { unitId: county, graduate: false }))
        .statusCode,
    ).toBe(403);
  });
});

describe("the table the promotion rewrites", () => {
  it("keeps what a promotion changes out of every index, and room on each page, so it stays heap-only", async () => {
    // Migration 0008: a column in an index, or a full page, turns each of millions of row
    // updates into an insert into every index (5 M students: 355 s instead of 83 s).
    const { rows } = await node.database.pool.query<{ index: string; column: string }>(
      `SELECT i.indexrelid::regclass::text AS index, a.attname AS column
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
       WHERE i.indrelid = 'student'::regclass`,
    );
    expect(rows.length).toBeGreaterThan(0);
    const touched = ["grade", "status", "change_version", "updated_at"];
    expect(rows.filter((r) => touched.includes(r.column))).toEqual([]);
    const { rows: options } = await node.database.pool.query<{ options: string[] | null }>(
      "SELECT reloptions AS options FROM pg_class WHERE oid = 'student'::regclass",
    );
    expect(options[0]!.options).toContain("fillfactor=50");
  });
});

describe("the per-school tally", () => {
  it("equals a live count of the records after every change above", async () => {
    await expectTallyEqualsRecords(node.services.db);
  });
});
