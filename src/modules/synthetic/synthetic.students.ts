/**
 * Synthetic students, school by school, grade by grade, class by class: valid identity numbers
 * (a real county of the province, a birth date that fits the grade, a sequence whose parity is
 * the sex, the GB 11643 check character), names drawn by surname and character frequency, and
 * codes and flags in the proportions of data/synthetic. Identity numbers come from a sequence per
 * (county, birth date, sex), so they never collide.
 *
 * A fraction of rows can be turned into the problem records scanProblems looks for — a second
 * record of someone's identity number (on an L number), a second record of a person without one
 * (same name, sex and birth date), a failed check character, a missing required field. Those rows
 * are for the database only: a registration would refuse or queue them.
 */
import { makeJNumber, makeLNumber } from "../../platform/identifiers/student-number";
import type { BlankableField, PlantedKind, SyntheticData } from "./synthetic.data";
import type { GeoCounty, ProvinceGeo } from "./synthetic.geo";
import { Rng, Weighted } from "./synthetic.random";
import { PlaceNames, type PlannedClass, type PlannedGrade, type PlannedSchool } from "./synthetic.schools";

export interface PlantedProblem {
  kind: PlantedKind;
  /** The record this one duplicates (duplicate kinds), by student number. */
  relatedNumber: string | null;
  /** The blanked field (missing_required), by template key. */
  field?: BlankableField;
}

export interface SyntheticStudent {
  schoolIndex: number;
  schoolCode: string;
  studentNumber: string;
  numberKind: "G" | "J" | "L";
  name: string;
  sex: "1" | "2";
  /** YYYY-MM-DD. */
  birthDate: string;
  /** YYYYMMDD. */
  birthCompact: string;
  birthplace: string;
  nativePlace: string;
  ethnicity: string | null;
  nationality: string;
  idDocumentType: string;
  identityNumber: string | null;
  overseasStatus: string;
  politicalStatus: string;
  healthStatus: string;
  householdLocation: string;
  householdType: string | null;
  stage: string;
  grade: string;
  className: string | null;
  classNumber: string;
  enrolmentMonth: string;
  enrolmentMode: string | null;
  attendanceMode: string;
  status: string;
  suspendedSince: string | null;
  currentAddress: string;
  mailingAddress: string;
  homeAddress: string | null;
  phone: string | null;
  isOnlyChild: boolean;
  hadPreschool: boolean;
  leftBehind: string | null;
  isMigrantChild: boolean | null;
  isOrphan: boolean;
  isMartyrChild: boolean;
  inclusiveSchooling: string | null;
  disabilityType: string | null;
  guardian1Name: string;
  guardian1Relation: string;
  guardian1Phone: string;
  guardian2Name: string | null;
  guardian2Relation: string | null;
  guardian2Phone: string | null;
  planted: PlantedProblem | null;
}

export interface StudentGeneratorOptions {
  seed: number;
  schoolYear: number;
  /** Share of rows turned into planted problems (database only); 0 for none. */
  problems?: number;
  /**
   * "descending" draws identity sequences from 999 down, so a second generator over the same
   * plan (API bodies, bad spreadsheet rows) never meets the numbers of a first, ascending one.
   */
  numbering?: "ascending" | "descending";
  /** Student numbers already in the database: skipped. */
  taken?: ReadonlySet<string>;
  /** Last J sequence per prefix (division + birth date) already allocated in the database. */
  jSequences?: ReadonlyMap<string, number>;
  /** Dates of status changes stay on or before this day (YYYY-MM-DD). */
  today?: string;
}

const DAY_MS = 86_400_000;
/** Birth dates are drawn within this many years before the school year. */
const YEARS_BACK = 45;
const RESERVOIR = 16;
/** Rows a duplicate may wait (at most) for a fitting original before it becomes another kind. */
const FALLBACK_AFTER_ROWS = 5000;

interface Candidate {
  schoolIndex: number;
  row: SyntheticStudent;
}

interface ClassContext {
  school: PlannedSchool;
  grade: PlannedGrade;
  klass: PlannedClass;
  gradeStage: string;
  compulsory: boolean;
  olderShare: number;
  lastBirthYear: number;
  migrantShare: number;
  boardingShare: number;
  preschoolShare: number;
  political: Weighted<string>;
  enrolmentMode: Weighted<string>;
  enrolmentMonth: string;
}

