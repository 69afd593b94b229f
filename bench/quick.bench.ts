/**
 * The quick run: every benchmark once at its small size, one after the other, in this process,
 * with shortened time budgets — a smoke test of the harness and a first look at the figures
 * in under three minutes. The full targets need the full sizes (bench/README.md).
 *
 *   npm run bench -- quick                      PostgreSQL when reachable, else PGlite
 *   npm run bench -- quick --engine pglite
 */
import { parseArgs } from "node:util";
import { isPostgresReachable, postgresAdminUrl } from "./support/database";
import { loadAverage, machineInfo, printTable, writeResults } from "./support/report";
import { timeOnce } from "./support/timing";

export const description = "every benchmark at its quick size, one after the other (target: under 3 minutes)";

const BUDGET_SECONDS = 180;

const HELP = `Usage: npm run bench -- quick [options]

  --engine E          postgres | pglite (default: postgres when reachable, else pglite)
  --database-url URL  PostgreSQL server (default BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --help              this text`;

/** Each bench with the arguments of its quick size; the engine is appended. */
const SUITE: { name: string; args: string[] }[] = [
  {
    name: "schools",
    args: ["--schools", "100000", "--runs", "50", "--warmup", "5", "--max-seconds", "3", "--no-variants"],
  },
  { name: "students-load", args: ["--students", "100000"] },
  {
    name: "students-search",
    args: ["--students", "100000", "--runs", "50", "--warmup", "5", "--max-seconds", "3", "--no-variants"],
  },
  { name: "promotion", args: ["--students", "100000", "--concurrency", "2"] },
  { name: "registration-api", args: ["--students", "100000", "--duration", "5"] },
  { name: "student-import", args: ["--rows", "100000", "--no-floor"] },
  { name: "import-rows", args: ["--rows", "100000"] },
  { name: "home-page", args: ["--students", "100000", "--runs", "20"] },
];

interface Step {
  bench: string;
  args: string[];
  seconds: number;
  exitCode: number;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { engine: { type: "string" }, "database-url": { type: "string" }, help: { type: "boolean" } },
    strict: true,
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const adminUrl = postgresAdminUrl(values["database-url"]);
  const engine = values.engine ?? ((await isPostgresReachable(adminUrl)) ? "postgres" : "pglite");
  if (engine !== "postgres" && engine !== "pglite") {
    console.error(`--engine must be postgres or pglite, not "${engine}"`);
    return 2;
  }
  const common = [
    "--engine",
    engine,
    ...(values["database-url"] ? ["--database-url", values["database-url"]] : []),
  ];
  const machine = machineInfo();
  const steps: Step[] = [];
  const started = performance.now();
  for (const { name, args } of SUITE) {
    console.log(`\n######## ${name} ${args.join(" ")}`);
    const bench = (await import(`./${name}.bench.ts`)) as { run(argv: string[]): Promise<number> };
    const { result, ms } = await timeOnce(() => bench.run([...args, ...common]));
    steps.push({ bench: name, args, seconds: ms / 1000, exitCode: result });
  }
  const totalSeconds = (performance.now() - started) / 1000;
  console.log(`\nquick run on ${engine} (load average at the end ${loadAverage().join(" ")})`);
  printTable(
    ["bench", "seconds", "exit code"],
    steps.map((s) => [s.bench, s.seconds.toFixed(1), s.exitCode]),
  );
  const inBudget = totalSeconds < BUDGET_SECONDS;
  console.log(
    `total ${totalSeconds.toFixed(1)} s (target under ${BUDGET_SECONDS} s): ${inBudget ? "met" : "NOT met"}`,
  );
  const file = await writeResults("quick", engine, { machine, engine, steps, totalSeconds, inBudget });
  console.log(`results: ${file}`);
  // A bench that failed fails the run; a slow run is a finding, not a failure.
  return steps.some((s) => s.exitCode !== 0) ? 1 : 0;
}
