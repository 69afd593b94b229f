import ExcelJS from "exceljs";
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
import { makeJNumber } from "../../platform/identifiers/student-number";
import { readSpreadsheet } from "../../platform/imports/spreadsheet";
import { exportStudents } from "./students.export";
import { STUDENT_FIELDS, templateHeader } from "./students.fields";
import { previewImport } from "./students.import";
import { registerStudent, toColumns } from "./students.service";
import { checkStudentRecord } from "./students.validation";

let node: TestNode;
let clerk: Client;
let otherClerk: Client;
let schoolClerk: Client;
let leader: Client;
const SCHOOL = "2133108001";
const SISTER_SCHOOL = "2133108002";
const FOREIGN_SCHOOL = "2133108003";
const HEADERS = STUDENT_FIELDS.map(templateHeader);

type Row = Record<string, unknown>;

function cell(value: unknown): string {
  const text = value === undefined || value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvText(rows: Row[], headers = HEADERS, keys = STUDENT_FIELDS.map((f) => f.key)): string {
  return [headers.join(","), ...rows.map((r) => keys.map((k) => cell(r[k])).join(","))].join("\r\n");
}

function csv(rows: Row[]): Buffer {
  return Buffer.from(csvText(rows), "utf8");
}

/** A pupil of SCHOOL born on the date, with a resident ID of that sequence. */
function pupil(birthDate: string, sequence: number, extra: Row = {}): Row {
  return { ...sampleStudent(birthDate, { sequence }), schoolCode: SCHOOL, ...extra };
}

/** A pupil without an identity number (document type Z): gets a J number. */
function pupilWithoutId(birthDate: string, name: string, extra: Row = {}): Row {
  return pupil(birthDate, 101, { idDocumentType: "Z", identityNumber: "", name, sex: "1", ...extra });
}

/** The date `days` after 2015-01-01, as YYYYMMDD. */
function dayOf2015(days: number): string {
  return new Date(Date.UTC(2015, 0, 1) + days * 86_400_000).toISOString().slice(0, 10).replaceAll("-", "");
}

async function upload(client: Client, fileName: string, content: Buffer, query = "") {
  const { payload, headers } = multipartFile(fileName, content);
  return client.send("POST", `/api/v1/students/imports${query}`, payload, headers);
}

async function commit(client: Client, jobId: number, query = "") {
  return client.send("POST", `/api/v1/students/imports/${jobId}/commit${query}`);
}

async function count(table: "student" | "student_event" | "student_problem" | "audit_log"): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(
    node.services.db,
  );
  return rows[0]!.n;
}

async function studentsNamed(name: string) {
  return node.services.db
    .selectFrom("student")
    .select(["id", "student_number", "number_kind", "school_unit_id"])
    .where("name", "=", name)
    .orderBy("id")
    .execute();
}

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: SISTER_SCHOOL, divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: FOREIGN_SCHOOL, divisionCode: "330106" });
  await createUser(node, { username: "import_clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
  await createUser(node, { username: "import_other", unitCode: "330102-EDU", roles: ["data_clerk"] });
  await createUser(node, { username: "import_school", unitCode: SCHOOL, roles: ["data_clerk"] });
  await createUser(node, { username: "import_leader", unitCode: "330102-EDU", roles: ["unit_leader"] });
  clerk = await signIn(node, "import_clerk");
  otherClerk = await signIn(node, "import_other");
  schoolClerk = await signIn(node, "import_school");
  leader = await signIn(node, "import_leader");
});
afterAll(async () => {
  // The test database is dropped WITH (FORCE) right after the pool ends, and pg-pool reports
  // "terminating connection" from a socket still closing as a pool error: expected here.
  node.database.pool.on("error", () => undefined);
  await node.close();
});

