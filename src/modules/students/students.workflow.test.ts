import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
} from "../../../test/support/app";
import { expectTallyEqualsRecords, sampleStudent } from "../../../test/support/students";
import { registerStudent } from "./students.service";

let node: TestNode;
let clerkA: Client;
let reviewerA: Client;
let clerkB: Client;
let reviewerB: Client;
let county: Client;
let schoolA: number;
let schoolB: number;
const A = "2133105101";
const B = "2133105102";

async function student(id: number) {
  return node.services.db.selectFrom("student").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

/** Submits a request and has every step approved by whoever holds it, in order. */
async function submitAndApprove(
  submitter: Client,
  type: string,
  payload: Record<string, unknown>,
  approvers: Client[],
) {
  const submitted = await submitter.send("POST", "/api/v1/workflow/requests", { type, payload });
  expect(submitted.statusCode, submitted.body).toBe(201);
  let { id, version } = submitted.json();
  for (const approver of approvers) {
    const decided = await approver.send("POST", `/api/v1/workflow/requests/${id}/approve`, {
      expectedVersion: version,
    });
    expect(decided.statusCode, decided.body).toBe(200);
    version = decided.json().version;
  }
  const final = (await submitter.get(`/api/v1/workflow/requests/${id}`)).json();
  return { id, status: final.status ?? final.request?.status };
}

beforeAll(async () => {
  node = await createTestNode();
  schoolA = await openTestSchool(node, { schoolCode: A, divisionCode: "330102" });
  schoolB = await openTestSchool(node, { schoolCode: B, divisionCode: "330102" });
  await createUser(node, { username: "clerk_a", unitCode: A, roles: ["data_clerk"] });
  await createUser(node, { username: "reviewer_a", unitCode: A, roles: ["reviewer"] });
  await createUser(node, { username: "clerk_b", unitCode: B, roles: ["data_clerk"] });
  await createUser(node, { username: "reviewer_b", unitCode: B, roles: ["reviewer"] });
  await createUser(node, { username: "county_reviewer", unitCode: "330102-EDU", roles: ["reviewer"] });
  clerkA = await signIn(node, "clerk_a");
  reviewerA = await signIn(node, "reviewer_a");
  clerkB = await signIn(node, "clerk_b");
  reviewerB = await signIn(node, "reviewer_b");
  county = await signIn(node, "county_reviewer");
});
afterAll(() => node.close());

describe("registry changes through approval", () => {
  it("refuses a school user holding data_clerk and reviewer the approval of the class change they submitted", async () => {
    await createUser(node, { username: "clerk_reviewer_a", unitCode: A, roles: ["data_clerk", "reviewer"] });
    const both = await signIn(node, "clerk_reviewer_a");
    const { id: studentId } = await registerStudent(node.system, {
      ...sampleStudent("20150909", { sequence: 409 }),
      schoolCode: A,
    });
    const submitted = await both.send("POST", "/api/v1/workflow/requests", {
      type: "student_class_change",
      payload: { studentId, schoolId: schoolA, className: "二年级3班" },
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const { id, version } = submitted.json();
    // Not offered: neither in the inbox nor as an action on the request.
    const inboxOf = async (c: Client) =>
      (await c.get("/api/v1/workflow/inbox?pageSize=100"))
        .json()
        .items.map((i: { requestId: number }) => i.requestId);
    expect(await inboxOf(both)).not.toContain(id);
    expect(await inboxOf(reviewerA)).toContain(id);
    const classBefore = (await student(studentId)).class_name;
    expect((await both.get(`/api/v1/workflow/requests/${id}`)).json().allowedActions).not.toContain(
      "approve",
    );
    const self = await both.send("POST", `/api/v1/workflow/requests/${id}/approve`, {
      expectedVersion: version,
    });
    expect(self.statusCode, self.body).toBe(403);
    expect(self.json().code).toBe("separation_of_duties");
    expect((await student(studentId)).class_name).toBe(classBefore);
    // A second person of the same school decides it.
    const byOther = await reviewerA.send("POST", `/api/v1/workflow/requests/${id}/approve`, {
      expectedVersion: version,
    });
    expect(byOther.statusCode, byOther.body).toBe(200);
    expect(await student(studentId)).toMatchObject({ class_name: "二年级3班" });
  });

  it("suspends after school approval and county registration, refuses a transfer meanwhile, then resumes", async () => {
    const { id } = await registerStudent(node.system, {
      ...sampleStudent("20150707", { sequence: 401 }),
      schoolCode: A,
    });
    const suspended = await submitAndApprove(
      clerkA,
      "student_suspension",
      { studentId: id, schoolId: schoolA, reason: "因病休学", from: "2026-09-01", until: "2027-08-31" },
      [reviewerA, county],
    );
    expect(suspended.status).toBe("approved");
    expect(await student(id)).toMatchObject({ status: "02", suspended_since: "2026-09-01" });
    const s = await student(id);
    const transfer = await clerkB.send("POST", "/api/v1/workflow/requests", {
      type: "student_transfer",
      payload: {
        studentNumber: s.student_number,
        name: s.name,
        fromSchoolId: schoolA,
        toSchoolId: schoolB,
        reason: "随父母迁居",
      },
    });
    // School B cannot see the record: it hears only that no record can be requested.
    expect(transfer.statusCode).toBe(422);
    expect(transfer.json().code).toBe("student_not_found");
    const tooLong = await clerkA.send("POST", "/api/v1/workflow/requests", {
      type: "student_resumption",
      payload: { studentId: id, schoolId: schoolB },
    });
    expect(tooLong.statusCode).toBe(422);
    const resumed = await submitAndApprove(
      clerkA,
      "student_resumption",
      { studentId: id, schoolId: schoolA, reason: "病愈" },
      [reviewerA],
    );
    expect(resumed.status).toBe("approved");
    expect(await student(id)).toMatchObject({ status: "01", suspended_since: null });
  });

  it("transfers within a county: receiving school, sending school, county; grade unchanged, history kept", async () => {
    const { id } = await registerStudent(node.system, {
      ...sampleStudent("20150808", { sequence: 403 }),
      grade: "P4",
      schoolCode: A,
    });
    const s = await student(id);
    const transferred = await submitAndApprove(
      clerkB,
      "student_transfer",
      {
        studentNumber: s.student_number,
        name: s.name,
        fromSchoolId: schoolA,
        toSchoolId: schoolB,
        className: "四年级1班",
        reason: "随父母迁居",
      },
      [reviewerB, reviewerA, county],
    );
    expect(transferred.status).toBe("approved");
    expect(await student(id)).toMatchObject({
      school_unit_id: schoolB,
      grade: "P4",
      class_name: "四年级1班",
      student_number: s.student_number,
    });
    const history = (await county.get(`/api/v1/students/${id}/history`)).json().items;
    expect(history.map((e: { changeType: string }) => e.changeType)).toEqual(["11", "13"]);
    const asOf = (await county.get(`/api/v1/students/${id}/as-of?date=2000-01-02`)).json();
    expect(asOf.registered).toBe(false);
    const wrongName = await clerkB.send("POST", "/api/v1/workflow/requests", {
      type: "student_transfer",
      payload: {
        studentNumber: s.student_number,
        name: "别人",
        fromSchoolId: schoolB,
        toSchoolId: schoolA,
        reason: "x",
      },
    });
    expect(wrongName.statusCode).toBe(422);
  });

  it("changes a key field only after school review and county approval, recording before and after", async () => {
    const { id } = await registerStudent(node.system, {
      ...sampleStudent("20150909", { sequence: 405 }),
      schoolCode: A,
    });
    const pending = await clerkA.send("POST", "/api/v1/workflow/requests", {
      type: "student_key_change",
      payload: { studentId: id, schoolId: schoolA, changes: { name: "张改名" }, reason: "户籍更名" },
    });
    expect(pending.statusCode).toBe(201);
    expect((await student(id)).name).toBe("张小明");
    const { id: requestId } = pending.json();
    await reviewerA.send("POST", `/api/v1/workflow/requests/${requestId}/approve`, { expectedVersion: 1 });
    const request = (await county.get(`/api/v1/workflow/requests/${requestId}`)).json();
    const version = request.version ?? request.request?.version;
    expect(
      (
        await county.send("POST", `/api/v1/workflow/requests/${requestId}/approve`, {
          expectedVersion: version,
        })
      ).statusCode,
    ).toBe(200);
    expect((await student(id)).name).toBe("张改名");
    const event = await node.services.db
      .selectFrom("student_event")
      .selectAll()
      .where("student_id", "=", id)
      .where("change_type", "=", "34")
      .executeTakeFirstOrThrow();
    expect(event).toMatchObject({
      before: { name: "张小明" },
      after: { name: "张改名" },
      request_id: requestId,
    });
  });

  it("graduates only students in school in a graduating grade", async () => {
    const { id } = await registerStudent(node.system, {
      ...sampleStudent("20151010", { sequence: 407 }),
      grade: "P3",
      schoolCode: A,
    });
    const early = await clerkA.send("POST", "/api/v1/workflow/requests", {
      type: "student_graduation",
      payload: { studentId: id, schoolId: schoolA },
    });
    expect(early.statusCode).toBe(409);
    expect(early.json().code).toBe("not_graduating_grade");
  });

  it("resolves a suspected duplicate by deleting it after approval", async () => {
    const first = await registerStudent(node.system, {
      ...sampleStudent("20151111", { sequence: 409 }),
      schoolCode: A,
    });
    const second = await registerStudent(node.system, {
      ...sampleStudent("20151111", { sequence: 409 }),
      schoolCode: A,
    });
    expect(second.problems).toHaveLength(1);
    const problem = await node.services.db
      .selectFrom("student_problem")
      .select("id")
      .where("student_id", "=", second.id)
      .executeTakeFirstOrThrow();
    const resolved = await submitAndApprove(
      clerkA,
      "student_problem_resolution",
      {
        problemId: problem.id,
        studentId: second.id,
        schoolId: schoolA,
        resolution: "deletion",
        note: "重复登记",
      },
      [reviewerA, county],
    );
    expect(resolved.status).toBe("approved");
    expect(
      await node.services.db
        .selectFrom("student")
        .select("id")
        .where("id", "=", second.id)
        .executeTakeFirst(),
    ).toBeUndefined();
    expect((await student(first.id)).status).toBe("01");
    // The deleted record's history stays, its deletion the last event.
    const history = await node.services.db
      .selectFrom("student_event")
      .select(["change_type", "request_id"])
      .where("student_id", "=", second.id)
      .orderBy("id")
      .execute();
    expect(history.map((e) => e.change_type)).toEqual(["11", "35"]);
    expect(history[1]!.request_id).toBe(resolved.id);
  });

  it("lets the receiving school name only the number and name: the server finds the sending school", async () => {
    const { id } = await registerStudent(node.system, {
      ...sampleStudent("20150606", { sequence: 411 }),
      grade: "P3",
      schoolCode: A,
    });
    const s = await student(id);
    // School B cannot see school A: it gives neither the sending school nor the record's id.
    expect((await clerkB.get(`/api/v1/students/${id}`)).statusCode).toBe(404);
    const payload = {
      studentNumber: s.student_number,
      name: s.name,
      toSchoolId: schoolB,
      className: "三年级2班",
      reason: "随父母迁居",
    };
    const mismatch = await clerkB.send("POST", "/api/v1/workflow/requests", {
      type: "student_transfer",
      payload: { ...payload, fromSchoolId: schoolB },
    });
    expect(mismatch.statusCode).toBe(422);
    // A wrong guess of the sending school answers like a record that does not exist.
    expect(mismatch.json().errors).toEqual([
      expect.objectContaining({ path: "studentNumber", code: "student_not_found" }),
    ]);
    const submitted = await clerkB.send("POST", "/api/v1/workflow/requests", {
      type: "student_transfer",
      payload,
    });
    expect(submitted.statusCode, submitted.body).toBe(201);
    const requestId = submitted.json().id as number;
    const detail = (await clerkB.get(`/api/v1/workflow/requests/${requestId}`)).json();
    expect(detail.payload).toMatchObject({ ...payload, fromSchoolId: schoolA, studentId: id });
    expect(detail.title).toBe(s.name);
    const parties = await node.services.db
      .selectFrom("workflow_party")
      .select(["unit_id", "role"])
      .where("request_id", "=", requestId)
      .where("role", "in", ["sending", "receiving"])
      .orderBy("role")
      .execute();
    expect(parties).toEqual([
      { unit_id: schoolB, role: "receiving" },
      { unit_id: schoolA, role: "sending" },
    ]);
    // The sending school sees the request and decides its step.
    let version = 1;
    for (const approver of [reviewerB, reviewerA, county]) {
      const decided = await approver.send("POST", `/api/v1/workflow/requests/${requestId}/approve`, {
        expectedVersion: version,
      });
      expect(decided.statusCode, decided.body).toBe(200);
      version = decided.json().version;
    }
    expect(await student(id)).toMatchObject({ school_unit_id: schoolB, class_name: "三年级2班" });
    const archived = await node.services.db
      .selectFrom("workflow_request")
      .innerJoin("archive_item", "archive_item.id", "workflow_request.archive_item_id")
      .select("archive_item.title")
      .where("workflow_request.id", "=", requestId)
      .executeTakeFirstOrThrow();
    expect(archived.title).toBe(`转学：${s.name}`);
    const subjects = await node.services.db
      .selectFrom("archive_subject")
      .innerJoin("workflow_request", "workflow_request.archive_item_id", "archive_subject.item_id")
      .select(["subject_type", "subject_id"])
      .where("workflow_request.id", "=", requestId)
      .where("subject_type", "in", ["student", "student_number"])
      .orderBy("subject_type")
      .execute();
    expect(subjects).toEqual([
      { subject_type: "student", subject_id: String(id) },
      { subject_type: "student_number", subject_id: s.student_number },
    ]);

    // The student's requests: the new school and the county see the transfer; the old school no
    // longer sees the student.
    for (const reader of [clerkB, county]) {
      const listed = await reader.get(`/api/v1/students/${id}/requests`);
      expect(listed.statusCode, listed.body).toBe(200);
      expect(listed.json().items).toEqual([
        expect.objectContaining({
          id: requestId,
          type: "student_transfer",
          title: s.name,
          status: "approved",
        }),
      ]);
    }
    expect((await clerkA.get(`/api/v1/students/${id}/requests`)).statusCode).toBe(404);
  });

  it("moves a problem record to resolving with its request, back to open on rejection or withdrawal, resolved on approval", async () => {
    const first = await registerStudent(node.system, {
      ...sampleStudent("20151212", { sequence: 413 }),
      schoolCode: A,
    });
    const second = await registerStudent(node.system, {
      ...sampleStudent("20151212", { sequence: 413 }),
      schoolCode: A,
    });
    expect(first.id).not.toBe(second.id);
    const problem = await node.services.db
      .selectFrom("student_problem")
      .select("id")
      .where("student_id", "=", second.id)
      .executeTakeFirstOrThrow();
    const row = () =>
      node.services.db
        .selectFrom("student_problem")
        .select(["status", "resolution_request_id", "resolution"])
        .where("id", "=", problem.id)
        .executeTakeFirstOrThrow();
    const payload = {
      problemId: problem.id,
      studentId: second.id,
      schoolId: schoolA,
      resolution: "evidence",
      note: "双胞胎，出生证明为据",
    };
    const submit = () =>
      clerkA.send("POST", "/api/v1/workflow/requests", { type: "student_problem_resolution", payload });

    const firstTry = await submit();
    expect(firstTry.statusCode, firstTry.body).toBe(201);
    const rejectedId = firstTry.json().id as number;
    expect(await row()).toEqual({ status: "resolving", resolution_request_id: rejectedId, resolution: null });
    const queued = await clerkA.get("/api/v1/students/problems?status=resolving&pageSize=100");
    expect(queued.statusCode, queued.body).toBe(200);
    const item = queued.json().items.find((p: { id: number }) => p.id === problem.id);
    expect(item).toMatchObject({ status: "resolving", requestId: rejectedId, schoolId: schoolA });
    expect(item.schoolName).toEqual(expect.any(String));
    expect(
      (await clerkA.get("/api/v1/students/problems?pageSize=100"))
        .json()
        .items.map((p: { id: number }) => p.id),
    ).not.toContain(problem.id);

    // One request at a time per problem.
    const twice = await submit();
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: "problem_resolving" });

    const rejected = await reviewerA.send("POST", `/api/v1/workflow/requests/${rejectedId}/reject`, {
      expectedVersion: 1,
      comment: "证明不足",
    });
    expect(rejected.statusCode, rejected.body).toBe(200);
    expect(await row()).toEqual({ status: "open", resolution_request_id: null, resolution: null });

    const secondTry = await submit();
    const withdrawnId = secondTry.json().id as number;
    expect(await row()).toMatchObject({ status: "resolving", resolution_request_id: withdrawnId });
    const withdrawn = await clerkA.send("POST", `/api/v1/workflow/requests/${withdrawnId}/withdraw`, {
      expectedVersion: 1,
    });
    expect(withdrawn.statusCode, withdrawn.body).toBe(200);
    expect(await row()).toMatchObject({ status: "open", resolution_request_id: null });

    const resolved = await submitAndApprove(clerkA, "student_problem_resolution", payload, [
      reviewerA,
      county,
    ]);
    expect(resolved.status).toBe("approved");
    expect(await row()).toEqual({
      status: "resolved",
      resolution_request_id: resolved.id,
      resolution: "evidence",
    });
    const detail = (await clerkA.get(`/api/v1/students/${second.id}`)).json();
    expect(detail.problems).toEqual([expect.objectContaining({ id: problem.id, requestId: resolved.id })]);

    // Every move of the problem is audited.
    const moves = await node.services.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "student.problem_status")
      .where("subject_id", "=", String(problem.id))
      .orderBy("id")
      .execute();
    expect(moves.map((m) => (m.detail as { after: { status: string } }).after.status)).toEqual([
      "resolving",
      "open",
      "resolving",
      "open",
      "resolving",
      "resolved",
    ]);

    // The student's requests, newest first, link to each of them.
    const requests = (await clerkA.get(`/api/v1/students/${second.id}/requests`)).json();
    expect(requests.items.map((r: { id: number; status: string }) => [r.id, r.status])).toEqual([
      [resolved.id, "approved"],
      [withdrawnId, "withdrawn"],
      [rejectedId, "rejected"],
    ]);
  });
});

describe("the per-school tally", () => {
  it("equals a live count of the records after every change above", async () => {
    await expectTallyEqualsRecords(node.services.db);
  });
});
