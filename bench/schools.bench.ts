/**
 * Subtree listing, school search and detail read over N generated schools (default 500,000),
 * through the real repository functions of src/platform/orgs/orgs.repo.ts with real Scope
 * objects, on PostgreSQL and/or PGlite. Medians and p95 are reported with their ratio to two
 * baselines measured in the same run on the same pool (SELECT 1 and a primary-key lookup), and
 * each query shape is explained once to record which index its plan uses.
 *
 *   npm run bench -- schools                    full run (500,000 schools on PostgreSQL)
 *   npm run bench -- schools --schools 50000    quick run
 */
import { parseArgs } from "node:util";
import { type Kysely, sql } from "kysely";
import type { Engine } from "../src/db/database";
import type { DB } from "../src/db/schema";
import { BenchUsageError, positiveInt } from "../src/modules/synthetic/synthetic.bench";
import type { Scope } from "../src/platform/access/scope";
import { findUnitById, searchUnits } from "../src/platform/orgs/orgs.repo";
import { optionsOrExitCode } from "./support/cli";
import {
  type BenchDatabase,
  type DatabaseInfo,
  databaseInfo,
  isPostgresReachable,
  openBenchDatabase,
  postgresAdminUrl,
} from "./support/database";
import { type ExplainedQuery, explainWork } from "./support/explain";
import { loadSchools } from "./support/load-schools";
import {
  BIGRAM_STATEMENTS,
  CODE_COLLATE_C_SQL,
  CODE_PATTERN_INDEX_SQL,
  PATH_COVER_INDEX_SQL,
  searchUnitsVariant,
  type VariantFilter,
  type VariantOptions,
} from "./support/orgs-variants";
import { Random } from "./support/random";
import { announceMachine, loadAverage, ms, printTable, ratio, recordResults } from "./support/report";
import type { GeneratedSchool } from "./support/school-generator";
import { measure, type TimingStats, timeOnce } from "./support/timing";

export const description = "subtree listing, school search and detail read over generated schools";

const PAGE = { limit: 20, offset: 0 };
/** The foundation issue's target for the subtree query and the school search on PostgreSQL. */
const TARGET_P95_MS = 20;
/** Distinct samples per query shape; runs cycle through them. */
const SAMPLES = 200;

const HELP = `Usage: npm run bench -- schools [options]

  --schools N         schools to generate (default 500000)
  --engine E          postgres | pglite | both (default: both when PostgreSQL is reachable, else pglite)
  --runs N            measured runs per query shape (default 200)
  --warmup N          warm-up runs per query shape (default 20)
  --max-seconds S     time budget per query shape; a slower shape stops early (default 20)
  --seed N            data and sample seed (default 1)
  --batch N           rows per load statement (default 25000)
  --database-url URL  PostgreSQL server (default BENCH_DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --no-variants       skip the alternative indexes and queries
  --help              this text`;

interface Options {
  schools: number;
  engines: Engine[];
  runs: number;
  warmup: number;
  maxSeconds: number;
  seed: number;
  batch: number;
  adminUrl: string;
  variants: boolean;
}

