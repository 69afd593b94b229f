import { sql } from "kysely";
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
import { identityNumber, sampleStudent } from "../../../test/support/students";
import { registerStudent } from "./students.service";

let node: TestNode;
let clerk: Client;
const SCHOOL = "2133106001";

/** Writes a record as another path (exchange, legacy load) would, bypassing registration checks. */
async function rawStudent(number: string, fields: Record<string, unknown>): Promise<number> {
  const school = await unitIdByCode(node, SCHOOL);
  const { rows } = await sql<{ id: number }>`
    INSERT INTO student (student_number, number_kind, province_code, school_unit_id, name, sex, birth_date,
      id_document_type, identity_number, stage, grade, class_name, ethnicity, nationality, phone)
    VALUES (${number}, ${number[0]}, '33', ${school}, ${fields.name as string}, '1', ${fields.birthDate as string},
      ${fields.idType as string}, ${(fields.identity as string | null) ?? null}, 'primary', 'P2', ${(fields.className as string | null) ?? null},
      '01', 'CHN', '13900000000')
    RETURNING id`.execute(node.services.db);
  return rows[0]!.id;
}

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  await createUser(node, { username: "clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
  clerk = await signIn(node, "clerk");
  await registerStudent(node.system, { ...sampleStudent("20150505", { sequence: 301 }), schoolCode: SCHOOL });
});
afterAll(() => node.close());

describe("problem records", () => {
  it("finds duplicates, failed check characters and missing fields in records that bypassed registration", async () => {
    const valid = identityNumber("20150505", 301);
    const badCheck = `${valid.slice(0, 17)}${valid.endsWith("1") ? "2" : "1"}`;
    const duplicate = await rawStudent("L330102201505051234", {
      name: "重复",
      birthDate: "2015-05-05",
      idType: "1",
      identity: valid,
      className: "二1班",
    });
    const failing = await rawStudent(`G${badCheck}`, {
      name: "校验错",
      birthDate: "2015-05-05",
      idType: "1",
      identity: badCheck,
      className: "二1班",
    });
    const first = await rawStudent("J330102201506060011", {
      name: "同名",
      birthDate: "2015-06-06",
      idType: "Z",
      identity: null,
      className: "二1班",
    });
    const second = await rawStudent("J330102201506060021", {
      name: "同名",
      birthDate: "2015-06-06",
      idType: "Z",
      identity: null,
      className: null,
    });
    const county = await unitIdByCode(node, "330102");
    const scan = await clerk.send("POST", "/api/v1/students/problems/scan", { unitId: county });
    expect(scan.statusCode).toBe(200);
    expect(scan.json()).toMatchObject({ duplicate_identity: 1, duplicate_person: 1, check_character: 1 });
    const queued = (await clerk.get("/api/v1/students/problems?pageSize=100")).json().items as {
      kind: string;
      studentId: number;
      relatedStudentId: number | null;
      detail: { fields?: string[] };
    }[];
    const of = (kind: string) => queued.filter((p) => p.kind === kind);
    expect(of("duplicate_identity").map((p) => p.studentId)).toEqual([duplicate]);
    expect(of("check_character").map((p) => p.studentId)).toEqual([failing]);
    expect(of("duplicate_person")).toEqual([
      expect.objectContaining({ studentId: second, relatedStudentId: first }),
    ]);
    expect(of("missing_required").find((p) => p.studentId === second)!.detail.fields).toContain("班级");
    const again = (await clerk.send("POST", "/api/v1/students/problems/scan", { unitId: county })).json();
    expect(again).toEqual({
      duplicate_identity: 0,
      duplicate_person: 0,
      check_character: 0,
      missing_required: 0,
    });
  });
});
