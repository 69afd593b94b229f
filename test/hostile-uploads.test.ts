/**
 * Hostile uploads (issue 13, item 1 and 11): zip bombs are refused by the import limits and the
 * node survives; a million-row CSV is previewed while another client's requests keep being
 * answered; error reports stream; a formula without a cached value is a read problem.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { promisify } from "node:util";
import zlib from "node:zlib";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STUDENT_FIELDS, templateHeader } from "../src/modules/students/students.fields";
import { importLimits, setImportLimits } from "../src/platform/imports/limits";
import { readSpreadsheet } from "../src/platform/imports/spreadsheet";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
} from "./support/app";
import { multipartFile } from "./support/multipart";
import { identityNumber, sampleStudent } from "./support/students";

let node: TestNode;
let clerk: Client;
const SCHOOL = "2133108101";
const HEADERS = STUDENT_FIELDS.map(templateHeader);

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  await createUser(node, { username: "hostile_clerk", unitCode: "330102-EDU", roles: ["data_clerk"] });
  clerk = await signIn(node, "hostile_clerk");
});
afterAll(async () => {
  node.database.pool.on("error", () => undefined);
  await node.close();
});

async function upload(fileName: string, content: Buffer, query = "") {
  const { payload, headers } = multipartFile(fileName, content);
  return clerk.send("POST", `/api/v1/students/imports${query}`, payload, headers);
}

// ---------------------------------------------------------------------------------------------
// A zip written by hand, so that its sizes can be whatever a bomb maker wants them to be
// ---------------------------------------------------------------------------------------------

interface ZipPart {
  name: string;
  /** Raw deflate data. */
  data: Buffer;
  /** The size the directory declares. */
  declared: number;
}

function deflated(name: string, text: string): ZipPart {
  const raw = Buffer.from(text, "utf8");
  return { name, data: zlib.deflateRawSync(raw), declared: raw.length };
}

/**
 * Raw deflate data inflating to `megabytes` MiB of spaces after `head`, made without ever
 * holding them: one MiB deflated with a sync flush (byte-aligned, non-final blocks that refer to
 * nothing before them) repeated, then a final empty block.
 */
