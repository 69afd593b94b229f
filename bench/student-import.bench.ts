/**
 * Student import throughput against the database's own bulk-load speed, measured in one run on
 * one database: (a) a raw COPY of the generated CSV into an unindexed table with the file's
 * columns, and (b) the import path end to end — read, parse, check every row, stage with COPY,
 * duplicate checks, and the commit into `student` with its indexes, trigger, events and audit —
 * with the time of each phase. The target is (a)/(b) ≥ 0.25 on PostgreSQL.
 *
 *   npm run bench -- student-import                    100,000 rows (PostgreSQL when reachable)
 *   npm run bench -- student-import --rows 1000000     the full target
 */
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { sql } from "kysely";
import { createServices, systemContext } from "../src/bootstrap";
import { loadConfig } from "../src/config";
import type { Engine } from "../src/db/database";
import { STUDENT_FIELDS, templateHeader } from "../src/modules/students/students.fields";
import {
  commitImport,
  type LoadMode,
  type PhaseTimings,
  previewImport,
  type ValidatorChoice,
} from "../src/modules/students/students.import";
import { BenchUsageError, positiveInt } from "../src/modules/synthetic/synthetic.bench";
import type { ServiceContext } from "../src/platform/context";
import { computeIdentityCheckCharacter } from "../src/platform/identifiers/identity-number";
import { copyText } from "../src/platform/imports/copy";
import { optionsOrExitCode } from "./support/cli";
import {
  type BenchDatabase,
  type DatabaseInfo,
  databaseInfo,
  isPostgresReachable,
  openBenchDatabase,
  postgresAdminUrl,
} from "./support/database";
import { loadSchools } from "./support/load-schools";
import { Random } from "./support/random";
import { machineInfo, ms, printTable, writeResults } from "./support/report";
import { timeOnce } from "./support/timing";

export const description = "student spreadsheet import vs raw COPY of the same CSV (target ratio ≥ 0.25)";

const TARGET_RATIO = 0.25;

const HELP = `Usage: npm run bench -- student-import [options]

  --rows N            student rows in the generated CSV (default 100000)
  --schools N         schools generated first (default 20000; the rows go to primary and junior ones)
  --engine E          postgres | pglite | both (default: postgres when reachable, else pglite)
  --validator V       fast | reference (default fast; reference = checkStudentRecord on every row)
  --load-mode M       auto | in-place | bulk: how the commit loads student (default auto: bulk
                      mode when the import outnumbers the registry and has ≥ 100,000 rows)
  --no-id-share F     share of rows without an identity number, J numbers (default 0.02)
  --seed N            data seed (default 1)
  --database-url URL  PostgreSQL server (default BENCH_DATABASE_URL or
                      postgres://postgres@127.0.0.1:5432/postgres)
  --keep-file         keep the generated CSV (its path is printed)
  --no-floor          skip the schema floor (copies of student and student_event filled after the import)
  --help              this text`;

interface Options {
  rows: number;
  schools: number;
  engines: Engine[];
  validator: ValidatorChoice;
  loadMode: LoadMode;
  noIdShare: number;
  seed: number;
  adminUrl: string;
  keepFile: boolean;
  floor: boolean;
}

async function parseOptions(argv: string[]): Promise<Options | "help"> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: "string" },
      schools: { type: "string" },
      engine: { type: "string" },
      validator: { type: "string" },
      "load-mode": { type: "string" },
      "no-id-share": { type: "string" },
      seed: { type: "string" },
      "database-url": { type: "string" },
      "keep-file": { type: "boolean" },
      "no-floor": { type: "boolean" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const adminUrl = postgresAdminUrl(values["database-url"]);
  let engines: Engine[];
  if (values.engine === "postgres" || values.engine === "pglite") engines = [values.engine];
  else if (values.engine === "both") engines = ["postgres", "pglite"];
  else if (values.engine === undefined)
    engines = (await isPostgresReachable(adminUrl)) ? ["postgres"] : ["pglite"];
  else throw new BenchUsageError(`--engine must be postgres, pglite or both, got "${values.engine}"`);
  const validator = values.validator ?? "fast";
  if (validator !== "fast" && validator !== "reference")
    throw new BenchUsageError("--validator must be fast or reference");
  const loadMode = values["load-mode"] ?? "auto";
  if (loadMode !== "auto" && loadMode !== "in-place" && loadMode !== "bulk")
    throw new BenchUsageError("--load-mode must be auto, in-place or bulk");
  const noIdShare = values["no-id-share"] === undefined ? 0.02 : Number(values["no-id-share"]);
  if (!(noIdShare >= 0 && noIdShare <= 1)) throw new BenchUsageError("--no-id-share must be between 0 and 1");
  return {
    rows: positiveInt(values.rows, "rows", 100_000),
    schools: positiveInt(values.schools, "schools", 20_000),
    engines,
    validator,
    loadMode,
    noIdShare,
    seed: positiveInt(values.seed, "seed", 1),
    adminUrl,
    keepFile: values["keep-file"] === true,
    floor: values["no-floor"] !== true,
  };
}