/** Recent rows of one grade, so a duplicate can copy a person of the right age from another school. */
class Reservoir {
  private readonly byGrade = new Map<string, Candidate[]>();

  add(grade: string, candidate: Candidate): void {
    let list = this.byGrade.get(grade);
    if (!list) {
      list = [];
      this.byGrade.set(grade, list);
    }
    if (list.length >= RESERVOIR) list.shift();
    list.push(candidate);
  }

  other(grade: string, schoolIndex: number, rng: Rng): Candidate | undefined {
    const list = (this.byGrade.get(grade) ?? []).filter((c) => c.schoolIndex !== schoolIndex);
    return list.length === 0 ? undefined : rng.pick(list);
  }

  hasFrom(grade: string, schoolIndex: number): boolean {
    return (this.byGrade.get(grade) ?? []).some((c) => c.schoolIndex === schoolIndex);
  }
}

/** GB 11643 weights and check characters (identity-number.ts computes the same, more slowly). */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECKS = "10X98765432";

function weightedSum(digits: string, offset: number): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += (digits.charCodeAt(i) - 48) * WEIGHTS[offset + i]!;
  return sum;
}

function sequenceSum(sequence: number): number {
  return (
    Math.floor(sequence / 100) * WEIGHTS[14]! +
    (Math.floor(sequence / 10) % 10) * WEIGHTS[15]! +
    (sequence % 10) * WEIGHTS[16]!
  );
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));
const pad3 = (n: number) => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : String(n));

export class StudentGenerator {
  private readonly rng: Rng;
  private readonly names: PlaceNames;
  private readonly baseMs: number;
  private readonly isoDays: string[] = [];
  private readonly compactDays: string[] = [];
  private readonly counters: Uint16Array;
  /** Partial GB 11643 sums of each county code and birth date: the check costs three additions. */
  private readonly countySums: number[];
  private readonly daySums: number[];
  private readonly ethnicity: Weighted<string>;
  private readonly houseNumbers: string[];
  private readonly buildings: string[];
  /** Township and village parts of 12-digit statistical codes (birthplace). */
  private readonly villages: string[];
  private readonly countyIndex: Map<string, number>;
  private readonly streets = new Map<string, string[]>();
  private readonly anywhere: Weighted<GeoCounty>;
  private readonly jSequences: Map<string, number>;
  private readonly idLessPeople = new Set<string>();
  private readonly usedL = new Set<string>();
  private readonly originals = new Reservoir();
  private readonly idLess = new Reservoir();
  private readonly pending: { kind: PlantedKind; since: number }[] = [];
  private readonly descending: boolean;
  private readonly statusDay: string;

  constructor(
    private readonly data: SyntheticData,
    private readonly geo: ProvinceGeo,
    private readonly schools: readonly PlannedSchool[],
    private readonly options: StudentGeneratorOptions,
  ) {
    this.rng = new Rng(options.seed).fork(options.numbering === "descending" ? 3 : 2);
    this.names = new PlaceNames(data, this.rng);
    this.descending = options.numbering === "descending";
    this.baseMs = Date.UTC(options.schoolYear - YEARS_BACK, 0, 1);
    const days = Math.round((Date.UTC(options.schoolYear + 1, 0, 1) - this.baseMs) / DAY_MS);
    for (let d = 0; d < days; d++) {
      const iso = new Date(this.baseMs + d * DAY_MS).toISOString().slice(0, 10);
      this.isoDays.push(iso);
      this.compactDays.push(iso.replaceAll("-", ""));
    }
    this.countySums = geo.counties.map((c) => weightedSum(c.code, 0));
    this.ethnicity = data.ethnicity(geo.code);
    // Pools of address and birthplace endings: drawn whole, so a row builds fewer strings.
    const pools = new Rng(options.seed).fork(5);
    this.houseNumbers = Array.from({ length: 399 }, (_, i) => `${i + 1}号`);
    this.buildings = Array.from(
      { length: 1024 },
      () => `${pools.int(1, 30)}幢${pools.int(1, 4)}单元${pools.int(1, 30)}0${pools.int(1, 4)}室`,
    );
    this.villages = Array.from({ length: 2048 }, () => pad3(pools.int(1, 30)) + pad3(pools.int(1, 250)));
    this.daySums = this.compactDays.map((d) => weightedSum(d, 6));
    this.counters = new Uint16Array(geo.counties.length * days * 2);
    this.countyIndex = new Map(geo.counties.map((c, i) => [c.code, i]));
    this.anywhere = new Weighted(geo.counties.map((c) => [c, c.urban ? 1.5 : 1] as const));
    this.jSequences = new Map(options.jSequences ?? []);
    // Status changes happen in the autumn term of the school year, never after today.
    const autumn = `${options.schoolYear}-10-15`;
    this.statusDay = options.today && options.today < autumn ? options.today : autumn;
  }

