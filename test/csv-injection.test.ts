/**
 * CSV formula injection (issue 13, item 7): every CSV the platform writes neutralises cells a
 * spreadsheet would evaluate, and a neutralised file imports back to the values it was made from.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STUDENT_FIELDS, templateHeader } from "../src/modules/students/students.fields";
import { openSheet } from "../src/modules/students/students.import.rows";
import { csvLine as syntheticCsvLine } from "../src/modules/synthetic/synthetic.formats";
import { csvCell, stripNeutraliser } from "../src/platform/imports/csv-cell";
import { readSpreadsheet, writeCsv } from "../src/platform/imports/spreadsheet";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
} from "./support/app";
import { multipartFile } from "./support/multipart";
import { sampleStudent } from "./support/students";

const ATTACKS = [
  '=HYPERLINK("http://x","点我")',
  "=cmd|' /C calc'!A0",
  "+1+2",
  "-1+2",
  "@SUM(1,2)",
  "\t=1+2",
  "\r=1+2",
];

describe("the CSV cell writer", () => {
  it("prefixes every formula start with an apostrophe and leaves codes, dates and numbers alone", () => {
    expect(ATTACKS.map(csvCell)).toEqual([
      `"'=HYPERLINK(""http://x"",""点我"")"`,
      "'=cmd|' /C calc'!A0",
      "'+1+2",
      "'-1+2",
      `"'@SUM(1,2)"`,
      "'\t=1+2",
      `"'\r=1+2"`,
    ]);
    for (const value of ["330102201501010011", "2026-02-01", "2133108001", "13900001111", "张三", "'x"])
      expect(csvCell(value)).toBe(value);
    for (const attack of ATTACKS) expect(stripNeutraliser(`'${attack}`)).toBe(attack);
    expect(writeCsv(["a"], [["=1"]]).toString("utf8")).toBe("\uFEFFa\r\n'=1\r\n");
    expect(syntheticCsvLine(["=1", "b"])).toBe("'=1,b\r\n");
    expect(syntheticCsvLine(["=1", "b,c"], true)).toBe(`'=1,"b,c"\r\n`);
  });
});

let node: TestNode;
let clerk: Client;
const SCHOOL = "2133108201";

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, {
    schoolCode: SCHOOL,
    divisionCode: "330102",
    address: '=HYPERLINK("http://x","学校")',
  });
  await createUser(node, { username: "csv_clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
  clerk = await signIn(node, "csv_clerk");
});
afterAll(async () => {
  node.database.pool.on("error", () => undefined);
  await node.close();
});

function cellsOf(csv: string): string[][] {
  return csv
    .replace(/^\uFEFF/, "")
    .split("\r\n")
    .map((line) => line.split(","));
}

describe("exports", () => {
  it("neutralise a student's imported formula text, and the export imports back unchanged", async () => {
    const hostile = {
      ...sampleStudent("20150301", { sequence: 101 }),
      schoolCode: SCHOOL,
      name: "公式甲",
      currentAddress: "=cmd|' /C calc'!A0",
      mailingAddress: "@SUM(1+1)",
      homeAddress: "-2+3",
      phone: "+86 13900001111",
    } as Record<string, unknown>;
    const csv = [
      STUDENT_FIELDS.map(templateHeader).join(","),
      STUDENT_FIELDS.map((f) => String(hostile[f.key] ?? "")).join(","),
    ].join("\r\n");
    const { payload, headers } = multipartFile("hostile.csv", Buffer.from(csv));
    const preview = (await clerk.send("POST", "/api/v1/students/imports", payload, headers)).json();
    expect(preview).toMatchObject({ readyRows: 1, errors: [] });
    expect((await clerk.send("POST", `/api/v1/students/imports/${preview.jobId}/commit`)).statusCode).toBe(
      200,
    );

    const exported = await clerk.get("/api/v1/students/export?format=csv&unmasked=true");
    expect(exported.statusCode).toBe(200);
    const text = exported.rawPayload.toString("utf8");
    const [header, row] = cellsOf(text);
    const at = (key: string) =>
      row![header!.indexOf(templateHeader(STUDENT_FIELDS.find((f) => f.key === key)!))];
    expect(at("currentAddress")).toBe("'=cmd|' /C calc'!A0");
    expect(at("mailingAddress")).toBe("'@SUM(1+1)");
    expect(at("homeAddress")).toBe("'-2+3");
    expect(at("phone")).toBe("'+86 13900001111");
    for (const line of cellsOf(text)) for (const cell of line) expect(cell).not.toMatch(/^[=+\-@\t\r]/);

    // Read back, the apostrophes are gone: the same values as were imported.
    const records = [];
    for await (const record of (await openSheet(exported.rawPayload)).records()) records.push(record);
    const cells = records[0]!.cells;
    const value = (key: string) => cells[STUDENT_FIELDS.findIndex((f) => f.key === key)];
    expect(value("currentAddress")).toBe("=cmd|' /C calc'!A0");
    expect(value("mailingAddress")).toBe("@SUM(1+1)");
    expect(value("homeAddress")).toBe("-2+3");
    expect(value("phone")).toBe("+86 13900001111");
    const again = multipartFile("export.csv", exported.rawPayload);
    const report = (
      await clerk.send("POST", "/api/v1/students/imports", again.payload, again.headers)
    ).json();
    expect(report).toMatchObject({ totalRows: 1, existingRows: 1, readyRows: 0, errors: [] });
  });

  it("neutralise a school's address in the school export, and the platform reader strips it back", async () => {
    const response = await clerk.get("/api/v1/schools/export?format=csv");
    expect(response.statusCode).toBe(200);
    const text = response.rawPayload.toString("utf8");
    expect(text).toContain(`"'=HYPERLINK(""http://x"",""学校"")"`);
    const sheet = await readSpreadsheet(response.rawPayload);
    const school = sheet.rows.find((r) => Object.values(r.values).includes(SCHOOL))!;
    expect(Object.values(school.values)).toContain('=HYPERLINK("http://x","学校")');
  });
});