// ---------------------------------------------------------------------------------------------
// Data: valid rows over the schools the bench created
// ---------------------------------------------------------------------------------------------

export interface SchoolRef {
  code: string;
  divisionCode: string;
  stages: string[];
}

const SURNAMES = [
  ..."王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤",
];
const GIVEN = [
  ..."伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍鹏辉红梅鑫婷宇浩凯健俊帆帅旭宁博文轩雨欣怡梓涵子豪晨阳思源嘉乐天佳琪诗雅可馨一诺宸睿泽",
];
const STREETS = [
  "解放路",
  "人民路",
  "中山路",
  "建设路",
  "和平路",
  "新华街",
  "胜利路",
  "朝阳街",
  "光明路",
  "团结路",
];
const RELATIONS = ["51", "52", "57", "59"];

/** School-year grades (primary P1–P6, junior J1–J3) and the birth year that fits each one. */
const GRADES: Record<string, { grade: string; birthYear: number }[]> = {
  primary: ["P1", "P2", "P3", "P4", "P5", "P6"].map((grade, i) => ({ grade, birthYear: 2018 - i })),
  junior: ["J1", "J2", "J3"].map((grade, i) => ({ grade, birthYear: 2012 - i })),
};

function identityNumber(address: string, birthDate: string, sequence: number): string {
  const first17 = `${address}${birthDate}${String(sequence).padStart(3, "0")}`;
  return first17 + computeIdentityCheckCharacter(first17);
}

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export class StudentGenerator {
  private readonly random: Random;
  private readonly sequences = new Map<string, number>();
  private readonly people = new Set<string>();

  constructor(
    private readonly schools: SchoolRef[],
    seed: number,
    private readonly noIdShare: number,
  ) {
    this.random = new Random(seed);
  }

  private birthDate(year: number): string {
    const day = this.random.int(0, 364);
    const date = new Date(Date.UTC(year, 0, 1) + day * 86_400_000);
    return date.toISOString().slice(0, 10).replaceAll("-", "");
  }

  private name(): string {
    const given = this.random.int(1, 2);
    let name = this.random.pick(SURNAMES);
    for (let i = 0; i < given; i++) name += this.random.pick(GIVEN);
    return name;
  }

  /** One valid row, as the template's fields by key. */
  next(): Record<string, string> {
    const school = this.random.pick(this.schools);
    const stage = school.stages.includes("primary") ? "primary" : "junior";
    const { grade, birthYear } = this.random.pick(GRADES[stage]!);
    const hasId = this.random.next() >= this.noIdShare;
    const sex = this.random.int(1, 2);
    let birthDate = "";
    let identity = "";
    for (;;) {
      birthDate = this.birthDate(birthYear);
      const key = `${school.divisionCode}${birthDate}`;
      const used = this.sequences.get(key) ?? 0;
      // Odd sequences for boys, even for girls, as GB 11643 says.
      const sequence = used * 2 + (sex === 1 ? 1 : 2);
      if (sequence > 999) continue;
      this.sequences.set(key, used + 1);
      identity = hasId ? identityNumber(school.divisionCode, birthDate, sequence) : "";
      break;
    }
    let name = this.name();
    // Students without an identity number are told apart by name, sex and birth date: keep them unique.
    while (this.people.has(`${name}|${sex}|${birthDate}`)) name = this.name();
    this.people.add(`${name}|${sex}|${birthDate}`);
    const street = `${this.random.pick(STREETS)}${this.random.int(1, 500)}号`;
    const phone = `139${String(this.random.int(0, 99_999_999)).padStart(8, "0")}`;
    return {
      schoolCode: school.code,
      name,
      sex: String(sex),
      birthDate,
      birthplace: `${school.divisionCode}001001`,
      nativePlace: school.divisionCode,
      ethnicity: "01",
      nationality: "CHN",
      idDocumentType: hasId ? "1" : "Z",
      identityNumber: identity,
      overseasStatus: "00",
      healthStatus: "10",
      householdLocation: school.divisionCode,
      householdType: String(this.random.int(1, 2)),
      grade,
      className: `${grade.slice(1)}班`,
      enrolmentMonth: `${birthYear + (stage === "primary" ? 6 : 12)}09`,
      enrolmentMode: "11",
      attendanceMode: "1",
      currentAddress: street,
      mailingAddress: street,
      homeAddress: street,
      phone,
      isOnlyChild: this.random.next() < 0.5 ? "是" : "否",
      hadPreschool: "是",
      guardian1Name: `${name.slice(0, 1)}${this.random.pick(GIVEN)}${this.random.pick(GIVEN)}`,
      guardian1Relation: this.random.pick(RELATIONS),
      guardian1Phone: phone,
    };
  }
}