  /**
   * Every seat of every planned school, planted rows included. Classes come in a shuffled order
   * across schools, as registrations reach a registry over a school year (not school by school),
   * so a duplicate always finds a person of the same grade at another school nearby.
   */
  *rows(): Generator<SyntheticStudent> {
    const total = this.schools.reduce((sum, s) => sum + s.students, 0);
    const target = Math.round(total * (this.options.problems ?? 0));
    let chosen = 0;
    let seen = 0;
    for (const [school, grade, klass] of this.classOrder()) {
      const context = this.classContext(school, grade, klass);
      for (let seat = 1; seat <= klass.size; seat++) {
        // Selection sampling: exactly `target` rows are chosen, spread evenly at random.
        if (chosen < target && this.rng.next() * (total - seen) < target - chosen) {
          chosen++;
          this.pending.push({ kind: this.data.problemKinds.draw(this.rng), since: seen });
        }
        seen++;
        const reference =
          this.pending.length > 0 &&
          this.pending.some((p) => p.kind === "duplicate_person") &&
          !this.idLess.other(grade.grade, school.index, this.rng) &&
          !this.idLess.hasFrom(grade.grade, school.index);
        const row = this.student(context, seat, reference);
        if (this.pending.length > 0) this.plant(row, school, grade, seen, total - seen);
        if (!row.planted) {
          const candidate = { schoolIndex: school.index, row };
          if (row.identityNumber) this.originals.add(grade.grade, candidate);
          else this.idLess.add(grade.grade, candidate);
        }
        yield row;
      }
    }
  }

  /** What every student of a class shares, worked out once per class. */
  private classContext(school: PlannedSchool, grade: PlannedGrade, klass: PlannedClass): ClassContext {
    const { data } = this;
    const { flags, students } = data;
    const gradeStage = data.gradeStage.get(grade.grade) ?? "";
    const profile = school.kind.stages.includes("special") ? "special" : gradeStage;
    const urban = school.county.urban;
    return {
      school,
      grade,
      klass,
      gradeStage,
      compulsory: flags.leftBehind.stages.includes(gradeStage) && profile !== "special",
      olderShare: students.olderShare[profile] ?? 0,
      // Entry age by the grade's stage: a special school's J1 pupils are as old as anyone's.
      lastBirthYear: this.options.schoolYear - (students.entryAge[gradeStage] ?? 6) - (grade.number - 1),
      migrantShare: urban ? flags.migrantChild.urban : flags.migrantChild.rural,
      boardingShare: flags.boarding[profile] ?? 0,
      preschoolShare: flags.hadPreschool[profile] ?? 0,
      political: data.political(profile),
      enrolmentMode: data.enrolmentMode(profile),
      enrolmentMonth: `${grade.enrolmentYear}09`,
    };
  }

  private classOrder(): [PlannedSchool, PlannedGrade, PlannedClass][] {
    const order: [PlannedSchool, PlannedGrade, PlannedClass][] = [];
    for (const school of this.schools)
      for (const grade of school.grades)
        for (const klass of grade.classes) order.push([school, grade, klass]);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.rng.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }

  /** Problems chosen but not planted for lack of a fitting row (reported, never silent). */
  get unplanted(): PlantedKind[] {
    return this.pending.map((p) => p.kind);
  }

  private day(year: number, month: number, day: number): number {
    return Math.round((Date.UTC(year, month - 1, day) - this.baseMs) / DAY_MS);
  }

  private givenName(sex: "1" | "2"): string {
    const { given, neutralShare, twoCharacterShare } = this.data;
    const own = sex === "1" ? given.male : given.female;
    const first = (this.rng.next() < neutralShare ? given.neutral : own).draw(this.rng);
    if (this.rng.next() >= twoCharacterShare) return first;
    let second = own.draw(this.rng);
    // Doubled characters (欣欣) are a girls' pattern; a boy's draw is repeated once.
    if (second === first && sex === "1") second = own.draw(this.rng);
    return first + second;
  }

