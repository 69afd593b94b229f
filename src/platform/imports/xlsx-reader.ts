/**
 * XLSX read as a stream, within the import limits. The zip is read by zip.ts (declared sizes
 * checked up front, real inflated bytes counted); the workbook, its relations, styles and shared
 * strings by ExcelJS's streaming WorkbookReader (its parsers, fed with our entry streams, so
 * that the sheets can be read after the shared strings without temporary files); the rows of
 * the sheet by a SAX loop here (ExcelJS's parse-sax), which checks rows, cells per row and cell
 * length as it goes and yields each row as soon as it is closed. Memory holds the shared strings
 * and one row, never the sheet.
 *
 * Relies on ExcelJS 4.4's WorkbookReader internals (_parseRels, _parseWorkbook, _parseStyles,
 * _parseSharedStrings); the import tests read real ExcelJS and hand-made files through them.
 */
import { createRequire } from "node:module";
import { Readable } from "node:stream";
import ExcelJS from "exceljs";
import { AppError } from "../../shared/errors";
import { type ImportLimits, libraryCode, limitExceeded, unreadable } from "./limits";
import { entriesByName, entryChunks, InflateBudget, readZipDirectory, type ZipEntry } from "./zip";

const require = createRequire(import.meta.url);
interface SaxTag {
  name: string;
  attributes: Record<string, string | undefined>;
}
type SaxEvent = { eventType: "opentag" | "closetag"; value: SaxTag } | { eventType: "text"; value: string };
const parseSax = require("exceljs/lib/utils/parse-sax.js") as (
  chunks: AsyncIterable<Buffer>,
) => AsyncIterable<SaxEvent[]>;
const excelUtils = require("exceljs/lib/utils/utils.js") as {
  isDateFmt(format: string | undefined): boolean;
  excelToDate(value: number, date1904?: boolean): Date;
};

/** A cell as text, with the problem found reading it (a formula without value, an error…). */
export interface ReadCell {
  text: string;
  problem?: string;
}

export interface XlsxDataRow {
  /** 1-based row number as Excel shows it. */
  rowNumber: number;
  /** One cell per header column, in header order. */
  cells: ReadCell[];
}

export interface XlsxSheet {
  /** The header row's cells with a value, in column order (not yet normalised). */
  headers: string[];
  /** Data rows estimated from the sheet's <dimension>, for progress (0 when absent). */
  estimatedRows: number;
  /** The data rows after the header, blank rows left out; single use. */
  rows: AsyncGenerator<XlsxDataRow>;
}

interface WorkbookInternals {
  _parseRels(entry: Readable): Promise<void>;
  _parseWorkbook(entry: Readable): Promise<void>;
  _parseStyles(entry: Readable): Promise<void>;
  _parseSharedStrings(entry: Readable): AsyncGenerator<unknown>;
  workbookRels?: { Id: string; Target: string; Type: string }[];
  model?: { sheets?: { name: string; id: number; rId: string; state?: string }[] };
  properties?: { model?: { date1904?: boolean } };
  sharedStrings?: (string | { richText: { text: string }[] } | null)[];
  styles: { getStyleModel(id: number): { numFmt?: string } | null };
}

/** Column number of a cell reference ("AB12" → 28); 0 when the reference has no letters. */
function columnOf(ref: string): number {
  let column = 0;
  for (let i = 0; i < ref.length; i++) {
    const c = ref.charCodeAt(i);
    if (c < 65 || c > 90) break;
    column = column * 26 + (c - 64);
    if (column > 16_384) throw unreadable(`xlsx: cell reference ${ref.slice(0, 12)}`);
  }
  return column;
}

function rowOf(ref: string): number {
  const digits = /\d+$/.exec(ref);
  return digits ? Number(digits[0]) : 0;
}

const MERGE = Buffer.from("mergeCell");