/** Writes a CSV of valid rows over the primary and junior schools of a prepared database. */
export async function generateStudentCsv(
  database: BenchDatabase["database"],
  file: string,
  options: { rows: number; seed: number; noIdShare: number },
): Promise<number> {
  const schools = await primarySchools({ database });
  return writeCsvFile(file, options.rows, new StudentGenerator(schools, options.seed, options.noIdShare));
}

/** Writes the CSV in the template's columns; returns its size in bytes. */
export async function writeCsvFile(file: string, rows: number, generator: StudentGenerator): Promise<number> {
  const header = STUDENT_FIELDS.map(templateHeader).join(",");
  const parts: string[] = [`${header}\r\n`];
  for (let i = 0; i < rows; i++) {
    const row = generator.next();
    parts.push(`${STUDENT_FIELDS.map((f) => csvCell(row[f.key] ?? "")).join(",")}\r\n`);
  }
  const buffer = Buffer.from(parts.join(""), "utf8");
  await writeFile(file, buffer);
  return buffer.length;
}

// ---------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------

async function primarySchools(bench: Pick<BenchDatabase, "database">): Promise<SchoolRef[]> {
  const { rows } = await bench.database.pool.query<{ code: string; division_code: string; stages: string[] }>(
    `SELECT s.school_code AS code, s.division_code, s.stages FROM school s
     WHERE s.stages && ARRAY['primary', 'junior'] ORDER BY s.school_code`,
  );
  return rows.map((r) => ({ code: r.code, divisionCode: r.division_code, stages: r.stages }));
}

/** (a) The baseline: COPY of the CSV as it is into an unindexed table of text columns. */
async function rawCopy(bench: BenchDatabase, file: string): Promise<{ ms: number; rows: number }> {
  const columns = STUDENT_FIELDS.map((_, i) => `c${i + 1}`);
  await bench.database.pool.query(
    `CREATE TABLE bench_raw_copy (${columns.map((c) => `${c} text`).join(", ")})`,
  );
  const { result, ms } = await timeOnce(() =>
    copyText(bench.database, "bench_raw_copy", columns, createReadStream(file, { highWaterMark: 1 << 20 }), {
      format: "csv",
      header: true,
    }),
  );
  await bench.database.pool.query("DROP TABLE bench_raw_copy");
  return { ms, rows: result };
}

const STUDENT_COPY_COLUMNS = `student_number, number_kind, province_code, school_unit_id, stage, status, name,
  former_name, sex, birth_date, birthplace_code, native_place_code, ethnicity, nationality, id_document_type,
  identity_number, id_valid_until, overseas_status, political_status, health_status, household_location_code,
  household_type, grade, class_name, class_number, aux_number, enrolment_month, enrolment_mode,
  attendance_mode,
  current_address, mailing_address, home_address, phone, is_only_child, had_preschool, left_behind,
  is_migrant_child, is_orphan, is_martyr_child, inclusive_schooling, disability_type, guardians`;
const SORTED = "ORDER BY school_unit_id, grade, class_name, name";

interface SchemaFloor {
  /** INSERT … SELECT of the imported rows into a bare typed copy of `student` (no index, no trigger). */
  bareMs: number;
  /** The same into copies of `student` and `student_event` with their indexes, checks, storage, keys and INSERT triggers. */
  schemaMs: number;
  /**
   * Bulk mode's floor: the rows and events into copies with the live storage but no index or
   * key, then every index and key of the two tables built over them.
   */
  bulkMs: number;
  bulkInsertMs: number;
}