describe("import template", () => {
  it("has the national headers in order with ★, text columns and code dropdowns", async () => {
    const response = await clerk.get("/api/v1/students/template.xlsx");
    expect(response.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet("学生")!;
    expect((sheet.getRow(1).values as string[]).slice(1)).toEqual(HEADERS);
    expect(HEADERS).toContain("姓名★");
    expect(HEADERS).toContain("身份证件号");
    const column = (header: string) => HEADERS.indexOf(header) + 1;
    expect(sheet.getColumn(column("身份证件号")).numFmt).toBe("@");
    expect(sheet.getColumn(column("出生地★")).numFmt).toBe("@");
    const sexValidation = sheet.getCell(2, column("性别★")).dataValidation;
    expect(sexValidation).toMatchObject({ type: "list" });
    const lists = workbook.getWorksheet("代码表")!;
    const letter = sheet.getColumn(column("性别★")).letter;
    const sexItems = [1, 2, 3, 4].map((r) => lists.getCell(`${letter}${r}`).value);
    expect(sexItems).toContain("1 男");
    expect(sexItems).toContain("2 女");
    expect(sheet.getCell(2, column("是否独生子女★")).dataValidation).toMatchObject({ type: "list" });
  });

  it("is refused without the permission to maintain records", async () => {
    expect((await leader.get("/api/v1/students/template.xlsx")).statusCode).toBe(403);
  });
});

describe("preview and commit", () => {
  const file = () =>
    csv([
      pupil("20150401", 101, { name: "预览甲" }),
      pupil("20150402", 102, { name: "预览乙" }),
      pupilWithoutId("20150403", "预览丙"),
    ]);
  let jobId: number;

  it("previews a valid file without writing a student", async () => {
    const before = await count("student");
    const response = await upload(clerk, "students.csv", file());
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({
      phase: "previewed",
      format: "csv",
      encoding: "utf-8",
      totalRows: 3,
      readyRows: 3,
      existingRows: 0,
      duplicateRows: [],
      errors: [],
      committed: false,
      created: 0,
    });
    expect(report.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await count("student")).toBe(before);
    jobId = report.jobId;
    const state = (await clerk.get(`/api/v1/students/imports/${jobId}`)).json();
    expect(state).toMatchObject({ phase: "previewed", progressDone: 3, progressTotal: 3 });
  });

  it("commits exactly the previewed rows with G and J numbers, events and one audit entry", async () => {
    const [students, events] = [await count("student"), await count("student_event")];
    const response = await commit(clerk, jobId);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ phase: "committed", committed: true, created: 3 });
    expect(await count("student")).toBe(students + 3);
    expect(await count("student_event")).toBe(events + 3);
    const [a] = await studentsNamed("预览甲");
    expect(a).toMatchObject({ student_number: `G${identityNumber("20150401", 101)}`, number_kind: "G" });
    const stored = await node.services.db
      .selectFrom("student")
      .selectAll()
      .where("id", "=", a!.id)
      .executeTakeFirstOrThrow();
    const { record } = checkStudentRecord(node.services.codes, pupil("20150401", 101, { name: "预览甲" }));
    const expected = toColumns(record!);
    expect(stored).toMatchObject({ ...expected, guardians: JSON.parse(expected.guardians) });
    const [c] = await studentsNamed("预览丙");
    expect(c!.student_number).toBe(makeJNumber("330102", "20150403", 1));
    const admission = await node.services.db
      .selectFrom("student_event")
      .select(["change_type", "job_id", "after"])
      .where("student_id", "=", c!.id)
      .executeTakeFirstOrThrow();
    expect(admission).toMatchObject({
      change_type: "11",
      job_id: jobId,
      after: { grade: "P3", status: "01" },
    });
    const audit = await node.services.db
      .selectFrom("audit_log")
      .select(["detail", "subject_id"])
      .where("action", "=", "student.import")
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.detail).toMatchObject({ created: 3, jobId });
    expect(audit[0]!.subject_id).toMatch(/^[0-9a-f]{64}$/);
    expect((await commit(clerk, jobId)).statusCode).toBe(409);
  });

  it("treats a second upload of the same file as existing rows and creates nothing", async () => {
    const before = await count("student");
    const report = (await upload(clerk, "students.csv", file())).json();
    expect(report).toMatchObject({
      totalRows: 3,
      readyRows: 0,
      existingRows: 3,
      duplicateRows: [],
      errors: [],
    });
    const again = await commit(clerk, report.jobId);
    expect(again.statusCode).toBe(422);
    expect(again.json().code).toBe("import_nothing_to_commit");
    expect(await count("student")).toBe(before);
  });

  it("answers at once with wait=false, and the job can be polled until it is previewed", async () => {
    const rows = Array.from({ length: 50 }, (_, i) => pupil(dayOf2015(200 + i), 101, { name: `轮询${i}` }));
    const started = await upload(clerk, "poll.csv", csv(rows), "?wait=false");
    expect(started.statusCode).toBe(202);
    expect(started.json()).toMatchObject({ phase: "validating" });
    let state = (await clerk.get(`/api/v1/students/imports/${started.json().jobId}`)).json();
    for (let i = 0; i < 100 && state.phase === "validating"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = (await clerk.get(`/api/v1/students/imports/${started.json().jobId}`)).json();
    }
    expect(state).toMatchObject({ phase: "previewed", readyRows: 50, progressDone: 50, progressTotal: 50 });
    const job = (await clerk.get(`/api/v1/jobs/${started.json().jobId}`)).json();
    expect(job).toMatchObject({ kind: "student_import", status: "succeeded", progressDone: 50 });
    expect((await clerk.send("POST", `/api/v1/jobs/${started.json().jobId}/resume`)).statusCode).toBe(409);
  });

  it("keeps an import private to the clerk who uploaded it", async () => {
    expect((await otherClerk.get(`/api/v1/students/imports/${jobId}`)).statusCode).toBe(404);
    expect((await otherClerk.get(`/api/v1/students/imports/${jobId}/errors.csv`)).statusCode).toBe(404);
    const response = await commit(otherClerk, jobId);
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe("import_not_found");
    const mine = (await clerk.get("/api/v1/students/imports")).json();
    expect(mine.items.map((i: { jobId: number }) => i.jobId)).toContain(jobId);
    const theirs = (await otherClerk.get("/api/v1/students/imports")).json();
    expect(theirs.items).toEqual([]);
  });
});