interface MergeRange {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/**
 * The merged ranges of a sheet. They follow the rows in the XML, so the sheet is inflated once
 * for them before its rows are read: this pass is also the one that counts the sheet's real
 * inflated size against the limits, before any row is parsed.
 */
async function mergedRanges(
  buffer: Buffer,
  entry: ZipEntry,
  limits: ImportLimits,
  budget: InflateBudget,
): Promise<MergeRange[]> {
  const ranges: MergeRange[] = [];
  const pattern = /<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+\d+)(?::([A-Z]+\d+))?"/g;
  let carry = Buffer.alloc(0);
  for await (const chunk of entryChunks(buffer, entry, limits, budget)) {
    // Most chunks hold rows only: byte searches spare them the copy, the text and the expression.
    const boundary = Buffer.concat([carry.subarray(-16), chunk.subarray(0, 16)]);
    if (carry.indexOf(MERGE) < 0 && boundary.indexOf(MERGE) < 0 && chunk.indexOf(MERGE) < 0) {
      carry = Buffer.from(chunk.subarray(-512));
      continue;
    }
    const bytes = carry.length > 0 ? Buffer.concat([carry, chunk]) : chunk;
    let end = 0;
    {
      const text = bytes.toString("latin1");
      pattern.lastIndex = 0;
      for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
        const from = match[1]!;
        const to = match[2] ?? from;
        ranges.push({ top: rowOf(from), bottom: rowOf(to), left: columnOf(from), right: columnOf(to) });
        end = pattern.lastIndex;
      }
    }
    carry = Buffer.from(bytes.subarray(Math.max(end, bytes.length - 512)));
  }
  return ranges.sort((a, b) => a.top - b.top);
}

function stream(buffer: Buffer, entry: ZipEntry, limits: ImportLimits, budget?: InflateBudget): Readable {
  return Readable.from(entryChunks(buffer, entry, limits, budget), { objectMode: false });
}

/** The path of a relation's target inside the zip ("worksheets/sheet1.xml" → "xl/worksheets/sheet1.xml"). */
function targetPath(target: string): string {
  return target.startsWith("/") ? target.slice(1) : `xl/${target}`;
}

interface CellState {
  ref: string | undefined;
  style: number;
  type: string | undefined;
  formula: boolean;
  value: string | undefined;
}

/**
 * Reads the first visible sheet that has a value: its header row, then its data rows as a
 * stream. Refuses files over the limits with `import_limit_exceeded`.
 */
export async function openXlsxSheet(buffer: Buffer, limits: ImportLimits): Promise<XlsxSheet> {
  const entries = entriesByName(readZipDirectory(buffer, limits));
  const budget = new InflateBudget(limits);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(Readable.from([]), {
    sharedStrings: "cache",
    styles: "cache",
    hyperlinks: "ignore",
    worksheets: "emit",
    entries: "ignore",
  }) as unknown as WorkbookInternals;
  const need = (name: string) => {
    const entry = entries.get(name);
    if (!entry) throw unreadable(`xlsx: ${name} missing`);
    return entry;
  };
  try {
    await reader._parseRels(stream(buffer, need("xl/_rels/workbook.xml.rels"), limits, budget));
    await reader._parseWorkbook(stream(buffer, need("xl/workbook.xml"), limits, budget));
    const styles = entries.get("xl/styles.xml");
    if (styles) await reader._parseStyles(stream(buffer, styles, limits, budget));
    const strings = entries.get("xl/sharedStrings.xml");
    if (strings) for await (const _ of reader._parseSharedStrings(stream(buffer, strings, limits, budget)));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unreadable(`xlsx: workbook ${libraryCode(error)}`.trimEnd());
  }
  const rels = reader.workbookRels ?? [];
  for (const sheet of reader.model?.sheets ?? []) {
    if (sheet.state === "hidden" || sheet.state === "veryHidden") continue;
    const rel = rels.find((r) => r.Id === sheet.rId);
    const entry = rel ? entries.get(targetPath(rel.Target)) : undefined;
    if (!entry) continue;
    const merges = await mergedRanges(buffer, entry, limits, budget);
    const rows = sheetRows(buffer, entry, reader, merges, limits);
    const first = await rows.next();
    if (first.done) continue;
    return { headers: first.value.headers, estimatedRows: first.value.estimatedRows, rows: first.value.rows };
  }
  throw new AppError("import_empty", 400);
}

