/**
 * The JavaScript side of the student import, without a database: a generated CSV of valid rows
 * (the student-import bench's generator, over schools made in memory) read, checked and turned
 * into staging COPY lines by the real functions of students.import.rows.ts, in four nested
 * phases timed separately, each over several runs (median):
 *   (1) open + parse        openSheet and every record of the file
 *   (2) parse + check       (1) and rowChecker on every row
 *   (3) parse + check + line (1) and checkRow: check, school, stage and the staged COPY line,
 *                            in batches of 2,000 rows joined into one chunk, as checkedLines does
 *   (4) … + bytes            (3) and each chunk written as UTF-8, as checkedLines hands it to the
 *                            COPY stream (the rest of the JavaScript work of the staging)
 * The cost of a phase alone is the difference: check = (2) − (1), school + line = (3) − (2). The
 * database ingests the staging COPY at about 6 µs a row on the other core, so (3) at or under
 * that keeps the staging at the database's speed. The CPU time is printed beside the wall
 * time: on a machine other work keeps busy, it moves less than the wall time does.
 *
 *   npm run bench -- import-rows                    200,000 rows, 3 runs
 *   npm run bench -- import-rows --rows 1000000 --runs 5
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../src/config";
import {
  checkRow,
  openSheet,
  type RowCheck,
  rowChecker,
  type SchoolsOfRows,
  type SheetRecord,
  type ValidatorChoice,
} from "../src/modules/students/students.import.rows";
import type { RegistrySchool } from "../src/modules/students/students.service";
import { BenchUsageError, positiveInt } from "../src/modules/synthetic/synthetic.bench";
import { readCodeSetFiles } from "../src/platform/codes/codes.files";
import { type CodeItem, CodeRegistry } from "../src/platform/codes/codes.service";
import { readDivisions } from "../src/platform/orgs/divisions";
import { type SchoolRef, StudentGenerator, writeCsvFile } from "./student-import.bench";
import { optionsOrExitCode } from "./support/cli";
import { loadAverage, machineInfo, printTable, writeResults } from "./support/report";
import { type CountyRef, generateSchools } from "./support/school-generator";
import { median } from "./support/timing";

export const description =
  "student import rows in JavaScript alone: parse, check and COPY line µs/row (no database)";

/** The µs a row the database takes to ingest the staging COPY: the JavaScript's budget. */
const DATABASE_US_PER_ROW = 6;
/** Rows are checked and their lines joined in batches of this many, as the import's checkedLines does. */
const BATCH_ROWS = 2000;

const HELP = `Usage: npm run bench -- import-rows [options]

  --rows N            student rows in the generated CSV (default 200000)
  --runs N            measured runs of each phase; the median is reported (default 3)
  --schools N         schools generated in memory (default 20000; the rows go to primary and junior ones)
  --validator V       fast | reference (default fast; reference = checkStudentRecord on every row)
  --no-id-share F     share of rows without an identity number (default 0.02)
  --seed N            data seed (default 1)
  --engine E, --database-url URL   accepted and ignored (the quick run passes them to every bench)
  --help              this text`;

interface Options {
  rows: number;
  runs: number;
  schools: number;
  validator: ValidatorChoice;
  noIdShare: number;
  seed: number;
}

async function parseOptions(argv: string[]): Promise<Options | "help"> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rows: { type: "string" },
      runs: { type: "string" },
      schools: { type: "string" },
      validator: { type: "string" },
      "no-id-share": { type: "string" },
      seed: { type: "string" },
      engine: { type: "string" },
      "database-url": { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) return "help";
  const validator = values.validator ?? "fast";
  if (validator !== "fast" && validator !== "reference")
    throw new BenchUsageError("--validator must be fast or reference");
  const noIdShare = values["no-id-share"] === undefined ? 0.02 : Number(values["no-id-share"]);
  if (!(noIdShare >= 0 && noIdShare <= 1)) throw new BenchUsageError("--no-id-share must be between 0 and 1");
  return {
    rows: positiveInt(values.rows, "rows", 200_000),
    runs: positiveInt(values.runs, "runs", 3),
    schools: positiveInt(values.schools, "schools", 20_000),
    validator,
    noIdShare,
    seed: positiveInt(values.seed, "seed", 1),
  };
}