  private phone(): string {
    const prefix = this.rng.pick(this.data.students.phonePrefixes);
    return prefix + String(this.rng.int(0, 99_999_999)).padStart(8, "0");
  }

  private address(county: GeoCounty): string {
    let stems = this.streets.get(county.code);
    if (!stems) {
      stems = Array.from({ length: 24 }, () => this.names.street(county));
      this.streets.set(county.code, stems);
    }
    const rng = this.rng;
    const share = county.urban ? this.data.places.buildingShare.urban : this.data.places.buildingShare.rural;
    const building = rng.next() < share ? rng.pick(this.buildings) : "";
    return rng.pick(stems) + rng.pick(this.houseNumbers) + building;
  }

  /** The next identity number of a county, birth day and sex; another county when one is full. */
  private identityNumber(countyIndex: number, day: number, sex: "1" | "2"): string {
    const counties = this.geo.counties.length;
    const days = this.isoDays.length;
    for (let step = 0; step < counties; step++) {
      const c = (countyIndex + step) % counties;
      const slot = (c * days + day) * 2 + (sex === "1" ? 0 : 1);
      while (this.counters[slot]! < 499) {
        const k = this.counters[slot]!;
        this.counters[slot] = k + 1;
        // Odd sequences are men's, even ones women's (GB 11643); 000 is never issued.
        const sequence = this.descending
          ? sex === "1"
            ? 999 - 2 * k
            : 998 - 2 * k
          : 2 * k + (sex === "1" ? 1 : 2);
        const sum = this.countySums[c]! + this.daySums[day]! + sequenceSum(sequence);
        const number = `${this.geo.counties[c]!.code}${this.compactDays[day]}${pad3(sequence)}${CHECKS[sum % 11]}`;
        if (!this.options.taken?.has(`G${number}`)) return number;
      }
    }
    throw new Error(`Identity numbers exhausted for ${this.isoDays[day]}`);
  }

  private jNumber(divisionCode: string, compact: string): string {
    const prefix = divisionCode + compact;
    for (;;) {
      const sequence = (this.jSequences.get(prefix) ?? 0) + 1;
      if (sequence > 999) throw new Error(`J numbers exhausted for ${prefix}`);
      this.jSequences.set(prefix, sequence);
      const number = makeJNumber(divisionCode, compact, sequence);
      if (!this.options.taken?.has(number)) return number;
    }
  }

  private lNumber(divisionCode: string, compact: string): string {
    for (;;) {
      const number = makeLNumber(divisionCode, compact, this.rng.int(0, 9999));
      if (!this.usedL.has(number) && !this.options.taken?.has(number)) {
        this.usedL.add(number);
        return number;
      }
    }
  }

  /** J sequences the generator allocated, to store in student_number_sequence after a load. */
  get allocatedJSequences(): ReadonlyMap<string, number> {
    return this.jSequences;
  }

  /** Where the child's household is registered: the school's county, unless it moved. */
  private household(context: ClassContext, migrant: boolean): GeoCounty {
    const schoolCounty = context.school.county;
    if (context.gradeStage === "higher") return this.anywhere.draw(this.rng);
    if (!migrant || this.geo.counties.length < 2) return schoolCounty;
    let county = schoolCounty;
    while (county === schoolCounty) county = this.rng.pick(this.geo.counties);
    return county;
  }

  private leftBehind(context: ClassContext, household: GeoCounty, migrant: boolean): string | null {
    if (!context.compulsory) return null;
    const { leftBehind } = this.data.flags;
    const shares = household.urban ? leftBehind.urban : leftBehind.rural;
    const x = this.rng.next();
    const one = shares["1"] ?? 0;
    if (migrant) return "0";
    return x < one ? "1" : x < one + (shares["2"] ?? 0) ? "2" : "0";
  }

