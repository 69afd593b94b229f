import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Client, createTestNode, createUser, signIn, type TestNode } from "../../../test/support/app";
import { gbkBytes } from "../../../test/support/gbk";
import { multipartFile } from "../../../test/support/multipart";
import { readSpreadsheet } from "../imports/spreadsheet";
import { SCHOOL_COLUMNS } from "./orgs.import";

let node: TestNode;
let county: Client;
const HEADERS = SCHOOL_COLUMNS.map((c) => c.header);

function csv(rows: string[][], headers = HEADERS): Buffer {
  return Buffer.from([headers, ...rows].map((r) => r.join(",")).join("\r\n"), "utf8");
}

function row(code: string, name: string, extra: Partial<Record<string, string>> = {}): string[] {
  const values: Record<string, string> = {
    schoolCode: code,
    name,
    runningType: "211",
    stages: "primary",
    ownership: "公办",
    creditCode: "",
    address: "",
    divisionCode: "330102",
    parentCode: "",
    supervisingUnitCode: "",
    openedOn: "20100901",
    ...extra,
  };
  return SCHOOL_COLUMNS.map((c) => values[c.key] ?? "");
}

async function upload(client: Client, fileName: string, content: Buffer, commit: boolean) {
  const { payload, headers } = multipartFile(fileName, content);
  return client.send("POST", `/api/v1/schools/import?commit=${commit}`, payload, headers);
}

async function schoolCount(): Promise<number> {
  const { n } = await node.services.db
    .selectFrom("school")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(n);
}

beforeAll(async () => {
  node = await createTestNode();
  await createUser(node, {
    username: "county",
    unitCode: "330102-EDU",
    roles: ["system_admin", "data_clerk"],
  });
  county = await signIn(node, "county");
});
afterAll(() => node.close());

describe("school import", () => {
  it("offers an XLSX template with the headers and code-set dropdowns", async () => {
    const response = await county.get("/api/v1/schools/template.xlsx");
    expect(response.statusCode).toBe(200);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(response.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet("学校")!;
    expect((sheet.getRow(1).values as string[]).slice(1)).toEqual(HEADERS);
    const runningTypeColumn = HEADERS.indexOf("办学类型★") + 1;
    expect(sheet.getCell(2, runningTypeColumn).dataValidation).toMatchObject({ type: "list" });
  });

  it("previews without writing, commits all rows, and is idempotent on re-upload", async () => {
    const file = csv([
      row("2133103001", "导入一小"),
      row("2133103002", "导入二小"),
      row("1133103001", "导入幼儿园", { runningType: "111", stages: "学前教育" }),
    ]);
    const before = await schoolCount();
    const preview = (await upload(county, "schools.csv", file, false)).json();
    expect(preview).toMatchObject({ totalRows: 3, readyRows: 3, errors: [], committed: false, created: 0 });
    expect(await schoolCount()).toBe(before);
    const committed = (await upload(county, "schools.csv", file, true)).json();
    expect(committed).toMatchObject({ committed: true, created: 3 });
    expect(await schoolCount()).toBe(before + 3);
    const again = (await upload(county, "schools.csv", file, true)).json();
    expect(again).toMatchObject({ existingRows: 3, created: 0 });
    expect(await schoolCount()).toBe(before + 3);
  });

  it("reads GBK-encoded CSV as Excel on Chinese Windows saves it", async () => {
    const text = [HEADERS, row("2133103010", "国标编码小学")].map((r) => r.join(",")).join("\r\n");
    const encoded = gbkBytes(text);
    const report = (await upload(county, "gbk.csv", encoded, false)).json();
    expect(report).toMatchObject({ encoding: "gbk", readyRows: 1, errors: [] });
  });

  it("reports every bad row with row, column and a Chinese message, and writes nothing", async () => {
    const rows = Array.from({ length: 200 }, (_, i) =>
      row(`2133104${String(i).padStart(3, "0")}`, `批量小学${i}`),
    );
    rows[10] = row("2111104010", "省份不符小学");
    rows[50] = row("2133104050", "", { runningType: "999" });
    rows[51] = row("2133104051", "日期错误小学", { openedOn: "20230230" });
    rows[120] = row(rows[3]![0]!, "重复小学");
    const before = await schoolCount();
    const report = (await upload(county, "batch.csv", csv(rows), true)).json();
    expect(report.committed).toBe(false);
    expect(await schoolCount()).toBe(before);
    const problems = report.errors.map(
      (e: { row: number; column: string; code: string }) => `${e.row}|${e.column}|${e.code}`,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        "12|学校标识码|school_code.province_mismatch",
        "52|学校名称|field_required",
        "52|办学类型|code_unknown",
        "53|开办日期|date_invalid",
        "122|学校标识码|duplicate_in_file",
      ]),
    );
    expect(report.errors.find((e: { row: number }) => e.row === 122).message).toBe("与第 5 行重复");
    expect(report.readyRows).toBe(196);
  });

  it("refuses a file with wrong headers, naming the missing columns", async () => {
    const response = await upload(county, "wrong.csv", csv([["1", "2"]], ["代码", "名称"]), false);
    expect(response.statusCode).toBe(400);
    expect(response.json().code).toBe("import_headers_invalid");
    expect(response.json().detail).toContain("学校标识码");
  });

  it("reads XLSX, skips blank rows and refuses merged cells", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("学校");
    sheet.addRow(HEADERS);
    sheet.addRow(row("2133105001", "表格一小"));
    sheet.addRow([]);
    sheet.addRow(row("2133105002", "表格二小"));
    sheet.addRow(row("2133105003", "表格三小"));
    sheet.mergeCells("B4:B5");
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());
    const sheetRead = await readSpreadsheet(buffer);
    expect(sheetRead.rows.map((r) => r.rowNumber)).toEqual([2, 4, 5]);
    const report = (await upload(county, "schools.xlsx", buffer, false)).json();
    expect(report.format).toBe("xlsx");
    expect(report.errors).toEqual([
      expect.objectContaining({ row: 5, column: "学校名称", code: "merged_cell" }),
    ]);
  });

  it("refuses an upload that is not a spreadsheet or not multipart", async () => {
    const garbage = await upload(
      county,
      "x.xlsx",
      Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(50)]),
      false,
    );
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json().code).toBe("import_file_unreadable");
    const notMultipart = await county.send("POST", "/api/v1/schools/import", { file: "x" });
    expect(notMultipart.statusCode).toBe(415);
  });

  it("exports the schools of the scope in the template's columns, and the export imports back as existing", async () => {
    const response = await county.get("/api/v1/schools/export?format=csv");
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-disposition"]).toContain("attachment");
    const exported = await readSpreadsheet(response.rawPayload);
    expect(exported.headers).toEqual(HEADERS.map((h) => h.replace("★", "")));
    expect(exported.rows.length).toBeGreaterThanOrEqual(3);
    const reimport = (await upload(county, "export.csv", response.rawPayload, true)).json();
    expect(reimport).toMatchObject({ existingRows: exported.rows.length, created: 0, errors: [] });
    const audit = await node.services.db
      .selectFrom("audit_log")
      .select("detail")
      .where("action", "=", "school.export")
      .execute();
    expect(audit).toHaveLength(1);
  });
});
