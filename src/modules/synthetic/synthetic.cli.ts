/** The `edumis seed synthetic` command: options, and the summary it prints. */
import { type Command, InvalidArgumentError } from "commander";
import { systemContext } from "../../bootstrap";
import type { AppServices } from "../../http/services";
import { todayIso } from "../../shared/time";
import { measureDetection } from "./synthetic.detection";
import {
  normaliseProvince,
  plantedByKind,
  type SeedReport,
  schoolYearOn,
  seedSynthetic,
} from "./synthetic.seed";

export interface SyntheticCliOptions {
  province: string;
  students: number;
  seed: number;
  schoolYear?: number;
  problems: number;
  csv?: string;
  xlsx?: string;
  badRows: number;
  db: boolean;
  history: boolean;
  sideFile?: string;
  scan: boolean;
  progress: boolean;
}

function integer(value: string): number {
  const n = Number(value.replace(/_/g, ""));
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError("not a non-negative integer");
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 0.5)) throw new InvalidArgumentError("a share between 0 and 0.5");
  return n;
}

export function addSyntheticOptions(command: Command): Command {
  return command
    .description(
      "generate a synthetic province (schools, teacher counts, students with history) into the database " +
        "and/or template CSV/XLSX, deterministic for a seed",
    )
    .requiredOption("--province <code>", "province code, 2 or 6 digits (e.g. 33)")
    .requiredOption("--students <n>", "number of students", integer)
    .option("--seed <n>", "random seed", integer, 1)
    .option("--school-year <year>", "school year (default: the one in progress today)", integer)
    .option("--problems <share>", "share of records planted as problems (database only), e.g. 0.01", share, 0)
    .option("--csv <file>", "also write the students as a template CSV")
    .option("--xlsx <file>", "also write the students as a template XLSX (at most 200,000 rows)")
    .option("--bad-rows <n>", "add n rows an import must refuse to the CSV/XLSX", integer, 0)
    .option("--no-db", "do not write to the database (spreadsheets and side file only)")
    .option("--no-history", "skip admission and promotion events")
    .option("--side-file <file>", "side file (default synthetic-<province>-seed<seed>.json)")
    .option("--scan", "run the problem scan afterwards and print found/planted per kind", false)
    .option("--no-progress", "no progress bars on stderr");
}

const seconds = (ms: number | undefined) => `${((ms ?? 0) / 1000).toFixed(1)} s`;
const count = (n: number) => n.toLocaleString("en");

function printSummary(report: SeedReport, options: SyntheticCliOptions, sideFile: string): void {
  const kinds = new Map<string, number>();
  for (const s of report.schools) kinds.set(s.kind.key, (kinds.get(s.kind.key) ?? 0) + 1);
  console.log(
    `province ${report.province.code} ${report.province.name}, school year ${report.schoolYear}, seed ${report.seed}`,
  );
  console.log(
    `schools: ${count(report.schools.length)} (${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")})`,
  );
  console.log(
    `teachers: ${count(report.teachers)} (counts only, in the side file: there is no teacher table yet)`,
  );
  console.log(
    `students: ${count(report.students)} generated, ${count(report.rowsInDatabase)} in the database, ` +
      `${count(report.events)} history events`,
  );
  if (options.csv || options.xlsx) {
    const files = [options.csv, options.xlsx].filter(Boolean).join(", ");
    console.log(
      `spreadsheet rows: ${count(report.spreadsheetRows)} (${report.badRows.length} bad) in ${files}`,
    );
  }
  const what = options.db ? "generation + COPY formatting" : "generation + CSV formatting, streamed";
  console.log(
    `${what}: ${count(report.students)} rows in ${seconds(report.timings.generateMs)} = ` +
      `${count(report.rate.rowsPerSecond)} rows/s (${count(report.rate.rowsPerCpuSecond)} per CPU second)`,
  );
  if (options.db) {
    const t = report.timings;
    console.log(
      `load (${report.bulkMode ? "bulk mode: indexes and keys rebuilt after" : "indexes in place"}): ` +
        `schools ${seconds(t.schoolsMs)}, students COPY ${seconds(t.copyMs)}, history ${seconds(t.historyMs)}, ` +
        `rebuild ${seconds(t.rebuildMs)}, commit ${seconds(t.commitMs)}, ANALYZE ${seconds(t.analyzeMs)}; ` +
        `total ${seconds(t.totalMs)}`,
    );
  }
  const planted = plantedByKind(report.planted);
  console.log(
    `planted: ${Object.entries(planted)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}${report.unplanted.length > 0 ? `; not planted: ${report.unplanted.length}` : ""}`,
  );
  console.log(`side file: ${sideFile}`);
}

export async function runSynthetic(
  services: AppServices | null,
  options: SyntheticCliOptions,
): Promise<void> {
  const provinceCode = normaliseProvince(options.province);
  if (!options.db && !options.csv && !options.xlsx)
    throw new Error("--no-db needs --csv or --xlsx: there would be nothing to write");
  if (!options.db && options.problems > 0)
    console.log("note: --problems plants database records only; with --no-db none are planted");
  const sideFile = options.sideFile ?? `synthetic-${provinceCode}-seed${options.seed}.json`;
  const ctx = services ? await systemContext(services) : null;
  const report = await seedSynthetic(services, ctx, {
    provinceCode,
    students: options.students,
    seed: options.seed,
    schoolYear: options.schoolYear ?? schoolYearOn(todayIso()),
    problems: options.problems,
    csv: options.csv,
    xlsx: options.xlsx,
    badRows: options.badRows,
    database: options.db,
    history: options.history,
    sideFile,
    progress: options.progress,
  });
  printSummary(report, options, sideFile);
  if (options.scan && ctx && report.geo.units) {
    const detection = await measureDetection(ctx, report.geo.units.unitId, report.planted);
    console.log(`problem scan: ${seconds(detection.scanMs)}`);
    for (const k of detection.kinds)
      console.log(
        `  ${k.kind.padEnd(20)} found ${k.found} / planted ${k.planted} (exact matches ${k.matched})`,
      );
  }
}