function bombData(head: string, megabytes: number): Buffer {
  const start = zlib.deflateRawSync(Buffer.from(head), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  const piece = zlib.deflateRawSync(Buffer.alloc(1 << 20, 0x20), {
    level: 9,
    finishFlush: zlib.constants.Z_SYNC_FLUSH,
  });
  return Buffer.concat([start, ...new Array<Buffer>(megabytes).fill(piece), Buffer.from([0x03, 0x00])]);
}

function zipOf(parts: ZipPart[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const part of parts) {
    const name = Buffer.from(part.name, "utf8");
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(part.data.length, 18);
    local.writeUInt32LE(Math.min(part.declared, 0xffffffff), 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, part.data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(part.data.length, 20);
    central.writeUInt32LE(Math.min(part.declared, 0xffffffff), 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + part.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(parts.length, 8);
  end.writeUInt16LE(parts.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const WORKBOOK = `<?xml version="1.0" encoding="UTF-8"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="学生" sheetId="1" r:id="rId1"/></sheets></workbook>`;
const RELS = `<?xml version="1.0" encoding="UTF-8"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`;
const SHEET_HEAD = `<?xml version="1.0" encoding="UTF-8"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`;

function bombWorkbook(sheets: { megabytes: number; declared: number }[]): Buffer {
  return zipOf([
    deflated("xl/workbook.xml", WORKBOOK),
    deflated("xl/_rels/workbook.xml.rels", RELS),
    ...sheets.map((s, i) => ({
      name: `xl/worksheets/sheet${i + 1}.xml`,
      data: bombData(SHEET_HEAD, s.megabytes),
      declared: s.declared,
    })),
  ]);
}

async function healthy(): Promise<void> {
  const response = await node.app.inject({ method: "GET", url: "/healthz" });
  expect(response.statusCode).toBe(200);
}

describe("zip bombs", () => {
  it("refuses a small XLSX that declares 4.9 GB inflated before inflating it, and the node carries on", async () => {
    // Three sheets of 1,670 MiB each: 4.9 GB declared, about 5 MB on the wire.
    const bomb = bombWorkbook([1670, 1670, 1670].map((mb) => ({ megabytes: mb, declared: mb * 2 ** 20 })));
    expect(bomb.length).toBeLessThan(6 * 2 ** 20);
    const response = await upload("bomb.xlsx", bomb);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: "import_limit_exceeded" });
    expect(response.json().detail).toContain("maxInflatedBytes");
    await healthy();
  });

  it("stops inflating an entry whose declared size lies, at the limit, in a worker", async () => {
    // Declares 1 KB, inflates to 4.9 GB: only counting the real output catches it.
    const bomb = bombWorkbook([{ megabytes: 4700, declared: 1024 }]);
    const before = process.memoryUsage().rss;
    const response = await upload("liar.xlsx", bomb);
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ code: "import_limit_exceeded" });
    expect(response.json().detail).toContain("maxEntryInflatedBytes");
    expect(response.json().detail).toContain(String(importLimits().maxEntryInflatedBytes));
    // Nothing of the 2 GiB inflated before the refusal was kept in this process.
    expect(process.memoryUsage().rss - before).toBeLessThan(512 * 2 ** 20);
    await healthy();
  });

  it("refuses rows and cells past their limits, for the school import too", async () => {
    const previous = setImportLimits({ maxRows: 3, maxCellsPerRow: 60 });
    try {
      const rows = [0, 1, 2, 3].map((i) => {
        const row: Record<string, unknown> = {
          ...sampleStudent("20150801", { sequence: 101 + 2 * i }),
          schoolCode: SCHOOL,
        };
        return STUDENT_FIELDS.map((f) => String(row[f.key] ?? "")).join(",");
      });
      const tooMany = await upload("rows.csv", Buffer.from([HEADERS.join(","), ...rows].join("\r\n")));
      expect(tooMany.statusCode).toBe(413);
      expect(tooMany.json().detail).toContain("maxRows");

      const wide = `${HEADERS.join(",")}\r\n${rows[0]}${",x".repeat(60)}\r\n`;
      const tooWide = await upload("wide.csv", Buffer.from(wide));
      expect(tooWide.statusCode).toBe(413);
      expect(tooWide.json().detail).toContain("maxCellsPerRow");

      // The reader every other registry uses (schools: readSpreadsheet), on XLSX.
      const workbook = new ExcelJS.Workbook();
      const sheet = workbook.addWorksheet("学校");
      sheet.addRow(["学校标识码", "学校名称"]);
      for (let i = 0; i < 4; i++) sheet.addRow([`21331081${10 + i}`, `学校${i}`]);
      await expect(readSpreadsheet(Buffer.from(await workbook.xlsx.writeBuffer()))).rejects.toMatchObject({
        code: "import_limit_exceeded",
        status: 413,
        params: { limit: "maxRows", max: 3 },
      });
    } finally {
      setImportLimits(previous);
    }
  });
});

describe("formula cells", () => {
  it("reports a formula without a cached value as a read problem, not as [object Object]", async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet("学生");
    sheet.addRow(HEADERS);
    const row: Record<string, unknown> = {
      ...sampleStudent("20150901", { sequence: 101 }),
      schoolCode: SCHOOL,
    };
    const values: unknown[] = STUDENT_FIELDS.map((f) => String(row[f.key] ?? ""));
    const nameColumn = STUDENT_FIELDS.findIndex((f) => f.key === "name");
    values[nameColumn] = { formula: 'CONCAT("张","三")' };
    sheet.addRow(values);
    const buffer = Buffer.from(await workbook.xlsx.writeBuffer());

    const read = await readSpreadsheet(buffer);
    expect(read.rows[0]!.readProblems).toEqual([{ column: "姓名", code: "cell_formula_without_value" }]);
    expect(JSON.stringify(read.rows)).not.toContain("[object Object]");

    const report = (await upload("formula.xlsx", buffer)).json();
    expect(report).toMatchObject({ totalRows: 1, readyRows: 0, errorRows: 1 });
    expect(report.errors).toEqual([
      expect.objectContaining({ row: 2, column: "姓名", code: "cell_formula_without_value" }),
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// A million rows while someone else uses the node
// ---------------------------------------------------------------------------------------------

const MILLION = 1_048_575;
const run = promisify(execFile);

/** A CSV of `rows` pupils with distinct identity numbers, in the template's required columns. */
function millionRowCsv(rows: number): Buffer {
  const keys = ["schoolCode", "name", "sex", "birthDate", "idDocumentType", "identityNumber", "grade"];
  const required = STUDENT_FIELDS.filter((f) => f.required || keys.includes(f.key));
  const template = sampleStudent("20150101", { sequence: 101 });
  // Bytes a MiB at a time: no string of the whole file is left for the collector to sweep.
  const parts: Buffer[] = [Buffer.from(`${required.map(templateHeader).join(",")}\r\n`)];
  let chunk = "";
  for (let i = 0; i < rows; i++) {
    // 2,000 birth dates × 500 sequences: every identity number differs.
    const day = new Date(Date.UTC(2014, 0, 1) + (i % 2000) * 86_400_000).toISOString().slice(0, 10);
    const birth = day.replaceAll("-", "");
    const sequence = Math.floor(i / 2000) + 1;
    const row: Record<string, unknown> = {
      ...template,
      // Short addresses keep the file under the 200 MiB upload limit.
      currentAddress: "杭州",
      mailingAddress: "杭州",
      homeAddress: "杭州",
      className: "3班",
      schoolCode: SCHOOL,
      birthDate: birth,
      sex: sequence % 2 === 1 ? "1" : "2",
      identityNumber: identityNumber(birth, sequence),
    };
    chunk += `${required.map((f) => String(row[f.key] ?? "")).join(",")}\r\n`;
    if (chunk.length > 1 << 20) {
      parts.push(Buffer.from(chunk, "utf8"));
      chunk = "";
    }
  }
  parts.push(Buffer.from(chunk, "utf8"));
  return Buffer.concat(parts);
}

describe("a million-row file", () => {
  // On PostgreSQL only. PGlite runs its SQL on the node's own thread, so a set-based statement
  // over a million staged rows (the COPY, the duplicate joins) holds the event loop for seconds
  // whatever the import does (3.4 s measured); the engine of a registry in service is PostgreSQL,
  // where the reading and checking in the worker were all that held the loop.
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "is previewed while another client's requests keep answering within 1 s",
    async () => {
      const file = millionRowCsv(MILLION);
      expect(file.length).toBeLessThan(200 * 2 ** 20);
      const folder = await mkdtemp(join(tmpdir(), "edumis-million-"));
      const path = join(folder, "million.csv");
      await writeFile(path, file);
      const address = await node.app.listen({ host: "127.0.0.1", port: 0 });
      const { port } = node.app.server.address() as AddressInfo;
      expect(address).toContain("127.0.0.1");
      const delay = monitorEventLoopDelay({ resolution: 20 });
      delay.enable();
      let slowest = 0;
      let answered = 0;
      let done = false;
      // The other client: /healthz over a real loopback socket, one request after another.
      const other = (async () => {
        while (!done) {
          const started = performance.now();
          const response = await fetch(`http://127.0.0.1:${port}/healthz`);
          await response.arrayBuffer();
          expect(response.status).toBe(200);
          slowest = Math.max(slowest, performance.now() - started);
          answered++;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      try {
        // Uploaded by another process over the socket, as a clerk's browser would: the body
        // arrives in chunks, and the uploader's own work is not on this event loop.
        const { stdout } = await run(
          "curl",
          [
            "-sS",
            "-F",
            `file=@${path};filename=million.csv`,
            "-H",
            `cookie: ${clerk.cookie}`,
            "-H",
            `x-csrf-token: ${clerk.csrf}`,
            "-w",
            "\n%{http_code}",
            `http://127.0.0.1:${port}/api/v1/students/imports`,
          ],
          { maxBuffer: 64 * 2 ** 20 },
        );
        const status = Number(stdout.slice(stdout.lastIndexOf("\n") + 1));
        const response = { status, json: async () => JSON.parse(stdout.slice(0, stdout.lastIndexOf("\n"))) };
        const report = await response.json();
        expect(response.status, JSON.stringify(report).slice(0, 300)).toBe(200);
        expect(report).toMatchObject({ totalRows: MILLION, readyRows: MILLION, errorRows: 0 });
      } finally {
        done = true;
        await other;
        delay.disable();
        await rm(folder, { recursive: true, force: true });
      }
      // The one wall-clock bound the issue asks for, and nothing tighter.
      const stats = `slowest /healthz ${Math.round(slowest)} ms of ${answered}, loop delay max ${Math.round(delay.max / 1e6)} ms`;
      expect(answered, stats).toBeGreaterThan(0);
      expect(slowest, stats).toBeLessThan(1000);
      expect(delay.max / 1e6, stats).toBeLessThan(1000);
    },
    900_000,
  );
});

// ---------------------------------------------------------------------------------------------
// Error reports
// ---------------------------------------------------------------------------------------------

describe("error reports", () => {
  it("are streamed (chunked, no length known in advance) as CSV and XLSX, in row order", async () => {
    const bad = [0, 1, 2].map((i) => {
      const row: Record<string, unknown> = {
        ...sampleStudent("20151001", { sequence: 101 + 2 * i }),
        schoolCode: SCHOOL,
      };
      return STUDENT_FIELDS.map((f) => (f.key === "sex" ? "9" : String(row[f.key] ?? ""))).join(",");
    });
    const csv = Buffer.from([HEADERS.join(","), ...bad].join("\r\n"));
    const report = (await upload("bad.csv", csv)).json();
    expect(report.errorRows).toBe(3);
    if (!node.app.server.listening) await node.app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = node.app.server.address() as AddressInfo;
    for (const format of ["csv", "xlsx"] as const) {
      const response = await fetch(
        `http://127.0.0.1:${port}/api/v1/students/imports/${report.jobId}/errors.${format}`,
        {
          headers: { cookie: clerk.cookie },
        },
      );
      expect(response.status).toBe(200);
      expect(response.headers.get("transfer-encoding")).toBe("chunked");
      expect(response.headers.get("content-length")).toBeNull();
      const sheet = await readSpreadsheet(Buffer.from(await response.arrayBuffer()));
      expect(sheet.headers).toEqual(["行号", "列", "问题"]);
      expect(sheet.rows.map((r) => r.values["行号"])).toEqual(
        report.errors.map((e: { row: number }) => String(e.row)),
      );
    }
  });
});
