/**
 * Names through every registration path (issue 13, item 9): the form/API and the import store
 * the normalised name, so an invisible character cannot make a second person; what cannot be a
 * name is refused with a stable code in both languages. And a duplicate names its holder
 * (school, province, masked number), never an id outside the caller's scope.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
} from "../../../test/support/app";
import { multipartFile } from "../../../test/support/multipart";
import { identityNumber, sampleStudent } from "../../../test/support/students";
import { STUDENT_FIELDS, templateHeader } from "./students.fields";

let node: TestNode;
let clerk: Client;
let foreignClerk: Client;
const SCHOOL = "2133109001";
const FOREIGN_SCHOOL = "2133109002";

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: FOREIGN_SCHOOL, divisionCode: "330106" });
  await createUser(node, { username: "names_clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
  await createUser(node, { username: "names_foreign", unitCode: "330106-EDU", roles: ["data_clerk"] });
  clerk = await signIn(node, "names_clerk");
  foreignClerk = await signIn(node, "names_foreign");
});
afterAll(async () => {
  node.database.pool.on("error", () => undefined);
  await node.close();
});

/** A pupil without an identity number: the duplicate check is by name, sex and birth date. */
const withoutId = (birthDate: string, name: string, extra: Record<string, unknown> = {}) => ({
  ...sampleStudent(birthDate),
  idDocumentType: "Z",
  identityNumber: "",
  sex: "1",
  name,
  schoolCode: SCHOOL,
  ...extra,
});

const register = (client: Client, body: Record<string, unknown>, language = "zh-CN") =>
  client.send("POST", "/api/v1/students", body, { "accept-language": language });

