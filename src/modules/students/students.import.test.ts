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
import { gbkBytes } from "../../../test/support/gbk";
import { multipartFile } from "../../../test/support/multipart";
import {
  expectTallyEqualsRecords,
  hanNumber,
  identityNumber,
  sampleStudent,
} from "../../../test/support/students";
import { makeJNumber } from "../../platform/identifiers/student-number";
import { formatCopyValue } from "../../platform/imports/copy";
import { readSpreadsheet } from "../../platform/imports/spreadsheet";
import { exportStudents } from "./students.export";
import { STUDENT_FIELDS, templateHeader } from "./students.fields";
import { previewImport } from "./students.import";
import {
  checkRow,
  fastChecker,
  isTrimmable,
  openSheet,
  rowChecker,
  stagedLine,
} from "./students.import.rows";
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
    const rows = Array.from({ length: 50 }, (_, i) =>
      pupil(dayOf2015(200 + i), 101, { name: `轮询${hanNumber(i)}` }),
    );
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
    const report = (await upload(clerk, "gbk.csv", gbkBytes(text))).json();
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
      pupil(dayOf2015(i % 300), 201 + Math.floor(i / 300) * 2, { name: `批量${hanNumber(i)}` }),
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
      // Cells a CSV quotes (comma, quote, line breaks) and characters COPY or JSON escapes.
      { name: "王,小明" },
      { currentAddress: "王,小明" },
      { name: '王"小"明' },
      { currentAddress: "解放路\n1号" },
      { mailingAddress: "解放路\r\n1号" },
      { className: "三年级\t2班" },
      { homeAddress: "解放路\\1号" },
      { guardian1Name: '张"大"明' },
      { guardian1Name: "张\\大明" },
      { guardian2Name: "李\t四", guardian2Relation: "52" },
      // Padding the reader trims, and cells the check reads as codes, dates and numbers.
      { formerName: "  王明  ", mailingAddress: "\u3000解放路1号\u3000" },
      { sex: "1 男" },
      { auxNumber: "a".repeat(51) },
      { auxNumber: "a".repeat(50) },
      { phone: "(0571) 8888-1234" },
      { phone: "13900001111x" },
      { enrolmentMonth: "2023/09" },
      { enrolmentMonth: "2023-9" },
      { idDocumentType: "Z", identityNumber: "" },
      { identityNumber: "" },
      { grade: "J1" },
      { isOnlyChild: "Y", hadPreschool: "false" },
      { birthplace: "99010200100" },
      { householdLocation: "33010a" },
    ];
    mistakes.forEach((mistake, i) => {
      rows.push(pupil(dayOf2015(i), 301, { name: `对照${hanNumber(i)}`, ...mistake }));
      rows.push(pupil(dayOf2015(i), 303 + i * 2, { name: `对照正${hanNumber(i)}` }));
    });
    // Identity numbers with the check character X, upper and lower case, and other date forms.
    const withX = (date: string) => {
      let sequence = 501;
      while (!identityNumber(date, sequence).endsWith("X")) sequence++;
      return sequence;
    };
    const day = (n: number) => dayOf2015(200 + n);
    const iso = (compact: string) => `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6)}`;
    rows.push(pupil(day(1), withX(day(1)), { name: "大写X" }));
    rows.push(
      pupil(day(2), withX(day(2)), {
        name: "小写x",
        identityNumber: identityNumber(day(2), withX(day(2))).replace(/X$/, "x"),
      }),
    );
    rows.push(pupil(day(3), 301, { name: "横线日期", birthDate: iso(day(3)) }));
    rows.push(pupil(day(4), 301, { name: "点日期", birthDate: iso(day(4)).replaceAll("-", ".") }));
    rows.push(pupil(day(5), 301, { name: "错日期", birthDate: iso(day(6)) }));
    rows.push(pupil(day(7), 301, { name: "错性别", sex: "2" }));
    const ctx = await contextOf("import_clerk");
    const reference = await previewImport(ctx, node.database, csv(rows), { validator: "reference" });
    const fast = await previewImport(ctx, node.database, csv(rows), { validator: "fast" });
    expect(reference.errorRows).toBeGreaterThan(25);
    expect(reference.readyRows).toBeGreaterThan(mistakes.length + 15);
    expect(fast.errors).toEqual(reference.errors);
    expect(fast.readyRows).toBe(reference.readyRows);
    const staged = await stagedRows(reference.jobId);
    expect(await stagedRows(fast.jobId)).toEqual(staged);
    expect(staged.find((r) => r.current_address === "王,小明")).toMatchObject({ current_address: "王,小明" });
    expect(staged.find((r) => r.name === "小写x")).toMatchObject({
      identity_number: identityNumber(day(2), withX(day(2))),
    });
    const job = await node.services.db
      .selectFrom("job")
      .select("result")
      .where("id", "=", fast.jobId)
      .executeTakeFirstOrThrow();
    expect(job.result).toMatchObject({ checker: "fast" });
    // The same file saved as GBK reads and stages the same.
    const gbk = await previewImport(ctx, node.database, gbkBytes(csvText(rows)), { validator: "fast" });
    expect(gbk).toMatchObject({ encoding: "gbk", readyRows: reference.readyRows });
    expect(gbk.errors).toEqual(reference.errors);
    expect(await stagedRows(gbk.jobId)).toEqual(staged);
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
        // The holder is in the clerk's county: the id is given, for a link to the record.
        relatedStudentId: registered.id,
        holder: expect.objectContaining({ studentId: registered.id, schoolCode: SISTER_SCHOOL }),
        message: expect.stringMatching(
          new RegExp(
            `^该身份证件号已在其他学校登记学籍（疑似重复学籍）：浙江省 .+（学校标识码 ${SISTER_SCHOOL}），学籍号 G330102\\*{12}$`,
          ),
        ),
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
    // The masking policy: address code only; the phones keep 3 + 4 digits.
    expect(row.values.身份证件号).toBe("330102************");
    expect(row.values.联系电话).toMatch(/^\d{3}\*{4}\d{4}$/);
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

