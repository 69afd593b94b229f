import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
} from "../../../test/support/app";
import { expectTallyEqualsRecords, identityNumber, sampleStudent } from "../../../test/support/students";

let node: TestNode;
let clerk: Client;
let sibling: Client;
let schoolClerk: Client;
const SCHOOL = "2133107001";

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: "2133107002", divisionCode: "330106" });
  await createUser(node, { username: "county_clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
  await createUser(node, { username: "sibling_clerk", unitCode: "330106-EDU", roles: ["data_clerk"] });
  await createUser(node, { username: "school_clerk", unitCode: SCHOOL, roles: ["data_clerk"] });
  clerk = await signIn(node, "county_clerk");
  sibling = await signIn(node, "sibling_clerk");
  schoolClerk = await signIn(node, "school_clerk");
});
afterAll(() => node.close());

const register = (client: Client, body: Record<string, unknown>) =>
  client.send("POST", "/api/v1/students", body);

describe("registration", () => {
  it("gives a student with a resident ID the G number of that ID", async () => {
    const response = await register(clerk, { ...sampleStudent("20150301"), schoolCode: SCHOOL });
    expect(response.statusCode).toBe(201);
    // The answer masks the G number like the identity number; the record holds it in full.
    expect(response.json()).toMatchObject({ studentNumber: "G330102************", problems: [] });
    const stored = await node.services.db
      .selectFrom("student")
      .select("student_number")
      .where("id", "=", response.json().id)
      .executeTakeFirstOrThrow();
    expect(stored.student_number).toBe(`G${identityNumber("20150301")}`);
  });

  it("registers the same identity number again only as a suspected duplicate on an L number", async () => {
    const response = await register(schoolClerk, { ...sampleStudent("20150301"), name: "张小明二" });
    expect(response.statusCode).toBe(201);
    const body = response.json();
    expect(body.studentNumber).toMatch(/^L33010220150301\d{4}$/);
    expect(body.problems).toEqual([
      {
        kind: "duplicate_identity",
        relatedStudentId: expect.any(Number),
        holder: expect.objectContaining({ schoolCode: SCHOOL, studentId: expect.any(Number) }),
      },
    ]);
    const detail = (await schoolClerk.get(`/api/v1/students/${body.id}`)).json();
    expect(detail.problems).toEqual([
      expect.objectContaining({ kind: "duplicate_identity", status: "open" }),
    ]);
  });

  it("gives a student without an identity number a J number, and flags the same name, sex and birth date", async () => {
    const noId = {
      ...sampleStudent("20160815"),
      idDocumentType: "Z",
      identityNumber: "",
      name: "李无证",
      sex: "2",
    };
    const first = (await register(schoolClerk, noId)).json();
    expect(first.studentNumber).toMatch(/^J33010220160815001[0-9X]$/);
    expect(first.problems).toEqual([]);
    const second = (await register(schoolClerk, noId)).json();
    expect(second.studentNumber).toMatch(/^J33010220160815002[0-9X]$/);
    expect(second.problems).toEqual([
      {
        kind: "duplicate_person",
        relatedStudentId: first.id,
        holder: expect.objectContaining({
          studentId: first.id,
          // J numbers carry no identity document and are shown in full (the masking policy).
          studentNumber: first.studentNumber,
        }),
      },
    ]);
  });

  it("explains bad input field by field in Chinese and writes nothing", async () => {
    const before = (await node.services.db.selectFrom("student").select("id").execute()).length;
    const bad = {
      ...sampleStudent("20150302"),
      identityNumber: `${identityNumber("20150302").slice(0, 17)}${identityNumber("20150302").endsWith("0") ? "1" : "0"}`,
      sex: "男",
      ethnicity: "99",
      birthDate: "20150230",
      isOnlyChild: "maybe",
      schoolCode: SCHOOL,
    };
    const response = await register(clerk, bad);
    expect(response.statusCode).toBe(422);
    const errors = response.json().errors as { path: string; code: string; message: string }[];
    expect(errors.map((e) => `${e.path}:${e.code}`)).toEqual(
      expect.arrayContaining([
        "identityNumber:identity_number.check_character",
        "ethnicity:code_unknown",
        "birthDate:date_invalid",
        "isOnlyChild:yes_no_invalid",
      ]),
    );
    expect(errors.find((e) => e.code === "identity_number.check_character")!.message).toMatch(/校验/);
    expect((await node.services.db.selectFrom("student").select("id").execute()).length).toBe(before);
  });

  it("refuses a grade the school does not teach, and a school outside the scope", async () => {
    const senior = await register(clerk, {
      ...sampleStudent("20080101", { sequence: 103 }),
      grade: "S2",
      schoolCode: SCHOOL,
    });
    expect(senior.statusCode).toBe(422);
    expect(senior.json().code).toBe("grade_not_offered");
    const elsewhere = await register(clerk, {
      ...sampleStudent("20150101", { sequence: 105 }),
      schoolCode: "2133107002",
    });
    expect(elsewhere.statusCode).toBe(422);
    expect(elsewhere.json().code).toBe("school_not_found");
    const county = await register(clerk, sampleStudent("20150101", { sequence: 107 }));
    expect(county.json().code).toBe("school_required");
  });
});

