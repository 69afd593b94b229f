/**
 * Synthetic students: generation + CSV formatting streamed to a file (target ≥ 200,000 rows/s),
 * the load into the database (COPY in chunks, history by INSERT … SELECT, ANALYZE; target: 5
 * million into PostgreSQL "in a few minutes"), and detection of the planted problems by the real
 * scanProblems, reported as found / planted per kind.
 *
 *   npm run bench -- students-load                       100,000 students (quick)
 *   npm run bench -- students-load --students 5000000    the full run (PostgreSQL)
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { Engine } from "../src/db/database";
import {
  BenchUsageError,
  COMMON_BENCH_HELP,
  COMMON_BENCH_OPTIONS,
  type CommonBenchOptions,
  commonOptions,
  describeLoad,
  seedBenchDatabase,
} from "../src/modules/synthetic/synthetic.bench";
import { type Detection, measureDetection } from "../src/modules/synthetic/synthetic.detection";
import { seedSynthetic } from "../src/modules/synthetic/synthetic.seed";
import { optionsOrExitCode } from "./support/cli";
import {
  type BenchDatabase,
  databaseInfo,
  isPostgresReachable,
  openBenchDatabase,
  postgresAdminUrl,
} from "./support/database";
import { announceMachine, loadAverage, printTable, recordResults } from "./support/report";

export const description = "synthetic students: CSV rows/s, load into the database, problem detection";

const CSV_TARGET = 200_000;

const HELP = `Usage: npm run bench -- students-load [options]

${COMMON_BENCH_HELP}
  --problems S        share of planted problem records (default 0.01)
  --no-history        skip the admission and promotion events
  --no-csv            skip the CSV measurement`;

interface Options extends CommonBenchOptions {
  problems: number;
  history: boolean;
  csv: boolean;
  adminUrl: string;
}

async function parseOptions(argv: string[]): Promise<Options | "help"> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...COMMON_BENCH_OPTIONS,
      problems: { type: "string" },
      "no-history": { type: "boolean" },
      "no-csv": { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const adminUrl = postgresAdminUrl(values["database-url"]);
  const problems = values.problems === undefined ? 0.01 : Number(values.problems);
  if (!(problems >= 0 && problems <= 0.5)) throw new BenchUsageError("--problems must be between 0 and 0.5");
  return {
    ...commonOptions(values, await isPostgresReachable(adminUrl)),
    problems,
    history: !values["no-history"],
    csv: !values["no-csv"],
    adminUrl,
  };
}

interface CsvResult {
  rows: number;
  ms: number;
  rowsPerSecond: number;
  rowsPerCpuSecond: number;
  bytes: number;
  meetsTarget: boolean;
  loadAverage: number[];
}

/** Generation + CSV formatting, streamed to a temporary file, as `seed synthetic --no-db --csv`. */
async function measureCsv(options: Options): Promise<CsvResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "edumis-bench-csv-"));
  try {
    const file = path.join(dir, "students.csv");
    const report = await seedSynthetic(null, null, {
      provinceCode: options.provinceCode,
      students: options.students,
      seed: options.seed,
      schoolYear: options.schoolYear,
      problems: 0,
      badRows: 0,
      database: false,
      history: false,
      csv: file,
      progress: true,
    });
    const bytes = (await stat(file)).size;
    return {
      rows: report.students,
      ms: report.timings.generateMs ?? 0,
      rowsPerSecond: report.rate.rowsPerSecond,
      rowsPerCpuSecond: report.rate.rowsPerCpuSecond,
      bytes,
      meetsTarget: report.rate.rowsPerSecond >= CSV_TARGET,
      loadAverage: loadAverage(),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface EngineResult {
  engine: Engine;
  info: Awaited<ReturnType<typeof databaseInfo>>;
  load: { timings: Record<string, number>; bulkMode: boolean; rows: number; events: number; schools: number };
  teachers: number;
  sizes: Record<string, string>;
  detection: Detection;
  loadAverage: { start: number[]; end: number[] };
}

async function sizes(bench: BenchDatabase): Promise<Record<string, string>> {
  const { rows } = await bench.database.pool.query<{ name: string; size: string }>(
    `SELECT relname AS name, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
     WHERE relname IN ('student', 'student_event', 'student_problem')`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.size]));
}

