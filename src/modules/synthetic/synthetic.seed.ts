/**
 * `edumis seed synthetic`: a province of schools, teachers (counts only: there is no teacher
 * table yet) and students, deterministic for a seed and school year, loaded into the database
 * and/or written as template spreadsheets, with a side file listing the schools, teacher counts,
 * planted problems and bad spreadsheet rows so tests can measure detection.
 */
import { writeFile } from "node:fs/promises";
import type { AppServices } from "../../http/services";
import { recordAudit } from "../../platform/audit/audit.service";
import type { ServiceContext } from "../../platform/context";
import { readDivisions } from "../../platform/orgs/divisions";
import { todayIso } from "../../shared/time";
import { bulkModeWorthIt, relax, restore } from "../students/students.bulk";
import { RETALLY_SCHOOLS } from "../students/students.tally";
import { loadSyntheticData, type PlantedKind, PROBLEM_KINDS, type SyntheticData } from "./synthetic.data";
import { buildProvinceGeo, type ProvinceGeo } from "./synthetic.geo";
import * as load from "./synthetic.load";
import { type BadRow, SpreadsheetSink } from "./synthetic.output";
import { ProgressBar } from "./synthetic.progress";
import { type PlannedSchool, planSchools } from "./synthetic.schools";
import { openLoadSession, type Queryable } from "./synthetic.session";
import { StudentGenerator, type SyntheticStudent } from "./synthetic.students";

export interface SeedOptions {
  provinceCode: string;
  students: number;
  seed: number;
  schoolYear: number;
  /** Share of rows planted as problem records (database only). */
  problems: number;
  csv?: string | undefined;
  xlsx?: string | undefined;
  badRows: number;
  /** Write to the database (false: spreadsheets and side file only). */
  database: boolean;
  /** Admission and promotion events for every student (the slowest part of a large load). */
  history: boolean;
  sideFile?: string | undefined;
  /** Progress bars on stderr. */
  progress: boolean;
}

export interface PlantedEntry {
  kind: PlantedKind;
  studentNumber: string;
  relatedNumber: string | null;
  field?: string;
}

export interface SeedReport {
  province: { code: string; name: string };
  schoolYear: number;
  seed: number;
  schools: PlannedSchool[];
  /** Unit id of each school by plan index (database loads only). */
  schoolUnitIds: number[];
  /** Indexes, foreign keys and the stamp trigger set aside during the load (students/students.bulk.ts). */
  bulkMode: boolean;
  teachers: number;
  students: number;
  rowsInDatabase: number;
  events: number;
  spreadsheetRows: number;
  planted: PlantedEntry[];
  unplanted: PlantedKind[];
  badRows: BadRow[];
  timings: Record<string, number>;
  /** Generation (+ CSV and COPY formatting) throughput, wall clock and per CPU second. */
  rate: { rowsPerSecond: number; rowsPerCpuSecond: number };
  geo: ProvinceGeo;
}

/** The school year in progress on a date: it starts on 1 September. */
export function schoolYearOn(date: string): number {
  const year = Number(date.slice(0, 4));
  return Number(date.slice(5, 7)) >= 9 ? year : year - 1;
}

/** A province as "33", "330000" or a 2-digit prefix of any of its codes. */
export function normaliseProvince(code: string): string {
  if (!/^\d{2}(\d{4})?$/.test(code)) throw new Error(`Province code must be 2 or 6 digits, got "${code}"`);
  return code.slice(0, 2);
}

interface Clock {
  since(): number;
}

function clock(): Clock {
  const t0 = process.hrtime.bigint();
  return { since: () => Number(process.hrtime.bigint() - t0) / 1e6 };
}

async function offlineGeo(provinceCode: string): Promise<ProvinceGeo> {
  const divisions = await readDivisions();
  return buildProvinceGeo(
    divisions.map((d) => ({ code: d.code, name: d.name, level: d.level, parentCode: d.parent_code })),
    provinceCode,
  );
}

interface Prepared {
  data: SyntheticData;
  geo: ProvinceGeo;
  schools: PlannedSchool[];
  generator: StudentGenerator;
  sink: SpreadsheetSink;
}

