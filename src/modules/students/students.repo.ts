/**
 * SQL of the student registry. Every read is limited to students of schools in the caller's
 * scope (schoolInScope); the nationwide duplicate checks are the only unscoped reads, and they
 * return ids only, never the other record's content.
 */
import { type Insertable, type Selectable, type SelectQueryBuilder, sql } from "kysely";
import type { Executor } from "../../db/database";
import type { DB, StudentProblemKind, StudentTable } from "../../db/schema";
import { cappedCount, MAX_WINDOW } from "../../http/pagination";
import { type Scope, schoolInScope, unitInScope } from "../../platform/access/scope";
import { adjustTally } from "./students.tally";

export type StudentRow = Selectable<StudentTable>;

export function findStudent(db: Executor, scope: Scope, id: number) {
  return db
    .selectFrom("student")
    .selectAll()
    .where("id", "=", id)
    .where(schoolInScope(scope, "student.school_unit_id"))
    .executeTakeFirst();
}

/** Nationwide: records already holding this identity number (一人一籍 check). */
export function findByIdentityNumber(db: Executor, identityNumber: string) {
  return db
    .selectFrom("student")
    .select(["id", "student_number", "province_code"])
    .where("identity_number", "=", identityNumber)
    .orderBy("id")
    .execute();
}

/** Nationwide: records of the same name, sex and birth date (check for students without an ID). */
export function findSamePerson(db: Executor, person: { name: string; sex: string; birthDate: string }) {
  return db
    .selectFrom("student")
    .select(["id", "student_number"])
    .where("name", "=", person.name)
    .where("birth_date", "=", person.birthDate)
    .where("sex", "=", person.sex)
    .orderBy("id")
    .execute();
}

/** Inserts a record and counts it in the tally (in the caller's transaction). */
export async function insertStudent(db: Executor, row: Insertable<StudentTable>): Promise<number> {
  const { id, status } = await db
    .insertInto("student")
    .values(row)
    .returning(["id", "status"])
    .executeTakeFirstOrThrow();
  await adjustTally(db, [{ schoolUnitId: row.school_unit_id, status, delta: 1 }]);
  return id;
}

export interface StudentFilter {
  schoolIds?: number[] | undefined;
  withinPath?: string | undefined;
  grade?: string | undefined;
  className?: string | undefined;
  status?: string | undefined;
  q?: string | undefined;
}

/** Students of the scope matching the list's filters; the list and the export share it. */
export function filteredStudents(db: Executor, scope: Scope, filter: StudentFilter) {
  let query = db.selectFrom("student").where(schoolInScope(scope, "student.school_unit_id"));
  if (filter.schoolIds) query = query.where("student.school_unit_id", "in", filter.schoolIds);
  if (filter.withinPath) {
    query = query.where(schoolInScope({ ...scope, rootPath: filter.withinPath }, "student.school_unit_id"));
  }
  return whereRecordMatches(query, filter);
}

const STUDENT_NUMBER = /^[GJL]\d{17}[\dX]$|^L\d{18}$/;
const IDENTITY_NUMBER = /^\d{17}[\dX]$/;

