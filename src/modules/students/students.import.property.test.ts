/**
 * The student import's own CSV reader (students.import.rows.ts: the one-pass line splitter and the
 * quoted-record path behind openSheet) against csv-parse, an RFC 4180 reader, on generated files
 * (fast-check, fixed seed and bounded budget: test/support/property.ts): for every file the two
 * must give the same records — same row numbers as Excel counts them, same trimmed cells in
 * template order, blank records left out — and a record the splitter calls `plain` (staged without
 * COPY escapes) must hold no character COPY escapes. Arbitrary bytes give records or an AppError.
 */
import { parse as parseCsv } from "csv-parse/sync";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkProperty, hostileString } from "../../../test/support/property";
import { stripNeutraliser } from "../../platform/imports/csv-cell";
import { normaliseHeader } from "../../platform/imports/spreadsheet";
import { AppError } from "../../shared/errors";
import { STUDENT_FIELDS, templateHeader } from "./students.fields";
import { openSheet } from "./students.import.rows";

const HEADERS = STUDENT_FIELDS.map(templateHeader);

/** Cells of every shape the reader meets: empty (most), padded, quoted material, CJK, emoji, backslashes, tabs. */
const cell = fc.oneof(
  { weight: 4, arbitrary: fc.constant("") },
  {
    weight: 4,
    arbitrary: fc.string({
      unit: fc.constantFrom(...'ab1 ,"\r\n\t\\\u3000\u00a0\ufeff', "张", "𠀋", "\ud83d\ude00"),
      maxLength: 8,
    }),
  },
  { weight: 1, arbitrary: hostileString({ maxLength: 8 }).filter((s) => s.length < 100) },
);

/** The file's columns: the template's in order (the splitter's fast path), or shuffled with an unknown one. */
const layout = fc.oneof(
  fc.constant(HEADERS),
  fc
    .shuffledSubarray(HEADERS, { minLength: HEADERS.length, maxLength: HEADERS.length })
    .map((headers) => [...headers.slice(0, 3), "备注", ...headers.slice(3)]),
);

interface CsvFile {
  text: string;
  bom: boolean;
}

/** An RFC 4180 file: cells with a quote, comma or line break quoted (others sometimes), CRLF or LF. */
const file: fc.Arbitrary<CsvFile> = fc
  .record({
    headers: layout,
    rows: fc.array(
      fc
        .array(fc.tuple(cell, fc.boolean()), { maxLength: HEADERS.length + 2 })
        .map((cells) =>
          cells.map(([text, quoteAnyway]) =>
            quoteAnyway || /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text,
          ),
        ),
      { maxLength: 6 },
    ),
    lineBreak: fc.constantFrom("\r\n", "\n"),
    lastLineBreak: fc.boolean(),
    bom: fc.boolean(),
  })
  .map(({ headers, rows, lineBreak, lastLineBreak, bom }) => ({
    text:
      [headers.join(","), ...rows.map((r) => r.join(","))].join(lineBreak) + (lastLineBreak ? lineBreak : ""),
    bom,
  }));

function bytes({ text, bom }: CsvFile): Buffer {
  const body = Buffer.from(text, "utf8");
  return bom ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]) : body;
}

interface ReadRecord {
  rowNumber: number;
  cells: string[];
}

/** csv-parse's reading of the same text, laid out as openSheet promises. */
function reference(buffer: Buffer): ReadRecord[] {
  const records = parseCsv(buffer.toString("utf8"), {
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    // The reader takes CRLF and LF, mixed too (as Excel does); csv-parse alone would fix on the first one.
    record_delimiter: ["\r\n", "\n"],
  }) as string[][];
  const header = records[0]!.map((h) => normaliseHeader(h.trim()));
  const columnOfField = STUDENT_FIELDS.map((f) => header.indexOf(normaliseHeader(templateHeader(f))));
  return records.slice(1).flatMap((record, i) => {
    // The reader also takes off the apostrophe our own CSV writer puts before formula text.
    const cells = columnOfField.map((column) =>
      column < 0 ? "" : stripNeutraliser((record[column] ?? "").trim()),
    );
    return cells.every((c) => c === "") ? [] : [{ rowNumber: i + 2, cells }];
  });
}

/** The records of a sheet, which a reader may give as it goes (an async iterable) or at once. */
async function collect<T>(records: Iterable<T> | AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const record of records) all.push(record);
  return all;
}

describe("the student import's CSV reader", () => {
  it("reads every RFC 4180 file as csv-parse does, and calls plain only records without COPY specials", async () => {
    await checkProperty(
      fc.asyncProperty(file, async (generated) => {
        const buffer = bytes(generated);
        const sheet = await openSheet(buffer);
        const records = await collect(sheet.records());
        expect(records.map(({ rowNumber, cells }) => ({ rowNumber, cells }))).toEqual(reference(buffer));
        for (const record of records) {
          if (record.plain) expect(record.cells.some((c) => /[\\\t\r\n]/.test(c))).toBe(false);
        }
      }),
      { numRuns: 300, timeLimitMs: 4_000 },
    );
  });

  it("agrees with csv-parse on any text after the header that csv-parse accepts (stray quotes, bare CRs)", async () => {
    const tail = fc.string({ unit: fc.constantFrom(...'a ",\r\n\t\\', "张"), maxLength: 40 });
    await checkProperty(
      fc.asyncProperty(tail, fc.constantFrom("\r\n", "\n"), async (text, lineBreak) => {
        const buffer = Buffer.from(`${HEADERS.join(",")}${lineBreak}${text}`, "utf8");
        let expected: ReadRecord[];
        try {
          expected = reference(buffer);
        } catch {
          return; // not CSV to an RFC 4180 reader: the other properties say what must happen then
        }
        const records = await collect((await openSheet(buffer)).records());
        expect(records.map(({ rowNumber, cells }) => ({ rowNumber, cells }))).toEqual(expected);
      }),
      { numRuns: 300, timeLimitMs: 2_000 },
    );
  });

  it("gives records or an AppError for arbitrary bytes after a valid header", async () => {
    const tail = fc.oneof(
      fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
      fc
        .string({ unit: fc.constantFrom(...'",\r\n\\\t a\u0000'), maxLength: 100 })
        .map((t) => Buffer.from(t)),
    );
    await checkProperty(
      fc.asyncProperty(tail, async (junk) => {
        try {
          const sheet = await openSheet(Buffer.concat([Buffer.from(`${HEADERS.join(",")}\r\n`), junk]));
          for await (const record of sheet.records())
            expect(record.cells).toHaveLength(STUDENT_FIELDS.length);
        } catch (error) {
          expect(error).toBeInstanceOf(AppError);
        }
      }),
      { numRuns: 200, timeLimitMs: 3_000 },
    );
  });
});
