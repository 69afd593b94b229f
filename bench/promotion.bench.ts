/**
 * Annual promotion (升级) of a whole province through the real orderPromotion job (one
 * promoteSchool transaction per school: UPDATE … RETURNING feeding the INSERT of events), at
 * concurrency 1 and 2, against a baseline measured in the same run on the same rows: one raw
 * `UPDATE student SET grade = next` without events, jobs or per-school transactions. Between
 * runs the grades are put back and the table vacuumed (not timed), so each run starts alike.
 * Target on PostgreSQL: 5 million students in under 2 minutes.
 *
 *   npm run bench -- promotion                       100,000 students (quick)
 *   npm run bench -- promotion --students 5000000    the full run
 */
import { parseArgs } from "node:util";
import { sql } from "kysely";
import type { Engine } from "../src/db/database";
import { orderPromotion } from "../src/modules/students/students.promotion";
import { gradeSteps } from "../src/modules/students/students.school-year";
import { IN_SCHOOL } from "../src/modules/students/students.service";
import {
  COMMON_BENCH_HELP,
  COMMON_BENCH_OPTIONS,
  type CommonBenchOptions,
  commonOptions,
  describeLoad,
  positiveInt,
  type SeededBench,
  seedBenchDatabase,
} from "../src/modules/synthetic/synthetic.bench";
import { getJob } from "../src/platform/jobs/jobs.service";
import { optionsOrExitCode } from "./support/cli";
import {
  type BenchDatabase,
  type DatabaseInfo,
  databaseInfo,
  isPostgresReachable,
  openBenchDatabase,
  postgresAdminUrl,
} from "./support/database";
import { announceMachine, loadAverage, printTable, recordResults } from "./support/report";
import { timeOnce } from "./support/timing";

export const description =
  "annual promotion of a province (orderPromotion, concurrency 1 and 2) vs a raw UPDATE";

const TARGET_SECONDS_PER_5M = 120;

const HELP = `Usage: npm run bench -- promotion [options]

${COMMON_BENCH_HELP}
  --graduate          graduate the final grades as well (default: promotion only)
  --concurrency L     comma-separated job concurrencies to measure (default 1,2)`;

interface Options extends CommonBenchOptions {
  graduate: boolean;
  concurrency: number[];
  adminUrl: string;
}

async function parseOptions(argv: string[]): Promise<Options | "help"> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_BENCH_OPTIONS, graduate: { type: "boolean" }, concurrency: { type: "string" } },
    strict: true,
  });
  if (values.help) return "help";
  const adminUrl = postgresAdminUrl(values["database-url"]);
  return {
    ...commonOptions(values, await isPostgresReachable(adminUrl)),
    graduate: values.graduate === true,
    concurrency: (values.concurrency ?? "1,2").split(",").map((c) => positiveInt(c.trim(), "concurrency", 1)),
    adminUrl,
  };
}

interface RunResult {
  label: string;
  ms: number;
  /** Students whose grade (or status) changed. */
  moved: number;
  events: number;
  studentsPerSecond: number;
  /** This run's time over the raw UPDATE's. */
  ratio?: number;
  loadAverage: number[];
}

/**
 * The raw baseline: the same grade changes as the job, stamped the same way (so neither calls
 * the row trigger), in one statement, without events, job or per-school transactions.
 */
async function rawUpdate(seeded: SeededBench, provinceCode: string): Promise<number> {
  const steps = gradeSteps(seeded.services.codes, provinceCode).filter((s) => s.next !== null);
  const values = sql.join(steps.map((s) => sql`(${s.grade}::text, ${s.next}::text)`));
  const result = await sql`
    UPDATE student s SET grade = steps.next_grade,
      change_version = nextval('change_version_seq'), updated_at = now()
    FROM (VALUES ${values}) AS steps (grade, next_grade)
    WHERE s.province_code = ${provinceCode} AND s.status = ${IN_SCHOOL} AND s.grade = steps.grade`.execute(
    seeded.services.db,
  );
  return Number(result.numAffectedRows ?? 0);
}

/** Puts the saved grades and statuses back and drops the run's events; not timed. */
async function reset(bench: BenchDatabase, jobId?: number): Promise<void> {
  const { pool } = bench.database;
  await pool.query(
    `UPDATE student s SET grade = b.grade, status = b.status FROM bench_before b
     WHERE b.id = s.id AND (s.grade <> b.grade OR s.status <> b.status)`,
  );
  if (jobId !== undefined) await pool.query("DELETE FROM student_event WHERE job_id = $1", [jobId]);
  await pool.query("VACUUM (ANALYZE) student, student_event");
}