  /** Name and numbers: a G number from the identity number, or a J number without one. */
  private person(sex: "1" | "2", day: number, household: GeoCounty, schoolCounty: GeoCounty, noId: boolean) {
    const { data, rng } = this;
    let surname = data.surnames.draw(rng);
    let name = surname + this.givenName(sex);
    if (!noId) {
      const identityNumber = this.identityNumber(this.countyIndex.get(household.code)!, day, sex);
      return { surname, name, identityNumber, studentNumber: `G${identityNumber}` };
    }
    // Students without an identity number are told apart by name + sex + birth date: keep
    // those unique, so the only such duplicates in the data are the planted ones.
    while (this.idLessPeople.has(`${name}|${sex}|${day}`)) {
      surname = data.surnames.draw(rng);
      name = surname + this.givenName(sex);
    }
    this.idLessPeople.add(`${name}|${sex}|${day}`);
    return {
      surname,
      name,
      identityNumber: null,
      studentNumber: this.jNumber(schoolCounty.code, this.compactDays[day]!),
    };
  }

  private guardians(surname: string, phone: string, parentsAway: boolean) {
    const { data, rng } = this;
    const relation = (
      parentsAway ? data.guardianRelation.bothParentsAway : data.guardianRelation.default
    ).draw(rng);
    const { father, mother } = data.students.guardian;
    const parent = relation === father || relation === mother;
    const second = !parentsAway && parent && rng.next() < data.students.guardian.secondGuardianShare;
    const other = relation === father ? mother : father;
    return {
      guardian1Name: this.guardianName(relation, surname),
      guardian1Relation: relation,
      guardian1Phone: phone,
      guardian2Name: second ? this.guardianName(other, surname) : null,
      guardian2Relation: second ? other : null,
      guardian2Phone: second ? this.phone() : null,
    };
  }

  private student(context: ClassContext, seat: number, forceNoIdentity: boolean): SyntheticStudent {
    const { rng, data } = this;
    const { flags, students } = data;
    const { school, grade, gradeStage, compulsory } = context;
    const sex: "1" | "2" = rng.next() < students.maleShare ? "1" : "2";
    // Born between 1 September and 31 August of the cohort: P1 pupils are 6 on 1 September.
    const lastYear = context.lastBirthYear - (rng.next() < context.olderShare ? 1 : 0);
    const day = rng.int(this.day(lastYear - 1, 9, 1), this.day(lastYear, 8, 31));
    const migrant = compulsory && rng.next() < context.migrantShare;
    const household = this.household(context, migrant);
    const leftBehind = this.leftBehind(context, household, migrant);
    const noIdentity = forceNoIdentity || rng.next() < students.noIdentityShare;
    const person = this.person(sex, day, household, school.county, noIdentity);
    const status = data.status.draw(rng);
    const homeAddress = this.address(household);
    const currentAddress = migrant ? this.address(school.county) : homeAddress;
    const phone = this.phone();
    const orphan = rng.next() < flags.orphan;
    const inclusive =
      compulsory && rng.next() < flags.inclusiveSchooling.share ? data.inclusiveCodes.draw(rng) : null;
    const urbanHousehold = household.urban;
    return {
      schoolIndex: school.index,
      schoolCode: school.code,
      studentNumber: person.studentNumber,
      numberKind: noIdentity ? "J" : "G",
      name: person.name,
      sex,
      birthDate: this.isoDays[day]!,
      birthCompact: this.compactDays[day]!,
      birthplace: household.code + rng.pick(this.villages),
      nativePlace:
        rng.next() < students.nativePlaceIsHousehold ? household.code : rng.pick(this.geo.counties).code,
      ethnicity: this.ethnicity.draw(rng),
      nationality: students.nationality,
      idDocumentType: noIdentity ? students.noIdentityDocumentType : students.identityDocumentType,
      identityNumber: person.identityNumber,
      overseasStatus: data.overseas.draw(rng),
      politicalStatus: context.political.draw(rng),
      healthStatus: data.health.draw(rng),
      householdLocation: household.code,
      householdType:
        rng.next() < (urbanHousehold ? flags.agriculturalHousehold.urban : flags.agriculturalHousehold.rural)
          ? "1"
          : "2",
      stage: gradeStage,
      grade: grade.grade,
      className: context.klass.name,
      classNumber: pad2(seat),
      enrolmentMonth: context.enrolmentMonth,
      enrolmentMode: context.enrolmentMode.draw(rng),
      attendanceMode: rng.next() < context.boardingShare ? "2" : "1",
      status,
      suspendedSince: status === students.suspendedStatus ? this.statusDay : null,
      currentAddress,
      mailingAddress: currentAddress,
      homeAddress,
      phone,
      isOnlyChild: rng.next() < (urbanHousehold ? flags.onlyChild.urban : flags.onlyChild.rural),
      hadPreschool: rng.next() < context.preschoolShare,
      leftBehind,
      isMigrantChild: compulsory ? migrant : null,
      isOrphan: orphan,
      isMartyrChild: rng.next() < flags.martyrChild,
      inclusiveSchooling: compulsory ? (inclusive ?? "0") : null,
      disabilityType: inclusive ? (flags.inclusiveSchooling.disability[inclusive] ?? null) : null,
      ...this.guardians(person.surname, phone, orphan || leftBehind === "2"),
      planted: null,
    };
  }