interface HeaderFound {
  headers: string[];
  estimatedRows: number;
  rows: AsyncGenerator<XlsxDataRow>;
}

/**
 * Yields once, at the header row: the headers and the generator of the data rows that
 * continues the same SAX pass. Yields nothing when the sheet holds no value.
 */
async function* sheetRows(
  buffer: Buffer,
  entry: ZipEntry,
  reader: WorkbookInternals,
  merges: MergeRange[],
  limits: ImportLimits,
): AsyncGenerator<HeaderFound> {
  const date1904 = reader.properties?.model?.date1904 === true;
  const dateStyles = new Map<number, boolean>();
  const isDateStyle = (style: number) => {
    let known = dateStyles.get(style);
    if (known === undefined) {
      known = excelUtils.isDateFmt(reader.styles.getStyleModel(style)?.numFmt);
      dateStyles.set(style, known);
    }
    return known;
  };
  const shared = reader.sharedStrings ?? [];

  function textOf(cell: CellState): ReadCell {
    const raw = cell.value;
    if (cell.type === "e") return { text: "", problem: "cell_error" };
    if (raw === undefined)
      return cell.formula ? { text: "", problem: "cell_formula_without_value" } : { text: "" };
    switch (cell.type) {
      case "s": {
        const item = shared[Number(raw)];
        if (item === undefined || item === null) return { text: "" };
        if (typeof item === "string") return { text: item.trim() };
        return {
          text: item.richText
            .map((r) => r.text ?? "")
            .join("")
            .trim(),
        };
      }
      case "inlineStr":
      case "str":
        return { text: raw.trim() };
      case "b":
        return { text: Number(raw) !== 0 ? "是" : "否" };
      default: {
        if (raw.trim() === "") return { text: "" };
        const value = Number.parseFloat(raw);
        if (Number.isNaN(value)) return { text: raw.trim() };
        if (isDateStyle(cell.style)) {
          const date = excelUtils.excelToDate(value, date1904);
          if (!Number.isNaN(date.getTime())) return { text: date.toISOString().slice(0, 10) };
        }
        // An 18-digit identity number typed into a General cell becomes 1.10105E+17: digits are gone.
        if (!Number.isSafeInteger(value) && Number.isInteger(value))
          return { text: String(value), problem: "number_lost_digits" };
        return { text: String(value) };
      }
    }
  }

  // Merged ranges over the current row, kept as the rows advance (rows come in order).
  let nextMerge = 0;
  let activeMerges: MergeRange[] = [];
  const masterTexts = new Map<MergeRange, string>();
  function mergedSlaves(rowNumber: number): MergeRange[] {
    while (nextMerge < merges.length && merges[nextMerge]!.top <= rowNumber)
      activeMerges.push(merges[nextMerge++]!);
    if (activeMerges.length > 0) activeMerges = activeMerges.filter((m) => m.bottom >= rowNumber);
    return activeMerges;
  }

  let headerColumns: number[] | undefined;
  let headerSet = new Set<number>();
  let headerTexts: string[] = [];
  let estimatedRows = 0;
  let dataRows = 0;
  let rowNumber = 0;
  let rowCells = new Map<number, ReadCell>();
  let cellCount = 0;
  let lastColumn = 0;
  let cell: CellState | undefined;
  let collecting: "v" | "t" | undefined;
  let inInline = false;
  const pending: XlsxDataRow[] = [];

  function closeRow(): void {
    if (headerColumns === undefined) {
      const columns = [...rowCells.keys()].sort((a, b) => a - b);
      if (columns.length === 0) return;
      headerColumns = columns;
      headerSet = new Set(columns);
      headerTexts = columns.map((column) => rowCells.get(column)!.text);
      return;
    }
    const merged = mergedSlaves(rowNumber);
    for (const m of merged) if (m.top === rowNumber) masterTexts.set(m, rowCells.get(m.left)?.text ?? "");
    let blank = true;
    const cells = headerColumns.map((column) => {
      let read = rowCells.get(column) ?? { text: "" };
      // A cell covered by a merge reads as its master's value (as Excel shows it), and is refused.
      const over = merged.find(
        (m) => column >= m.left && column <= m.right && !(m.top === rowNumber && m.left === column),
      );
      if (over) read = { text: masterTexts.get(over) ?? "", problem: "merged_cell" };
      if (read.text !== "" || read.problem) blank = false;
      return read;
    });
    if (blank) return;
    if (++dataRows > limits.maxRows) throw limitExceeded("maxRows", limits.maxRows);
    pending.push({ rowNumber, cells });
  }

  function handle(events: SaxEvent[]): void {
    for (const { eventType, value } of events) {
      if (eventType === "text") {
        if (collecting && cell) {
          cell.value = (cell.value ?? "") + value;
          if (cell.value.length > limits.maxCellChars)
            throw limitExceeded("maxCellChars", limits.maxCellChars);
        }
        continue;
      }
      const name: string = value.name.includes(":")
        ? value.name.slice(value.name.indexOf(":") + 1)
        : value.name;
      if (eventType === "opentag") {
        switch (name) {
          case "dimension": {
            const ref = String(value.attributes.ref ?? "");
            const bottom = rowOf(ref.split(":")[1] ?? "");
            if (bottom > 1) estimatedRows = bottom - 1;
            break;
          }
          case "row": {
            const r = Number.parseInt(value.attributes.r ?? "", 10);
            rowNumber = Number.isFinite(r) ? r : rowNumber + 1;
            rowCells = new Map();
            cellCount = 0;
            lastColumn = 0;
            break;
          }
          case "c": {
            if (++cellCount > limits.maxCellsPerRow)
              throw limitExceeded("maxCellsPerRow", limits.maxCellsPerRow);
            const ref = value.attributes.r as string | undefined;
            cell = {
              ref,
              style: Number.parseInt(value.attributes.s ?? "0", 10) || 0,
              type: value.attributes.t,
              formula: false,
              value: undefined,
            };
            break;
          }
          case "f":
            if (cell) cell.formula = true;
            break;
          case "v":
            if (cell) {
              collecting = "v";
              cell.value ??= "";
            }
            break;
          case "is":
            inInline = true;
            if (cell) cell.value ??= "";
            break;
          case "t":
            if (cell && inInline) collecting = "t";
            break;
        }
      } else {
        switch (name) {
          case "v":
          case "t":
            collecting = undefined;
            break;
          case "is":
            inInline = false;
            break;
          case "c":
            if (cell) {
              const column = cell.ref ? columnOf(cell.ref) || lastColumn + 1 : lastColumn + 1;
              lastColumn = column;
              if (headerColumns === undefined || headerSet.has(column)) {
                const read = textOf(cell);
                // The header row is the first with a value; a cell without one does not count.
                if (headerColumns !== undefined || cell.value !== undefined || read.problem)
                  rowCells.set(column, read);
              }
              cell = undefined;
            }
            break;
          case "row":
            closeRow();
            break;
        }
      }
    }
  }

  const events = parseSax(entryChunks(buffer, entry, limits))[Symbol.asyncIterator]();
  // The header row: read until it is closed.
  while (headerColumns === undefined) {
    const next = await nextEvents(events);
    if (next.done) return;
    handle(next.value);
  }
  const headers = headerTexts;
  async function* dataRows_(): AsyncGenerator<XlsxDataRow> {
    for (;;) {
      while (pending.length > 0) yield pending.shift()!;
      const next = await nextEvents(events);
      if (next.done) return;
      handle(next.value);
    }
  }
  yield { headers, estimatedRows, rows: dataRows_() };
}

async function nextEvents(events: AsyncIterator<SaxEvent[]>): Promise<IteratorResult<SaxEvent[]>> {
  try {
    return await events.next();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw unreadable(`xlsx: sheet ${libraryCode(error)}`.trimEnd());
  }
}
