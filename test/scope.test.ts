/**
 * One scope for every read, write, job and archive access (issue 13 items 3 and 11): the
 * human-resources side (人社) reaches only the technical schools it supervises, in promotions,
 * jobs, request lists and the archive as in reads; a job and an archive item are read with
 * their module's read permission only; an archive read of personal data is audited; and a
 * transfer tells an unrelated school nothing before its request exists.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STUDENT_FIELDS, templateHeader } from "../src/modules/students/students.fields";
import { registerStudent } from "../src/modules/students/students.service";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
  unitIdByCode,
} from "./support/app";
import { multipartFile } from "./support/multipart";
import { sampleStudent } from "./support/students";

let node: TestNode;
let hr: Client;
let leader: Client;
let accounts: Client;
let schoolAdmin: Client;
let schoolClerk: Client;
let farClerk: Client;
let eduSchool: number;
let techSchool: number;
let eduStudent: number;
let techStudent: number;

const EDU = "2133109001";
const TECH = "3633109001";
const FAR = "2133069001";

async function gradeOf(id: number) {
  const row = await node.services.db
    .selectFrom("student")
    .select("grade")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return row.grade;
}

async function waitForJob(client: Client, id: number) {
  for (let i = 0; i < 200; i++) {
    const job = (await client.get(`/api/v1/jobs/${id}`)).json();
    if (job.status === "succeeded" || job.status === "failed") return job;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`job ${id} did not finish`);
}

beforeAll(async () => {
  node = await createTestNode();
  eduSchool = await openTestSchool(node, { schoolCode: EDU, divisionCode: "330102" });
  techSchool = await openTestSchool(node, {
    schoolCode: TECH,
    divisionCode: "330102",
    name: "上城技工学校",
    runningType: "366",
    stages: ["secondary_vocational"],
  });
  await openTestSchool(node, { schoolCode: FAR, divisionCode: "330106" });
  eduStudent = (
    await registerStudent(node.system, {
      ...sampleStudent("20150301", { sequence: 611 }),
      grade: "P3",
      schoolCode: EDU,
    })
  ).id;
  techStudent = (
    await registerStudent(node.system, {
      ...sampleStudent("20080301", { sequence: 613 }),
      name: "李技工",
      grade: "V1",
      className: "机电1班",
      schoolCode: TECH,
    })
  ).id;
  // The province's human-resources department, with the HR side's role.
  await createUser(node, { username: "hr_officer", unitCode: "330000-HRSS", roles: ["hrss_officer"] });
  await createUser(node, { username: "leader", unitCode: "330102-EDU", roles: ["unit_leader"] });
  await createUser(node, { username: "accounts", unitCode: "330102-EDU", roles: ["account_clerk"] });
  await createUser(node, { username: "school_admin", unitCode: EDU, roles: ["system_admin"] });
  await createUser(node, { username: "school_clerk", unitCode: EDU, roles: ["data_clerk"] });
  await createUser(node, { username: "far_clerk", unitCode: FAR, roles: ["data_clerk"] });
  hr = await signIn(node, "hr_officer");
  leader = await signIn(node, "leader");
  accounts = await signIn(node, "accounts");
  schoolAdmin = await signIn(node, "school_admin");
  schoolClerk = await signIn(node, "school_clerk");
  farClerk = await signIn(node, "far_clerk");
});
afterAll(() => node.close());

describe("the human-resources side's scope", () => {
  it("promotes only the technical schools it supervises when it orders a province's promotion", async () => {
    const province = await unitIdByCode(node, "330000");
    const ordered = await hr.send("POST", "/api/v1/students/promotions", {
      unitId: province,
      graduate: false,
      effectiveOn: "2026-08-20",
    });
    expect(ordered.statusCode, ordered.body).toBe(202);
    const job = await waitForJob(hr, ordered.json().jobId);
    expect(job.status, JSON.stringify(job)).toBe("succeeded");
    expect(await gradeOf(techStudent)).toBe("V2");
    expect(await gradeOf(eduStudent)).toBe("P3");
    expect(job.result).toMatchObject({ schools: 1, promoted: 1 });
  });

  it("counts only its technical schools' students on the province's home page", async () => {
    const province = await unitIdByCode(node, "330000");
    const stats = await hr.get(`/api/v1/units/${province}/stats`);
    expect(stats.statusCode, stats.body).toBe(200);
    expect(stats.json().studentsByStatus).toEqual({ "01": 1 });
  });

  it("cannot order the promotion of an education-side school", async () => {
    const ordered = await hr.send("POST", "/api/v1/students/promotions", {
      unitId: eduSchool,
      graduate: false,
    });
    expect(ordered.statusCode).toBe(404);
    expect(await gradeOf(eduStudent)).toBe("P3");
  });

  it("does not list the education side's requests, nor count them", async () => {
    const submitted = await schoolClerk.send("POST", "/api/v1/workflow/requests", {
      type: "student_suspension",
      payload: {
        studentId: eduStudent,
        schoolId: eduSchool,
        reason: "因病休学",
        from: "2026-09-01",
        until: "2027-08-31",
      },
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const id = submitted.json().id;
    const leaderList = (await leader.get("/api/v1/workflow/requests?pageSize=100")).json();
    expect(leaderList.items.map((r: { id: number }) => r.id)).toContain(id);
    const hrList = (await hr.get("/api/v1/workflow/requests?pageSize=100")).json();
    expect(hrList.items.map((r: { id: number }) => r.id)).not.toContain(id);
    expect((await hr.get(`/api/v1/workflow/requests/${id}`)).statusCode).toBe(404);
    const stats = (await hr.get("/api/v1/workflow/stats")).json();
    expect(JSON.stringify(stats)).not.toContain(String(EDU));
    const students = (await hr.get(`/api/v1/students/${eduStudent}/requests`)).statusCode;
    expect(students).toBe(404);
  });
});

describe("jobs", () => {
  it("are read only with their module's read permission and by the scope of both their unit and orderer", async () => {
    const county = await unitIdByCode(node, "330102");
    const ordered = await leader.send("POST", "/api/v1/students/promotions", {
      unitId: county,
      graduate: false,
      effectiveOn: "2026-08-21",
    });
    expect(ordered.statusCode, ordered.body).toBe(202);
    const jobId = ordered.json().jobId;
    expect((await waitForJob(leader, jobId)).status).toBe("succeeded");
    // The account clerk of the same bureau lacks students:read.
    expect((await accounts.get(`/api/v1/jobs/${jobId}`)).statusCode).toBe(404);
    // The HR side reaches the county as a unit, but not the education side's job in it.
    expect((await hr.get(`/api/v1/jobs/${jobId}`)).statusCode).toBe(404);
    expect((await farClerk.get(`/api/v1/jobs/${jobId}`)).statusCode).toBe(404);
    const job = (await leader.get(`/api/v1/jobs/${jobId}`)).json();
    expect(job).toMatchObject({ id: jobId, module: "students" });
  });

  it("re-apply the orderer's scope when they run, not only when ordered", async () => {
    const county = await unitIdByCode(node, "330102");
    const before = await gradeOf(eduStudent);
    // A job ordered by the HR user but standing at the county (as if ordered before a change
    // of rules): when it runs, it reaches only what its orderer reaches now.
    const userId = (
      await node.services.db
        .selectFrom("app_user")
        .select("id")
        .where("username", "=", "hr_officer")
        .executeTakeFirstOrThrow()
    ).id;
    const { id } = await node.services.db
      .insertInto("job")
      .values({
        kind: "student_promotion",
        module: "students",
        status: "failed",
        unit_id: county,
        params: JSON.stringify({
          unitId: county,
          graduate: false,
          effectiveOn: "2026-08-22",
          concurrency: 1,
        }),
        error: "interrupted",
        created_by: userId,
        finished_at: null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    // Resumed by the province's education leader, who reaches every school: the job still
    // runs as its orderer, the HR side, and promotes the technical school only.
    await createUser(node, { username: "prov_leader", unitCode: "330000-EDU", roles: ["unit_leader"] });
    const provinceLeader = await signIn(node, "prov_leader");
    // (The county's own promotion above moved the technical school too: the education side
    // reaches every school.) Start it again below its final grade.
    await node.services.db
      .updateTable("student")
      .set({ grade: "V1" })
      .where("id", "=", techStudent)
      .execute();
    const techBefore = await gradeOf(techStudent);
    const resumed = await provinceLeader.send("POST", `/api/v1/jobs/${id}/resume`);
    expect(resumed.statusCode, resumed.body).toBe(202);
    const job = await waitForJob(provinceLeader, id);
    expect(job.status).toBe("succeeded");
    expect(await gradeOf(eduStudent)).toBe(before);
    expect(await gradeOf(techStudent)).not.toBe(techBefore);
    const resumes = await node.services.db
      .selectFrom("audit_log")
      .select(["actor_username", "detail"])
      .where("action", "=", "job.resume")
      .where("subject_id", "=", String(id))
      .execute();
    expect(resumes).toHaveLength(1);
    expect(resumes[0]!.actor_username).toBe("prov_leader");
  });
});

describe("an import commit", () => {
  it("re-applies its orderer's scope when it commits, not only at preview", async () => {
    await createUser(node, { username: "county_clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
    const clerk = await signIn(node, "county_clerk");
    const row: Record<string, unknown> = {
      ...sampleStudent("20150501", { sequence: 631 }),
      name: "导入甲",
      schoolCode: EDU,
    };
    const text = [
      STUDENT_FIELDS.map(templateHeader).join(","),
      STUDENT_FIELDS.map((f) => String(row[f.key] ?? "")).join(","),
    ].join("\r\n");
    const { payload, headers } = multipartFile("students.csv", Buffer.from(text, "utf8"));
    const previewed = await clerk.send("POST", "/api/v1/students/imports", payload, headers);
    expect(previewed.statusCode, previewed.body).toBe(200);
    expect(previewed.json()).toMatchObject({ readyRows: 1 });
    // The clerk moves to the sibling county's bureau before committing.
    await node.services.db
      .updateTable("app_user")
      .set({ unit_id: await unitIdByCode(node, "330106-EDU") })
      .where("username", "=", "county_clerk")
      .execute();
    const committed = await clerk.send("POST", `/api/v1/students/imports/${previewed.json().jobId}/commit`);
    expect(committed.statusCode, committed.body).toBe(409);
    expect(committed.json().code).toBe("import_outside_scope");
    const written = await node.services.db
      .selectFrom("student")
      .select("id")
      .where("name", "=", "导入甲")
      .execute();
    expect(written).toEqual([]);
  });
});

describe("the archive", () => {
  let cardId: number;
  beforeAll(async () => {
    const issued = await schoolClerk.send("POST", `/api/v1/students/${eduStudent}/card`);
    expect(issued.statusCode, issued.body).toBe(201);
    cardId = issued.json().id;
  });

  it("refuses a registry card to a school administrator without students:read, in reads and lists", async () => {
    expect((await schoolAdmin.get(`/api/v1/archive/items/${cardId}`)).statusCode).toBe(404);
    expect((await schoolAdmin.get(`/api/v1/archive/items/${cardId}/content`)).statusCode).toBe(404);
    expect((await schoolAdmin.get(`/api/v1/archive/items/${cardId}/verification`)).statusCode).toBe(404);
    const listed = (await schoolAdmin.get("/api/v1/archive/items?pageSize=100")).json();
    expect(listed.items.map((i: { id: number }) => i.id)).not.toContain(cardId);
  });

  it("refuses the education side's card to the HR side", async () => {
    expect((await hr.get(`/api/v1/archive/items/${cardId}`)).statusCode).toBe(404);
    const listed = (await hr.get("/api/v1/archive/items?pageSize=100")).json();
    expect(listed.items.map((i: { id: number }) => i.id)).not.toContain(cardId);
  });

  it("audits an allowed read of a registry card like a detail read", async () => {
    const audits = () =>
      node.services.db
        .selectFrom("audit_log")
        .select(["action", "module"])
        .where("subject_type", "=", "archive_item")
        .where("subject_id", "=", String(cardId))
        .where("action", "=", "archive.read")
        .execute();
    expect(await audits()).toHaveLength(0);
    const content = await schoolClerk.get(`/api/v1/archive/items/${cardId}/content`);
    expect(content.statusCode).toBe(200);
    expect(content.headers["content-type"]).toContain("application/pdf");
    expect(await audits()).toEqual([{ action: "archive.read", module: "students" }]);
    expect((await schoolClerk.get(`/api/v1/archive/items/${cardId}`)).statusCode).toBe(200);
    expect(await audits()).toHaveLength(2);
    const listed = (await leader.get("/api/v1/archive/items?kind=registry_card&pageSize=100")).json();
    expect(listed.items.map((i: { id: number }) => i.id)).toContain(cardId);
  });

  it("cannot be attached to a request by someone who could not read the item", async () => {
    const hash = (await schoolClerk.get(`/api/v1/archive/items/${cardId}`)).json().contentHash;
    const submitted = await schoolAdmin.send("POST", "/api/v1/workflow/requests", {
      type: "report_submission",
      payload: { reportCode: "JY-01", period: "2026", title: "学校基本情况" },
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const comments = `/api/v1/workflow/requests/${submitted.json().id}/comments`;
    // An attachment becomes findable from the request: the card would reach its readers.
    const refused = await schoolAdmin.send("POST", comments, { body: "见附件", attachments: [hash] });
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe("archive_item_not_found");
    const allowed = await schoolClerk.send("POST", comments, { body: "见附件", attachments: [hash] });
    expect(allowed.statusCode, allowed.body).toBeLessThan(300);
  });
});

describe("a transfer asked by an unrelated school", () => {
  it("answers as for a number that does not exist, whatever it guesses about the record", async () => {
    const record = await node.services.db
      .selectFrom("student")
      .select(["student_number", "name"])
      .where("id", "=", eduStudent)
      .executeTakeFirstOrThrow();
    const farSchool = await unitIdByCode(node, FAR);
    const ask = (payload: Record<string, unknown>) =>
      farClerk.send("POST", "/api/v1/workflow/requests", {
        type: "student_transfer",
        payload: { toSchoolId: farSchool, reason: "随父母迁居", ...payload },
      });
    const missing = await ask({ studentNumber: "G330102201503019999", name: record.name });
    expect(missing.statusCode).toBe(422);
    const body = (r: Awaited<ReturnType<typeof ask>>) => {
      const { instance: _instance, ...rest } = r.json();
      return rest;
    };
    // Guessing the sending school: a wrong guess and a right one answer alike until submitted.
    const wrongGuess = await ask({
      studentNumber: record.student_number,
      name: record.name,
      fromSchoolId: techSchool,
    });
    expect(wrongGuess.statusCode).toBe(missing.statusCode);
    expect(body(wrongGuess)).toEqual(body(missing));
    // The record is suspended (an earlier test submitted a suspension; approve it through the
    // database to keep this test short): its state is none of the asking school's business.
    await node.services.db
      .updateTable("student")
      .set({ status: "02" })
      .where("id", "=", eduStudent)
      .execute();
    const whileSuspended = await ask({ studentNumber: record.student_number, name: record.name });
    await node.services.db
      .updateTable("student")
      .set({ status: "01" })
      .where("id", "=", eduStudent)
      .execute();
    expect(whileSuspended.statusCode).toBe(missing.statusCode);
    expect(body(whileSuspended)).toEqual(body(missing));
  });
});