describe("reading files", () => {
  it("reads CSV saved by Excel on Chinese Windows (GBK)", async () => {
    const text = csvText([pupil("20150501", 101, { name: "国标编码" })]);
    const report = (await upload(clerk, "gbk.csv", encodeGbk(text))).json();
    expect(report).toMatchObject({ encoding: "gbk", readyRows: 1, errors: [] });
    expect(report.duplicateRows).toEqual([]);
  });

  it("reads XLSX with dropdown values, skips blank rows and refuses merged cells", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("学生");
    sheet.addRow(HEADERS);
    const values = (row: Row) => STUDENT_FIELDS.map((f) => String(row[f.key] ?? ""));
    // What the template's dropdowns put in a cell ("1 男"), and a code whose leading zero Excel dropped.
    sheet.addRow(
      values(
        pupil("20150601", 101, {
          name: "表格一",
          sex: "1 男",
          ethnicity: "1",
          healthStatus: "10 健康或良好",
        }),
      ),
    );
    sheet.addRow([]);
    sheet.addRow(values(pupil("20150602", 103, { name: "表格二" })));
    sheet.addRow(values(pupil("20150603", 105, { name: "表格三" })));
    sheet.mergeCells(`${sheet.getColumn(2).letter}4:${sheet.getColumn(2).letter}5`);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    expect((await readSpreadsheet(buffer)).rows.map((r) => r.rowNumber)).toEqual([2, 4, 5]);
    const report = (await upload(clerk, "students.xlsx", buffer)).json();
    expect(report).toMatchObject({ format: "xlsx", totalRows: 3, readyRows: 2 });
    expect(report.errors).toEqual([
      expect.objectContaining({ row: 5, column: "姓名", code: "merged_cell", message: "不能使用合并单元格" }),
    ]);
  });

  it("refuses a file whose headers are not the template's, naming the missing columns", async () => {
    const response = await upload(clerk, "wrong.csv", Buffer.from("名字,性别\r\n张三,1\r\n"));
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe("import_headers_invalid");
    expect(response.json().detail).toContain("姓名");
    expect(response.json().detail).toContain("出生日期");
    expect(response.json().errors.map((e: { path: string }) => e.path)).toContain("身份证件类型");
  });

  it("reports numbers that lost digits in Excel", async () => {
    const full = identityNumber("20150701", 101);
    const rows = [
      pupil("20150701", 101, { name: "科学计数", identityNumber: "3.30102E+17" }),
      pupil("20150701", 101, { name: "补零", identityNumber: `${full.slice(0, 15)}000` }),
    ];
    const report = (await upload(clerk, "lost.csv", csv(rows))).json();
    expect(
      report.errors.map(
        (e: { row: number; column: string; code: string }) => `${e.row}|${e.column}|${e.code}`,
      ),
    ).toEqual(["2|身份证件号|number_lost_digits", "3|身份证件号|number_lost_digits"]);
    expect(report.errors[0].message).toContain("文本");
  });

  it("needs a school for every row: the column, the query parameter or the clerk's own school", async () => {
    const noSchool = (row: Row) => ({ ...row, schoolCode: "" });
    const file = csv([noSchool(pupil("20150801", 101, { name: "无校" }))]);
    const county = await upload(clerk, "noschool.csv", file);
    expect(county.json().errors).toEqual([
      expect.objectContaining({ row: 2, column: "学校标识码", code: "school_required" }),
    ]);
    const withQuery = (await upload(clerk, "noschool.csv", file, `?schoolCode=${SCHOOL}`)).json();
    expect(withQuery).toMatchObject({ readyRows: 1, errors: [] });
    const bySchool = (await upload(schoolClerk, "noschool.csv", file)).json();
    expect(bySchool).toMatchObject({ readyRows: 1, errors: [] });
    const keys = STUDENT_FIELDS.filter((f) => f.key !== "schoolCode").map((f) => f.key);
    const withoutColumn = Buffer.from(
      csvText(
        [pupil("20150801", 101)],
        keys.map((k) => templateHeader(STUDENT_FIELDS.find((f) => f.key === k)!)),
        keys,
      ),
    );
    const refused = await upload(clerk, "nocolumn.csv", withoutColumn);
    expect(refused.statusCode).toBe(422);
    expect(refused.json().code).toBe("school_required");
  });
});

