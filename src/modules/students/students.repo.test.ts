import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, openTestSchool, type TestNode } from "../../../test/support/app";
import { sampleStudent } from "../../../test/support/students";
import type { Scope } from "../../platform/access/scope";
import { deleteUnit } from "../../platform/orgs/orgs.service";
import { listStudents, type StudentFilter } from "./students.repo";
import { registerStudent } from "./students.service";

// Lists below a province choose their page school by school (a lateral read of each school's
// first ids); above, in one ordered read. Both must give exactly the rows a plain query gives:
// in id order, or for a name search in name order (code points, as COLLATE "C"), then id.
let node: TestNode;
const schools: Record<string, number> = {};
const paths: Record<string, string> = {};

async function unitPath(code: string): Promise<{ id: number; path: string }> {
  return node.services.db
    .selectFrom("org_unit")
    .select(["id", "path"])
    .where("code", "=", code)
    .executeTakeFirstOrThrow();
}

// Names repeat (equal names are ordered by id), and their code-point order differs from both the
// order of registration and a linguistic collation ("王·阿依" before "王一": U+00B7 < U+4E00).
const NAMES = [
  "王小明",
  "李雷",
  "王·阿依",
  "王",
  "王小明",
  "汪洋",
  "王一",
  "王小",
  "韩梅梅",
  "王丽",
  "学生十一",
];

beforeAll(async () => {
  node = await createTestNode();
  const specs = [
    ["2133107101", "330102"],
    ["2133107102", "330102"],
    ["2133107103", "330102"],
    ["2133107104", "330106"],
  ] as const;
  for (const [code, division] of specs) {
    const school = await openTestSchool(node, { schoolCode: code, divisionCode: division });
    schools[code] = school;
  }
  for (const code of ["330000", "330100", "330102", "330106"]) paths[code] = (await unitPath(code)).path;
  // One school first holds the smallest ids, then the schools interleave: a page must not take
  // a fixed number of rows from each school.
  const grades = ["P1", "P2", "P3"];
  let sequence = 101;
  const order = [...Array(8).fill("2133107101"), ...Array(5).fill(Object.keys(schools)).flat()];
  for (const [round, code] of order.entries()) {
    {
      const grade = grades[(round + sequence) % grades.length]!;
      await registerStudent(node.system, {
        ...sampleStudent("2016-03-01", { sequence }),
        name: NAMES[(round * 7) % NAMES.length]!,
        grade,
        className: `${grade}-${round % 2}`,
        schoolCode: code,
      });
      sequence++;
    }
  }
});
afterAll(() => node.close());

function scopeOf(code: string): Scope {
  return { rootPath: paths[code]!, rootUnitId: 0, side: "education" };
}

/**
 * The reference: every student of the subtree's schools matching the filter, by id, or for a
 * name search by name in code-point order, then id.
 */
async function expected(root: string, filter: StudentFilter) {
  let query = node.services.db
    .selectFrom("student")
    .innerJoin("org_unit", "org_unit.id", "student.school_unit_id")
    .select("student.id")
    .where("org_unit.path", "like", `${root}%`);
  if (filter.grade) query = query.where("student.grade", "=", filter.grade);
  if (filter.className) query = query.where("student.class_name", "=", filter.className);
  if (filter.schoolIds) query = query.where("student.school_unit_id", "in", filter.schoolIds);
  if (filter.q)
    query = query.where("student.name", "like", `${filter.q}%`).orderBy(sql`student.name collate "C"`);
  return (await query.orderBy("student.id").execute()).map((r) => r.id);
}

