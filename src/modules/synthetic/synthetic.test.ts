import { beforeAll, describe, expect, it } from "vitest";
import { validateIdentityNumber } from "../../platform/identifiers/identity-number";
import { validateSchoolCode } from "../../platform/identifiers/school-code";
import { validateStudentNumber } from "../../platform/identifiers/student-number";
import { readDivisions } from "../../platform/orgs/divisions";
import { loadSyntheticData, type SyntheticData } from "./synthetic.data";
import { csvLine, templateCsvLine, templateValues } from "./synthetic.formats";
import { buildProvinceGeo, cityShortName, type ProvinceGeo } from "./synthetic.geo";
import { Rng, Weighted } from "./synthetic.random";
import { type PlannedSchool, planSchools } from "./synthetic.schools";
import { StudentGenerator, type SyntheticStudent } from "./synthetic.students";

const SCHOOL_YEAR = 2025;
let data: SyntheticData;
let geo: ProvinceGeo;

function plan(students: number, seed = 7): PlannedSchool[] {
  return planSchools(data, geo, { students, seed, schoolYear: SCHOOL_YEAR });
}

function generate(students: number, seed = 7, problems = 0): SyntheticStudent[] {
  const generator = new StudentGenerator(data, geo, plan(students, seed), {
    seed,
    schoolYear: SCHOOL_YEAR,
    problems,
    today: "2025-11-20",
  });
  return [...generator.rows()];
}

beforeAll(async () => {
  data = loadSyntheticData();
  const divisions = await readDivisions();
  geo = buildProvinceGeo(
    divisions.map((d) => ({ code: d.code, name: d.name, level: d.level, parentCode: d.parent_code })),
    "33",
  );
});

describe("synthetic randomness", () => {
  it("draws weighted items in their proportions", () => {
    const rng = new Rng(1);
    const table = new Weighted([
      ["a", 70],
      ["b", 20],
      ["c", 10],
    ]);
    const counts = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 100_000; i++) counts[table.draw(rng) as "a" | "b" | "c"]++;
    expect(counts.a / 100_000).toBeCloseTo(0.7, 1);
    expect(counts.c / 100_000).toBeCloseTo(0.1, 1);
  });
});

