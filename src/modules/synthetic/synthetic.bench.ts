/**
 * What the benchmarks over synthetic students share (bench/students-*.bench.ts, promotion,
 * registration-api): their common options and the seeding of a fresh bench database. The bench
 * harness itself (fresh databases, timing, reports) lives in bench/support.
 */
import { createServices, systemContext } from "../../bootstrap";
import { loadConfig } from "../../config";
import type { Database, Engine } from "../../db/database";
import type { AppServices } from "../../http/services";
import type { ServiceContext } from "../../platform/context";
import { todayIso } from "../../shared/time";
import {
  normaliseProvince,
  type SeedOptions,
  type SeedReport,
  schoolYearOn,
  seedSynthetic,
} from "./synthetic.seed";

export class BenchUsageError extends Error {}

/** PGlite holds everything in 32-bit WebAssembly memory: beyond this it is not run by default. */
export const PGLITE_DEFAULT_MAX_STUDENTS = 1_000_000;

export const COMMON_BENCH_OPTIONS = {
  students: { type: "string" },
  engine: { type: "string" },
  province: { type: "string" },
  seed: { type: "string" },
  "school-year": { type: "string" },
  "database-url": { type: "string" },
  help: { type: "boolean" },
} as const;

export const COMMON_BENCH_HELP = `  --students N        synthetic students (default 100000; 5000000 for the full run)
  --engine E          postgres | pglite | both (default: PostgreSQL when reachable, plus PGlite up to
                      ${PGLITE_DEFAULT_MAX_STUDENTS.toLocaleString("en")} students)
  --province P        province code (default 33)
  --seed N            data seed (default 1)
  --school-year Y     school year of the data (default: the one in progress)
  --database-url URL  PostgreSQL server (default BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --help              this text`;

export interface CommonBenchOptions {
  students: number;
  engines: Engine[];
  provinceCode: string;
  seed: number;
  schoolYear: number;
  databaseUrl: string | undefined;
}

export function positiveInt(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value.replace(/_/g, ""));
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new BenchUsageError(`--${name} must be a positive integer`);
  return parsed;
}

export function commonOptions(
  values: { [K in keyof typeof COMMON_BENCH_OPTIONS]?: K extends "help" ? boolean : string },
  postgresReachable: boolean,
): CommonBenchOptions {
  const students = positiveInt(values.students, "students", 100_000);
  let engines: Engine[];
  switch (values.engine) {
    case "postgres":
    case "pglite":
      engines = [values.engine];
      break;
    case "both":
      engines = ["postgres", "pglite"];
      break;
    case undefined:
      engines = postgresReachable ? ["postgres"] : [];
      if (students <= PGLITE_DEFAULT_MAX_STUDENTS || !postgresReachable) engines.push("pglite");
      break;
    default:
      throw new BenchUsageError(`--engine must be postgres, pglite or both, got "${values.engine}"`);
  }
  return {
    students,
    engines,
    provinceCode: normaliseProvince(values.province ?? "33"),
    seed: positiveInt(values.seed, "seed", 1),
    schoolYear: positiveInt(values["school-year"], "school-year", schoolYearOn(todayIso())),
    databaseUrl: values["database-url"],
  };
}

export interface SeededBench {
  services: AppServices;
  ctx: ServiceContext;
  report: SeedReport;
}

/** Seeds a prepared bench database with the common options (and any seed option overridden). */
export async function seedBenchDatabase(
  database: Database,
  options: CommonBenchOptions,
  overrides: Partial<SeedOptions> = {},
): Promise<SeededBench> {
  const services = await createServices({ ...loadConfig(), webDistDir: "/nonexistent" }, database);
  const ctx = await systemContext(services);
  const report = await seedSynthetic(services, ctx, {
    provinceCode: options.provinceCode,
    students: options.students,
    seed: options.seed,
    schoolYear: options.schoolYear,
    problems: 0,
    badRows: 0,
    database: true,
    history: false,
    progress: true,
    ...overrides,
  });
  return { services, ctx, report };
}

/** One line about a load, for the bench's console output. */
export function describeLoad(report: SeedReport): string {
  const t = report.timings;
  const s = (ms: number | undefined) => ((ms ?? 0) / 1000).toFixed(1);
  return (
    `${report.rowsInDatabase.toLocaleString("en")} students in ${report.schools.length.toLocaleString("en")} schools` +
    ` (${report.bulkMode ? "bulk mode" : "indexes in place"}): COPY ${s(t.copyMs)} s, history ${s(t.historyMs)} s,` +
    ` rebuild ${s(t.rebuildMs)} s, ANALYZE ${s(t.analyzeMs)} s, total ${s(t.totalMs)} s`
  );
}