describe("student lists", () => {
  const filters: [string, StudentFilter][] = [
    ["no filter", {}],
    ["grade", { grade: "P2" }],
    ["grade and class", { grade: "P1", className: "P1-0" }],
    ["name prefix", { q: "学生11" }],
    ["surname", { q: "王" }],
    ["two-character name prefix", { q: "王小" }],
    ["whole name", { q: "王小明" }],
    ["surname and grade", { q: "王", grade: "P2" }],
  ];
  for (const [label, filter] of filters) {
    it(`pages a county by school and a province in one read alike (${label})`, async () => {
      for (const code of ["330102", "330000", "330100"]) {
        const all = await expected(paths[code]!, filter);
        for (const offset of [0, 2, 7, 13]) {
          const { rows, cappedTotal } = await listStudents(node.services.db, scopeOf(code), filter, {
            limit: 4,
            offset,
          });
          expect(rows.map((r) => r.id)).toEqual(all.slice(offset, offset + 4));
          expect(cappedTotal).toBe(all.length);
        }
      }
    });
  }

  it("orders a name search by name, then id, and never lists a sibling county's students", async () => {
    const sibling = schools["2133107104"]!;
    const county = await listStudents(
      node.services.db,
      scopeOf("330102"),
      { q: "王" },
      { limit: 50, offset: 0 },
    );
    const province = await listStudents(
      node.services.db,
      scopeOf("330000"),
      { q: "王" },
      { limit: 50, offset: 0 },
    );
    expect(province.rows.some((r) => r.school_unit_id === sibling)).toBe(true);
    expect(county.rows.some((r) => r.school_unit_id === sibling)).toBe(false);
    for (const { rows } of [county, province]) {
      const names = rows.map((r) => r.name);
      expect(new Set(names).size).toBeLessThan(names.length); // equal names occur: ordered by id
      const byCodePoint = (a: { name: string; id: number }, b: { name: string; id: number }) =>
        a.name === b.name ? a.id - b.id : Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
      expect(rows.map((r) => r.id)).toEqual([...rows].sort(byCodePoint).map((r) => r.id));
      expect(names.indexOf("王·阿依")).toBeLessThan(names.indexOf("王一"));
    }
    const drilled = await listStudents(
      node.services.db,
      scopeOf("330000"),
      { q: "王小", withinPath: paths["330102"] },
      { limit: 3, offset: 2 },
    );
    expect(drilled.rows.map((r) => r.id)).toEqual(
      (await expected(paths["330102"]!, { q: "王小" })).slice(2, 5),
    );
    const named = await listStudents(
      node.services.db,
      scopeOf("330102"),
      { q: "王", schoolIds: [schools["2133107102"]!, sibling] },
      { limit: 50, offset: 0 },
    );
    expect(named.rows.map((r) => r.id)).toEqual(
      await expected(paths["330102"]!, { q: "王", schoolIds: [schools["2133107102"]!] }),
    );
  });

  it("keeps named schools and a drill-down inside the caller's scope", async () => {
    const other = schools["2133107104"]!;
    const own = schools["2133107101"]!;
    const named = await listStudents(
      node.services.db,
      scopeOf("330102"),
      { schoolIds: [own, other] },
      { limit: 50, offset: 0 },
    );
    expect(named.rows.map((r) => r.id)).toEqual(await expected(paths["330102"]!, { schoolIds: [own] }));
    const outside = await listStudents(
      node.services.db,
      scopeOf("330102"),
      { withinPath: paths["330106"] },
      { limit: 50, offset: 0 },
    );
    expect(outside.rows).toEqual([]);
    expect(outside.cappedTotal).toBe(0);
    const drilled = await listStudents(
      node.services.db,
      scopeOf("330000"),
      { withinPath: paths["330106"] },
      { limit: 50, offset: 0 },
    );
    expect(drilled.rows.map((r) => r.id)).toEqual(await expected(paths["330106"]!, {}));
    expect(drilled.rows.every((r) => r.school_unit_id === other)).toBe(true);
  });
});

describe("history and the tree", () => {
  it("refuses to delete a school that is named in a student's history, even with no student left", async () => {
    const school = await openTestSchool(node, { schoolCode: "2133107105", divisionCode: "330102" });
    const { id } = await registerStudent(node.system, {
      ...sampleStudent("2016-03-01", { sequence: 801 }),
      schoolCode: "2133107105",
    });
    // The record went elsewhere (as after a transfer): only its history still names the school.
    await node.services.db
      .updateTable("student")
      .set({ school_unit_id: schools["2133107101"]! })
      .where("id", "=", id)
      .execute();
    await expect(deleteUnit(node.system, school)).rejects.toMatchObject({ code: "unit_in_use", status: 409 });
    const empty = await openTestSchool(node, { schoolCode: "2133107106", divisionCode: "330102" });
    await deleteUnit(node.system, empty);
  });
});

describe("the capped count", () => {
  it("stops at 10,001 across the schools of a county, and counts one school exactly", async () => {
    // 5,100 copies of one record in each of two schools of a county, with temporary L numbers:
    // the count, taken school by school below a province, must stop at MAX_WINDOW + 1 overall.
    const { rows: columns } = await sql<{ column_name: string }>`
      SELECT column_name FROM information_schema.columns
      WHERE table_name = 'student' AND column_name NOT IN
        ('id', 'student_number', 'number_kind', 'school_unit_id', 'change_version')`.execute(
      node.services.db,
    );
    const list = sql.raw(columns.map((c) => c.column_name).join(", "));
    const template = await node.services.db
      .selectFrom("student")
      .select("id")
      .where("school_unit_id", "=", schools["2133107101"]!)
      .orderBy("id")
      .executeTakeFirstOrThrow();
    for (const [i, code] of ["2133107102", "2133107103"].entries()) {
      await sql`
        INSERT INTO student (student_number, number_kind, school_unit_id, ${list})
        SELECT 'L9' || lpad((${i * 10_000} + g)::text, 17, '0'), 'L', ${schools[code]!}::bigint, ${list}
        FROM student, generate_series(1, 5100) g WHERE id = ${template.id}`.execute(node.services.db);
    }
    const name = (
      await node.services.db
        .selectFrom("student")
        .select("name")
        .where("id", "=", template.id)
        .executeTakeFirstOrThrow()
    ).name;
    for (const [code, filter] of [
      ["330102", {}],
      ["330102", { q: name }],
      ["330000", { q: name }],
    ] as const) {
      const { rows, cappedTotal } = await listStudents(node.services.db, scopeOf(code), filter, {
        limit: 20,
        offset: 0,
      });
      expect(cappedTotal).toBe(10_001);
      expect(rows).toHaveLength(20);
    }
    const oneSchool = await listStudents(
      node.services.db,
      scopeOf("330102"),
      { q: name, schoolIds: [schools["2133107103"]!] },
      { limit: 20, offset: 0 },
    );
    expect(oneSchool.cappedTotal).toBe(
      (await expected(paths["330102"]!, { q: name, schoolIds: [schools["2133107103"]!] })).length,
    );
  });
});