async function storedNames(birthDate: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    SELECT name FROM student WHERE birth_date = ${birthDate}::date ORDER BY id`.execute(node.services.db);
  return rows.map((r) => r.name);
}

const HEADERS = STUDENT_FIELDS.map(templateHeader);
function csv(rows: Record<string, unknown>[]): Buffer {
  const cell = (value: unknown) => {
    const text = value === undefined || value === null ? "" : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = rows.map((r) => STUDENT_FIELDS.map((f) => cell(r[f.key])).join(","));
  return Buffer.from([HEADERS.join(","), ...lines].join("\r\n"), "utf8");
}
async function upload(client: Client, content: Buffer) {
  const { payload, headers } = multipartFile("names.csv", content);
  return (await client.send("POST", "/api/v1/students/imports", payload, headers)).json();
}

describe("names through the API", () => {
  it("stores 王\\u200b小明 as 王小明 and flags it as a duplicate of 王小明", async () => {
    const first = (await register(clerk, withoutId("20160101", "王小明"))).json();
    expect(first.problems).toEqual([]);
    const second = await register(clerk, withoutId("20160101", "王\u200b小明"));
    expect(second.statusCode).toBe(201);
    expect(second.json().problems).toEqual([
      expect.objectContaining({ kind: "duplicate_person", relatedStudentId: first.id }),
    ]);
    expect(await storedNames("2016-01-01")).toEqual(["王小明", "王小明"]);
  });

  it("matches a minority name whatever middle dot was typed, and stores U+00B7", async () => {
    const first = (await register(clerk, withoutId("20160102", "阿卜杜·热依木"))).json();
    expect(first.problems).toEqual([]);
    for (const variant of [
      "阿卜杜・热依木",
      "阿卜杜•热依木",
      "阿卜杜‧热依木",
      "阿卜杜･热依木",
      "阿卜杜 · 热依木",
    ]) {
      const again = (await register(clerk, withoutId("20160102", variant))).json();
      expect({ variant, problems: again.problems }).toEqual({
        variant,
        problems: [expect.objectContaining({ kind: "duplicate_person", relatedStudentId: first.id })],
      });
    }
    expect(new Set(await storedNames("2016-01-02"))).toEqual(new Set(["阿卜杜·热依木"]));
  });

  it("folds full-width Latin letters and spaces (NFKC) and guardians' names too", async () => {
    const response = await register(
      clerk,
      withoutId("20160103", "ＪＯＨＮ　ＳＭＩＴＨ", {
        guardian1Name: "李\u200d大\ufeff明",
        guardian1Relation: "51",
      }),
    );
    expect(response.statusCode).toBe(201);
    const stored = await node.services.db
      .selectFrom("student")
      .select(["name", "guardians"])
      .where("id", "=", response.json().id)
      .executeTakeFirstOrThrow();
    expect(stored.name).toBe("JOHN SMITH");
    expect(stored.guardians).toEqual([expect.objectContaining({ name: "李大明" })]);
  });

  it.each([
    ["王\u202e小明", "person_name.bidi_control", /方向/, /direction/],
    ["<script>alert(1)</script>", "person_name.markup", /</, /</],
    ['=HYPERLINK("http://x","点我")', "person_name.formula", /开头/, /start/],
    ["+1", "person_name.formula", /开头/, /start/],
    ["王小明2", "person_name.digit", /数字/, /digits/],
  ])("refuses %j with %s, in Chinese and English", async (name, code, zh, en) => {
    for (const [language, pattern] of [
      ["zh-CN", zh],
      ["en", en],
    ] as const) {
      const response = await register(clerk, withoutId("20160104", name), language);
      expect(response.statusCode).toBe(422);
      expect(response.json().errors).toEqual([
        { path: "name", code, message: expect.stringMatching(pattern) },
      ]);
    }
    expect(await storedNames("2016-01-04")).toEqual([]);
  });
});

it("refuses a NUL in a name at the HTTP boundary already", async () => {
  const response = await register(clerk, withoutId("20160104", "王\u0000小明"));
  expect(response.statusCode).toBe(400);
  expect(response.json()).toMatchObject({ code: "text_unstorable_character" });
});

describe("names through the import", () => {
  it("flags 王\\u200b小明 as a duplicate of 王小明 in the same file and stages 王小明", async () => {
    const report = await upload(
      clerk,
      csv([
        withoutId("20160201", "赵小明"),
        withoutId("20160201", "赵\u200b小明"),
        withoutId("20160201", "赵\u2060小明"),
      ]),
    );
    expect(report).toMatchObject({ totalRows: 3, readyRows: 1, duplicateCount: 2, errors: [] });
    expect(report.duplicateRows).toEqual([
      expect.objectContaining({ row: 3, code: "duplicate_in_file", relatedRow: 2 }),
      expect.objectContaining({ row: 4, code: "duplicate_in_file", relatedRow: 2 }),
    ]);
    const { rows } = await sql<{ name: string }>`
      SELECT DISTINCT name FROM ${sql.table(`student_import_row_${report.jobId}`)}`.execute(node.services.db);
    expect(rows).toEqual([{ name: "赵小明" }]);
  });

  it("flags 王\\u200b小明 as a duplicate of a registered 王小明, and of a dot variant", async () => {
    await register(clerk, withoutId("20160202", "钱小明"));
    await register(clerk, withoutId("20160202", "买买提·艾力"));
    const report = await upload(
      clerk,
      csv([withoutId("20160202", "钱\u200b小明"), withoutId("20160202", "买买提・艾力")]),
    );
    expect(report).toMatchObject({ totalRows: 2, readyRows: 0, existingRows: 2 });
  });

  it("refuses what the form refuses, row by row, with the same codes", async () => {
    const names = ["孙\u202e小明", "<b>孙</b>", "=1+1", "@孙", "-孙", "孙小明3", "孙\u0000明"];
    const report = await upload(
      clerk,
      csv(names.map((name) => withoutId("20160203", name, { currentAddress: "解放路\u00001号" }))),
    );
    expect(report).toMatchObject({ totalRows: names.length, readyRows: 0, errorRows: names.length });
    const nameCodes = report.errors
      .filter((e: { column: string }) => e.column === "姓名")
      .map((e: { code: string }) => e.code);
    expect(nameCodes).toEqual([
      "person_name.bidi_control",
      "person_name.markup",
      "person_name.formula",
      "person_name.formula",
      "person_name.formula",
      "person_name.digit",
      "text_unstorable_character",
    ]);
    // A NUL in any cell is the row's problem, not a failed import.
    expect(report.errors.filter((e: { column: string }) => e.column === "现住址")).toHaveLength(names.length);
    for (const name of names) {
      const form = (await register(clerk, withoutId("20160203", name))).json();
      expect(form.errors.map((e: { code: string }) => e.code)).toContain(nameCodes[names.indexOf(name)]);
    }
  });
});

describe("a duplicate names its holder", () => {
  it("gives school, province and a masked number, and the id only inside the caller's scope", async () => {
    const number = identityNumber("20160301", 101);
    const first = (
      await register(clerk, { ...sampleStudent("20160301"), name: "周持有", schoolCode: SCHOOL })
    ).json();
    const response = await register(foreignClerk, {
      ...sampleStudent("20160301"),
      name: "周持有",
      schoolCode: FOREIGN_SCHOOL,
    });
    expect(response.statusCode).toBe(201);
    const [problem] = response.json().problems;
    expect(problem).toEqual({
      kind: "duplicate_identity",
      relatedStudentId: null,
      holder: {
        studentId: null,
        // G + the identity number, masked as it is: only the address code shows.
        studentNumber: `G${number.slice(0, 6)}${"*".repeat(12)}`,
        schoolName: `测试学校${SCHOOL}`,
        schoolCode: SCHOOL,
        provinceCode: "33",
        provinceName: "浙江省",
      },
    });
    expect(JSON.stringify(response.json())).not.toContain(`"relatedStudentId":${first.id}`);
    // The problem queue of the foreign county names the holder the same way.
    const queue = (await foreignClerk.get("/api/v1/students/problems?kind=duplicate_identity")).json();
    expect(queue.items).toEqual([
      expect.objectContaining({
        studentId: response.json().id,
        relatedStudentId: null,
        holder: expect.objectContaining({ studentId: null, schoolCode: SCHOOL }),
      }),
    ]);
    // So does the record's own detail view: its problems name no record out of the caller's scope.
    const detail = (await foreignClerk.get(`/api/v1/students/${response.json().id}`)).json();
    expect(detail.problems).toEqual([
      expect.objectContaining({ kind: "duplicate_identity", relatedStudentId: null }),
    ]);
    expect(JSON.stringify(detail)).not.toContain(`"relatedStudentId":${first.id}`);
    // The import of the foreign county says the same, in its message too.
    const other = identityNumber("20160302", 101);
    const held = (
      await register(clerk, { ...sampleStudent("20160302"), name: "吴持有", schoolCode: SCHOOL })
    ).json();
    const report = await upload(
      foreignClerk,
      csv([{ ...sampleStudent("20160302"), name: "吴持有", schoolCode: FOREIGN_SCHOOL }]),
    );
    expect(report.duplicateRows).toEqual([
      expect.objectContaining({
        code: "duplicate_identity",
        relatedStudentId: null,
        holder: expect.objectContaining({ studentId: null, schoolCode: SCHOOL }),
        message: `该身份证件号已在其他学校登记学籍（疑似重复学籍）：浙江省 测试学校${SCHOOL}（学校标识码 ${SCHOOL}），学籍号 G${other.slice(0, 6)}${"*".repeat(12)}`,
      }),
    ]);
    expect(report.duplicateRows[0].message).not.toContain(String(held.id));
  });
});