/** Copies a table's storage parameters (fillfactor) onto its copy. */
async function copyStorage(pool: BenchDatabase["database"]["pool"], table: string, copy: string) {
  const { rows: options } = await pool.query<{ option: string }>(
    "SELECT unnest(reloptions) AS option FROM pg_class WHERE oid = $1::regclass",
    [table],
  );
  if (options.length > 0)
    await pool.query(`ALTER TABLE ${copy} SET (${options.map((o) => o.option).join(", ")})`);
}

/** The statements that give a table's copy the table's foreign keys. */
async function foreignKeysFor(
  pool: BenchDatabase["database"]["pool"],
  table: string,
  copy: string,
): Promise<string[]> {
  const { rows: keys } = await pool.query<{ definition: string }>(
    "SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'f'",
    [table],
  );
  // A key to the table itself (student_event → student, before 0008) points at the copy.
  return keys.map(
    (key) =>
      `ALTER TABLE ${copy} ADD ${key.definition.replace(/REFERENCES (student)\(/, "REFERENCES bench_floor_$1(")}`,
  );
}

/** Copies a table's storage parameters, foreign keys and INSERT triggers onto its copy. */
async function mirrorTable(
  pool: BenchDatabase["database"]["pool"],
  table: string,
  copy: string,
): Promise<void> {
  await copyStorage(pool, table, copy);
  for (const statement of await foreignKeysFor(pool, table, copy)) await pool.query(statement);
  const { rows: triggers } = await pool.query<{ definition: string }>(
    `SELECT pg_get_triggerdef(oid) AS definition FROM pg_trigger
     WHERE tgrelid = $1::regclass AND NOT tgisinternal AND (tgtype & 4) <> 0`,
    [table],
  );
  for (const trigger of triggers) {
    await pool.query(
      trigger.definition
        .replace(/^CREATE TRIGGER (\w+)/, "CREATE TRIGGER bench_floor_$1")
        .replace(` ON public.${table} `, ` ON ${copy} `),
    );
  }
}

/**
 * What any import must pay for the schema alone, measured after the import on its own rows: the
 * rows copied (already typed and checked, in the commit's order) into copies of `student` and
 * `student_event` with the same indexes, storage, INSERT triggers and foreign keys, plus one event per row.
 */
async function schemaFloor(bench: BenchDatabase): Promise<SchemaFloor> {
  const pool = bench.database.pool;
  await pool.query("CREATE TABLE bench_floor_bare (LIKE student INCLUDING DEFAULTS INCLUDING IDENTITY)");
  await pool.query("CHECKPOINT");
  const bare = await timeOnce(() =>
    pool.query(
      `INSERT INTO bench_floor_bare (${STUDENT_COPY_COLUMNS})
       SELECT ${STUDENT_COPY_COLUMNS} FROM student ${SORTED}`,
    ),
  );
  await pool.query("DROP TABLE bench_floor_bare");
  // The copies mirror the live schema: its indexes and checks (LIKE … INCLUDING ALL), its
  // storage parameters (fillfactor), its foreign keys and its INSERT triggers, read from the
  // catalog, so the floor follows the migrations.
  await pool.query(`
    CREATE TABLE bench_floor_student (LIKE student INCLUDING ALL);
    CREATE TABLE bench_floor_event (LIKE student_event INCLUDING ALL)`);
  await mirrorTable(pool, "student", "bench_floor_student");
  await mirrorTable(pool, "student_event", "bench_floor_event");
  await pool.query("CHECKPOINT");
  const schema = await timeOnce(() => pool.query(ROWS_AND_EVENTS));
  await pool.query("DROP TABLE bench_floor_event; DROP TABLE bench_floor_student");
  const bulk = await bulkFloor(pool);
  return { bareMs: bare.ms, schemaMs: schema.ms, ...bulk };
}

/** The imported rows, in the commit's order, into the floor's copies, each with its event. */
const ROWS_AND_EVENTS = `
  WITH ins AS (
    INSERT INTO bench_floor_student (${STUDENT_COPY_COLUMNS})
    SELECT ${STUDENT_COPY_COLUMNS} FROM student ${SORTED}
    RETURNING id, school_unit_id, grade, class_name, status)
  INSERT INTO bench_floor_event (student_id, change_type, effective_on, school_unit_id, after)
  SELECT id, '11', current_date, school_unit_id,
    jsonb_build_object('schoolUnitId', school_unit_id, 'grade', grade, 'className', class_name,
      'status', status)
  FROM ins`;

/**
 * (e) What bulk mode cannot avoid: the same rows and events into copies with the live storage
 * parameters and checks but nothing else, then every index (primary keys included) and foreign
 * key of student and student_event built over them, as restore() does.
 */