  /** Fathers and paternal grandparents' line carry the child's surname; others their own. */
  private guardianName(relation: string, surname: string): string {
    const { maleRelations, sameSurnameRelations } = this.data.students.guardian;
    const own = sameSurnameRelations.includes(relation);
    const sex = maleRelations.includes(relation) ? "1" : "2";
    return (own ? surname : this.data.surnames.draw(this.rng)) + this.givenName(sex);
  }

  /**
   * Turns the row into the first pending problem it can carry. A duplicate that finds no person
   * of its grade at another school (a grade only one school teaches) becomes, after a while, a
   * failed check character instead: the side file lists what was really planted.
   */
  private plant(
    row: SyntheticStudent,
    school: PlannedSchool,
    grade: PlannedGrade,
    seen: number,
    left: number,
  ): void {
    const patience = Math.min(FALLBACK_AFTER_ROWS, Math.max(50, Math.floor((seen + left) / 50)));
    for (let i = 0; i < this.pending.length; i++) {
      const waiting = this.pending[i]!;
      if (waiting.kind.startsWith("duplicate") && seen - waiting.since > patience)
        waiting.kind = "check_character";
      // The last rows take whatever is still pending: a missing field fits any row.
      if (left < this.pending.length) waiting.kind = "missing_required";
      const planted = this.plantKind(waiting.kind, row, school, grade);
      if (planted) {
        this.pending.splice(i, 1);
        row.planted = planted;
        return;
      }
    }
  }

  private plantKind(
    kind: PlantedKind,
    row: SyntheticStudent,
    school: PlannedSchool,
    grade: PlannedGrade,
  ): PlantedProblem | undefined {
    switch (kind) {
      case "duplicate_identity": {
        const original = this.originals.other(grade.grade, school.index, this.rng)?.row;
        if (!original?.identityNumber) return undefined;
        this.copyPerson(row, original);
        row.identityNumber = original.identityNumber;
        row.idDocumentType = this.data.students.identityDocumentType;
        row.ethnicity = original.ethnicity;
        row.householdLocation = original.householdLocation;
        row.birthplace = original.birthplace;
        row.nativePlace = original.nativePlace;
        // student_number is unique: the second record of a person waits on a temporary number.
        row.studentNumber = this.lNumber(school.county.code, row.birthCompact);
        row.numberKind = "L";
        return { kind, relatedNumber: original.studentNumber };
      }
      case "duplicate_person": {
        const original = this.idLess.other(grade.grade, school.index, this.rng)?.row;
        if (!original) return undefined;
        this.copyPerson(row, original);
        row.identityNumber = null;
        row.idDocumentType = this.data.students.noIdentityDocumentType;
        row.studentNumber = this.jNumber(school.county.code, row.birthCompact);
        row.numberKind = "J";
        return { kind, relatedNumber: original.studentNumber };
      }
      case "check_character": {
        if (!row.identityNumber) return undefined;
        const checks = "10X98765432";
        const right = row.identityNumber.slice(17);
        const wrong = checks[(checks.indexOf(right) + 1 + this.rng.int(0, 9)) % 11]!;
        row.identityNumber = row.identityNumber.slice(0, 17) + wrong;
        row.studentNumber = `G${row.identityNumber}`;
        return { kind, relatedNumber: null };
      }
      case "missing_required": {
        const field = this.rng.pick(this.data.blankable);
        row[field] = null;
        return { kind, relatedNumber: null, field };
      }
    }
  }

  private copyPerson(row: SyntheticStudent, original: SyntheticStudent): void {
    row.name = original.name;
    row.sex = original.sex;
    row.birthDate = original.birthDate;
    row.birthCompact = original.birthCompact;
  }
}