async function runJob(seeded: SeededBench, options: Options, concurrency: number) {
  const ctx = seeded.ctx;
  const unitId = seeded.report.geo.units!.unitId;
  const { result: jobId, ms } = await timeOnce(() =>
    orderPromotion(
      ctx,
      { unitId, graduate: options.graduate, effectiveOn: `${options.schoolYear + 1}-08-10`, concurrency },
      { wait: true },
    ),
  );
  const job = await getJob(ctx, jobId);
  if (job.status !== "succeeded") throw new Error(`promotion job ${jobId} ${job.status}: ${job.error}`);
  const counts = job.result as { promoted: number; graduated: number };
  return { jobId, ms, moved: counts.promoted + counts.graduated, events: counts.promoted + counts.graduated };
}

function result(label: string, ms: number, moved: number, events: number, raw?: number): RunResult {
  const r: RunResult = {
    label,
    ms,
    moved,
    events,
    studentsPerSecond: Math.round(moved / (ms / 1000)),
    loadAverage: loadAverage(),
  };
  if (raw !== undefined) r.ratio = ms / raw;
  return r;
}

interface EngineReport {
  engine: Engine;
  info: DatabaseInfo;
  load: Record<string, number>;
  schools: number;
  runs: RunResult[];
  projected5mSeconds: Record<string, number>;
}

async function runEngine(engine: Engine, options: Options): Promise<EngineReport> {
  console.log(
    `\n== ${engine}: ${options.students.toLocaleString("en")} students, province ${options.provinceCode} ==`,
  );
  const bench = await openBenchDatabase(engine, { adminUrl: options.adminUrl });
  try {
    const info = await databaseInfo(bench.database);
    const seeded = await seedBenchDatabase(bench.database, options);
    console.log(`  ${describeLoad(seeded.report)}`);
    const { pool } = bench.database;
    await pool.query("CREATE TABLE bench_before AS SELECT id, grade, status FROM student");
    await pool.query("ALTER TABLE bench_before ADD PRIMARY KEY (id)");
    await pool.query("VACUUM (ANALYZE) student, bench_before");

    const runs: RunResult[] = [];
    const raw = await timeOnce(() => rawUpdate(seeded, options.provinceCode));
    runs.push(result("raw UPDATE (baseline, no events)", raw.ms, raw.result, 0));
    console.log(`  raw UPDATE: ${raw.result.toLocaleString("en")} rows in ${(raw.ms / 1000).toFixed(1)} s`);
    await reset(bench);
    for (const [i, concurrency] of options.concurrency.entries()) {
      const job = await runJob(seeded, options, concurrency);
      runs.push(result(`orderPromotion, concurrency ${concurrency}`, job.ms, job.moved, job.events, raw.ms));
      console.log(
        `  concurrency ${concurrency}: ${job.moved.toLocaleString("en")} students in ${(job.ms / 1000).toFixed(1)} s`,
      );
      // The database is dropped after the last run: no reset needed then.
      if (i < options.concurrency.length - 1) await reset(bench, job.jobId);
    }
    const projected5mSeconds = Object.fromEntries(
      runs.map((r) => [r.label, Math.round((5_000_000 / r.studentsPerSecond) * 10) / 10]),
    );
    return {
      engine,
      info,
      load: seeded.report.timings,
      schools: seeded.report.schools.length,
      runs,
      projected5mSeconds,
    };
  } finally {
    await bench.close();
  }
}

function printReport(report: EngineReport, options: Options): void {
  console.log(
    `\n${report.engine} — ${report.info.version.split(" on ")[0]}, ${options.students.toLocaleString("en")} students ` +
      `in ${report.schools.toLocaleString("en")} schools`,
  );
  printTable(
    ["run", "seconds", "students moved", "students/s", "× raw UPDATE", "5M at this rate, s"],
    report.runs.map((r) => [
      r.label,
      (r.ms / 1000).toFixed(1),
      r.moved.toLocaleString("en"),
      r.studentsPerSecond.toLocaleString("en"),
      r.ratio === undefined ? "1.0×" : `${r.ratio.toFixed(1)}×`,
      report.projected5mSeconds[r.label] ?? "-",
    ]),
  );
  console.log(
    `(target: 5,000,000 in under ${TARGET_SECONDS_PER_5M} s on PostgreSQL; load average at the end ${loadAverage().join(" ")})`,
  );
}

export async function run(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(argv, parseOptions, HELP);
  if (typeof options === "number") return options;
  const machine = announceMachine();
  for (const engine of options.engines) {
    const report = await runEngine(engine, options);
    printReport(report, options);
    await recordResults("promotion", engine, machine, {
      database: report.info,
      parameters: {
        students: options.students,
        province: options.provinceCode,
        seed: options.seed,
        schoolYear: options.schoolYear,
        graduate: options.graduate,
        concurrency: options.concurrency,
        targetSecondsPer5M: TARGET_SECONDS_PER_5M,
      },
      ...report,
    });
  }
  return 0;
}