async function parseOptions(argv: string[]): Promise<Options | "help"> {
  const { values } = parseArgs({
    args: argv,
    options: {
      schools: { type: "string" },
      engine: { type: "string" },
      runs: { type: "string" },
      warmup: { type: "string" },
      "max-seconds": { type: "string" },
      seed: { type: "string" },
      batch: { type: "string" },
      "database-url": { type: "string" },
      "no-variants": { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const adminUrl = postgresAdminUrl(values["database-url"]);
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
      engines = (await isPostgresReachable(adminUrl)) ? ["postgres", "pglite"] : ["pglite"];
      break;
    default:
      throw new BenchUsageError(`--engine must be postgres, pglite or both, got "${values.engine}"`);
  }
  return {
    schools: positiveInt(values.schools, "schools", 500_000),
    engines,
    runs: positiveInt(values.runs, "runs", 200),
    warmup: values.warmup === "0" ? 0 : positiveInt(values.warmup, "warmup", 20),
    maxSeconds: positiveInt(values["max-seconds"], "max-seconds", 20),
    seed: positiveInt(values.seed, "seed", 1),
    batch: positiveInt(values.batch, "batch", 25_000),
    adminUrl,
    variants: !values["no-variants"],
  };
}

interface UnitRef {
  id: number;
  path: string;
  code: string;
}

interface Shape {
  key: string;
  label: string;
  /** Indexes the plan is expected to use on org_unit (any of them, in the rows statement). */
  expected: string[];
  run: (db: Kysely<DB>, i: number) => Promise<unknown>;
}

interface ShapeResult {
  key: string;
  label: string;
  variant?: string;
  stats: TimingStats;
  expected: string[];
  usesExpected: boolean;
  /** Plan summaries of the statements sent (rows, then count, for searchUnits). */
  plans: ExplainedQuery[];
  /** Mean rows returned and mean capped total over the explained sample. */
  sample?: unknown;
}

function scopeOf(unit: UnitRef): Scope {
  return { rootPath: unit.path, rootUnitId: unit.id, side: "education" };
}

/** A substring of `length` characters at a random position (whole name if shorter). */
function substringOf(name: string, length: number, random: Random): string {
  const chars = [...name];
  if (chars.length <= length) return name;
  const start = random.int(0, chars.length - length);
  return chars.slice(start, start + length).join("");
}

function cycle<T>(items: readonly T[], i: number): T {
  return items[i % items.length]!;
}

interface Samples {
  nation: UnitRef;
  provinces: UnitRef[];
  counties: UnitRef[];
  /** Counties with their province, for "children of a county" in a province scope. */
  countyInProvince: { county: UnitRef; province: UnitRef }[];
  schools: { id: number; code: string; name: string; province: UnitRef }[];
}

async function collectSamples(
  bench: BenchDatabase,
  sampled: GeneratedSchool[],
  random: Random,
): Promise<Samples> {
  const { pool } = bench.database;
  const units = await pool.query<{
    id: number;
    path: string;
    code: string;
    kind: string;
    province_code: string;
  }>(
    `SELECT id, path, code, kind, province_code FROM org_unit WHERE kind IN ('nation', 'province', 'county')
     ORDER BY code`,
  );
  const nation = units.rows.find((u) => u.kind === "nation")!;
  const provinceByCode = new Map<string, UnitRef>();
  for (const u of units.rows) if (u.kind === "province") provinceByCode.set(u.province_code, u);
  const withSchools = await pool.query<{ province_code: string }>(
    `SELECT DISTINCT province_code FROM org_unit WHERE kind = 'county'
     AND id IN (SELECT parent_id FROM org_unit WHERE kind = 'school')`,
  );
  const schoolProvinces = withSchools.rows.map((r) => provinceByCode.get(r.province_code)!).filter(Boolean);
  const counties = units.rows.filter((u) => u.kind === "county");
  const byCode = await pool.query<{ id: number; code: string }>(
    "SELECT id, code FROM org_unit WHERE code = ANY($1::text[])",
    [sampled.map((s) => s.code)],
  );
  const idOf = new Map(byCode.rows.map((r) => [r.code, Number(r.id)]));
  const countySample = Array.from({ length: SAMPLES }, () => random.pick(counties));
  return {
    nation,
    provinces: Array.from({ length: SAMPLES }, () => random.pick(schoolProvinces)),
    counties: countySample,
    countyInProvince: countySample.map((county) => ({
      county,
      province: provinceByCode.get(units.rows.find((u) => u.id === county.id)!.province_code)!,
    })),
    schools: sampled.map((s) => ({
      id: idOf.get(s.code)!,
      code: s.code,
      name: s.name,
      province: provinceByCode.get(s.county.provinceCode)!,
    })),
  };
}

interface NameSample {
  q: string;
  scope: Scope;
}

/** The query texts of the search shapes, drawn once so production and variants see the same. */
interface QuerySamples {
  name: Record<"nation.2" | "nation.34" | "province.2" | "province.34", NameSample[]>;
  codePrefixes: string[];
}

function drawQuerySamples(samples: Samples, random: Random): QuerySamples {
  const nationScope = scopeOf(samples.nation);
  const schools = samples.schools;
  const draw = (length: () => number, scope: (s: Samples["schools"][number]) => Scope) =>
    schools.map((s) => ({ q: substringOf(s.name, length(), random), scope: scope(s) }));
  return {
    name: {
      "nation.2": draw(
        () => 2,
        () => nationScope,
      ),
      "nation.34": draw(
        () => random.int(3, 4),
        () => nationScope,
      ),
      "province.2": draw(
        () => 2,
        (s) => scopeOf(s.province),
      ),
      "province.34": draw(
        () => random.int(3, 4),
        (s) => scopeOf(s.province),
      ),
    },
    codePrefixes: schools.map((s) => s.code.slice(0, random.int(4, 8))),
  };
}

const NAME_SHAPES = [
  { key: "nation.2", label: "name q, 2 chars, nation scope" },
  { key: "nation.34", label: "name q, 3–4 chars, nation scope" },
  { key: "province.2", label: "name q, 2 chars, province scope" },
  { key: "province.34", label: "name q, 3–4 chars, province scope" },
] as const;

type ListSearch = (
  db: Kysely<DB>,
  scope: Scope,
  filter: VariantFilter,
  window: { limit: number; offset: number },
) => Promise<unknown>;

/** The three listing shapes, through `search` (the production searchUnits or a variant). */
function listShapes(samples: Samples, search: ListSearch): Shape[] {
  return [
    {
      key: "subtree.province",
      label: "province subtree, schools (page + count)",
      expected: ["org_unit_path_idx"],
      run: (db, i) => search(db, scopeOf(cycle(samples.provinces, i)), { kind: "school" }, PAGE),
    },
    {
      key: "subtree.county",
      label: "county subtree, schools (page + count)",
      expected: ["org_unit_path_idx"],
      run: (db, i) => search(db, scopeOf(cycle(samples.counties, i)), { kind: "school" }, PAGE),
    },
    {
      key: "children.county",
      label: "children of a county (parentId, province scope)",
      expected: ["org_unit_parent_idx"],
      run: (db, i) => {
        const { county, province } = cycle(samples.countyInProvince, i);
        return search(db, scopeOf(province), { parentId: county.id }, PAGE);
      },
    },
  ];
}

function productionShapes(samples: Samples, qs: QuerySamples): Shape[] {
  const nationScope = scopeOf(samples.nation);
  const schools = samples.schools;
  const nameShapes: Shape[] = NAME_SHAPES.map(({ key, label }) => ({
    key: `name.${key}`,
    label,
    expected: ["org_unit_name_trgm_idx"],
    run: (db, i) => {
      const { q, scope } = cycle(qs.name[key], i);
      return searchUnits(db, scope, { q, kind: "school" }, PAGE);
    },
  }));
  return [
    ...listShapes(samples, searchUnits),
    ...nameShapes,
    {
      key: "code.exact",
      label: "school code, exact (nation scope)",
      expected: ["org_unit_code_key"],
      run: (db, i) => searchUnits(db, nationScope, { q: cycle(schools, i).code, kind: "school" }, PAGE),
    },
    {
      key: "code.prefix",
      label: "school code prefix, 4–8 digits (nation)",
      expected: ["org_unit_code_key"],
      run: (db, i) => searchUnits(db, nationScope, { q: cycle(qs.codePrefixes, i), kind: "school" }, PAGE),
    },
    {
      key: "detail.byId",
      label: "findUnitById, school (nation scope)",
      expected: ["org_unit_pkey"],
      run: (db, i) => findUnitById(db, nationScope, cycle(schools, i).id),
    },
  ];
}

/** A variant of searchUnits as a ListSearch. */
function variantSearch(options: VariantOptions): ListSearch {
  return (db, scope, filter, window) => searchUnitsVariant(db, scope, filter, window, options);
}

/** The four name shapes through a variant of searchUnits, on the same samples. */
function nameVariantShapes(qs: QuerySamples, options: VariantOptions): Shape[] {
  const search = variantSearch(options);
  return NAME_SHAPES.map(({ key, label }) => ({
    key: `name.${key}`,
    label,
    expected: ["bench_org_unit_name_bigram_idx", "org_unit_name_trgm_idx"],
    run: (db, i) => {
      const { q, scope } = cycle(qs.name[key], i);
      return search(db, scope, { q, kind: "school" }, PAGE);
    },
  }));
}

/** The two code shapes through a variant of searchUnits. */
function codeVariantShapes(samples: Samples, qs: QuerySamples, options: VariantOptions): Shape[] {
  const search = variantSearch(options);
  const nationScope = scopeOf(samples.nation);
  return [
    {
      key: "code.exact",
      label: "school code, exact (nation scope)",
      expected: ["org_unit_code_key"],
      run: (db, i) => search(db, nationScope, { q: cycle(samples.schools, i).code, kind: "school" }, PAGE),
    },
    {
      key: "code.prefix",
      label: "school code prefix, 4–8 digits (nation)",
      expected: ["org_unit_code_key"],
      run: (db, i) => search(db, nationScope, { q: cycle(qs.codePrefixes, i), kind: "school" }, PAGE),
    },
  ];
}

function describeRows(result: unknown): unknown {
  if (result && typeof result === "object" && "rows" in result && "cappedTotal" in result) {
    const r = result as { rows: unknown[]; cappedTotal: number };
    return { rows: r.rows.length, cappedTotal: r.cappedTotal };
  }
  return { found: result !== undefined };
}

async function runShape(
  bench: BenchDatabase,
  shape: Shape,
  options: Options,
  variant?: string,
): Promise<ShapeResult> {
  const { database } = bench;
  const plans = await explainWork(database, (db) => shape.run(db, 0));
  const sample = describeRows(await shape.run(database.db, 0));
  const stats = await measure((i) => shape.run(database.db, i), {
    warmup: options.warmup,
    runs: options.runs,
    maxSeconds: options.maxSeconds,
  });
  const rowsPlan = plans[0]?.summary;
  const result: ShapeResult = {
    key: shape.key,
    label: shape.label,
    stats,
    expected: shape.expected,
    usesExpected: shape.expected.some((index) => rowsPlan?.indexes.includes(index)),
    plans,
    sample,
  };
  if (variant) result.variant = variant;
  const flag = stats.truncated ? ` (time budget: ${stats.runs} runs)` : "";
  console.log(
    `  ${(variant ? `[${variant}] ` : "") + shape.label}: median ${ms(stats.medianMs)} ms, p95 ${ms(stats.p95Ms)} ms${flag}`,
  );
  return result;
}

/** Checks that a variant returns exactly what the production function returns. */
async function sameResults(
  bench: BenchDatabase,
  production: Shape,
  variant: Shape,
  n: number,
): Promise<void> {
  for (let i = 0; i < n; i++) {
    const a = (await production.run(bench.database.db, i)) as { rows: { id: number }[]; cappedTotal: number };
    const b = (await variant.run(bench.database.db, i)) as { rows: { id: number }[]; cappedTotal: number };
    const ids = (r: typeof a) => r.rows.map((row) => row.id).join(",");
    if (ids(a) !== ids(b) || a.cappedTotal !== b.cappedTotal) {
      throw new Error(`Variant of ${production.key} differs from production on sample ${i}`);
    }
  }
}

function planCell(result: ShapeResult): string {
  const rows = result.plans[0]?.summary;
  if (!rows) return "-";
  return `${rows.access}${result.usesExpected ? "" : " (!)"}`;
}

const TRIGRAM_PROBE = "杭州市第一小学";

/**
 * pg_trgm makes trigrams of the "words" of a text, and what is a letter is decided by the
 * database's LC_CTYPE: under "C" every CJK character is a separator and Chinese names yield no
 * trigram at all. This records what the engine does with a Chinese name.
 */
async function trigramProbe(bench: BenchDatabase): Promise<{ probe: string[]; twoChars: string[] }> {
  const { rows } = await bench.database.pool.query<{ probe: string[]; two: string[] }>(
    "SELECT show_trgm($1) AS probe, show_trgm('小学') AS two",
    [TRIGRAM_PROBE],
  );
  return { probe: rows[0]?.probe ?? [], twoChars: rows[0]?.two ?? [] };
}

interface VariantBuild {
  ms: number;
  statements: string[];
  tableSize: string;
  indexSize?: string;
}

interface EngineReport {
  engine: Engine;
  info: DatabaseInfo;
  trigrams: { probe: string[]; twoChars: string[] };
  /** The query texts of the search shapes (name shapes: "q in <scope path>"), in run order. */
  queries: Record<string, string[]>;
  schools: number;
  load: { ms: number; dbMs: number; rowsPerSecond: number; batches: number; counties: number };
  vacuumAnalyzeMs: number;
  prepareMs: number;
  sizes: Record<string, string>;
  baselines: { select1: TimingStats; pk: TimingStats; select1After: TimingStats };
  /** Machine load averages (1, 5, 15 min) when the queries started and when they ended. */
  loadAverage: { start: number[]; end: number[] };
  results: ShapeResult[];
  variants: ShapeResult[];
  variantBuild: Record<string, VariantBuild>;
}

async function relationSizes(bench: BenchDatabase): Promise<Record<string, string>> {
  const { rows } = await bench.database.pool.query<{ name: string; size: string }>(
    `SELECT c.relname AS name, pg_size_pretty(pg_relation_size(c.oid)) AS size
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relname IN ('org_unit', 'school', 'org_unit_pkey', 'org_unit_code_key',
       'org_unit_path_idx', 'org_unit_parent_idx', 'org_unit_name_trgm_idx', 'org_unit_province_idx',
       'school_pkey', 'school_school_code_key')
     ORDER BY c.relname`,
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.size]));
}

async function relationSize(bench: BenchDatabase, name: string): Promise<string> {
  const { rows } = await bench.database.pool.query<{ size: string }>(
    "SELECT pg_size_pretty(pg_relation_size($1::regclass)) AS size",
    [name],
  );
  return rows[0]?.size ?? "?";
}

async function runEngine(engine: Engine, options: Options): Promise<EngineReport> {
  const schools = options.schools;
  console.log(`\n== ${engine}: ${schools.toLocaleString("en")} schools, seed ${options.seed} ==`);
  const bench = await openBenchDatabase(engine, { adminUrl: options.adminUrl });
  try {
    const info = await databaseInfo(bench.database);
    console.log(`  ${info.version}`);
    console.log(`  database ${bench.name}: ctype ${info.ctype}, collate ${info.collate}, ${info.encoding}`);
    const trigrams = await trigramProbe(bench);
    console.log(
      `  pg_trgm on Chinese: show_trgm('${TRIGRAM_PROBE}') has ${trigrams.probe.length} trigrams ` +
        `(none would mean LC_CTYPE treats CJK as non-letters and the trigram index cannot serve Chinese)`,
    );
    const { pool } = bench.database;
    const typeRows = await pool.query<{ code: string }>(
      "SELECT code FROM code_item WHERE code_set = 'school_type' AND is_active",
    );
    const schoolTypes = new Set(typeRows.rows.map((r) => r.code));

    // Samples: positions drawn up front, so the data and the samples depend on the seed only.
    const sampleRandom = new Random(options.seed * 7919 + 1);
    const wanted = new Set<number>();
    while (wanted.size < Math.min(SAMPLES, schools)) wanted.add(sampleRandom.int(0, schools - 1));
    const sampled: GeneratedSchool[] = [];
    let dbMs = 0;
    let lastReport = 0;
    const started = process.hrtime.bigint();
    const load = await loadSchools(bench.database, {
      total: schools,
      seed: options.seed,
      batchSize: options.batch,
      schoolTypes,
      onSchool: (s) => {
        if (wanted.has(s.index)) sampled.push(s);
      },
      onProgress: (loaded, total) => {
        if (loaded - lastReport >= 100_000 || loaded === total) {
          lastReport = loaded;
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          console.log(
            `  loaded ${loaded.toLocaleString("en")} / ${total.toLocaleString("en")} (${seconds.toFixed(1)} s)`,
          );
        }
      },
      onBatchMs: (batchMs) => {
        dbMs += batchMs;
      },
    });
    const rowsPerSecond = Math.round(load.schools / (load.ms / 1000));
    console.log(
      `  load: ${(load.ms / 1000).toFixed(1)} s (${rowsPerSecond.toLocaleString("en")} schools/s; ` +
        `${(dbMs / 1000).toFixed(1)} s in the database), ${load.batches} statements`,
    );
    const vacuum = await timeOnce(() => pool.query("VACUUM (ANALYZE) org_unit, school"));
    console.log(`  VACUUM (ANALYZE): ${(vacuum.ms / 1000).toFixed(1)} s`);
    const sizes = await relationSizes(bench);

    const samples = await collectSamples(bench, sampled, new Random(options.seed * 31 + 7));
    const measureOptions = { warmup: options.warmup, runs: options.runs, maxSeconds: options.maxSeconds };
    const loadAtStart = loadAverage();
    const select1 = await measure(() => sql`SELECT 1`.execute(bench.database.db), measureOptions);
    const pk = await measure(
      (i) =>
        sql`SELECT * FROM org_unit WHERE id = ${cycle(samples.schools, i).id}`.execute(bench.database.db),
      measureOptions,
    );
    console.log(
      `  baselines: SELECT 1 median ${ms(select1.medianMs)} ms, PK lookup median ${ms(pk.medianMs)} ms`,
    );

    const querySamples = drawQuerySamples(samples, new Random(options.seed * 131 + 3));
    const shapes = productionShapes(samples, querySamples);
    const results: ShapeResult[] = [];
    for (const shape of shapes) results.push(await runShape(bench, shape, options));

    const variants: ShapeResult[] = [];
    const variantBuild: Record<string, VariantBuild> = {};
    if (options.variants) {
      console.log(
        "  variants (built after every production shape was measured; each drops its index before the next, the bigram column stays):",
      );
      const step = async (name: string, statements: string[], index?: string) => {
        const built = await timeOnce(async () => {
          for (const statement of statements) await pool.query(statement);
        });
        await pool.query("VACUUM (ANALYZE) org_unit");
        const build: VariantBuild = {
          ms: built.ms,
          statements,
          tableSize: await relationSize(bench, "org_unit"),
        };
        if (index) build.indexSize = await relationSize(bench, index);
        variantBuild[name] = build;
        console.log(
          `  [${name}] built in ${(built.ms / 1000).toFixed(1)} s` +
            `${index ? `, index ${build.indexSize}` : ""}, org_unit table ${build.tableSize}`,
        );
      };
      const byKey = (key: string) => shapes.find((s) => s.key === key)!;
      const codeShapes = shapes.filter((s) => s.key.startsWith("code."));

      await step("+code idx", [CODE_PATTERN_INDEX_SQL], "bench_org_unit_code_pattern_idx");
      for (const shape of codeShapes) {
        const expected = ["bench_org_unit_code_pattern_idx"];
        variants.push(await runShape(bench, { ...shape, expected }, options, "+code idx"));
      }
      await pool.query("DROP INDEX bench_org_unit_code_pattern_idx");

      await step("+path cover idx", [PATH_COVER_INDEX_SQL], "bench_org_unit_path_cover_idx");
      const cover = ["bench_org_unit_path_cover_idx"];
      for (const shape of listShapes(samples, searchUnits).slice(0, 2)) {
        variants.push(await runShape(bench, { ...shape, expected: cover }, options, "+path cover idx"));
      }
      for (const shape of listShapes(samples, variantSearch({ deferred: true }))) {
        await sameResults(bench, byKey(shape.key), shape, 10);
        const expected = shape.key === "children.county" ? shape.expected : cover;
        variants.push(await runShape(bench, { ...shape, expected }, options, "+cover, deferred join"));
      }
      await pool.query("DROP INDEX bench_org_unit_path_cover_idx");

      await step("bigram column", [...BIGRAM_STATEMENTS], "bench_org_unit_name_bigram_idx");
      for (const variant of nameVariantShapes(querySamples, { bigrams: true })) {
        await sameResults(bench, byKey(variant.key), variant, 10);
        variants.push(await runShape(bench, variant, options, "bigram column"));
      }
      for (const variant of nameVariantShapes(querySamples, { bigrams: true, deferred: true })) {
        await sameResults(bench, byKey(variant.key), variant, 10);
        variants.push(await runShape(bench, variant, options, "bigram + deferred join"));
      }

      await step("code COLLATE C", [CODE_COLLATE_C_SQL]);
      for (const shape of codeShapes) variants.push(await runShape(bench, shape, options, "code COLLATE C"));
      for (const variant of codeVariantShapes(samples, querySamples, { deferred: true })) {
        await sameResults(bench, byKey(variant.key), variant, 10);
        variants.push(await runShape(bench, variant, options, "COLLATE C + deferred join"));
      }
    }
    const select1After = await measure(() => sql`SELECT 1`.execute(bench.database.db), measureOptions);
    return {
      engine,
      info,
      trigrams,
      queries: {
        ...Object.fromEntries(
          NAME_SHAPES.map(({ key }) => [
            `name.${key}`,
            querySamples.name[key].map(({ q, scope }) => `${q} in ${scope.rootPath}`),
          ]),
        ),
        "code.exact": samples.schools.map((school) => school.code),
        "code.prefix": querySamples.codePrefixes,
      },
      schools,
      load: { ms: load.ms, dbMs, rowsPerSecond, batches: load.batches, counties: load.counties },
      vacuumAnalyzeMs: vacuum.ms,
      prepareMs: bench.prepareMs,
      sizes,
      baselines: { select1, pk, select1After },
      loadAverage: { start: loadAtStart, end: loadAverage() },
      results,
      variants,
      variantBuild,
    };
  } finally {
    await bench.close();
  }
}

function printReport(report: EngineReport): void {
  const { select1, pk } = report.baselines;
  console.log(
    `\n${report.engine} — ${report.info.version.split(" on ")[0]}, ${report.schools.toLocaleString("en")} schools, ` +
      `load ${report.load.rowsPerSecond.toLocaleString("en")} schools/s`,
  );
  const headers = [
    "query",
    "median ms",
    "p95 ms",
    "min",
    "max",
    "runs",
    "×SELECT 1",
    "×PK",
    `p95<${TARGET_P95_MS}`,
    "org_unit access",
  ];
  const row = (r: ShapeResult) => [
    (r.variant ? `[${r.variant}] ` : "") + r.label,
    ms(r.stats.medianMs),
    ms(r.stats.p95Ms),
    ms(r.stats.minMs),
    ms(r.stats.maxMs),
    r.stats.runs,
    ratio(r.stats.medianMs, select1.medianMs),
    ratio(r.stats.medianMs, pk.medianMs),
    r.stats.p95Ms < TARGET_P95_MS ? "yes" : "NO",
    planCell(r),
  ];
  printTable(headers, [
    [
      "baseline: SELECT 1",
      ms(select1.medianMs),
      ms(select1.p95Ms),
      ms(select1.minMs),
      ms(select1.maxMs),
      select1.runs,
      "1.0×",
      "-",
      "",
      "-",
    ],
    [
      "baseline: PK lookup",
      ms(pk.medianMs),
      ms(pk.p95Ms),
      ms(pk.minMs),
      ms(pk.maxMs),
      pk.runs,
      ratio(pk.medianMs, select1.medianMs),
      "1.0×",
      "",
      "org_unit_pkey",
    ],
    ...report.results.map(row),
    ...report.variants.map(row),
  ]);
  const after = report.baselines.select1After;
  const { start, end } = report.loadAverage;
  console.log(
    `Machine load average when the queries started: ${start.join(" ")}; at the end: ${end.join(" ")}`,
  );
  console.log(
    `(SELECT 1 re-measured at the end: median ${ms(after.medianMs)} ms; "(!)" = expected index not used)`,
  );
}

export async function run(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(argv, parseOptions, HELP);
  if (typeof options === "number") return options;
  const machine = announceMachine();
  for (const engine of options.engines) {
    const report = await runEngine(engine, options);
    printReport(report);
    await recordResults("schools", engine, machine, {
      database: report.info,
      parameters: {
        schools: report.schools,
        runs: options.runs,
        warmup: options.warmup,
        maxSecondsPerShape: options.maxSeconds,
        seed: options.seed,
        batch: options.batch,
        pageSize: PAGE.limit,
        samplesPerShape: SAMPLES,
      },
      ...report,
    });
  }
  return 0;
}