// ---------------------------------------------------------------------------------------------
// The world in memory: code sets from data/codes, provinces and counties from the division
// table's source, schools from the schools bench's generator
// ---------------------------------------------------------------------------------------------

/** The registry CodeRegistry.load builds from the tables, built here from the same data files. */
export async function codesFromFiles(): Promise<CodeRegistry> {
  const files = await readCodeSetFiles(path.join(projectRoot, "data", "codes"));
  const sets = new Map<string, Map<string, CodeItem>>();
  for (const file of files) {
    const items = new Map<string, CodeItem>();
    file.items.forEach((item, index) => {
      items.set(item.code, {
        code: item.code,
        labelZh: item.label_zh,
        labelEn: item.label_en,
        parentCode: item.parent ?? null,
        sortOrder: index + 1,
        isActive: true,
        isGroup: false,
      });
    });
    for (const item of items.values()) {
      const parent = item.parentCode ? items.get(item.parentCode) : undefined;
      if (parent) parent.isGroup = true;
    }
    sets.set(file.name, items);
  }
  const provinces = new Set((await readDivisions()).filter((d) => d.level === 1).map((d) => d.province_code));
  // The constructor is private: the registry is normally read from the database.
  const Registry = CodeRegistry as unknown as new (
    sets: Map<string, Map<string, CodeItem>>,
    provinces: ReadonlySet<string>,
  ) => CodeRegistry;
  return new Registry(sets, provinces);
}

/** Schools of the rows, over a Map: what the import's SchoolDirectory answers after its look-ups. */
class SchoolsInMemory implements SchoolsOfRows {
  constructor(private readonly byCode: ReadonlyMap<string, RegistrySchool>) {}

  schoolOf(code: string) {
    if (code === "") return { field: "schoolCode", code: "school_required" };
    return this.byCode.get(code) ?? { field: "schoolCode", code: "school_not_found", params: { code } };
  }
}

export async function schoolsInMemory(
  codes: CodeRegistry,
  total: number,
  seed: number,
): Promise<{ refs: SchoolRef[]; schools: SchoolsInMemory }> {
  const counties: CountyRef[] = (await readDivisions())
    .filter((d) => d.level === 3)
    .map((d, i) => ({
      id: i + 1,
      code: d.code,
      name: d.name,
      provinceCode: d.province_code,
      educationDepartmentId: 0,
      hrssDepartmentId: 0,
    }));
  const schoolTypes = new Set(codes.items("school_type").map((item) => item.code));
  const byCode = new Map<string, RegistrySchool>();
  const refs: SchoolRef[] = [];
  for (const school of generateSchools({ total, seed, counties, schoolTypes })) {
    const id = 1_000_000 + school.index;
    byCode.set(school.code, {
      id,
      path: `/1/${school.county.id}/${id}/`,
      name: school.name,
      divisionCode: school.county.code,
      provinceCode: school.county.provinceCode,
      stages: school.stages,
    });
    if (school.stages.includes("primary") || school.stages.includes("junior"))
      refs.push({ code: school.code, divisionCode: school.county.code, stages: school.stages });
  }
  return { refs, schools: new SchoolsInMemory(byCode) };
}

// ---------------------------------------------------------------------------------------------
// Phases
// ---------------------------------------------------------------------------------------------

interface PhaseRun {
  ms: number;
  /** CPU time of the process (all its threads, GC helpers included): less sensitive to load than ms. */
  cpuMs: number;
  rows: number;
  /** Rows the check accepted (phase 2) or staged (phase 3). */
  clean: number;
  /** Characters of COPY text produced (phases 3 and 4). */
  chars: number;
  /** Bytes of COPY text produced (phase 4). */
  bytes: number;
}

