/**
 * The schools of a synthetic province: how many of each kind the number of students calls for,
 * their sizes (log-normal around the national mean of the kind), their counties, valid codes
 * (type + province + sequence), realistic names, classes of the kind's size and teacher counts at
 * the kind's student–teacher ratio. Teachers have no table yet: their counts live in the plan and
 * the side file only.
 */
import type { SchoolKind, SyntheticData } from "./synthetic.data";
import type { GeoCounty, ProvinceGeo } from "./synthetic.geo";
import { Rng, Weighted } from "./synthetic.random";

export interface PlannedClass {
  name: string;
  size: number;
}

export interface PlannedGrade {
  grade: string;
  /** 1 for the first grade of its stage (P1, J1 …): years since enrolment + 1. */
  number: number;
  enrolmentYear: number;
  classes: PlannedClass[];
}

export interface PlannedSchool {
  index: number;
  kind: SchoolKind;
  code: string;
  name: string;
  /** The county the school stands in (for universities: a district of the capital). */
  county: GeoCounty;
  ownership: "public" | "private";
  openedOn: string;
  address: string;
  students: number;
  teachers: number;
  grades: PlannedGrade[];
}

export interface PlanOptions {
  students: number;
  seed: number;
  schoolYear: number;
  /** Last sequence already used per school type in the province (codes continue after it). */
  usedSequences?: ReadonlyMap<string, number>;
}

/** Splits `total` into integer parts proportional to `weights` (largest remainder). */
export function apportion(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const exact = weights.map((w) => (w / sum) * total);
  const parts = exact.map(Math.floor);
  let missing = total - parts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, r: x - Math.floor(x) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (missing-- <= 0) break;
    parts[i]! += 1;
  }
  return parts;
}

export class PlaceNames {
  constructor(
    private readonly data: SyntheticData,
    private readonly rng: Rng,
  ) {}

  place(): string {
    const p = this.data.places;
    return `${this.rng.pick(p.first)}${this.rng.pick(p.second)}`;
  }

  /** A street in the county: 杭州市西湖区 + 龙坞镇 + 石桥路. */
  street(county: GeoCounty): string {
    const p = this.data.places;
    const prefix = county.urban ? county.local : `${county.cityName}${county.name}`;
    return `${prefix}${this.place()}${p.town.draw(this.rng)}${this.place()}${p.road.draw(this.rng)}`;
  }
}

function fillName(template: string, county: GeoCounty, geo: ProvinceGeo, data: SyntheticData, rng: Rng) {
  const names = new PlaceNames(data, rng);
  return template.replace(/\{(\w+)\}/g, (_, token: string) => {
    switch (token) {
      case "local":
        return county.local;
      case "city":
        return county.cityShort;
      case "province":
        return geo.shortName;
      case "place":
        return names.place();
      case "brand":
        return rng.pick(data.places.brands);
      case "ordinal":
        return data.places.ordinal.draw(rng);
      case "trade":
        return rng.pick(data.places.trades);
      case "discipline":
        return rng.pick(data.places.disciplines);
      default:
        throw new Error(`Unknown token {${token}} in a school name template`);
    }
  });
}

function uniqueName(
  kind: SchoolKind,
  county: GeoCounty,
  geo: ProvinceGeo,
  data: SyntheticData,
  rng: Rng,
  used: Set<string>,
): string {
  let name = "";
  for (let attempt = 0; attempt < 8; attempt++) {
    name = fillName(rng.pick(kind.names), county, geo, data, rng);
    if (!used.has(name)) break;
  }
  // A county can run out of plain names (实验小学 exists once): the campus tells them apart.
  for (let n = 2; used.has(name); n++) name = `${name.replace(/（.*）$/, "")}（第${n}校区）`;
  used.add(name);
  return name;
}

function classesOf(students: number, kind: SchoolKind, enrolmentYear: number): PlannedClass[] {
  const [, max] = kind.classSize;
  const count = Math.max(1, Math.ceil(students / max));
  return apportion(
    students,
    Array.from({ length: count }, () => 1),
  ).map((size, i) => ({ name: `${enrolmentYear}级${i + 1}班`, size }));
}

function gradesOf(kind: SchoolKind, students: number, schoolYear: number, rng: Rng): PlannedGrade[] {
  // Cohorts differ a little from year to year; the school's total stays exact.
  const sizes = apportion(
    students,
    kind.grades.map(() => 1 + 0.08 * rng.gaussian()),
  );
  return kind.grades.map((grade, i) => {
    // Grade codes are a stage letter and the year within the stage (P3, J1): the same rule the
    // history events are derived by in SQL.
    const number = Number(grade.slice(1));
    const enrolmentYear = schoolYear - (number - 1);
    return { grade, number, enrolmentYear, classes: classesOf(sizes[i]!, kind, enrolmentYear) };
  });
}

function countyWeights(geo: ProvinceGeo, rng: Rng): Weighted<GeoCounty> {
  return new Weighted(
    geo.counties.map((c) => [c, Math.exp(0.5 * rng.gaussian()) * (c.urban ? 1.2 : 1)] as const),
  );
}

/** Plans every school of the province; deterministic for (data, geo, options). */
export function planSchools(data: SyntheticData, geo: ProvinceGeo, options: PlanOptions): PlannedSchool[] {
  const rng = new Rng(options.seed).fork(1);
  const perKind = apportion(
    options.students,
    data.kinds.map((k) => k.studentShare),
  );
  const anywhere = countyWeights(geo, rng);
  const capital = new Weighted(
    geo.counties
      .filter((c) => c.prefectureCode === geo.capitalCode)
      .map((c) => [c, c.urban ? 3 : 1] as const),
  );
  const sequences = new Map(options.usedSequences ?? []);
  const usedNames = new Set<string>();
  const schools: PlannedSchool[] = [];
  data.kinds.forEach((kind, k) => {
    const students = perKind[k]!;
    if (students === 0) return;
    const count = Math.max(1, Math.round(students / kind.meanStudents));
    const sizes = apportion(
      students,
      Array.from({ length: count }, () => Math.exp(kind.sizeSigma * rng.gaussian())),
    );
    for (const size of sizes) {
      if (size === 0) continue;
      const county = (kind.placement === "province" ? capital : anywhere).draw(rng);
      const sequence = Math.max((sequences.get(kind.schoolType) ?? 0) + 1, kind.codeSequenceStart ?? 1);
      if (sequence > 999_999) throw new Error(`School codes of type ${kind.schoolType} exhausted`);
      sequences.set(kind.schoolType, sequence);
      const teachers = Math.max(1, Math.round((size / kind.studentsPerTeacher) * (0.85 + 0.3 * rng.next())));
      const names = new PlaceNames(data, rng);
      schools.push({
        index: schools.length,
        kind,
        code: `${kind.schoolType}${geo.code}${String(sequence).padStart(6, "0")}`,
        name: uniqueName(kind, county, geo, data, rng, usedNames),
        county,
        ownership: rng.chance(kind.privateShare) ? "private" : "public",
        openedOn: `${rng.int(1950, options.schoolYear - 13)}-09-01`,
        address: `${names.street(county)}${rng.int(1, 399)}号`,
        students: size,
        teachers,
        grades: gradesOf(kind, size, options.schoolYear, rng),
      });
    }
  });
  return schools;
}