async function prepare(services: AppServices | null, options: SeedOptions): Promise<Prepared> {
  const data = loadSyntheticData();
  const database = options.database && services ? services.database : null;
  const geo = database
    ? await load.loadProvinceGeo(database, options.provinceCode)
    : await offlineGeo(options.provinceCode);
  const usedSequences = database ? await load.usedSchoolSequences(database, options.provinceCode) : undefined;
  const existing = database ? await load.existingNumbers(database, options.provinceCode) : undefined;
  const schools = planSchools(data, geo, {
    students: options.students,
    seed: options.seed,
    schoolYear: options.schoolYear,
    ...(usedSequences ? { usedSequences } : {}),
  });
  const common = { seed: options.seed, schoolYear: options.schoolYear, today: todayIso() };
  const generator = new StudentGenerator(data, geo, schools, {
    ...common,
    problems: database ? options.problems : 0,
    ...(existing ? { taken: existing.taken, jSequences: existing.jSequences } : {}),
  });
  // Spoiled rows come from a second generator numbering from the top: the good rows stay the
  // same with or without --bad-rows, and no spoiled row reuses a good row's identity number.
  const spares = new StudentGenerator(data, geo, schools, { ...common, numbering: "descending" });
  const sink = new SpreadsheetSink(
    data,
    {
      csv: options.csv,
      xlsx: options.xlsx,
      expectedRows: options.students,
      badRows: options.badRows,
      seed: options.seed,
    },
    spares.rows(),
  );
  return { data, geo, schools, generator, sink };
}

function collect(planted: PlantedEntry[], row: SyntheticStudent): void {
  if (!row.planted) return;
  const entry: PlantedEntry = {
    kind: row.planted.kind,
    studentNumber: row.studentNumber,
    relatedNumber: row.planted.relatedNumber,
  };
  if (row.planted.field) entry.field = row.planted.field;
  planted.push(entry);
}

/** Spreadsheets only: the generation + CSV formatting speed the issue asks to measure. */
async function writeOffline(prepared: Prepared, options: SeedOptions, planted: PlantedEntry[]) {
  const bar = options.progress ? new ProgressBar("students", options.students) : undefined;
  let n = 0;
  for (const row of prepared.generator.rows()) {
    collect(planted, row);
    const pending = prepared.sink.add(row);
    if (pending) await pending;
    if (++n % 10_000 === 0) bar?.update(n);
  }
  bar?.finish(n);
  return n;
}

interface DatabaseLoad {
  unitIds: number[];
  copied: { rows: number; firstId: number; lastId: number };
  events: number;
  bulk: boolean;
}

/** Schools, students, history and sequences in one transaction (see synthetic.session.ts). */
async function writeDatabase(
  services: AppServices,
  prepared: Prepared,
  options: SeedOptions,
  planted: PlantedEntry[],
  timings: Record<string, number>,
): Promise<DatabaseLoad> {
  const session = await openLoadSession(services.database);
  try {
    let t = clock();
    const relaxed = (await bulkModeWorthIt(session, options.students)) ? await relax(session) : undefined;
    const unitIds = await load.insertSchools(session, prepared.geo, prepared.schools);
    timings.schoolsMs = t.since();
    t = clock();
    const bar = options.progress ? new ProgressBar("students", options.students) : undefined;
    const copied = await load.copyStudents(
      session,
      prepared.generator.rows(),
      options.provinceCode,
      unitIds,
      {
        onRow: (row) => {
          collect(planted, row);
          return prepared.sink.active ? prepared.sink.add(row) : undefined;
        },
        onRows: (n) => bar?.update(n),
      },
    );
    bar?.finish(copied.rows);
    timings.copyMs = t.since();
    t = clock();
    const events = options.history ? await writeHistory(session, services, prepared, copied, options) : 0;
    await load.storeJSequences(session, prepared.generator.allocatedJSequences);
    for (const text of RETALLY_SCHOOLS) await session.query(text, [unitIds]);
    timings.historyMs = t.since();
    t = clock();
    if (relaxed) await restore(session, relaxed);
    timings.rebuildMs = t.since();
    t = clock();
    await session.commit();
    timings.commitMs = t.since();
    return { unitIds, copied, events, bulk: relaxed !== undefined };
  } finally {
    await session.close();
  }
}

async function writeHistory(
  session: Queryable,
  services: AppServices,
  prepared: Prepared,
  range: { firstId: number; lastId: number; rows: number },
  options: SeedOptions,
): Promise<number> {
  const bar = options.progress ? new ProgressBar("history", range.rows) : undefined;
  const statusDay = todayIso() < `${options.schoolYear}-10-15` ? todayIso() : `${options.schoolYear}-10-15`;
  let events = 0;
  for (let from = range.firstId; from <= range.lastId; from += load.EVENT_BATCH_STUDENTS) {
    const to = Math.min(range.lastId, from + load.EVENT_BATCH_STUDENTS - 1);
    events += await load.insertHistory(session, services.database, prepared.data, { from, to }, statusDay);
    bar?.update(to - range.firstId + 1);
  }
  bar?.finish(range.rows);
  return events;
}

