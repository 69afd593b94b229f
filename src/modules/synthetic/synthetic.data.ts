/**
 * The proportions synthetic data is drawn from, read from data/synthetic/*.json (each file names
 * its source or says it is an estimate) and turned into O(1) samplers once. Every string of these
 * files ends up in COPY text and CSV unescaped, so loading refuses any value holding a character
 * either format would have to escape: the generator can then skip escaping row by row.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { projectRoot } from "../../config";
import { Weighted } from "./synthetic.random";

type Entries = [string, number][];

export interface SchoolKind {
  key: string;
  schoolType: string;
  runningType: string;
  stages: string[];
  grades: string[];
  studentShare: number;
  meanStudents: number;
  sizeSigma: number;
  classSize: [number, number];
  studentsPerTeacher: number;
  privateShare: number;
  placement: "county" | "province";
  supervisor: "education" | "hrss" | "province";
  /** First sequence number of the code (higher education: "0" + 5-digit institution code). */
  codeSequenceStart?: number;
  names: string[];
}

interface UrbanRural<T> {
  urban: T;
  rural: T;
}

interface FlagsFile {
  leftBehind: { stages: string[] } & UrbanRural<Record<string, number>>;
  migrantChild: { stages: string[] } & UrbanRural<number>;
  onlyChild: UrbanRural<number>;
  boarding: Record<string, number>;
  orphan: number;
  martyrChild: number;
  inclusiveSchooling: { stages: string[]; share: number; codes: Entries; disability: Record<string, string> };
  hadPreschool: Record<string, number>;
  agriculturalHousehold: UrbanRural<number>;
}

interface StudentsFile {
  maleShare: number;
  noIdentityShare: number;
  nationality: string;
  identityDocumentType: string;
  noIdentityDocumentType: string;
  nativePlaceIsHousehold: number;
  suspendedStatus: string;
  entryAge: Record<string, number>;
  olderShare: Record<string, number>;
  status: Entries;
  statusChangeType: Record<string, string>;
  health: Entries;
  political: Record<string, Entries>;
  overseas: Entries;
  enrolmentMode: Record<string, Entries>;
  guardian: {
    default: Entries;
    bothParentsAway: Entries;
    secondGuardianShare: number;
    father: string;
    mother: string;
    maleRelations: string[];
    sameSurnameRelations: string[];
  };
  phonePrefixes: string[];
  problems: { kinds: Entries; missingColumns: [string, string][] };
  badRows: { kinds: Entries };
}

interface PlacesFile {
  placeFirst: string;
  placeSecond: string;
  townSuffix: Entries;
  roadSuffix: Entries;
  brands: string[];
  ordinals: Entries;
  trades: string[];
  disciplines: string[];
  buildingShare: UrbanRural<number>;
}

export const PROBLEM_KINDS = [
  "duplicate_identity",
  "duplicate_person",
  "check_character",
  "missing_required",
] as const;
export type PlantedKind = (typeof PROBLEM_KINDS)[number];

export const BAD_ROW_KINDS = [
  "check_character",
  "missing_name",
  "bad_birth_date",
  "unknown_ethnicity",
  "sex_mismatch",
] as const;
export type BadRowKind = (typeof BAD_ROW_KINDS)[number];

/** Required fields a planted record may lack; the generator knows how to blank each. */
export const BLANKABLE_FIELDS = [
  "phone",
  "householdType",
  "homeAddress",
  "ethnicity",
  "enrolmentMode",
  "className",
] as const;
export type BlankableField = (typeof BLANKABLE_FIELDS)[number];

export interface SyntheticData {
  surnames: Weighted<string>;
  given: { male: Weighted<string>; female: Weighted<string>; neutral: Weighted<string> };
  twoCharacterShare: number;
  neutralShare: number;
  ethnicity(provinceCode: string): Weighted<string>;
  flags: FlagsFile;
  inclusiveCodes: Weighted<string>;
  students: StudentsFile;
  status: Weighted<string>;
  health: Weighted<string>;
  political(stage: string): Weighted<string>;
  overseas: Weighted<string>;
  enrolmentMode(stage: string): Weighted<string>;
  guardianRelation: { default: Weighted<string>; bothParentsAway: Weighted<string> };
  problemKinds: Weighted<PlantedKind>;
  blankable: BlankableField[];
  badRowKinds: Weighted<BadRowKind>;
  kinds: SchoolKind[];
  /** Stage of each grade code (the grade code set's parent): P3 → primary. */
  gradeStage: ReadonlyMap<string, string>;
  places: PlacesFile & {
    first: string[];
    second: string[];
    town: Weighted<string>;
    road: Weighted<string>;
    ordinal: Weighted<string>;
  };
}