describe("reading", () => {
  it("lists students of the scope with masked identity and G numbers; a sibling county sees none", async () => {
    const list = (await clerk.get("/api/v1/students?pageSize=50")).json();
    expect(list.total).toBeGreaterThanOrEqual(4);
    const g = list.items.find((s: { studentNumber: string }) => s.studentNumber.startsWith("G"));
    expect(g.identityNumber).toBe("330102************");
    expect(g.studentNumber).toBe("G330102************");
    expect((await sibling.get("/api/v1/students")).json().total).toBe(0);
    expect((await sibling.get(`/api/v1/students/${g.id}`)).statusCode).toBe(404);
  });

  it("searches by name prefix, number and identity number", async () => {
    expect((await clerk.get(`/api/v1/students?q=${encodeURIComponent("张小")}`)).json().total).toBe(2);
    const byNumber = await clerk.get(`/api/v1/students?q=G${identityNumber("20150301")}`);
    expect(byNumber.json().total).toBe(1);
    const byIdentity = await clerk.get(`/api/v1/students?q=${identityNumber("20150301")}`);
    expect(byIdentity.json().total).toBe(2);
  });

  it("shows the full record on a detail read and audits that read", async () => {
    const { items } = (await clerk.get(`/api/v1/students?q=G${identityNumber("20150301")}`)).json();
    const detail = (await clerk.get(`/api/v1/students/${items[0].id}`)).json();
    expect(detail.identityNumber).toBe(identityNumber("20150301"));
    expect(detail.guardians).toEqual([
      { name: "张大明", relation: "51", idType: null, idNumber: null, phone: "13900001111" },
    ]);
    const reads = await node.services.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "student.read")
      .where("subject_id", "=", String(items[0].id))
      .execute();
    expect(reads).toHaveLength(1);
  });

  it("keeps every change as an event and tells the record as it stood on a date", async () => {
    const { items } = (await clerk.get(`/api/v1/students?q=G${identityNumber("20150301")}`)).json();
    const history = (await clerk.get(`/api/v1/students/${items[0].id}/history`)).json().items;
    expect(history.map((e: { changeType: string }) => e.changeType)).toEqual(["11"]);
    const before = (await clerk.get(`/api/v1/students/${items[0].id}/as-of?date=2000-01-01`)).json();
    expect(before).toEqual({ registered: false, record: null });
    const now = (await clerk.get(`/api/v1/students/${items[0].id}/as-of?date=2099-01-01`)).json();
    expect(now.record).toMatchObject({ grade: "P3", status: "01" });
  });
});

describe("registry card", () => {
  it("prints a Chinese PDF card and issues it into the archive signed by the school's seal", async () => {
    const { items } = (await schoolClerk.get(`/api/v1/students?q=G${identityNumber("20150301")}`)).json();
    const id = items[0].id;
    const pdf = await schoolClerk.get(`/api/v1/students/${id}/card.pdf`);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe("%PDF-");
    // The font is embedded as a subset: a card stays small however large the CJK font is.
    expect(pdf.rawPayload.length).toBeLessThan(200_000);
    const issued = await schoolClerk.send("POST", `/api/v1/students/${id}/card`);
    expect(issued.statusCode).toBe(201);
    const archived = (
      await schoolClerk.get(`/api/v1/archive/items?subjectType=student&subjectId=${id}`)
    ).json();
    const card = archived.items.find((i: { kind: string }) => i.kind === "registry_card");
    expect(card).toBeDefined();
    const verification = (await schoolClerk.get(`/api/v1/archive/items/${card.id}/verification`)).json();
    expect(verification.ok ?? verification.valid).toBe(true);
  });
});

describe("the per-school tally", () => {
  it("equals a live count of the records after every change above", async () => {
    await expectTallyEqualsRecords(node.services.db);
  });
});