// ---------------------------------------------------------------------------------------------
// The fast path of the import (students.import.rows.ts) against plain references: an RFC 4180
// reading of generated files, checkStudentRecord for every row, toColumns for every line
// ---------------------------------------------------------------------------------------------

/** A small deterministic generator for the files and rows below. */
function seeded(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]! };
}

interface ExpectedRecord {
  rowNumber: number;
  cells: string[];
  plain: boolean;
}

/**
 * A CSV file of student columns with every shape a reader meets (quoted cells with commas,
 * quotes and line breaks, padding, backslashes and tabs, blank records, short and long
 * records, a last record without a line break), and what a plain RFC 4180 reading of it gives:
 * each record's trimmed cells in template order, its row number and whether it is plain.
 */
function generatedCsv(options: {
  seed: number;
  rows: number;
  lineBreak: "\r\n" | "\n";
  shuffled: boolean;
  gbk: boolean;
}): { text: string; expected: ExpectedRecord[] } {
  const random = seeded(options.seed);
  const width = STUDENT_FIELDS.length;
  // The file's columns: the template's, or shuffled with an unknown column and a missing one.
  let columns: (number | null)[] = STUDENT_FIELDS.map((_, i) => i);
  if (options.shuffled) {
    columns = columns.filter((i) => STUDENT_FIELDS[i!]!.key !== "formerName");
    for (let i = columns.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1));
      [columns[i], columns[j]] = [columns[j]!, columns[i]!];
    }
    columns.splice(7, 0, null);
  }
  const headers = columns.map((i) => (i === null ? "备注" : templateHeader(STUDENT_FIELDS[i]!)));
  const values = [
    "330102",
    "01",
    "P3",
    "张小明",
    "杭州市上城区解放路1号",
    "",
    "",
    "",
    " 张三 ",
    "\u3000李四\u3000",
    "\t赵六",
    "   ",
    "a,b",
    'say "hi"',
    "line1\nline2",
    "line1\r\nline2",
    "C:\\dir",
    "a\tb",
    '"',
    ...(options.gbk ? [] : ["王五\u00a0", "𠀋字"]),
  ];
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  const lines: string[] = [];
  const expected: ExpectedRecord[] = [];
  let rowNumber = 0;
  const blank = () => {
    lines.push(random.pick(["", ",,,", '"",""', " , "]));
    rowNumber++;
  };
  if (random.next() < 0.5) blank();
  lines.push(headers.join(","));
  rowNumber++;
  for (let r = 0; r < options.rows; r++) {
    if (random.next() < 0.02) blank();
    let count = columns.length;
    const shape = random.next();
    if (shape < 0.03) count = Math.max(2, Math.floor(random.next() * columns.length));
    const cells = Array.from({ length: count }, () => random.pick(values));
    cells[0] = `2133${String(r).padStart(6, "0")}`;
    let quoted = false;
    const written = cells.map((value) => {
      if (/[",\r\n]/.test(value) || random.next() < 0.01) {
        quoted = true;
        return quote(value);
      }
      return value;
    });
    if (shape > 0.97) written.push("extra", "columns");
    const line = written.join(",");
    lines.push(line);
    rowNumber++;
    const inTemplateOrder = new Array<string>(width).fill("");
    columns.forEach((field, column) => {
      if (field !== null) inTemplateOrder[field] = (cells[column] ?? "").trim();
    });
    expected.push({ rowNumber, cells: inTemplateOrder, plain: !quoted && !/[\\\t]/.test(line) });
  }
  return { text: lines.join(options.lineBreak), expected };
}

