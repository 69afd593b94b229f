/**
 * The spreadsheet side of a seed: the same students as CSV (streamed) and XLSX (in memory, so
 * bounded) in the template's columns, for import tests. Rows planted as database problems are
 * left out; `--bad-rows n` adds n rows an import must refuse, spread through the file, each
 * listed with its row number and defect in the side file.
 */
import { writeFile } from "node:fs/promises";
import { writeXlsx } from "../../platform/imports/spreadsheet";
import { STUDENT_FIELDS } from "../students/students.fields";
import type { BadRowKind, SyntheticData } from "./synthetic.data";
import {
  CsvFileWriter,
  csvLine,
  TEMPLATE_HEADERS,
  templateCsvLine,
  templateValues,
} from "./synthetic.formats";
import { Rng } from "./synthetic.random";
import type { SyntheticStudent } from "./synthetic.students";

/** ExcelJS builds the workbook in memory: beyond this many rows use CSV. */
export const XLSX_MAX_ROWS = 200_000;

export interface BadRow {
  /** Row number as Excel shows it (the header is row 1). */
  row: number;
  kind: BadRowKind;
}

const column = (key: string) => STUDENT_FIELDS.findIndex((f) => f.key === key);

/** Spoils a row in one way; falls back to blanking the name when a defect does not apply. */
export function spoil(values: string[], kind: BadRowKind): BadRowKind {
  const identity = column("identityNumber");
  switch (kind) {
    case "check_character": {
      const number = values[identity]!;
      if (number.length !== 18) return spoil(values, "missing_name");
      values[identity] = number.slice(0, 17) + (number.endsWith("0") ? "1" : "0");
      return kind;
    }
    case "missing_name":
      values[column("name")] = "";
      return kind;
    case "bad_birth_date":
      // 30 February exists in no year.
      values[column("birthDate")] = `${values[column("birthDate")]!.slice(0, 4)}0230`;
      return kind;
    case "unknown_ethnicity":
      values[column("ethnicity")] = "99";
      return kind;
    case "sex_mismatch": {
      const sex = column("sex");
      values[sex] = values[sex] === "1" ? "2" : "1";
      return kind;
    }
  }
}

export interface SpreadsheetOptions {
  csv?: string | undefined;
  xlsx?: string | undefined;
  /** Rows the main stream will produce (bad rows are spread over them). */
  expectedRows: number;
  badRows: number;
  seed: number;
}

export class SpreadsheetSink {
  private readonly csv?: CsvFileWriter;
  private readonly xlsxRows?: string[][];
  private readonly rng: Rng;
  private seen = 0;
  private written = 0;
  readonly bad: BadRow[] = [];

  constructor(
    private readonly data: SyntheticData,
    private readonly options: SpreadsheetOptions,
    /** Rows to spoil (a second generator, so the good rows do not depend on --bad-rows). */
    private readonly spares: Iterator<SyntheticStudent>,
  ) {
    if (options.csv) this.csv = new CsvFileWriter(options.csv, TEMPLATE_HEADERS);
    if (options.xlsx) {
      if (options.expectedRows + options.badRows > XLSX_MAX_ROWS)
        throw new Error(`XLSX is built in memory: at most ${XLSX_MAX_ROWS} rows, use --csv for more`);
      this.xlsxRows = [];
    }
    this.rng = new Rng(options.seed).fork(4);
  }

  get active(): boolean {
    return this.csv !== undefined || this.xlsxRows !== undefined;
  }

  get rows(): number {
    return this.written;
  }

  /** Takes one generated row; planted rows stay in the database only. */
  add(row: SyntheticStudent): Promise<void> | undefined {
    const remaining = this.options.expectedRows - this.seen++;
    const badLeft = this.options.badRows - this.bad.length;
    // Selection sampling again: the bad rows land at random places, all of them by the end.
    const pending = badLeft > 0 && this.rng.next() * remaining < badLeft ? this.addBad() : undefined;
    if (row.planted) return pending;
    const written = this.emit(row);
    return pending && written ? pending.then(() => written) : (pending ?? written);
  }

  private emit(row: SyntheticStudent): Promise<void> | undefined {
    this.written++;
    this.xlsxRows?.push(templateValues(row));
    return this.csv?.write(templateCsvLine(row));
  }

  private addBad(): Promise<void> | undefined {
    const next = this.spares.next();
    if (next.done) throw new Error("No spare rows left to spoil");
    const values = templateValues(next.value);
    const kind = spoil(values, this.data.badRowKinds.draw(this.rng));
    this.written++;
    this.bad.push({ row: this.written + 1, kind });
    this.xlsxRows?.push(values);
    return this.csv?.write(csvLine(values, true));
  }

  async close(): Promise<void> {
    while (this.bad.length < this.options.badRows) await this.addBad();
    await this.csv?.close();
    if (this.options.xlsx && this.xlsxRows) {
      const columns = TEMPLATE_HEADERS.map((header) => ({ header, text: true }));
      await writeFile(this.options.xlsx, await writeXlsx("学生", columns, this.xlsxRows));
    }
  }
}