async function bulkFloor(pool: BenchDatabase["database"]["pool"]) {
  await pool.query(`
    CREATE TABLE bench_floor_student (LIKE student INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS);
    CREATE TABLE bench_floor_event (LIKE student_event INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS)`);
  const statements: string[] = [];
  for (const [table, copy] of [
    ["student", "bench_floor_student"],
    ["student_event", "bench_floor_event"],
  ] as const) {
    await copyStorage(pool, table, copy);
    const { rows: indexes } = await pool.query<{ definition: string }>(
      "SELECT pg_get_indexdef(indexrelid) AS definition FROM pg_index WHERE indrelid = $1::regclass",
      [table],
    );
    for (const { definition } of indexes)
      statements.push(definition.replace(/INDEX (\w+) ON public\.\w+ /, `INDEX bench_floor_$1 ON ${copy} `));
    statements.push(...(await foreignKeysFor(pool, table, copy)));
  }
  await pool.query("CHECKPOINT");
  const insert = await timeOnce(() => pool.query(ROWS_AND_EVENTS));
  const build = await timeOnce(async () => {
    await pool.query("SET maintenance_work_mem = '512MB'");
    for (const statement of statements) await pool.query(statement);
    await pool.query("RESET maintenance_work_mem");
  });
  await pool.query("DROP TABLE bench_floor_event; DROP TABLE bench_floor_student");
  return { bulkMs: insert.ms + build.ms, bulkInsertMs: insert.ms };
}

interface ImportMeasurement {
  ms: number;
  previewMs: number;
  commitMs: number;
  phases: PhaseTimings;
  report: { readyRows: number; errorRows: number; duplicateCount: number; created: number };
}

/** (b) The import path: read the file, preview (parse, check, stage, duplicate joins), commit. */
async function importPath(
  ctx: ServiceContext,
  bench: BenchDatabase,
  file: string,
  validator: ValidatorChoice,
  loadMode: LoadMode,
) {
  const phases: PhaseTimings = {};
  const started = performance.now();
  const buffer = await readFile(file);
  phases.readFile = performance.now() - started;
  const preview = await previewImport(ctx, bench.database, buffer, {
    fileName: path.basename(file),
    validator,
    timings: phases,
  });
  const previewMs = performance.now() - started;
  const committed = await commitImport(ctx, bench.database, preview.jobId, { timings: phases, loadMode });
  const ms = performance.now() - started;
  if (committed.created !== preview.readyRows) throw new Error("commit created a different number of rows");
  const measurement: ImportMeasurement = {
    ms,
    previewMs,
    commitMs: ms - previewMs,
    phases,
    report: {
      readyRows: preview.readyRows,
      errorRows: preview.errorRows,
      duplicateCount: preview.duplicateCount,
      created: committed.created,
    },
  };
  return { measurement, preview };
}

async function prepareSchools(bench: BenchDatabase, options: Options): Promise<SchoolRef[]> {
  const { rows } = await bench.database.pool.query<{ code: string }>(
    `SELECT code FROM code_item WHERE code_set = 'school_type'`,
  );
  const schoolTypes = new Set(rows.map((r) => r.code));
  await loadSchools(bench.database, {
    total: options.schools,
    seed: options.seed,
    batchSize: 10_000,
    schoolTypes,
  });
  await bench.database.pool.query("VACUUM ANALYZE");
  return primarySchools(bench);
}