async function audit(
  ctx: ServiceContext,
  geo: ProvinceGeo,
  report: Partial<SeedReport>,
  options: SeedOptions,
) {
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    action: "student.synthetic_seed",
    module: "students",
    subjectType: "org_unit",
    subjectId: geo.units?.unitId,
    subjectUnitPath: geo.units?.path ?? null,
    detail: {
      seed: options.seed,
      schoolYear: options.schoolYear,
      schools: report.schools?.length ?? 0,
      students: report.rowsInDatabase ?? 0,
      planted: report.planted?.length ?? 0,
    },
  });
}

/** Generates, loads and writes a synthetic province; see the module comment. */
export async function seedSynthetic(
  services: AppServices | null,
  ctx: ServiceContext | null,
  options: SeedOptions,
): Promise<SeedReport> {
  if (options.database && !services) throw new Error("seedSynthetic: a database load needs the services");
  const total = clock();
  const timings: Record<string, number> = {};
  let t = clock();
  const prepared = await prepare(services, options);
  timings.planMs = t.since();
  const planted: PlantedEntry[] = [];
  const cpu0 = process.cpuUsage();
  t = clock();
  let loaded: DatabaseLoad | undefined;
  if (options.database && services)
    loaded = await writeDatabase(services, prepared, options, planted, timings);
  const generated = loaded ? loaded.copied.rows : await writeOffline(prepared, options, planted);
  await prepared.sink.close();
  const cpu = process.cpuUsage(cpu0);
  const generateMs = loaded ? (timings.copyMs ?? 0) : t.since();
  timings.generateMs = generateMs;
  if (loaded && services) {
    t = clock();
    await load.analyze(services.database);
    timings.analyzeMs = t.since();
  }
  const report: SeedReport = {
    province: { code: prepared.geo.code, name: prepared.geo.name },
    schoolYear: options.schoolYear,
    seed: options.seed,
    schools: prepared.schools,
    schoolUnitIds: loaded?.unitIds ?? [],
    bulkMode: loaded?.bulk ?? false,
    teachers: prepared.schools.reduce((sum, s) => sum + s.teachers, 0),
    students: generated,
    rowsInDatabase: loaded?.copied.rows ?? 0,
    events: loaded?.events ?? 0,
    spreadsheetRows: prepared.sink.rows,
    planted,
    unplanted: [...prepared.generator.unplanted],
    badRows: prepared.sink.bad,
    timings,
    rate: {
      rowsPerSecond: Math.round(generated / (generateMs / 1000)),
      rowsPerCpuSecond: Math.round(generated / ((cpu.user + cpu.system) / 1e6)),
    },
    geo: prepared.geo,
  };
  if (ctx && options.database) await audit(ctx, prepared.geo, report, options);
  if (options.sideFile) await writeSideFile(options.sideFile, report, options);
  timings.totalMs = total.since();
  return report;
}

/** Planted problems per kind, for found/planted tables. */
export function plantedByKind(planted: readonly PlantedEntry[]): Record<PlantedKind, number> {
  const counts = Object.fromEntries(PROBLEM_KINDS.map((k) => [k, 0])) as Record<PlantedKind, number>;
  for (const p of planted) counts[p.kind]++;
  return counts;
}

/** The side file: what a test needs to check detection and import, and the teacher counts. */
export async function writeSideFile(file: string, report: SeedReport, options: SeedOptions): Promise<void> {
  const side = {
    generator: "edumis seed synthetic",
    province: report.province,
    seed: report.seed,
    schoolYear: report.schoolYear,
    students: report.students,
    rowsInDatabase: report.rowsInDatabase,
    spreadsheetRows: report.spreadsheetRows,
    problemsShare: options.database ? options.problems : 0,
    teachers: {
      note: "Counts only, at each kind's student-teacher ratio: there is no teacher table yet.",
      total: report.teachers,
    },
    schools: report.schools.map((s) => ({
      code: s.code,
      name: s.name,
      kind: s.kind.key,
      runningType: s.kind.runningType,
      stages: s.kind.stages,
      county: s.county.code,
      students: s.students,
      classes: s.grades.reduce((sum, g) => sum + g.classes.length, 0),
      teachers: s.teachers,
    })),
    plantedByKind: plantedByKind(report.planted),
    planted: report.planted,
    unplanted: report.unplanted,
    badRows: report.badRows,
  };
  await writeFile(file, `${JSON.stringify(side, null, 1)}\n`);
}
