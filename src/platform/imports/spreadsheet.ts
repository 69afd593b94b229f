/**
 * Reading and writing the spreadsheets administrators live in: XLSX (ExcelJS) and CSV in UTF-8
 * (with or without BOM) or GBK, the encoding Excel on a Chinese Windows saves "CSV" in. Every
 * cell comes back as trimmed text with its row number as the user sees it in Excel. Reading
 * keeps to the import limits (limits.ts): XLSX is read as a stream (xlsx-reader.ts).
 */
import { PassThrough, Readable } from "node:stream";
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { AppError } from "../../shared/errors";
import { csvCell, csvLine, stripNeutraliser } from "./csv-cell";
import { type ImportLimits, importLimits, limitExceeded, unreadable } from "./limits";
import { runTask, runTaskOnce } from "./worker-pool";
import { openXlsxSheet } from "./xlsx-reader";

export interface SheetRow {
  /** 1-based row number as shown by Excel (the header is usually row 1). */
  rowNumber: number;
  values: Record<string, string>;
  /** Problems found while reading the row itself (merged cells, numbers that lost digits…). */
  readProblems: { column: string; code: string }[];
}

export interface Sheet {
  headers: string[];
  rows: SheetRow[];
  format: "xlsx" | "csv";
  encoding?: "utf-8" | "gbk";
}

const XLSX_MAGIC = [0x50, 0x4b, 0x03, 0x04];

export function isXlsx(buffer: Buffer): boolean {
  return XLSX_MAGIC.every((byte, i) => buffer[i] === byte);
}

/** UTF-8 when the bytes are valid UTF-8 (BOM or not); GBK otherwise. */
export function decodeText(buffer: Buffer): { text: string; encoding: "utf-8" | "gbk" } {
  const hasBom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf;
  const body = hasBom ? buffer.subarray(3) : buffer;
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(body), encoding: "utf-8" };
  } catch {
    return { text: new TextDecoder("gbk").decode(body), encoding: "gbk" };
  }
}

/** Header cells may carry the template's ★ for required columns; the name is matched without it. */
export function normaliseHeader(header: string): string {
  return header.replace(/[★*＊\s]/g, "").trim();
}

function isBlank(values: string[]): boolean {
  return values.every((v) => v === "");
}

function readCsv(buffer: Buffer, limits: ImportLimits): Sheet {
  const { text, encoding } = decodeText(buffer);
  let records: string[][];
  try {
    records = parseCsv(text, {
      relax_column_count: true,
      skip_empty_lines: false,
      bom: true,
      // Excel and hand edits mix line breaks in one file; csv-parse otherwise fixes the break
      // from the first line and glues later LF-only rows into a cell.
      record_delimiter: ["\r\n", "\n"],
      // One more than the limit, so that a file over it is told from a file at it.
      to_line: limits.maxRows + 2,
      max_record_size: limits.maxCellChars * 4,
    }) as string[][];
  } catch (error) {
    if ((error as { code?: string }).code === "CSV_MAX_RECORD_SIZE")
      throw limitExceeded("maxCellChars", limits.maxCellChars);
    // csv-parse's code and line (e.g. CSV_QUOTE_NOT_CLOSED, line 12), not its English message.
    const { code, lines } = error as { code?: string; lines?: number };
    throw unreadable(`CSV ${code ?? ""}${lines ? ` (line ${lines})` : ""}`.trimEnd());
  }
  const headerIndex = records.findIndex((r) => !isBlank(r.map((v) => v.trim())));
  if (headerIndex < 0) throw new AppError("import_empty", 400);
  const headers = records[headerIndex]!.map(normaliseHeader);
  const rows: SheetRow[] = [];
  for (let i = headerIndex + 1; i < records.length; i++) {
    if (records[i]!.length > limits.maxCellsPerRow)
      throw limitExceeded("maxCellsPerRow", limits.maxCellsPerRow);
    const cells = records[i]!.map((v) => stripNeutraliser(v.trim()));
    if (isBlank(cells)) continue;
    const values: Record<string, string> = {};
    headers.forEach((h, c) => {
      if (h) values[h] = cells[c] ?? "";
    });
    rows.push({ rowNumber: i + 1, values, readProblems: [] });
    if (rows.length > limits.maxRows) throw limitExceeded("maxRows", limits.maxRows);
  }
  return { headers, rows, format: "csv", encoding };
}

async function readXlsx(buffer: Buffer, limits: ImportLimits): Promise<Sheet> {
  const sheet = await openXlsxSheet(buffer, limits);
  const headers = sheet.headers.map(normaliseHeader);
  const rows: SheetRow[] = [];
  for await (const row of sheet.rows) {
    const values: Record<string, string> = {};
    const readProblems: SheetRow["readProblems"] = [];
    row.cells.forEach((cell, i) => {
      const header = headers[i]!;
      values[header] = cell.text;
      if (cell.problem) readProblems.push({ column: header, code: cell.problem });
    });
    rows.push({ rowNumber: row.rowNumber, values, readProblems });
  }
  return { headers, rows, format: "xlsx" };
}

/**
 * Reads a whole spreadsheet into rows, within the import limits, here on the calling thread:
 * for files known to be small, and for the import workers themselves. Request handlers call
 * readSpreadsheet, which runs this in a worker.
 */