async function runEngine(engine: Engine, options: Options): Promise<EngineResult> {
  console.log(
    `\n== ${engine}: load ${options.students.toLocaleString("en")} students, province ${options.provinceCode} ==`,
  );
  const bench = await openBenchDatabase(engine, { adminUrl: options.adminUrl });
  try {
    const info = await databaseInfo(bench.database);
    const start = loadAverage();
    const { ctx, report } = await seedBenchDatabase(bench.database, options, {
      problems: options.problems,
      history: options.history,
    });
    console.log(`  ${describeLoad(report)}`);
    const detection = await measureDetection(ctx, report.geo.units!.unitId, report.planted);
    console.log(`  problem scan over the province: ${(detection.scanMs / 1000).toFixed(1)} s`);
    return {
      engine,
      info,
      load: {
        timings: report.timings,
        bulkMode: report.bulkMode,
        rows: report.rowsInDatabase,
        events: report.events,
        schools: report.schools.length,
      },
      teachers: report.teachers,
      sizes: await sizes(bench),
      detection,
      loadAverage: { start, end: loadAverage() },
    };
  } finally {
    await bench.close();
  }
}

const seconds = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(1);

function printCsv(csv: CsvResult): void {
  console.log("\nGeneration + CSV formatting, streamed to a file");
  printTable(
    ["rows", "seconds", "rows/s", "rows per CPU s", "MiB", `≥ ${CSV_TARGET.toLocaleString("en")}/s`],
    [
      [
        csv.rows.toLocaleString("en"),
        seconds(csv.ms),
        csv.rowsPerSecond.toLocaleString("en"),
        csv.rowsPerCpuSecond.toLocaleString("en"),
        (csv.bytes / 2 ** 20).toFixed(0),
        csv.meetsTarget ? "yes" : "no",
      ],
    ],
  );
  console.log(`(machine load average at the end: ${csv.loadAverage.join(" ")})`);
}

function printEngine(result: EngineResult): void {
  const t = result.load.timings;
  console.log(`\n${result.engine} — ${result.info.version.split(" on ")[0]}`);
  printTable(
    ["students", "events", "schools", "COPY s", "history s", "rebuild s", "ANALYZE s", "total s", "rows/s"],
    [
      [
        result.load.rows.toLocaleString("en"),
        result.load.events.toLocaleString("en"),
        result.load.schools.toLocaleString("en"),
        seconds(t.copyMs),
        seconds(t.historyMs),
        seconds(t.rebuildMs),
        seconds(t.analyzeMs),
        seconds(t.totalMs),
        Math.round(result.load.rows / ((t.totalMs ?? 1) / 1000)).toLocaleString("en"),
      ],
    ],
  );
  console.log(
    `sizes: ${Object.entries(result.sizes)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ")}`,
  );
  console.log(`\nDetection by scanProblems (${seconds(result.detection.scanMs)} s)`);
  printTable(
    ["kind", "found", "planted", "found/planted", "exact matches"],
    result.detection.kinds.map((k) => [
      k.kind,
      k.found,
      k.planted,
      k.planted === 0 ? "-" : `${((k.found / k.planted) * 100).toFixed(0)}%`,
      k.matched,
    ]),
  );
  console.log(
    `(load average: start ${result.loadAverage.start.join(" ")}, end ${result.loadAverage.end.join(" ")})`,
  );
}

export async function run(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(argv, parseOptions, HELP);
  if (typeof options === "number") return options;
  const machine = announceMachine();
  const parameters = {
    students: options.students,
    province: options.provinceCode,
    seed: options.seed,
    schoolYear: options.schoolYear,
    problems: options.problems,
    history: options.history,
  };
  if (options.csv) {
    const csv = await measureCsv(options);
    printCsv(csv);
    await recordResults("students-load", "csv", machine, {
      parameters,
      csv,
    });
  }
  for (const engine of options.engines) {
    const result = await runEngine(engine, options);
    printEngine(result);
    await recordResults("students-load", engine, machine, {
      database: result.info,
      parameters,
      ...result,
    });
  }
  return 0;
}
