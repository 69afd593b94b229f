import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, type TestNode } from "../../../test/support/app";
import { expectTallyEqualsRecords } from "../../../test/support/students";
import { normaliseHeader, readSpreadsheet } from "../../platform/imports/spreadsheet";
import { STUDENT_FIELDS, templateHeader } from "../students/students.fields";
import { recordOnDate } from "../students/students.service";
import { checkStudentRecord } from "../students/students.validation";
import { measureDetection } from "./synthetic.detection";
import { type SeedOptions, type SeedReport, seedSynthetic } from "./synthetic.seed";

let node: TestNode;
let dir: string;
let report: SeedReport;

const base: SeedOptions = {
  provinceCode: "33",
  students: 2000,
  seed: 5,
  schoolYear: 2025,
  problems: 0.02,
  badRows: 0,
  database: true,
  history: true,
  progress: false,
};

beforeAll(async () => {
  node = await createTestNode();
  dir = await mkdtemp(path.join(os.tmpdir(), "edumis-synthetic-"));
  report = await seedSynthetic(node.services, node.system, {
    ...base,
    sideFile: path.join(dir, "side.json"),
  });
});

afterAll(async () => {
  await node.close();
  await rm(dir, { recursive: true, force: true });
});

describe("seed synthetic into the database", () => {
  it("loads every student with its history and lists the planted problems in the side file", async () => {
    expect(report.rowsInDatabase).toBe(2000);
    const { n } = await node.services.db
      .selectFrom("student")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(2000);
    expect(report.events).toBeGreaterThan(2000);
    const side = JSON.parse(await readFile(path.join(dir, "side.json"), "utf8")) as {
      planted: SeedReport["planted"];
      teachers: { total: number };
      schools: { code: string; teachers: number }[];
    };
    expect(side.planted).toEqual(report.planted);
    expect(report.planted.length).toBe(40);
    expect(side.teachers.total).toBe(side.schools.reduce((sum, s) => sum + s.teachers, 0));
  });

  it("has the problem scan find exactly the planted problems", async () => {
    const detection = await measureDetection(node.system, report.geo.units!.unitId, report.planted);
    for (const kind of detection.kinds) {
      expect(kind.found, kind.kind).toBe(kind.planted);
      expect(kind.matched, kind.kind).toBe(kind.planted);
    }
    expect(detection.kinds.reduce((sum, k) => sum + k.planted, 0)).toBe(40);
  });

  it("writes history that recordOnDate reads back: last year's grade before the promotion", async () => {
    const student = await node.services.db
      .selectFrom("student")
      .select(["id", "grade", "enrolment_month"])
      .where("grade", "=", "P3")
      .where("status", "=", "01")
      .executeTakeFirstOrThrow();
    const before = await recordOnDate(node.system, student.id, "2025-08-01");
    expect(before?.grade).toBe("P2");
    const atStart = await recordOnDate(node.system, student.id, "2023-09-02");
    expect(atStart?.grade).toBe("P1");
    expect(await recordOnDate(node.system, student.id, "2023-08-01")).toBeNull();
  });

  it("keeps the schema intact after a bulk load: indexes, keys and the change-version trigger", async () => {
    // Bulk mode drops the indexes and rebuilds them from their stored definitions: every index
    // the migrations created must be back.
    const { rows } = await node.database.pool.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes WHERE tablename IN ('student', 'student_event') ORDER BY indexname`,
    );
    expect(rows.map((r) => r.name)).toEqual([
      "student_event_pkey",
      "student_event_student_idx",
      "student_identity_idx",
      "student_person_idx",
      "student_pkey",
      "student_school_idx",
      "student_school_name_idx",
      "student_student_number_key",
    ]);
    const trigger = await node.database.pool.query<{ enabled: string }>(
      `SELECT tgenabled AS enabled FROM pg_trigger WHERE tgname = 'student_change_version'`,
    );
    expect(trigger.rows[0]!.enabled).toBe("O");
    const versions = await node.database.pool.query<{ zero: number }>(
      "SELECT count(*)::int AS zero FROM student WHERE change_version = 0",
    );
    expect(versions.rows[0]!.zero).toBe(0);
  });
});

describe("seed synthetic as spreadsheets", () => {
  it("writes a CSV the import reads back, whose rows pass the record check except the bad ones", async () => {
    const csv = path.join(dir, "students.csv");
    const xlsx = path.join(dir, "students.xlsx");
    const written = await seedSynthetic(null, null, {
      ...base,
      database: false,
      csv,
      xlsx,
      badRows: 6,
      sideFile: undefined,
    });
    expect(written.spreadsheetRows).toBe(2006);
    for (const file of [csv, xlsx]) {
      const sheet = await readSpreadsheet(await readFile(file));
      expect(sheet.headers).toEqual(STUDENT_FIELDS.map((f) => normaliseHeader(templateHeader(f))));
      expect(sheet.rows.length).toBe(2006);
      const bad = new Set(written.badRows.map((b) => b.row));
      for (const row of sheet.rows) {
        const input = Object.fromEntries(STUDENT_FIELDS.map((f) => [f.key, row.values[f.header] ?? ""]));
        const checked = checkStudentRecord(node.services.codes, input);
        expect(checked.problems.length === 0, `${file} row ${row.rowNumber}`).toBe(!bad.has(row.rowNumber));
      }
    }
  });
});

describe("the per-school tally", () => {
  it("equals a live count of the records after every change above", async () => {
    await expectTallyEqualsRecords(node.services.db);
  });
});