describe("row problems", () => {
  it("finds exactly the three bad rows of 2,000, with row, column, code and a Chinese message", async () => {
    const rows = Array.from({ length: 2000 }, (_, i) =>
      pupil(dayOf2015(i % 300), 201 + Math.floor(i / 300) * 2, { name: `批量${i}` }),
    );
    const good = identityNumber(dayOf2015(100), 201);
    rows[100] = { ...rows[100]!, identityNumber: `${good.slice(0, 17)}${good.endsWith("1") ? "2" : "1"}` };
    rows[700] = { ...rows[700]!, idDocumentType: "Z", identityNumber: "", birthDate: "20150230" };
    rows[1500] = { ...rows[1500]!, ethnicity: "99" };
    const before = await count("student");
    const response = await upload(clerk, "batch.csv", csv(rows));
    const report = response.json();
    expect(report).toMatchObject({
      totalRows: 2000,
      readyRows: 1997,
      errorRows: 3,
      errorCount: 3,
      duplicateRows: [],
    });
    expect(report.errors).toEqual([
      {
        row: 102,
        column: "身份证件号",
        code: "identity_number.check_character",
        message: expect.stringMatching(/校验/),
      },
      {
        row: 702,
        column: "出生日期",
        code: "date_invalid",
        message: "日期“20150230”无效，应为 YYYY-MM-DD 或 YYYYMMDD",
      },
      { row: 1502, column: "民族", code: "code_unknown", message: "“99”不是代码集“民族”中的有效代码" },
    ]);
    expect(await count("student")).toBe(before);
    const english = await clerk.get(`/api/v1/students/imports/${report.jobId}`, { "accept-language": "en" });
    expect(english.json().errors[2].message).toBe('"99" is not a valid code of code set "民族"');
    const file = await clerk.get(`/api/v1/students/imports/${report.jobId}/errors.xlsx`);
    expect(file.statusCode).toBe(200);
    const sheet = await readSpreadsheet(file.rawPayload);
    expect(sheet.headers).toEqual(["行号", "列", "问题"]);
    expect(sheet.rows.map((r) => Object.values(r.values))).toEqual([
      ["102", "身份证件号", expect.stringMatching(/校验/)],
      ["702", "出生日期", "日期“20150230”无效，应为 YYYY-MM-DD 或 YYYYMMDD"],
      ["1502", "民族", "“99”不是代码集“民族”中的有效代码"],
    ]);
    const csvFile = await clerk.get(`/api/v1/students/imports/${report.jobId}/errors.csv`);
    expect(csvFile.body).toContain("行号,列,问题");
  });

  it("agrees with checkStudentRecord alone, row for row, on a file full of mistakes", async () => {
    const rows: Row[] = [];
    const mistakes: Row[] = [
      { sex: "男" },
      { sex: "3" },
      { birthDate: "2015-04-31" },
      { birthDate: "2015/04/30" },
      { birthDate: "20990101", idDocumentType: "Z", identityNumber: "" },
      { birthplace: "33010200100" },
      { nativePlace: "990102" },
      { ethnicity: "汉族" },
      { ethnicity: "1" },
      { nationality: "XXX" },
      { idDocumentType: "A", identityNumber: "E12345678" },
      { idDocumentType: "A", identityNumber: "" },
      { identityNumber: "abc" },
      { overseasStatus: "0" },
      { healthStatus: "" },
      { householdType: "3" },
      { grade: "primary" },
      { grade: "S1" },
      { enrolmentMonth: "202313" },
      { enrolmentMonth: "2023-09" },
      { phone: "12" },
      { isOnlyChild: "maybe" },
      { hadPreschool: "否" },
      { leftBehind: "1 单亲外出" },
      { guardian1Name: "", guardian1Relation: "", guardian1Phone: "" },
      { guardian2Phone: "13800000000" },
      { guardian1IdType: "1", guardian1IdNumber: "330102198001010011" },
      { name: "很".repeat(101) },
      { className: "" },
      { schoolCode: "2133199999" },
      { sex: "2" },
    ];
    mistakes.forEach((mistake, i) => {
      rows.push(pupil(dayOf2015(i), 301, { name: `对照${i}`, ...mistake }));
      rows.push(pupil(dayOf2015(i), 303 + i * 2, { name: `对照正${i}` }));
    });
    const ctx = await contextOf("import_clerk");
    const reference = await previewImport(ctx, node.database, csv(rows), { validator: "reference" });
    const fast = await previewImport(ctx, node.database, csv(rows), { validator: "fast" });
    expect(reference.errorRows).toBeGreaterThan(15);
    expect(fast.errors).toEqual(reference.errors);
    expect(fast.readyRows).toBe(reference.readyRows);
    expect(await stagedRows(fast.jobId)).toEqual(await stagedRows(reference.jobId));
    const job = await node.services.db
      .selectFrom("job")
      .select("result")
      .where("id", "=", fast.jobId)
      .executeTakeFirstOrThrow();
    expect(job.result).toMatchObject({ checker: "fast" });
  });
});