export type Phase = "parse" | "check" | "line" | "bytes";

export async function runPhase(
  phase: Phase,
  buffer: Buffer,
  codes: CodeRegistry,
  schools: SchoolsOfRows,
  validator: ValidatorChoice,
): Promise<PhaseRun> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const sheet = await openSheet(buffer);
  let rows = 0;
  let clean = 0;
  let chars = 0;
  let bytes = 0;
  if (phase === "parse") {
    for (const record of sheet.records() as Iterable<SheetRecord>) if (record.rowNumber > 0) rows++;
  } else if (phase === "check") {
    const check: (cells: readonly string[]) => RowCheck = rowChecker(codes, new Date(), validator);
    for (const record of sheet.records() as Iterable<SheetRecord>) {
      rows++;
      if (check(record.cells).record) clean++;
    }
  } else {
    // As the import's checkedLines does: rows in batches (the import resolves a batch's school
    // codes in one query before checking it), the batch's lines joined into one COPY chunk,
    // and in phase "bytes" that chunk written as UTF-8 as checkedLines hands it to the stream.
    const check = rowChecker(codes, new Date(), validator);
    let scratch = Buffer.alloc(0);
    const stage = (batch: SheetRecord[]) => {
      let lines = "";
      for (const record of batch) {
        const { line } = checkRow(record, check, schools, codes);
        if (line) {
          lines += line;
          clean++;
        }
      }
      chars += lines.length;
      if (phase === "bytes" && lines) {
        if (scratch.length < lines.length * 3) scratch = Buffer.allocUnsafe(lines.length * 3);
        bytes += Buffer.from(scratch.subarray(0, scratch.write(lines))).length;
      }
    };
    let batch: SheetRecord[] = [];
    for (const record of sheet.records() as Iterable<SheetRecord>) {
      rows++;
      batch.push(record);
      if (batch.length >= BATCH_ROWS) {
        stage(batch);
        batch = [];
      }
    }
    stage(batch);
  }
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000, rows, clean, chars, bytes };
}

const us = (msValue: number, rows: number) => (msValue * 1000) / rows;

