/**
 * Reading and writing the spreadsheets administrators live in: XLSX (ExcelJS) and CSV in UTF-8
 * (with or without BOM) or GBK, the encoding Excel on a Chinese Windows saves "CSV" in. Every
 * cell comes back as trimmed text with its row number as the user sees it in Excel.
 */
import { parse as parseCsv } from "csv-parse/sync";
import ExcelJS from "exceljs";
import { AppError } from "../../shared/errors";

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

function readCsv(buffer: Buffer): Sheet {
  const { text, encoding } = decodeText(buffer);
  let records: string[][];
  try {
    records = parseCsv(text, { relax_column_count: true, skip_empty_lines: false, bom: true }) as string[][];
  } catch (error) {
    throw new AppError("import_file_unreadable", 400, {
      reason: error instanceof Error ? error.message : "CSV",
    });
  }
  const headerIndex = records.findIndex((r) => !isBlank(r.map((v) => v.trim())));
  if (headerIndex < 0) throw new AppError("import_empty", 400);
  const headers = records[headerIndex]!.map(normaliseHeader);
  const rows: SheetRow[] = [];
  for (let i = headerIndex + 1; i < records.length; i++) {
    const cells = records[i]!.map((v) => v.trim());
    if (isBlank(cells)) continue;
    const values: Record<string, string> = {};
    headers.forEach((h, c) => {
      if (h) values[h] = cells[c] ?? "";
    });
    rows.push({ rowNumber: i + 1, values, readProblems: [] });
  }
  return { headers, rows, format: "csv", encoding };
}

function cellText(cell: ExcelJS.Cell): { text: string; problem?: string } {
  const value = cell.value;
  if (value === null || value === undefined) return { text: "" };
  if (value instanceof Date) return { text: value.toISOString().slice(0, 10) };
  if (typeof value === "number") {
    // An 18-digit identity number typed into a General cell becomes 1.10105E+17: digits are gone.
    if (!Number.isSafeInteger(value) && Number.isInteger(value))
      return { text: String(value), problem: "number_lost_digits" };
    return { text: String(value) };
  }
  if (typeof value === "boolean") return { text: value ? "是" : "否" };
  if (typeof value === "object") {
    if ("richText" in value)
      return {
        text: value.richText
          .map((r) => r.text)
          .join("")
          .trim(),
      };
    if ("result" in value) return { text: value.result === undefined ? "" : String(value.result).trim() };
    if ("text" in value) return { text: String(value.text).trim() };
    if ("error" in value) return { text: "", problem: "cell_error" };
  }
  return { text: String(value).trim() };
}

async function readXlsx(buffer: Buffer): Promise<Sheet> {
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(buffer as unknown as ArrayBuffer);
  } catch (error) {
    throw new AppError("import_file_unreadable", 400, {
      reason: error instanceof Error ? error.message : "XLSX",
    });
  }
  const sheet = workbook.worksheets.find((ws) => ws.state !== "hidden" && ws.actualRowCount > 0);
  if (!sheet) throw new AppError("import_empty", 400);
  let headers: string[] | undefined;
  let headerColumns: number[] = [];
  const rows: SheetRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    if (!headers) {
      headers = [];
      headerColumns = [];
      row.eachCell({ includeEmpty: false }, (cell, col) => {
        headers!.push(normaliseHeader(cellText(cell).text));
        headerColumns.push(col);
      });
      return;
    }
    const values: Record<string, string> = {};
    const readProblems: SheetRow["readProblems"] = [];
    headerColumns.forEach((col, i) => {
      const cell = row.getCell(col);
      const header = headers![i]!;
      const { text, problem } = cellText(cell);
      values[header] = text;
      if (problem) readProblems.push({ column: header, code: problem });
      if (cell.isMerged && cell.master.address !== cell.address)
        readProblems.push({ column: header, code: "merged_cell" });
    });
    if (isBlank(Object.values(values)) && readProblems.length === 0) return;
    rows.push({ rowNumber, values, readProblems });
  });
  if (!headers) throw new AppError("import_empty", 400);
  return { headers, rows, format: "xlsx" };
}

export async function readSpreadsheet(buffer: Buffer): Promise<Sheet> {
  if (buffer.length === 0) throw new AppError("import_empty", 400);
  return isXlsx(buffer) ? readXlsx(buffer) : readCsv(buffer);
}

/** Missing required headers, reported by their template names. */
export function missingHeaders(sheet: Sheet, required: string[]): string[] {
  const present = new Set(sheet.headers);
  return required.filter((h) => !present.has(normaliseHeader(h)));
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** CSV with a UTF-8 BOM, which Excel needs to open Chinese text correctly. */
export function writeCsv(headers: string[], rows: string[][]): Buffer {
  const lines = [headers, ...rows].map((r) => r.map(csvCell).join(","));
  return Buffer.from(`\uFEFF${lines.join("\r\n")}\r\n`, "utf8");
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