describe("duplicates", () => {
  it("reports a person entered twice in one file, with the first row", async () => {
    const rows = [
      pupil("20150901", 101, { name: "文件重复" }),
      pupil("20150902", 101, { name: "其他" }),
      pupil("20150901", 101, { name: "文件重复二" }),
      pupilWithoutId("20150903", "无证重复"),
      pupilWithoutId("20150903", "无证重复"),
    ];
    const report = (await upload(clerk, "dups.csv", csv(rows))).json();
    expect(report).toMatchObject({ totalRows: 5, readyRows: 3, duplicateCount: 2, errors: [] });
    expect(report.duplicateRows).toEqual([
      expect.objectContaining({
        row: 4,
        column: "身份证件号",
        code: "duplicate_in_file",
        relatedRow: 2,
        message: "与第 2 行重复",
      }),
      expect.objectContaining({ row: 6, column: "姓名", code: "duplicate_in_file", relatedRow: 5 }),
    ]);
    const before = await count("student");
    expect((await commit(clerk, report.jobId, "?registerDuplicatesAsProblems=true")).json()).toMatchObject({
      created: 3,
    });
    expect(await count("student")).toBe(before + 3);
  });

  it("never creates a second record for an identity registered elsewhere unless asked", async () => {
    const registered = await registerStudent(node.system, {
      ...sampleStudent("20151001", { sequence: 101 }),
      name: "已在他校",
      schoolCode: SISTER_SCHOOL,
    });
    const rows = [
      pupil("20151001", 101, { name: "已在他校" }),
      pupil("20151002", 101, { name: "新生" }),
      pupilWithoutId("20151003", "同名同日"),
    ];
    await registerStudent(node.system, {
      ...pupilWithoutId("20151003", "同名同日"),
      schoolCode: SISTER_SCHOOL,
    });
    const first = (await upload(clerk, "elsewhere.csv", csv(rows))).json();
    expect(first).toMatchObject({ readyRows: 1, duplicateCount: 2 });
    expect(first.duplicateRows).toEqual([
      expect.objectContaining({
        row: 2,
        code: "duplicate_identity",
        relatedStudentId: registered.id,
        message: `该身份证件号已在其他学校登记学籍（疑似重复学籍，相关学籍 ID ${registered.id}）`,
      }),
      expect.objectContaining({ row: 4, column: "姓名", code: "duplicate_person" }),
    ]);
    const excluded = (await commit(clerk, first.jobId)).json();
    expect(excluded).toMatchObject({ committed: true, created: 1, problemRecords: 0 });
    expect(await studentsNamed("已在他校")).toHaveLength(1);

    const second = (await upload(clerk, "elsewhere.csv", csv(rows))).json();
    expect(second).toMatchObject({ readyRows: 0, existingRows: 1, duplicateCount: 2 });
    const problems = await count("student_problem");
    const flagged = (await commit(clerk, second.jobId, "?registerDuplicatesAsProblems=true")).json();
    expect(flagged).toMatchObject({ created: 2, problemRecords: 2 });
    expect(await count("student_problem")).toBe(problems + 2);
    const twice = await studentsNamed("已在他校");
    expect(twice).toHaveLength(2);
    expect(twice[1]!.student_number).toMatch(/^L33010220151001\d{4}$/);
    const problem = await node.services.db
      .selectFrom("student_problem")
      .select(["kind", "related_student_id", "status"])
      .where("student_id", "=", twice[1]!.id)
      .executeTakeFirstOrThrow();
    expect(problem).toEqual({
      kind: "duplicate_identity",
      related_student_id: registered.id,
      status: "open",
    });
    const sameName = await studentsNamed("同名同日");
    expect(sameName).toHaveLength(2);
    expect(sameName[1]!.student_number).toBe(makeJNumber("330102", "20151003", 2));
  });
});