const FORBIDDEN = /[\t\n\r\\,"]/;

function readJson<T>(dataDir: string, file: string): T {
  const text = readFileSync(path.join(dataDir, file), "utf8");
  const parsed = JSON.parse(text) as T & { source?: string };
  if (typeof parsed.source !== "string" || parsed.source === "")
    throw new Error(`data/synthetic/${file}: a "source" is required`);
  return parsed;
}

/** Refuses values that COPY text or CSV would need to escape (see the module comment). */
function checkStrings(value: unknown, where: string): void {
  if (typeof value === "string") {
    if (FORBIDDEN.test(value))
      throw new Error(`${where}: tab, newline, backslash, comma or quote in "${value}"`);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkStrings(v, `${where}[${i}]`);
    });
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value))
      if (k !== "source" && k !== "note") checkStrings(v, `${where}.${k}`);
  }
}

function typedKinds<K extends string>(entries: Entries, allowed: readonly K[], file: string): [K, number][] {
  return entries.map(([kind, weight]) => {
    if (!(allowed as readonly string[]).includes(kind)) throw new Error(`${file}: unknown kind "${kind}"`);
    return [kind as K, weight];
  });
}

function byKey(table: Record<string, Entries>, fallback: string): (key: string) => Weighted<string> {
  const built = new Map(Object.entries(table).map(([k, v]) => [k, new Weighted(v)]));
  const fallbackTable = built.get(fallback);
  if (!fallbackTable) throw new Error(`missing "${fallback}" entry`);
  return (key) => built.get(key) ?? fallbackTable;
}

function readGradeStages(): Map<string, string> {
  const file = JSON.parse(readFileSync(path.join(projectRoot, "data", "codes", "grade.json"), "utf8")) as {
    items: { code: string; parent?: string }[];
  };
  return new Map(file.items.filter((i) => i.parent).map((i) => [i.code, i.parent!]));
}

export function loadSyntheticData(dataDir = path.join(projectRoot, "data", "synthetic")): SyntheticData {
  const surnames = readJson<{ surnames: Entries }>(dataDir, "surnames.json");
  const given = readJson<{
    twoCharacterShare: number;
    neutralShare: number;
    male: Entries;
    female: Entries;
    neutral: Entries;
  }>(dataDir, "given-names.json");
  const ethnicity = readJson<{ default: Entries; provinces: Record<string, Entries> }>(
    dataDir,
    "ethnicity.json",
  );
  const flags = readJson<FlagsFile>(dataDir, "flags.json");
  const students = readJson<StudentsFile>(dataDir, "students.json");
  const schools = readJson<{ kinds: SchoolKind[] }>(dataDir, "schools.json");
  const places = readJson<PlacesFile>(dataDir, "places.json");
  for (const [name, file] of Object.entries({ surnames, given, ethnicity, flags, students, schools, places }))
    checkStrings(file, name);
  const ethnicityTables = new Map<string, Weighted<string>>();
  const blankable = students.problems.missingColumns.map(([, field]) => {
    if (!(BLANKABLE_FIELDS as readonly string[]).includes(field))
      throw new Error(`students.json: field "${field}" cannot be blanked by the generator`);
    return field as BlankableField;
  });
  return {
    surnames: new Weighted(surnames.surnames),
    given: {
      male: new Weighted(given.male),
      female: new Weighted(given.female),
      neutral: new Weighted(given.neutral),
    },
    twoCharacterShare: given.twoCharacterShare,
    neutralShare: given.neutralShare,
    ethnicity(provinceCode) {
      let table = ethnicityTables.get(provinceCode);
      if (!table) {
        table = new Weighted(ethnicity.provinces[provinceCode] ?? ethnicity.default);
        ethnicityTables.set(provinceCode, table);
      }
      return table;
    },
    flags,
    inclusiveCodes: new Weighted(flags.inclusiveSchooling.codes),
    students,
    status: new Weighted(students.status),
    health: new Weighted(students.health),
    political: byKey(students.political, "default"),
    overseas: new Weighted(students.overseas),
    enrolmentMode: byKey(students.enrolmentMode, "primary"),
    guardianRelation: {
      default: new Weighted(students.guardian.default),
      bothParentsAway: new Weighted(students.guardian.bothParentsAway),
    },
    problemKinds: new Weighted(typedKinds(students.problems.kinds, PROBLEM_KINDS, "students.json")),
    blankable,
    badRowKinds: new Weighted(typedKinds(students.badRows.kinds, BAD_ROW_KINDS, "students.json")),
    kinds: schools.kinds,
    gradeStage: readGradeStages(),
    places: {
      ...places,
      first: [...places.placeFirst],
      second: [...places.placeSecond],
      town: new Weighted(places.townSuffix),
      road: new Weighted(places.roadSuffix),
      ordinal: new Weighted(places.ordinals),
    },
  };
}
