/**
 * SQL of the student registry. Every read is limited to students of schools in the caller's
 * scope (schoolInScope); the nationwide duplicate checks are the only unscoped reads, and they
 * return ids only, never the other record's content.
 */
import { type Insertable, type Selectable, sql } from "kysely";
import type { Executor } from "../../db/database";
import type { StudentProblemKind, StudentTable } from "../../db/schema";
import { MAX_WINDOW } from "../../http/pagination";
import { type Scope, schoolInScope } from "../../platform/access/scope";

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

export async function insertStudent(db: Executor, row: Insertable<StudentTable>): Promise<number> {
  const { id } = await db.insertInto("student").values(row).returning("id").executeTakeFirstOrThrow();
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
  if (filter.grade) query = query.where("student.grade", "=", filter.grade);
  if (filter.className) query = query.where("student.class_name", "=", filter.className);
  if (filter.status) query = query.where("student.status", "=", filter.status);
  if (filter.q) {
    const q = filter.q.toUpperCase();
    // A number typed whole is an exact match on a unique index; otherwise a name prefix.
    if (/^[GJL]\d{17}[\dX]$|^L\d{18}$/.test(q)) query = query.where("student.student_number", "=", q);
    else if (/^\d{17}[\dX]$/.test(q)) query = query.where("student.identity_number", "=", q);
    else query = query.where("student.name", "like", `${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  }
  return query;
}

export async function listStudents(
  db: Executor,
  scope: Scope,
  filter: StudentFilter,
  window: { limit: number; offset: number },
) {
  const rows = await filteredStudents(db, scope, filter)
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
    ])
    .orderBy("student.id")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  const counted = await db
    .selectFrom(
      filteredStudents(db, scope, filter)
        .select(sql<number>`1`.as("one"))
        .limit(MAX_WINDOW + 1)
        .as("capped"),
    )
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return { rows, cappedTotal: Number(counted.n) };
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