export async function run(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(argv, parseOptions, HELP);
  if (typeof options === "number") return options;
  const machine = machineInfo();
  const codes = await codesFromFiles();
  const { refs, schools } = await schoolsInMemory(codes, options.schools, options.seed);
  const dir = await mkdtemp(path.join(os.tmpdir(), "edumis-import-rows-"));
  let buffer: Buffer;
  try {
    const file = path.join(dir, "students.csv");
    const started = performance.now();
    await writeCsvFile(file, options.rows, new StudentGenerator(refs, options.seed, options.noIdShare));
    buffer = await readFile(file);
    console.log(
      `generated ${options.rows.toLocaleString("en")} rows over ${refs.length} schools: ` +
        `${(buffer.length / 2 ** 20).toFixed(0)} MiB in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const phases: Phase[] = ["parse", "check", "line", "bytes"];
  const samples: Record<Phase, PhaseRun[]> = { parse: [], check: [], line: [], bytes: [] };
  const loadBefore = loadAverage();
  // Phases interleaved run by run, so a burst of load elsewhere touches each of them alike.
  for (let r = 0; r < options.runs; r++) {
    for (const phase of phases) {
      const result = await runPhase(phase, buffer, codes, schools, options.validator);
      if (result.rows !== options.rows)
        throw new Error(`${phase}: read ${result.rows} rows, not ${options.rows}`);
      if (phase !== "parse" && result.clean !== options.rows)
        throw new Error(`${phase}: ${options.rows - result.clean} valid rows refused`);
      samples[phase].push(result);
      console.log(`  run ${r + 1} ${phase.padEnd(5)} ${result.ms.toFixed(0)} ms`);
    }
  }
  const loadAfter = loadAverage();
  const rows = options.rows;
  const medianOf = (phase: Phase, of: (s: PhaseRun) => number) =>
    median(samples[phase].map(of).sort((a, b) => a - b));
  const wall = { parse: 0, check: 0, line: 0, bytes: 0 };
  const cpu = { parse: 0, check: 0, line: 0, bytes: 0 };
  for (const phase of phases) {
    wall[phase] = medianOf(phase, (s) => s.ms);
    cpu[phase] = medianOf(phase, (s) => s.cpuMs);
  }
  const perSecond = (msValue: number) => Math.round((rows / msValue) * 1000).toLocaleString("en");
  console.log(
    `\n${rows.toLocaleString("en")} rows, ${options.validator} checker, median of ${options.runs} runs ` +
      `(load average ${loadBefore.join(" ")} → ${loadAfter.join(" ")})`,
  );
  const labels: Record<Phase, string> = {
    parse: "(1) open + parse",
    check: "(2) parse + check (rowChecker)",
    line: "(3) parse + check + staged line (checkRow)",
    bytes: "(4) (3) + UTF-8 bytes for the COPY stream",
  };
  const difference = (label: string, a: Phase, b: Phase) => [
    label,
    (wall[a] - wall[b]).toFixed(0),
    us(wall[a] - wall[b], rows).toFixed(2),
    "-",
    us(cpu[a] - cpu[b], rows).toFixed(2),
    "-",
    "-",
  ];
  printTable(
    ["phase", "median ms", "µs/row", "rows/s", "CPU µs/row", "min ms", "max ms"],
    [
      ...phases.map((phase) => {
        const all = samples[phase].map((s) => s.ms);
        return [
          labels[phase],
          wall[phase].toFixed(0),
          us(wall[phase], rows).toFixed(2),
          perSecond(wall[phase]),
          us(cpu[phase], rows).toFixed(2),
          Math.min(...all).toFixed(0),
          Math.max(...all).toFixed(0),
        ];
      }),
      difference("    check alone = (2) − (1)", "check", "parse"),
      difference("    school + stage + line alone = (3) − (2)", "line", "check"),
      difference("    UTF-8 bytes alone = (4) − (3)", "bytes", "line"),
    ],
  );
  const total = us(wall.line, rows);
  console.log(
    `total ${total.toFixed(2)} µs/row (CPU ${us(cpu.line, rows).toFixed(2)}) against the database's ` +
      `~${DATABASE_US_PER_ROW} µs/row staging COPY: ` +
      `${total <= DATABASE_US_PER_ROW ? "at or under" : `${(total / DATABASE_US_PER_ROW).toFixed(1)}× over`}; ` +
      `with the bytes the stream sends ${us(wall.bytes, rows).toFixed(2)} µs/row`,
  );
  const perRow = (m: Record<Phase, number>) => ({
    parse: us(m.parse, rows),
    parseCheck: us(m.check, rows),
    parseCheckLine: us(m.line, rows),
    check: us(m.check - m.parse, rows),
    line: us(m.line - m.check, rows),
    parseCheckLineBytes: us(m.bytes, rows),
    bytes: us(m.bytes - m.line, rows),
  });
  const file = await writeResults("import-rows", "js", {
    bench: "import-rows",
    date: new Date().toISOString(),
    machine,
    loadAverageAfter: loadAfter,
    parameters: options,
    fileBytes: buffer.length,
    stagedChars: samples.line[0]?.chars ?? 0,
    stagedBytes: samples.bytes[0]?.bytes ?? 0,
    medianMs: wall,
    medianCpuMs: cpu,
    usPerRow: perRow(wall),
    cpuUsPerRow: perRow(cpu),
    samples,
  });
  console.log(`results: ${file}`);
  return 0;
}