describe("synthetic province", () => {
  it("is deterministic for a seed and differs between seeds", () => {
    const first = generate(3000, 11).slice(0, 50);
    expect(generate(3000, 11).slice(0, 50)).toEqual(first);
    expect(
      generate(3000, 12)
        .slice(0, 50)
        .map((s) => s.studentNumber),
    ).not.toEqual(first.map((s) => s.studentNumber));
  });

  it("plans exactly the students asked for, in valid, consistent schools", () => {
    const schools = plan(50_000);
    expect(schools.reduce((sum, s) => sum + s.students, 0)).toBe(50_000);
    const codes = new Set<string>();
    for (const school of schools) {
      const checked = validateSchoolCode(school.code, { expectedProvince: "33" });
      expect(checked.ok, school.code).toBe(true);
      expect(school.code.slice(0, 2)).toBe(school.kind.schoolType);
      // The running type belongs to the school type (211 under 21, 312 under 31 …).
      expect(school.kind.runningType.slice(0, 2)).toBe(school.kind.schoolType);
      expect(school.county.code.startsWith("33")).toBe(true);
      codes.add(school.code);
      for (const grade of school.grades) {
        const stage = data.gradeStage.get(grade.grade)!;
        const offered =
          school.kind.stages.includes(stage) ||
          school.kind.stages.includes("special") ||
          (stage === "higher" &&
            school.kind.stages.some((s) => s === "undergraduate" || s === "higher_vocational"));
        expect(offered, `${school.kind.key} ${grade.grade}`).toBe(true);
        for (const klass of grade.classes) expect(klass.size).toBeLessThanOrEqual(school.kind.classSize[1]);
      }
      expect(school.teachers).toBeGreaterThan(0);
    }
    expect(codes.size).toBe(schools.length);
    expect(new Set(schools.map((s) => s.name)).size).toBe(schools.length);
    expect(schools.some((s) => s.kind.schoolType === "41")).toBe(true);
  });

  it("gives every student a valid identity number whose sex digit and birth date match", () => {
    const rows = generate(20_000);
    const numbers = new Set<string>();
    const today = new Date("2025-11-20T00:00:00Z");
    for (const row of rows) {
      numbers.add(row.studentNumber);
      if (row.identityNumber === null) {
        expect(row.idDocumentType).toBe("Z");
        expect(validateStudentNumber(row.studentNumber, { today }).ok).toBe(true);
        continue;
      }
      const checked = validateIdentityNumber(row.identityNumber, { today });
      expect(checked.ok, row.identityNumber).toBe(true);
      if (!checked.ok) continue;
      expect(checked.value.sex).toBe(row.sex);
      expect(checked.value.birthDate).toBe(row.birthDate);
      expect(geo.counties.some((c) => c.code === checked.value.addressCode)).toBe(true);
      expect(row.studentNumber).toBe(`G${row.identityNumber}`);
    }
    expect(numbers.size).toBe(rows.length);
  });

  it("gives birth dates that fit the grade: primary grade 1 is 6–7 on 1 September", () => {
    const rows = generate(20_000);
    const ageOn = (birth: string, year: number) => {
      const [y, m, d] = birth.split("-").map(Number) as [number, number, number];
      return year - y - (m > 9 || (m === 9 && d > 1) ? 1 : 0);
    };
    const entry = data.students.entryAge;
    for (const row of rows) {
      const age = ageOn(row.birthDate, SCHOOL_YEAR);
      const expected = (entry[row.stage] ?? 6) + Number(row.grade.slice(1)) - 1;
      // Born in the cohort: expected age, or one more for late entry (special schools: entry 7).
      expect(age - expected, `${row.grade} ${row.birthDate}`).toBeGreaterThanOrEqual(0);
      expect(age - expected, `${row.grade} ${row.birthDate}`).toBeLessThanOrEqual(2);
    }
    const firstGraders = rows.filter((r) => r.grade === "P1").map((r) => ageOn(r.birthDate, SCHOOL_YEAR));
    const sixOrSeven = firstGraders.filter((a) => a === 6 || a === 7).length;
    expect(sixOrSeven / firstGraders.length).toBeGreaterThan(0.9);
  });

  it("draws names and proportions that look like a population", () => {
    const rows = generate(20_000);
    const surnames = new Map<string, number>();
    for (const row of rows) surnames.set(row.name[0]!, (surnames.get(row.name[0]!) ?? 0) + 1);
    const top = [...surnames].sort((a, b) => b[1] - a[1]).slice(0, 5);
    expect(top.map(([s]) => s)).toEqual(expect.arrayContaining(["王", "李", "张"]));
    const lengths = rows.map((r) => [...r.name].length);
    expect(lengths.every((n) => n >= 2 && n <= 4)).toBe(true);
    const boys = rows.filter((r) => r.sex === "1").length / rows.length;
    expect(boys).toBeGreaterThan(0.5);
    expect(boys).toBeLessThan(0.57);
    const inSchool = rows.filter((r) => r.status === "01").length / rows.length;
    expect(inSchool).toBeGreaterThan(0.97);
    const compulsory = rows.filter((r) => r.stage === "primary" || r.stage === "junior");
    const leftBehind = compulsory.filter((r) => r.leftBehind !== "0").length / compulsory.length;
    expect(leftBehind).toBeGreaterThan(0.02);
    expect(leftBehind).toBeLessThan(0.2);
  });

  it("plants the requested share of problems, each described", () => {
    const rows = generate(10_000, 3, 0.02);
    const planted = rows.filter((r) => r.planted);
    expect(planted.length).toBe(200);
    const byNumber = new Map(rows.map((r) => [r.studentNumber, r]));
    for (const row of planted) {
      const related = row.planted!.relatedNumber ? byNumber.get(row.planted!.relatedNumber) : undefined;
      switch (row.planted!.kind) {
        case "duplicate_identity":
          expect(row.numberKind).toBe("L");
          expect(related?.identityNumber).toBe(row.identityNumber);
          expect(related?.schoolIndex).not.toBe(row.schoolIndex);
          break;
        case "duplicate_person":
          expect(row.identityNumber).toBeNull();
          expect([related?.name, related?.sex, related?.birthDate]).toEqual([
            row.name,
            row.sex,
            row.birthDate,
          ]);
          expect(related?.identityNumber).toBeNull();
          break;
        case "check_character":
          expect(validateIdentityNumber(row.identityNumber).ok).toBe(false);
          break;
        case "missing_required":
          expect(row[row.planted!.field!]).toBeNull();
          break;
      }
    }
  });

  it("formats the fast CSV line exactly as the template getters do", () => {
    for (const row of generate(2000, 5, 0.05))
      expect(templateCsvLine(row)).toBe(csvLine(templateValues(row)));
  });

  it("shortens prefecture names the way school names use them", () => {
    expect(cityShortName("杭州市")).toBe("杭州");
    expect(cityShortName("黔东南苗族侗族自治州")).toBe("黔东南");
    expect(cityShortName("伊犁哈萨克自治州")).toBe("伊犁");
  });
});