describe("atomic commit", () => {
  it("leaves the registry as it was when the last row fails, and can be committed afterwards", async () => {
    const rows = [
      pupil("20151101", 101, { name: "原子一" }),
      pupilWithoutId("20151102", "原子二"),
      pupil("20151103", 101, { name: "原子失败" }),
    ];
    const report = (await upload(clerk, "atomic.csv", csv(rows))).json();
    expect(report.readyRows).toBe(3);
    const before = {
      students: await count("student"),
      events: await count("student_event"),
      audit: await count("audit_log"),
      sequences: await node.services.db.selectFrom("student_number_sequence").selectAll().execute(),
    };
    await sql`ALTER TABLE student ADD CONSTRAINT test_fail_last_row CHECK (name <> '原子失败') NOT VALID`.execute(
      node.services.db,
    );
    try {
      const failed = await commit(clerk, report.jobId);
      expect(failed.statusCode).toBe(500);
    } finally {
      await sql`ALTER TABLE student DROP CONSTRAINT test_fail_last_row`.execute(node.services.db);
    }
    expect(await count("student")).toBe(before.students);
    expect(await count("student_event")).toBe(before.events);
    expect(await count("audit_log")).toBe(before.audit);
    expect(await node.services.db.selectFrom("student_number_sequence").selectAll().execute()).toEqual(
      before.sequences,
    );
    const state = (await clerk.get(`/api/v1/students/imports/${report.jobId}`)).json();
    expect(state).toMatchObject({ phase: "previewed", committed: false });
    expect(state.error).toBeTruthy();
    expect((await commit(clerk, report.jobId)).json()).toMatchObject({ committed: true, created: 3 });
    expect(await count("student")).toBe(before.students + 3);
  });

  it("refuses a commit when a record registered after the preview would now be duplicated", async () => {
    const report = (
      await upload(clerk, "late.csv", csv([pupil("20151201", 101, { name: "后来者" })]))
    ).json();
    await registerStudent(node.system, {
      ...sampleStudent("20151201", { sequence: 101 }),
      schoolCode: SISTER_SCHOOL,
    });
    const response = await commit(clerk, report.jobId);
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe("import_outdated");
    expect(await studentsNamed("后来者")).toEqual([]);
  });
});

describe("scope", () => {
  it("does not let a county clerk import into a school of another county", async () => {
    const rows = [pupil("20160101", 101, { name: "外县", schoolCode: FOREIGN_SCHOOL })];
    const report = (await upload(clerk, "foreign.csv", csv(rows))).json();
    expect(report.readyRows).toBe(0);
    expect(report.errors).toEqual([
      expect.objectContaining({
        row: 2,
        column: "学校标识码",
        code: "school_not_found",
        message: expect.stringContaining(FOREIGN_SCHOOL),
      }),
    ]);
  });
});

