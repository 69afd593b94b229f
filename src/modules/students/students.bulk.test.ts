import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, openTestSchool, type TestNode } from "../../../test/support/app";
import { hanNumber, sampleStudent } from "../../../test/support/students";
import { systemContext } from "../../bootstrap";
import type { ServiceContext } from "../../platform/context";
import { STUDENT_FIELDS, templateHeader } from "./students.fields";
import { commitImport, type LoadMode, previewImport } from "./students.import";

let node: TestNode;
let ctx: ServiceContext;
const SCHOOL = "2133109001";
const SECOND_SCHOOL = "2133109002";

function csv(rows: Record<string, unknown>[]): Buffer {
  const keys = STUDENT_FIELDS.map((f) => f.key);
  const lines = rows.map((row) => keys.map((k) => String(row[k] ?? "")).join(","));
  return Buffer.from([STUDENT_FIELDS.map(templateHeader).join(","), ...lines].join("\r\n"), "utf8");
}

/** Each test's pupils are born in a month of their own, so that no two tests share a person. */
const monthOf = new Map<string, number>();

/** Pupils of SCHOOL born on consecutive days of 2016, one of them without an identity number. */
function pupils(tag: string, n: number): Record<string, unknown>[] {
  if (!monthOf.has(tag)) monthOf.set(tag, monthOf.size);
  const month = monthOf.get(tag)!;
  return Array.from({ length: n }, (_, i) => {
    const birthDate = new Date(Date.UTC(2016, month, 1 + i)).toISOString().slice(0, 10).replaceAll("-", "");
    const row = {
      ...sampleStudent(birthDate, { sequence: 301 }),
      name: `${tag}${hanNumber(i)}`,
      schoolCode: SCHOOL,
    };
    return i === 0 ? { ...row, idDocumentType: "Z", identityNumber: "", sex: "1" } : row;
  });
}

/** The indexes and constraints of the two tables bulk mode relaxes, as the catalog defines them. */
async function registrySchema(): Promise<string[]> {
  const { rows } = await sql<{ definition: string }>`
    SELECT indexdef AS definition FROM pg_indexes WHERE tablename IN ('student', 'student_event')
    UNION ALL
    SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
    FROM pg_constraint WHERE conrelid IN ('student'::regclass, 'student_event'::regclass)
    ORDER BY 1`.execute(node.services.db);
  return rows.map((r) => r.definition);
}

async function counts() {
  const { rows } = await sql<{ students: number; events: number }>`
    SELECT (SELECT count(*) FROM student)::int AS students,
      (SELECT count(*) FROM student_event)::int AS events`.execute(node.services.db);
  return rows[0]!;
}

async function loadModeOfLastImport(): Promise<string> {
  const { rows } = await sql<{ mode: string }>`
    SELECT detail->>'loadMode' AS mode FROM audit_log WHERE action = 'student.import'
    ORDER BY id DESC LIMIT 1`.execute(node.services.db);
  return rows[0]!.mode;
}

async function previewed(tag: string, n: number): Promise<number> {
  const report = await previewImport(ctx, node.database, csv(pupils(tag, n)));
  expect(report.readyRows).toBe(n);
  return report.jobId;
}

function commit(jobId: number, loadMode: LoadMode) {
  return commitImport(ctx, node.database, jobId, { loadMode });
}

beforeAll(async () => {
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: SECOND_SCHOOL, divisionCode: "330102" });
  ctx = await systemContext(node.services);
});
afterAll(async () => {
  node.database.pool.on("error", () => undefined);
  await node.close();
});

