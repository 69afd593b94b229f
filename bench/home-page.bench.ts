/**
 * The figures of a unit's home page (dashboard.service.ts unitStats: schools, users, students by
 * status from the per-school tally, open problems, approvals) for the province and for its
 * counties over N synthetic students, against the baseline the tally replaced, measured in the
 * same run: a live count of the subtree's students by status. The run fails if the tally's
 * figures differ from the live count.
 *
 *   npm run bench -- home-page                        100,000 students (quick)
 *   npm run bench -- home-page --students 5000000     the full run
 */
import { parseArgs } from "node:util";
import { sql } from "kysely";
import type { Engine } from "../src/db/database";
import { unitStats } from "../src/modules/dashboard/dashboard.service";
import {
  COMMON_BENCH_HELP,
  COMMON_BENCH_OPTIONS,
  type CommonBenchOptions,
  commonOptions,
  describeLoad,
  positiveInt,
  seedBenchDatabase,
} from "../src/modules/synthetic/synthetic.bench";
import { type Scope, schoolInScope } from "../src/platform/access/scope";
import type { ServiceContext } from "../src/platform/context";
import { optionsOrExitCode } from "./support/cli";
import { databaseInfo, isPostgresReachable, openBenchDatabase, postgresAdminUrl } from "./support/database";
import { announceMachine, loadAverage, ms, printTable, ratio, recordResults } from "./support/report";
import { measure, type TimingStats } from "./support/timing";

export const description = "a unit's home page figures (unitStats) vs a live count of its students by status";

const HELP = `Usage: npm run bench -- home-page [options]

${COMMON_BENCH_HELP}
  --runs N            measured runs per shape (default 50)`;

interface Options extends CommonBenchOptions {
  runs: number;
  adminUrl: string;
}

async function parseOptions(argv: string[]): Promise<Options | "help"> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_BENCH_OPTIONS, runs: { type: "string" } },
    strict: true,
  });
  if (values.help) return "help";
  const adminUrl = postgresAdminUrl(values["database-url"]);
  return {
    ...commonOptions(values, await isPostgresReachable(adminUrl)),
    runs: positiveInt(values.runs, "runs", 50),
    adminUrl,
  };
}

interface Unit {
  id: number;
  scope: Scope;
}

/** The query the home page ran before the tally: every student of the subtree, by status. */
function liveCount(ctx: ServiceContext, unit: Unit) {
  return ctx.db
    .selectFrom("student")
    .where(schoolInScope(unit.scope, "student.school_unit_id"))
    .select(["student.status as key", (eb) => eb.fn.countAll<number>().as("n")])
    .groupBy("student.status")
    .execute();
}

async function runEngine(engine: Engine, options: Options) {
  console.log(`\n== ${engine}: ${options.students.toLocaleString("en")} students ==`);
  const bench = await openBenchDatabase(engine, { adminUrl: options.adminUrl });
  try {
    const info = await databaseInfo(bench.database);
    const { ctx, report } = await seedBenchDatabase(bench.database, options);
    console.log(`  ${describeLoad(report)}`);
    await bench.database.pool.query("VACUUM (ANALYZE)");
    await bench.database.pool.query("CHECKPOINT");
    const unitOf = (u: { unitId: number; path: string }): Unit => ({
      id: u.unitId,
      scope: { rootPath: u.path, rootUnitId: u.unitId, side: "education" },
    });
    const province = unitOf(report.geo.units!);
    const counties = report.geo.counties.flatMap((c) => (c.units ? [unitOf(c.units)] : []));
    // The tally must tell what the records tell.
    for (const unit of [province, ...counties.slice(0, 5)]) {
      const live = Object.fromEntries((await liveCount(ctx, unit)).map((r) => [r.key, Number(r.n)]));
      const shown = (await unitStats(ctx, unit.id)).studentsByStatus;
      if (JSON.stringify(Object.entries(live).sort()) !== JSON.stringify(Object.entries(shown ?? {}).sort()))
        throw new Error(
          `tally differs from the records for unit ${unit.id}: ${JSON.stringify({ live, shown })}`,
        );
    }
    const start = loadAverage();
    const settings = { warmup: 3, runs: options.runs, maxSeconds: 60 };
    const cycle = (i: number) => counties[i % counties.length]!;
    const shapes: [string, (i: number) => Promise<unknown>][] = [
      ["baseline: live count by status, province", () => liveCount(ctx, province)],
      ["home page (unitStats), province", () => unitStats(ctx, province.id)],
      ["baseline: live count by status, a county", (i) => liveCount(ctx, cycle(i))],
      ["home page (unitStats), a county", (i) => unitStats(ctx, cycle(i).id)],
    ];
    const results: { label: string; stats: TimingStats }[] = [];
    for (const [label, work] of shapes) {
      const stats = await measure(work, settings);
      console.log(
        `  ${label}: median ${ms(stats.medianMs)} ms, p95 ${ms(stats.p95Ms)} ms (${stats.runs} runs)`,
      );
      results.push({ label, stats });
    }
    const select1 = await measure(() => sql`SELECT 1`.execute(bench.database.db), settings);
    return {
      engine,
      info,
      load: report.timings,
      results,
      select1,
      loadAverage: { start, end: loadAverage() },
    };
  } finally {
    await bench.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(argv, parseOptions, HELP);
  if (typeof options === "number") return options;
  const machine = announceMachine();
  for (const engine of options.engines) {
    const report = await runEngine(engine, options);
    const [provinceLive, provincePage, countyLive, countyPage] = report.results.map((r) => r.stats);
    console.log(
      `\n${engine} — ${report.info.version.split(" on ")[0]}, ${options.students.toLocaleString("en")} students`,
    );
    printTable(
      ["measure", "median ms", "p95 ms", "runs", "live count ÷ this"],
      [
        ...report.results.map((r, i) => {
          const live = i < 2 ? provinceLive! : countyLive!;
          return [
            r.label,
            ms(r.stats.medianMs),
            ms(r.stats.p95Ms),
            r.stats.runs,
            ratio(live.medianMs, r.stats.medianMs),
          ];
        }),
        [
          "baseline: SELECT 1",
          ms(report.select1.medianMs),
          ms(report.select1.p95Ms),
          report.select1.runs,
          "-",
        ],
      ],
    );
    console.log(
      `province page ${ms(provincePage!.medianMs)} ms against ${ms(provinceLive!.medianMs)} ms for its live count; ` +
        `county page ${ms(countyPage!.medianMs)} ms against ${ms(countyLive!.medianMs)} ms`,
    );
    console.log(
      `(load average at the start: ${report.loadAverage.start.join(" ")}; at the end: ${report.loadAverage.end.join(" ")})`,
    );
    await recordResults("home-page", engine, machine, {
      database: report.info,
      parameters: {
        students: options.students,
        province: options.provinceCode,
        seed: options.seed,
        runs: options.runs,
      },
      ...report,
    });
  }
  return 0;
}