describe("export", () => {
  it("exports masked identity numbers by default, in the template's columns, and audits it", async () => {
    const response = await leader.get("/api/v1/students/export?format=csv");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-disposition"]).toContain("attachment");
    const sheet = await readSpreadsheet(response.rawPayload);
    expect(sheet.headers).toEqual(HEADERS.map((h) => h.replace("★", "")));
    const total = await count("student");
    expect(sheet.rows.length).toBeLessThanOrEqual(total);
    const row = sheet.rows.find((r) => r.values.姓名 === "预览甲")!;
    expect(row.values.身份证件号).toMatch(/^330102\*{8}\d{3}[\dX]$/);
    expect(row.values.学校标识码).toBe(SCHOOL);
    expect(row.values.出生日期).toBe("20150401");
    expect(row.values.是否独生子女).toBe("是");
    expect(row.values.监护人姓名).toBe("张大明");
    const audit = await node.services.db
      .selectFrom("audit_log")
      .select(["action", "detail"])
      .where("action", "like", "student.export%")
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({
      action: "student.export",
      detail: { rows: sheet.rows.length, masked: true, format: "csv" },
    });
  });

  it("exports full numbers only on request by a clerk; that export imports back as existing", async () => {
    expect((await leader.get("/api/v1/students/export?format=csv&unmasked=true")).statusCode).toBe(403);
    const response = await clerk.get(
      `/api/v1/students/export?format=xlsx&unmasked=true&q=${encodeURIComponent("预览")}`,
    );
    expect(response.statusCode).toBe(200);
    const sheet = await readSpreadsheet(response.rawPayload);
    expect(sheet.rows.map((r) => r.values.姓名).sort()).toEqual(["预览丙", "预览乙", "预览甲"]);
    expect(sheet.rows.find((r) => r.values.姓名 === "预览甲")!.values.身份证件号).toBe(
      identityNumber("20150401", 101),
    );
    const audit = await node.services.db
      .selectFrom("audit_log")
      .select(["action", "detail"])
      .where("action", "=", "student.export_unmasked")
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ rows: 3, masked: false, format: "xlsx", filters: { q: "预览" } });
    const again = (await upload(clerk, "export.xlsx", response.rawPayload)).json();
    expect(again).toMatchObject({ totalRows: 3, existingRows: 3, readyRows: 0, errors: [] });
  });

  it("streams every row once across keyset batches", async () => {
    const ctx = await contextOf("import_clerk");
    const exported = await exportStudents(ctx, {}, { format: "csv", batchSize: 2 });
    const chunks: Buffer[] = [];
    for await (const chunk of exported.stream) chunks.push(Buffer.from(chunk));
    const sheet = await readSpreadsheet(Buffer.concat(chunks));
    expect(sheet.rows).toHaveLength(exported.rows);
    expect(exported.rows).toBe(await count("student"));
    const names = sheet.rows.map((r) => r.values.姓名).sort();
    const stored = await node.services.db.selectFrom("student").select("name").execute();
    expect(names).toEqual(stored.map((r) => r.name).sort());
  });
});

async function contextOf(username: string) {
  const { buildActor } = await import("../../platform/access/auth.service");
  const user = await node.services.db
    .selectFrom("app_user")
    .selectAll()
    .where("username", "=", username)
    .executeTakeFirstOrThrow();
  return {
    db: node.services.db,
    codes: node.services.codes,
    actor: await buildActor(node.services.db, user, {}),
  };
}

/** The staged rows of a preview, without the row bookkeeping, in row order. */
async function stagedRows(jobId: number) {
  const { rows } = await sql<Record<string, unknown>>`
    SELECT * FROM ${sql.table(`student_import_row_${jobId}`)} ORDER BY row_number`.execute(node.services.db);
  return rows;
}

/** GBK bytes of a string. Node decodes GBK but has no encoder, so the decoder's table is inverted. */
function encodeGbk(text: string): Buffer {
  const decoder = new TextDecoder("gbk");
  const map = new Map<string, Buffer>();
  for (let hi = 0x81; hi <= 0xfe; hi++) {
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      if (lo === 0x7f) continue;
      const bytes = Buffer.from([hi, lo]);
      const char = decoder.decode(bytes);
      if (char.length === 1 && !map.has(char)) map.set(char, bytes);
    }
  }
  return Buffer.concat(
    [...text].map((char) =>
      char.charCodeAt(0) < 0x80 ? Buffer.from(char, "latin1") : (map.get(char) ?? Buffer.from("?")),
    ),
  );
}