/** The filters on the record itself (not on where its school lies). */
function whereRecordMatches<O>(query: SelectQueryBuilder<DB, "student", O>, filter: StudentFilter) {
  let matching = query;
  if (filter.grade) matching = matching.where("student.grade", "=", filter.grade);
  if (filter.className) matching = matching.where("student.class_name", "=", filter.className);
  if (filter.status) matching = matching.where("student.status", "=", filter.status);
  if (filter.q) {
    const q = filter.q.toUpperCase();
    // A number typed whole is an exact match on a unique index; otherwise a name prefix.
    if (STUDENT_NUMBER.test(q)) matching = matching.where("student.student_number", "=", q);
    else if (IDENTITY_NUMBER.test(q)) matching = matching.where("student.identity_number", "=", q);
    else
      matching = matching.where("student.name", "like", `${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  return matching;
}

/** Whether `q` is a name prefix (not a whole student or identity number). */
function seeksName(filter: StudentFilter): boolean {
  if (!filter.q) return false;
  const q = filter.q.toUpperCase();
  return !STUDENT_NUMBER.test(q) && !IDENTITY_NUMBER.test(q);
}

/**
 * A name in the order of the name indexes: `~<~` is the ordering operator of text_pattern_ops,
 * the byte order of UTF-8 (code-point order), the same on PGlite and PostgreSQL whatever the
 * database's collation. A plain ORDER BY name would follow the collation, differ between
 * engines and not be read from `student_school_name_idx` or `student_person_idx` in order.
 */
const byName = (column: string) => sql`${sql.ref(column)} USING ~<~`;

/**
 * Whether a page is best chosen school by school: below a province (a prefecture has some
 * hundreds of schools, a county some tens) or for named schools, unless a whole number is
 * sought (its unique index finds it at once). The planner, asked for the 20 smallest ids of a
 * county, reads the county's every student and sorts them (p95 111 ms at 5 million students),
 * or, for a surname, walks the whole table in id order until it meets the county (up to 0.7 s);
 * the first ids of each school from (school_unit_id, id) give the same page in a few
 * milliseconds. A name search is ordered by name, then id: each school's first names come from
 * (school_unit_id, name text_pattern_ops) in index order (an incremental sort puts equal names
 * in id order), so a common surname stops after `limit + offset` entries per school instead of
 * reading every match (7 % of a county for 王) to find the smallest ids. A province or the
 * nation is better served by one ordered walk: in id order, or for a name along
 * `student_person_idx` (name text_pattern_ops, …), stopping once the page is full, since most
 * students there are in scope; the planner chooses that walk or, when it expects few matches in
 * scope, reads them school by school and sorts them.
 */
function pagesBySchool(scope: Scope, filter: StudentFilter): boolean {
  if (filter.q && !seeksName(filter)) return false;
  if (filter.schoolIds) return true;
  const root =
    filter.withinPath && filter.withinPath.length > scope.rootPath.length
      ? filter.withinPath
      : scope.rootPath;
  return root.split("/").filter(Boolean).length >= 3;
}

/**
 * The students of the scope's schools, one LATERAL subquery per school: `perSchool` receives a
 * school's matching students (its `(school_unit_id, …)` index range) and shapes them. Used for
 * the page and for the count, so that neither depends on the planner's estimate of a name
 * prefix across the province (for a rarer surname it expects 500 matches where there are
 * 42,000, and then walks them all through `student_person_idx` and the heap to keep a county's).
 */
function schoolBySchool<O>(
  db: Executor,
  scope: Scope,
  filter: StudentFilter,
  perSchool: (
    matching: SelectQueryBuilder<DB, "student", { id: number }>,
  ) => SelectQueryBuilder<DB, "student", O>,
) {
  let schools = db
    .selectFrom("org_unit as su")
    .innerJoinLateral(
      (eb) =>
        perSchool(
          whereRecordMatches(
            eb.selectFrom("student").select("student.id").whereRef("student.school_unit_id", "=", "su.id"),
            filter,
          ),
        ).as("first"),
      (join) => join.onTrue(),
    )
    .where("su.kind", "=", "school")
    .where(schoolInScope(scope, "su.id"));
  if (filter.schoolIds) schools = schools.where("su.id", "in", filter.schoolIds);
  if (filter.withinPath)
    schools = schools.where(unitInScope({ ...scope, rootPath: filter.withinPath }, "su.path"));
  return schools;
}

/**
 * Ids of one page of the list: by name, then id, when a name is sought; by id otherwise (an
 * exact number finds one record).
 */
function pageIds(
  db: Executor,
  scope: Scope,
  filter: StudentFilter,
  window: { limit: number; offset: number },
) {
  const byNameFirst = seeksName(filter);
  if (!pagesBySchool(scope, filter)) {
    const matching = filteredStudents(db, scope, filter).select("student.id");
    return (byNameFirst ? matching.orderBy(byName("student.name")) : matching)
      .orderBy("student.id")
      .limit(window.limit)
      .offset(window.offset);
  }
  const schools = schoolBySchool(db, scope, filter, (matching) =>
    // The name is selected only when it orders the page: the plain list reads
    // (school_unit_id, id) alone.
    (byNameFirst ? matching.select("student.name").orderBy(byName("student.name")) : matching)
      .orderBy("student.id")
      .limit(window.limit + window.offset),
  ).select("first.id");
  return (byNameFirst ? schools.orderBy(byName("first.name")) : schools)
    .orderBy("first.id")
    .limit(window.limit)
    .offset(window.offset);
}

/** The capped count of the list, school by school where the page is. */
function countStudents(db: Executor, scope: Scope, filter: StudentFilter): Promise<number> {
  if (!pagesBySchool(scope, filter))
    return cappedCount(db, filteredStudents(db, scope, filter).select("student.id"));
  return cappedCount(
    db,
    schoolBySchool(db, scope, filter, (matching) => matching.limit(MAX_WINDOW + 1)).select("first.id"),
  );
}

/**
 * One page of the list and its capped count. The page is in id order, or, when `q` is a name
 * prefix, in name order (code-point order, as the name indexes keep it), then id.
 */
export async function listStudents(
  db: Executor,
  scope: Scope,
  filter: StudentFilter,
  window: { limit: number; offset: number },
) {
  const page = db
    .selectFrom(pageIds(db, scope, filter, window).as("page"))
    .innerJoin("student", "student.id", "page.id")
    .innerJoin("org_unit as school", "school.id", "student.school_unit_id")
    .select([
      "student.id",
      "student.student_number",
      "student.name",
      "student.sex",
      "student.birth_date",
      "student.identity_number",
      "student.stage",
      "student.grade",
      "student.class_name",
      "student.status",
      "student.school_unit_id",
      "school.name as school_name",
    ]);
  const rows = await (seeksName(filter) ? page.orderBy(byName("student.name")) : page)
    .orderBy("student.id")
    .execute();
  const cappedTotal = await countStudents(db, scope, filter);
  return { rows, cappedTotal };
}

export function listEvents(db: Executor, studentId: number) {
  return db
    .selectFrom("student_event")
    .leftJoin("org_unit", "org_unit.id", "student_event.school_unit_id")
    .selectAll("student_event")
    .select("org_unit.name as school_name")
    .where("student_id", "=", studentId)
    .orderBy("effective_on")
    .orderBy("student_event.id")
    .execute();
}

export function insertEvent(
  db: Executor,
  event: {
    studentId: number;
    changeType: string;
    effectiveOn: string;
    schoolUnitId: number | null;
    before?: Record<string, unknown>;
    after?: Record<string, unknown>;
    requestId?: number | null;
    jobId?: number | null;
    actorUserId: number | null;
  },
) {
  return db
    .insertInto("student_event")
    .values({
      student_id: event.studentId,
      change_type: event.changeType,
      effective_on: event.effectiveOn,
      school_unit_id: event.schoolUnitId,
      before: JSON.stringify(event.before ?? {}),
      after: JSON.stringify(event.after ?? {}),
      request_id: event.requestId ?? null,
      job_id: event.jobId ?? null,
      actor_user_id: event.actorUserId,
    })
    .execute();
}

export function insertProblem(
  db: Executor,
  problem: {
    studentId: number;
    kind: StudentProblemKind;
    relatedStudentId?: number | null;
    detail?: Record<string, unknown>;
  },
) {
  return db
    .insertInto("student_problem")
    .values({
      student_id: problem.studentId,
      kind: problem.kind,
      related_student_id: problem.relatedStudentId ?? null,
      detail: JSON.stringify(problem.detail ?? {}),
      resolution: null,
      resolved_at: null,
    })
    .execute();
}