async function readAll(buffer: Buffer): Promise<ExpectedRecord[]> {
  const sheet = await openSheet(buffer);
  const records = [];
  for await (const r of sheet.records()) records.push(r);
  return records.map((r) => ({ rowNumber: r.rowNumber, cells: r.cells, plain: r.plain }));
}

/** Compares record lists, naming the first record that differs (a deep diff of 10,000 is unreadable). */
function expectSameRecords(actual: ExpectedRecord[], expected: ExpectedRecord[]): void {
  const first = expected.findIndex((e, i) => JSON.stringify(e) !== JSON.stringify(actual[i]));
  expect(first === -1 ? null : { actual: actual[first], expected: expected[first] }).toBeNull();
  expect(actual.length).toBe(expected.length);
}

describe("the fast path of the import against its references", () => {
  it("reads CSV as RFC 4180 says, over several decoding steps, in UTF-8 with or without BOM and in GBK", async () => {
    // 25,000 records of about 60 cells pass the 4 MiB decoding step more than once.
    for (const variant of [
      { seed: 1, lineBreak: "\r\n", shuffled: false, gbk: false, bom: false },
      { seed: 2, lineBreak: "\n", shuffled: true, gbk: false, bom: true },
      { seed: 3, lineBreak: "\r\n", shuffled: false, gbk: true, bom: false },
    ] as const) {
      const { text, expected } = generatedCsv({ ...variant, rows: 25_000 });
      const body = variant.gbk ? gbkBytes(text) : Buffer.from(text, "utf8");
      expect(body.length).toBeGreaterThan(6 * 2 ** 20);
      const buffer = variant.bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
      const sheet = await openSheet(buffer);
      expect(sheet.encoding).toBe(variant.gbk ? "gbk" : "utf-8");
      expectSameRecords(await readAll(buffer), expected);
    }
  });

  it("skips trim only for characters trim keeps", () => {
    for (let c = 0; c <= 0xffff; c++) {
      if (String.fromCharCode(c).trim() === "")
        expect({ c, trimmable: isTrimmable(c) }).toEqual({ c, trimmable: true });
    }
  });

  it("accepts only the rows checkStudentRecord accepts, with the same record, one changed cell at a time", () => {
    const codes = node.services.codes;
    const today = new Date();
    const fast = fastChecker(codes, today);
    const checked = rowChecker(codes, today, "fast");
    const reference = rowChecker(codes, today, "reference");
    const random = seeded(7);
    // Valid rows: birth dates of several years, odd and even sequences, check character X,
    // rows without an identity number.
    const base: Row[] = [];
    for (let i = 0; i < 40; i++) {
      const birth = new Date(Date.UTC(2008 + (i % 10), i % 12, 1 + ((i * 7) % 28)))
        .toISOString()
        .slice(0, 10)
        .replaceAll("-", "");
      let sequence = 101 + i;
      if (i % 10 === 3) while (!identityNumber(birth, sequence).endsWith("X")) sequence++;
      const row = pupil(birth, sequence, { name: `基准${hanNumber(i)}` });
      base.push(i % 10 === 7 ? { ...row, idDocumentType: "Z", identityNumber: "" } : row);
    }
    const cellsOf = (row: Row) => STUDENT_FIELDS.map((f) => String(row[f.key] ?? "").trim());
    // Cells to put into each field: valid ones in every form the check reads, and bad ones.
    const variants = (field: (typeof STUDENT_FIELDS)[number], row: Row): string[] => {
      const own = String(row[field.key] ?? "");
      const common = ["", " ", "x", "0", "1", "99", "是"];
      if (field.maxLength) common.push("长".repeat(field.maxLength), "长".repeat(field.maxLength + 1));
      switch (field.kind) {
        case "code": {
          const items = codes.items(field.codeSet!);
          const picked = [items[0]!, items[1] ?? items[0]!, items[items.length - 1]!, random.pick(items)];
          return [
            ...common,
            ...picked.flatMap((item) => [
              item.code,
              item.labelZh,
              `${item.code} ${item.labelZh}`,
              `${item.code}\u3000${item.labelZh}`,
              item.code.replace(/^0+(?=\d)/, ""),
            ]),
          ];
        }
        case "date": {
          const iso = `${own.slice(0, 4)}-${own.slice(4, 6)}-${own.slice(6)}`;
          return [
            ...common,
            iso,
            iso.replaceAll("-", "/"),
            iso.replaceAll("-", "."),
            `${own.slice(0, 4)}-${Number(own.slice(4, 6))}-${Number(own.slice(6))}`,
            "20150229",
            "20160229",
            "20150431",
            "20990101",
            "18991231",
            "2015-02-30",
            "201504011",
          ];
        }
        case "month":
          return [
            ...common,
            "202309",
            "2023-09",
            "2023/09",
            "2023.09",
            "2023-9",
            "202313",
            "202300",
            "20230",
          ];
        case "division":
        case "division12": {
          const length = field.kind === "division" ? 6 : 12;
          return [
            ...common,
            "330102001001".slice(0, length),
            "330102001001".slice(0, length - 1),
            `${"330102001001".slice(0, length)}1`,
            `99${"0102001001".slice(0, length - 2)}`,
            `66${"0102001001".slice(0, length - 2)}`,
            `33010a001001`.slice(0, length),
          ];
        }
        case "yesNo":
          return [...common, "否", "true", "false", "yes", "no", "Y", "y", "N", "n", "TRUE", "是的"];
        case "phone":
          return [
            ...common,
            "123456",
            "1234567",
            "1".repeat(20),
            "1".repeat(21),
            "139-0000 1111",
            "+86(139)00001111",
            "1390000111a",
          ];
        default: {
          // Names: what the name rule folds, keeps and refuses, and the fast path's plain Han names.
          if (field.personName)
            return [
              ...common,
              "王,小明",
              "𠀋",
              "王小明",
              "王\u200b小明",
              "王\u202e小明",
              "<script>",
              '=HYPERLINK("x")',
              "+1",
              "王小明2",
              "阿卜杜·热依木",
              "阿卜杜・热依木",
              "阿卜杜•热依木",
              "·阿卜杜",
              "阿卜杜··热依木",
              "ＪＯＨＮ　ＳＭＩＴＨ",
              "Jean-Luc",
              "王 小明",
              "王\u0000明",
              "\u200b",
              "很".repeat(60),
              "很".repeat(61),
              "བཀྲ་ཤིས་",
            ];
          if (field.key !== "identityNumber")
            return [...common, "王,小明", "a\tb", "c:\\d", '"q"', "𠀋", "a\u0000b", "\ud800x"];
          const number = identityNumber(String(row.birthDate), 101);
          const flip = (n: string, at: number, to: string) => `${n.slice(0, at)}${to}${n.slice(at + 1)}`;
          const x = own.endsWith("X") ? own : number;
          return [
            ...common,
            own.replace(/X$/, "x"),
            flip(number, 17, number.endsWith("0") ? "1" : "0"),
            number.slice(0, 17),
            `${number}1`,
            flip(x, 0, "9"),
            flip(number, 16, "2"),
            identityNumber(String(row.birthDate), 102),
            identityNumber("18991231", 101),
            identityNumber("20990101", 101),
            identityNumber("20150101", 101),
            identityNumber(String(row.birthDate), 101, "990102"),
            "E12345678",
          ];
        }
      }
    };
    let rows = 0;
    let fastAccepted = 0;
    for (const row of base) {
      expect(fast(cellsOf(row))).toBeDefined();
      for (const field of STUDENT_FIELDS) {
        for (const value of variants(field, row)) {
          const cells = cellsOf({ ...row, [field.key]: value });
          const expected = reference(cells);
          const record = fast(cells);
          rows++;
          if (record) {
            fastAccepted++;
            expect({ field: field.key, value, problems: expected.problems }).toEqual({
              field: field.key,
              value,
              problems: [],
            });
            // Same values, same property order.
            expect(JSON.stringify(record)).toBe(JSON.stringify(expected.record));
          }
          expect(checked(cells)).toEqual(expected);
        }
      }
    }
    expect(rows).toBeGreaterThan(30_000);
    // The fast path took a good share of the valid rows, and refused the rest to the reference.
    expect(fastAccepted).toBeGreaterThan(rows / 4);
  });

  it("stages the line toColumns gives, escaped for COPY, from either check and with or without the plain hint", async () => {
    const codes = node.services.codes;
    const today = new Date();
    const school = {
      id: 4321,
      path: "/1/",
      name: "学校",
      divisionCode: "330102",
      provinceCode: "33",
      stages: [],
    };
    const schools = { schoolOf: () => school };
    const texts = [
      "王,小明",
      'say "hi"',
      "a\tb",
      "c:\\d",
      "line1\nline2",
      "cr\rlf",
      "𠀋字",
      "\ud800",
      "N",
      "\\N",
    ];
    const rows: Row[] = [];
    texts.forEach((text, i) => {
      const birth = dayOf2015(i);
      // Names follow the name rule (person-name.ts), which refuses these characters.
      rows.push(pupil(birth, 101, { currentAddress: text, homeAddress: text, guardian1Name: "张大明" }));
      rows.push(pupil(birth, 103, { mailingAddress: text, guardian2Name: "李四", guardian2IdNumber: text }));
      rows.push(pupil(birth, 105, { className: text, auxNumber: text.slice(0, 20), leftBehind: "1" }));
    });
    rows.push(pupil(dayOf2015(50), 101, { isMigrantChild: "否", isOrphan: "是", guardian1Name: "" }));
    const file = Buffer.from(csvText(rows), "utf8");
    const records = [];
    for await (const record of (await openSheet(file)).records()) records.push(record);
    expect(records).toHaveLength(rows.length);
    for (const choice of ["fast", "reference"] as const) {
      const check = rowChecker(codes, today, choice);
      for (const row of records) {
        const record = check(row.cells).record!;
        expect(record).toBeDefined();
        const stage = "primary";
        const columns = Object.values(toColumns(record)).map((value) => formatCopyValue(value));
        const expected = `${[row.rowNumber, school.id, "33", "330102", stage, ...columns].join("\t")}\n`;
        expect(stagedLine(row.rowNumber, school, stage, record)).toBe(expected);
        if (row.plain) expect(stagedLine(row.rowNumber, school, stage, record, true)).toBe(expected);
        expect(checkRow(row, check, schools, codes)).toEqual({ line: expected, problems: [] });
      }
    }
    expect(records.filter((r) => r.plain).length).toBeGreaterThan(5);
    expect(records.filter((r) => !r.plain).length).toBeGreaterThan(5);
  });
});

describe("the per-school tally", () => {
  it("equals a live count of the records after every change above", async () => {
    await expectTallyEqualsRecords(node.services.db);
  });
});