export async function readSpreadsheetHere(buffer: Buffer, limits = importLimits()): Promise<Sheet> {
  if (buffer.length === 0) throw new AppError("import_empty", 400);
  return isXlsx(buffer) ? readXlsx(buffer, limits) : readCsv(buffer, limits);
}

/** Reads a whole spreadsheet (for registries of modest size: schools) off the request thread. */
export async function readSpreadsheet(buffer: Buffer): Promise<Sheet> {
  if (buffer.length === 0) throw new AppError("import_empty", 400);
  return runTaskOnce<Sheet>(new URL("./spreadsheet.task.ts", import.meta.url), "readSheet", {
    buffer,
    limits: importLimits(),
  });
}

/** Missing required headers, reported by their template names. */
export function missingHeaders(sheet: Sheet, required: string[]): string[] {
  const present = new Set(sheet.headers);
  return required.filter((h) => !present.has(normaliseHeader(h)));
}

export { csvCell, csvLine, neutraliseFormula, stripNeutraliser } from "./csv-cell";

/** CSV with a UTF-8 BOM, which Excel needs to open Chinese text correctly; formulas neutralised. */
export function writeCsv(headers: readonly string[], rows: readonly (readonly string[])[]): Buffer {
  const lines = [headers, ...rows].map((r) => r.map(csvCell).join(","));
  return Buffer.from(`\uFEFF${lines.join("\r\n")}\r\n`, "utf8");
}

/** Bytes of XLSX output waiting for the reader before the writer waits too. */
const XLSX_BACKLOG = 4 * 1024 * 1024;

/** The same CSV as writeCsv, written as the rows come: for files too large to hold. */
export function csvStream(
  headers: readonly string[],
  rows: AsyncIterable<readonly (readonly string[])[]>,
): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.from(`\uFEFF${csvLine(headers)}`, "utf8");
    for await (const batch of rows) {
      let text = "";
      for (const row of batch) text += csvLine(row);
      if (text) yield Buffer.from(text, "utf8");
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

/**
 * An XLSX of one sheet written as the rows come (ExcelJS's streaming WorkbookWriter): each
 * batch is committed to the zip as it arrives, so the file is never held whole.
 */
export function xlsxStream(
  sheetName: string,
  columns: readonly XlsxColumn[],
  rows: AsyncIterable<readonly (readonly string[])[]>,
): Readable {
  const output = new PassThrough();
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: output, useStyles: true });
  workbook.creator = "edumis";
  const sheet = workbook.addWorksheet(sheetName, { views: [{ state: "frozen", ySplit: 1 }] });
  sheet.columns = columns.map((c) => ({
    header: c.header,
    width: c.width ?? Math.max(12, c.header.length * 2 + 4),
    ...(c.text ? { style: { numFmt: "@" } } : {}),
  }));
  sheet.getRow(1).font = { bold: true };
  (async () => {
    for await (const batch of rows) {
      for (const row of batch) sheet.addRow([...row]).commit();
      // The writer does not wait for its reader: hold the next batch while the output is full.
      while (output.readableLength > XLSX_BACKLOG && !output.destroyed)
        await new Promise((r) => setTimeout(r, 5));
    }
    sheet.commit();
    await workbook.commit();
  })().catch((error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))));
  return output;
}

export interface XlsxColumn {
  header: string;
  width?: number;
  /** Values offered in a dropdown (data validation), e.g. "1 男". */
  list?: string[];
  /** Keep as text: codes and identity numbers must never become numbers. */
  text?: boolean;
}

export async function writeXlsx(sheetName: string, columns: XlsxColumn[], rows: string[][]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "edumis";
  const sheet = workbook.addWorksheet(sheetName);
  const lists = workbook.addWorksheet("代码表", { state: "hidden" });
  sheet.columns = columns.map((c) => ({
    header: c.header,
    width: c.width ?? Math.max(12, c.header.length * 2 + 4),
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: "frozen", ySplit: 1 }];
  for (const row of rows) sheet.addRow(row);
  columns.forEach((column, index) => {
    const col = sheet.getColumn(index + 1);
    if (column.text) col.numFmt = "@";
    if (column.list && column.list.length > 0) {
      // Lists go to a hidden sheet: Excel's inline list is limited to 255 characters.
      const listCol = lists.getColumn(index + 1);
      column.list.forEach((item, i) => {
        lists.getCell(i + 1, index + 1).value = item;
      });
      const letter = listCol.letter;
      for (let r = 2; r <= Math.max(rows.length + 1, 1000); r++) {
        sheet.getCell(r, index + 1).dataValidation = {
          type: "list",
          allowBlank: true,
          formulae: [`代码表!$${letter}$1:$${letter}$${column.list.length}`],
        };
      }
    }
  });
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/**
 * A sheet (CSV or XLSX) written in a worker from rows handed over page by page: `nextPage`
 * gives the next rows, an empty array at the end. For files too large to build in memory, and
 * too slow to build on the request thread (an error report of a million rows).
 */
export function sheetStream(
  format: "csv" | "xlsx",
  sheetName: string,
  columns: XlsxColumn[],
  nextPage: () => Promise<string[][]>,
): Readable {
  const task = runTask<{ bytes: Buffer }>(
    new URL("./spreadsheet.task.ts", import.meta.url),
    "writeSheet",
    {
      format,
      sheetName,
      columns,
    },
    { page: () => nextPage() },
  );
  async function* bytes(): AsyncGenerator<Buffer> {
    for await (const item of task) yield item.bytes;
  }
  return Readable.from(bytes(), { objectMode: false });
}