describe("bulk mode of the import commit", () => {
  it("creates the same records and events as in place, and puts every index and key back", async () => {
    const schema = await registrySchema();
    const before = await counts();
    const committed = await commit(await previewed("整批", 5), "bulk");
    expect(committed.created).toBe(5);
    expect(await loadModeOfLastImport()).toBe("bulk");
    expect(await counts()).toEqual({ students: before.students + 5, events: before.events + 5 });
    expect(await registrySchema()).toEqual(schema);
    const created = await node.services.db
      .selectFrom("student")
      .select(["number_kind", "name"])
      .where("name", "like", "整批%")
      .orderBy("name")
      .execute();
    // The first pupil (no identity number) has a J number, the others G numbers.
    expect(created.map((s) => [s.name, s.number_kind]).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => [`整批${hanNumber(i)}`, i === 0 ? "J" : "G"]).sort(),
    );
    // The rebuilt unique constraint is enforced again.
    const taken = await node.services.db
      .selectFrom("student")
      .select("student_number")
      .executeTakeFirstOrThrow();
    await expect(
      sql`UPDATE student SET student_number = ${taken.student_number} WHERE name = ${`整批${hanNumber(1)}`}`.execute(
        node.services.db,
      ),
    ).rejects.toMatchObject({ code: "23505" });
  });

  it("leaves records, indexes and keys as they were when a row fails", async () => {
    const jobId = await previewed("失败", 3);
    const schema = await registrySchema();
    const before = await counts();
    await sql`ALTER TABLE student ADD CONSTRAINT test_bulk_fail CHECK (name <> ${sql.lit(`失败${hanNumber(2)}`)}) NOT VALID`.execute(
      node.services.db,
    );
    try {
      await expect(commit(jobId, "bulk")).rejects.toThrow(/test_bulk_fail/);
    } finally {
      await sql`ALTER TABLE student DROP CONSTRAINT test_bulk_fail`.execute(node.services.db);
    }
    expect(await counts()).toEqual(before);
    expect(await registrySchema()).toEqual(schema);
    expect((await commit(jobId, "bulk")).created).toBe(3);
  });

  it("fails whole when the rebuilt unique constraint finds a student number taken since the preview", async () => {
    const jobId = await previewed("撞号", 3);
    const [, second] = pupils("撞号", 3);
    // A record holding the G number the import will give its second row, under no identity number,
    // so the commit's recheck of identity numbers does not see it: only the unique constraint does.
    await sql`
      INSERT INTO student (student_number, number_kind, province_code, school_unit_id, stage, name, sex,
        birth_date, id_document_type, grade)
      SELECT ${`G${second!.identityNumber}`}, 'G', '33', unit_id, 'primary', '占号', '1', '2015-01-02', 'Z', 'P3'
      FROM school WHERE school_code = ${SCHOOL}`.execute(node.services.db);
    const schema = await registrySchema();
    const before = await counts();
    await expect(commit(jobId, "bulk")).rejects.toMatchObject({ code: "23505" });
    expect(await counts()).toEqual(before);
    expect(await registrySchema()).toEqual(schema);
  });

  it("keeps a small import in place when left to choose", async () => {
    expect((await commit(await previewed("小批", 2), "auto")).created).toBe(2);
    expect(await loadModeOfLastImport()).toBe("in-place");
  });

  it("commits in many small steps, every row once: by pages in bulk mode, by schools in place", async () => {
    for (const mode of ["bulk", "in-place"] as const) {
      // Two tags, two months of birth: 56 distinct pupils over two schools, about three pages.
      const rows = [
        ...pupils(`分步${mode}甲`, 28),
        ...pupils(`分步${mode}乙`, 28).map((row) => ({ ...row, schoolCode: SECOND_SCHOOL })),
      ];
      const report = await previewImport(ctx, node.database, csv(rows));
      expect(report.readyRows).toBe(56);
      const before = await counts();
      const committed = await commitImport(ctx, node.database, report.jobId, {
        loadMode: mode,
        chunkRows: 5,
      });
      expect(committed.created).toBe(56);
      expect(await loadModeOfLastImport()).toBe(mode);
      expect(await counts()).toEqual({ students: before.students + 56, events: before.events + 56 });
      const created = await node.services.db
        .selectFrom("student")
        .select("name")
        .where("name", "like", `分步${mode}%`)
        .execute();
      expect(new Set(created.map((s) => s.name)).size).toBe(56);
    }
  });
});