async function runEngine(engine: Engine, options: Options, file: string): Promise<boolean> {
  console.log(`\n== ${engine}: ${options.rows.toLocaleString("en")} rows ==`);
  const bench = await openBenchDatabase(engine, { adminUrl: options.adminUrl });
  try {
    const info: DatabaseInfo = await databaseInfo(bench.database);
    const schools = await prepareSchools(bench, options);
    const generated = await timeOnce(() =>
      writeCsvFile(file, options.rows, new StudentGenerator(schools, options.seed, options.noIdShare)),
    );
    const fileBytes = (await stat(file)).size;
    console.log(
      `generated ${file}: ${(fileBytes / 2 ** 20).toFixed(0)} MiB over ${schools.length} schools ` +
        `in ${ms(generated.ms)} ms`,
    );
    const services = await createServices({ ...loadConfig(), webDistDir: "/nonexistent" }, bench.database);
    const ctx = await systemContext(services);
    const raw = await rawCopy(bench, file);
    const { measurement } = await importPath(ctx, bench, file, options.validator, options.loadMode);
    const ratio = raw.ms / measurement.ms;
    const floor = options.floor ? await schemaFloor(bench) : undefined;
    const perSecond = (n: number, msValue: number) => Math.round((n / msValue) * 1000);
    const floorRows = floor
      ? [
          [
            "(c) floor: typed rows into a bare copy of student",
            ms(floor.bareMs),
            perSecond(options.rows, floor.bareMs),
            "-",
          ],
          [
            "(d) floor: into copies of student + student_event (indexes, keys, storage as live)",
            ms(floor.schemaMs),
            perSecond(options.rows, floor.schemaMs),
            "-",
          ],
          [
            "(e) bulk floor: into unindexed copies (storage as live), then every index and key built",
            ms(floor.bulkMs),
            perSecond(options.rows, floor.bulkMs),
            "-",
          ],
          ["    of which rows and events", ms(floor.bulkInsertMs), "-", "-"],
        ]
      : [];
    printTable(
      ["measure", "ms", "rows/s", "share of import"],
      [
        ["(a) raw COPY of the CSV", ms(raw.ms), perSecond(options.rows, raw.ms), "-"],
        ...floorRows,
        ["(b) import end to end", ms(measurement.ms), perSecond(options.rows, measurement.ms), "100%"],
        ...Object.entries(measurement.phases).map(([phase, value]) => [
          `    ${phase}`,
          ms(value),
          "-",
          `${((value / measurement.ms) * 100).toFixed(1)}%`,
        ]),
      ],
    );
    const committedIn = measurement.phases.rebuild === undefined ? "in-place" : "bulk";
    console.log(`commit load mode: ${committedIn} (asked: ${options.loadMode})`);
    const met = ratio >= TARGET_RATIO;
    console.log(`ratio (a)/(b) = ${ratio.toFixed(3)} (target ≥ ${TARGET_RATIO}): ${met ? "met" : "NOT met"}`);
    if (floor) {
      console.log(
        `best ratio any import could reach on this schema, (a)/(d) = ` +
          `${(raw.ms / floor.schemaMs).toFixed(3)}; ` +
          `the import spends ${(measurement.ms / floor.schemaMs).toFixed(2)}× the schema floor`,
      );
      console.log(
        `best ratio a bulk-mode import could reach, (a)/(e) = ${(raw.ms / floor.bulkMs).toFixed(3)} ` +
          `(rows, events and indexes alone, before any parsing or checking)`,
      );
    }
    const counts = await sql<{ students: number; events: number }>`
      SELECT (SELECT count(*) FROM student)::int AS students,
        (SELECT count(*) FROM student_event)::int AS events`.execute(services.db);
    const result = {
      bench: "student-import",
      date: new Date().toISOString(),
      machine: machineInfo(),
      database: info,
      parameters: { ...options, engines: undefined, engine, fileBytes, schoolsWithStudents: schools.length },
      rawCopy: { ms: raw.ms, rows: raw.rows, rowsPerSecond: perSecond(raw.rows, raw.ms) },
      schemaFloor: floor ?? null,
      floorRatio: floor ? raw.ms / floor.schemaMs : null,
      bulkFloorRatio: floor ? raw.ms / floor.bulkMs : null,
      import: { ...measurement, rowsPerSecond: perSecond(options.rows, measurement.ms) },
      committedIn,
      ratio,
      target: TARGET_RATIO,
      targetMet: met,
      after: counts.rows[0],
      prepareMs: bench.prepareMs,
    };
    console.log(`results: ${await writeResults("student-import", engine, result)}`);
    return met;
  } finally {
    // The bench database is dropped WITH (FORCE) as soon as the pool has ended; a socket still
    // closing then reports "terminating connection" as a pool error, which is expected here.
    bench.database.pool.on("error", () => undefined);
    await bench.close();
  }
}

export async function run(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(argv, parseOptions, HELP);
  if (typeof options === "number") return options;
  const dir = await mkdtemp(path.join(os.tmpdir(), "edumis-student-import-"));
  const file = path.join(dir, `students-${options.rows}.csv`);
  try {
    // A missed target is a finding, printed and recorded, not a failure of the run (as in the
    // other benches); an error or a wrong import result still fails it.
    for (const engine of options.engines) await runEngine(engine, options, file);
  } finally {
    if (options.keepFile) console.log(`kept ${file}`);
    else await rm(dir, { recursive: true, force: true });
  }
  return 0;
}
