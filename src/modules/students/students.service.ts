/**
 * The student registry (学籍): registration with the nationwide one-person-one-record check,
 * reading records within scope (masked in lists, full and audited in detail), the history of a
 * record and the record as it stood on any date. Registry problems never refuse a child: a
 * suspected duplicate is registered on a temporary L number and queued as a problem record.
 */

import type { Executor } from "../../db/database";
import { inTransaction } from "../../db/database";
import { type PageQuery, pageWindow, toPage } from "../../http/pagination";
import { can } from "../../platform/access/actor";
import { recordAudit } from "../../platform/audit/audit.service";
import type { ServiceContext } from "../../platform/context";
import { maskIdentityNumber, maskStudentNumber } from "../../platform/identifiers/masking";
import { findUnitById } from "../../platform/orgs/orgs.repo";
import { AppError, notFound, unprocessable } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { type DuplicateHolder, duplicateHolders } from "./students.holders";
import * as numbers from "./students.numbers";
import * as repo from "./students.repo";
import {
  checkStudentRecord,
  RESIDENT_ID_CARD,
  type StudentRecord,
  stageOfGrade,
} from "./students.validation";

export const IN_SCHOOL = "01";

function requirePermission(ctx: ServiceContext, action: "read" | "write" | "export" | "approve"): void {
  if (!can(ctx.actor, "students", action)) throw new AppError("forbidden", 403);
}

export interface RegistrySchool {
  id: number;
  path: string;
  name: string;
  divisionCode: string;
  provinceCode: string;
  stages: string[];
}

/** The school a record is registered at: the given code, or the caller's own school. */
export async function resolveSchool(
  ctx: ServiceContext,
  db: Executor,
  schoolCode: string | null,
): Promise<RegistrySchool> {
  let unitId: number | undefined;
  if (schoolCode) {
    const found = await db
      .selectFrom("school")
      .select("unit_id")
      .where("school_code", "=", schoolCode)
      .executeTakeFirst();
    unitId = found?.unit_id;
  } else if (ctx.actor.scope.side === "school") {
    unitId = ctx.actor.scope.rootUnitId;
  } else {
    throw unprocessable("school_required", {}, [{ path: "schoolCode", code: "school_required" }]);
  }
  const unit = unitId === undefined ? undefined : await findUnitById(db, ctx.actor.scope, unitId);
  if (unit?.kind !== "school" || unit.status !== "active") {
    const code = schoolCode ?? "";
    throw unprocessable("school_not_found", { code }, [
      { path: "schoolCode", code: "school_not_found", params: { code } },
    ]);
  }
  return {
    id: unit.id,
    path: unit.path,
    name: unit.name,
    divisionCode: unit.division_code ?? "",
    provinceCode: unit.province_code ?? "",
    stages: unit.stages ?? [],
  };
}

export interface Registration {
  id: number;
  studentNumber: string;
  /**
   * Suspected duplicates: who holds the other record (school, province, masked number); its id
   * only when the caller's scope holds it (students.holders.ts).
   */
  problems: { kind: string; relatedStudentId: number | null; holder: DuplicateHolder | null }[];
}

/** The columns of a record, from the checked fields. */
export function toColumns(record: StudentRecord) {
  return {
    name: record.name,
    former_name: record.formerName,
    sex: record.sex,
    birth_date: record.birthDate,
    birthplace_code: record.birthplace,
    native_place_code: record.nativePlace,
    ethnicity: record.ethnicity,
    nationality: record.nationality,
    id_document_type: record.idDocumentType,
    identity_number: record.identityNumber,
    id_valid_until: record.idValidUntil,
    overseas_status: record.overseasStatus,
    political_status: record.politicalStatus,
    health_status: record.healthStatus,
    household_location_code: record.householdLocation,
    household_type: record.householdType,
    grade: record.grade,
    class_name: record.className,
    class_number: record.classNumber,
    aux_number: record.auxNumber,
    enrolment_month: record.enrolmentMonth,
    enrolment_mode: record.enrolmentMode,
    attendance_mode: record.attendanceMode,
    current_address: record.currentAddress,
    mailing_address: record.mailingAddress,
    home_address: record.homeAddress,
    phone: record.phone,
    is_only_child: record.isOnlyChild,
    had_preschool: record.hadPreschool,
    left_behind: record.leftBehind,
    is_migrant_child: record.isMigrantChild,
    is_orphan: record.isOrphan,
    is_martyr_child: record.isMartyrChild,
    inclusive_schooling: record.inclusiveSchooling,
    disability_type: record.disabilityType,
    guardians: JSON.stringify(record.guardians),
  };
}

/**
 * Registers one student (入学登记). The nationwide check decides the number: a resident ID not
 * yet registered gives the G number; one already registered gives a temporary L number and a
 * duplicate-identity problem; no usable ID gives a J number, with a problem when the same name,
 * sex and birth date are already registered.
 */
export async function registerStudent(
  ctx: ServiceContext,
  input: Record<string, unknown>,
  options: { effectiveOn?: string; db?: Executor } = {},
): Promise<Registration> {
  requirePermission(ctx, "write");
  const { record, problems } = checkStudentRecord(ctx.codes, input);
  if (!record) {
    throw unprocessable(
      "validation_failed",
      {},
      problems.map((p) => ({ path: p.field, code: p.code, ...(p.params ? { params: p.params } : {}) })),
    );
  }
  return inTransaction(options.db ?? ctx.db, async (trx) => {
    const registered = await registerChecked(ctx, trx, record, options.effectiveOn);
    const holders = await duplicateHolders(
      ctx,
      trx,
      registered.found.map((p) => p.relatedStudentId),
    );
    return {
      id: registered.id,
      studentNumber: registered.studentNumber,
      problems: registered.found.map((p) => {
        const holder = p.relatedStudentId === null ? undefined : holders.get(p.relatedStudentId);
        return { kind: p.kind, relatedStudentId: holder?.studentId ?? null, holder: holder ?? null };
      }),
    };
  });
}

async function registerChecked(
  ctx: ServiceContext,
  trx: Executor,
  record: StudentRecord,
  effectiveOnOption: string | undefined,
): Promise<{
  id: number;
  studentNumber: string;
  found: { kind: string; relatedStudentId: number | null }[];
}> {
  const school = await resolveSchool(ctx, trx, record.schoolCode);
  const stage = stageOfGrade(ctx.codes, record.grade);
  if (
    school.stages.length > 0 &&
    !school.stages.includes(stage) &&
    !isCompatibleStage(stage, school.stages)
  ) {
    throw unprocessable("grade_not_offered", { stage }, [
      { path: "grade", code: "grade_not_offered", params: { stage } },
    ]);
  }
  const found: { kind: string; relatedStudentId: number | null }[] = [];
  let studentNumber: string;
  if (record.idDocumentType === RESIDENT_ID_CARD && record.identityNumber) {
    const existing = await repo.findByIdentityNumber(trx, record.identityNumber);
    if (existing.length === 0) studentNumber = numbers.gNumber(record.identityNumber);
    else {
      studentNumber = await numbers.newLNumber(trx, school.divisionCode, record.birthDate);
      found.push({ kind: "duplicate_identity", relatedStudentId: existing[0]!.id });
    }
  } else {
    studentNumber = await numbers.nextJNumber(trx, school.divisionCode, record.birthDate);
    const same = await repo.findSamePerson(trx, record);
    if (same.length > 0) found.push({ kind: "duplicate_person", relatedStudentId: same[0]!.id });
  }
  const id = await repo.insertStudent(trx, {
    ...toColumns(record),
    student_number: studentNumber,
    number_kind: studentNumber[0] as "G" | "J" | "L",
    province_code: school.provinceCode,
    school_unit_id: school.id,
    stage,
    status: IN_SCHOOL,
    suspended_since: null,
  });
  for (const problem of found) {
    await repo.insertProblem(trx, {
      studentId: id,
      kind: problem.kind as "duplicate_identity",
      relatedStudentId: problem.relatedStudentId,
    });
  }
  const effectiveOn = effectiveOnOption ?? todayIso();
  await repo.insertEvent(trx, {
    studentId: id,
    changeType: "11",
    effectiveOn,
    schoolUnitId: school.id,
    after: { schoolUnitId: school.id, grade: record.grade, className: record.className, status: IN_SCHOOL },
    actorUserId: ctx.actor.userId,
  });
  await recordAudit(trx, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: "student.register",
    module: "students",
    subjectType: "student",
    subjectId: id,
    subjectUnitPath: school.path,
    detail: { studentNumber, identityNumber: record.identityNumber, problems: found.map((p) => p.kind) },
  });
  return { id, studentNumber, found };
}

/** A nine-year or twelve-year school lists its stages; a grade of any of them is offered. */
export function isCompatibleStage(stage: string, stages: string[]): boolean {
  if (stage === "higher")
    return stages.some((s) => ["higher_vocational", "undergraduate", "postgraduate"].includes(s));
  if (stage === "primary" || stage === "junior") return stages.includes("special");
  return false;
}

/** Audits a full read of a record (student.read); returns the record's school. */
async function auditRead(ctx: ServiceContext, student: repo.StudentRow, detail?: Record<string, unknown>) {
  const school = await findUnitById(ctx.db, ctx.actor.scope, student.school_unit_id);
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: "student.read",
    module: "students",
    subjectType: "student",
    subjectId: student.id,
    subjectUnitPath: school?.path ?? null,
    ...(detail ? { detail } : {}),
  });
  return school;
}

/** One record in full (identity numbers unmasked). The read itself is audited. */
export async function getStudent(ctx: ServiceContext, id: number) {
  requirePermission(ctx, "read");
  const student = await repo.findStudent(ctx.db, ctx.actor.scope, id);
  if (!student) throw notFound("student_not_found");
  const school = await auditRead(ctx, student);
  const rows = await ctx.db
    .selectFrom("student_problem")
    .select(["id", "kind", "status", "related_student_id", "created_at"])
    .where("student_id", "=", id)
    .orderBy("id")
    .execute();
  // The related record's id only where the caller may open it, as in every duplicate answer.
  const holders = await duplicateHolders(
    ctx,
    ctx.db,
    rows.map((p) => p.related_student_id),
  );
  const problems = rows.map((p) => ({
    ...p,
    related_student_id:
      p.related_student_id === null ? null : (holders.get(p.related_student_id)?.studentId ?? null),
  }));
  return { student, schoolName: school?.name ?? "", problems };
}

export async function listStudents(
  ctx: ServiceContext,
  filter: repo.StudentFilter & { withinUnitId?: number },
  page: PageQuery,
) {
  requirePermission(ctx, "read");
  const { withinUnitId, ...rest } = filter;
  let withinPath: string | undefined;
  if (withinUnitId !== undefined) {
    const unit = await findUnitById(ctx.db, ctx.actor.scope, withinUnitId);
    if (!unit) throw notFound("unit_not_found");
    withinPath = unit.path;
  }
  const { rows, cappedTotal } = await repo.listStudents(
    ctx.db,
    ctx.actor.scope,
    { ...rest, withinPath },
    pageWindow(page),
  );
  // Masked here as well as by the response step, for callers other than the API.
  const items = rows.map((r) => ({
    ...r,
    student_number: maskStudentNumber(r.student_number),
    identity_number: r.identity_number ? maskIdentityNumber(r.identity_number) : null,
  }));
  return toPage(items, cappedTotal, page);
}

export async function studentHistory(ctx: ServiceContext, id: number) {
  requirePermission(ctx, "read");
  const student = await repo.findStudent(ctx.db, ctx.actor.scope, id);
  if (!student) throw notFound("student_not_found");
  return repo.listEvents(ctx.db, id);
}

/** Fields an event may change, as stored in its before/after snapshots. */
const SNAPSHOT_FIELDS = [
  "schoolUnitId",
  "grade",
  "className",
  "status",
  "name",
  "sex",
  "birthDate",
  "identityNumber",
] as const;

/**
 * The registry facts (school, grade, class, status and key fields) as they stood at the end of
 * a date: the current record with every later event undone from its "before" snapshot. Null
 * when the student was not yet registered on that date.
 */
export async function recordOnDate(ctx: ServiceContext, id: number, date: string) {
  requirePermission(ctx, "read");
  const student = await repo.findStudent(ctx.db, ctx.actor.scope, id);
  if (!student) throw notFound("student_not_found");
  // The identity number comes in full, as in the record itself: a read of the record, audited.
  await auditRead(ctx, student, { asOf: date });
  const events = await repo.listEvents(ctx.db, id);
  const admission = events.find((e) => e.change_type === "11");
  if (admission && admission.effective_on > date) return null;
  const state: Record<string, unknown> = {
    schoolUnitId: student.school_unit_id,
    grade: student.grade,
    className: student.class_name,
    status: student.status,
    name: student.name,
    sex: student.sex,
    birthDate: student.birth_date,
    identityNumber: student.identity_number,
  };
  for (const event of [...events].reverse()) {
    if (event.effective_on <= date) break;
    for (const field of SNAPSHOT_FIELDS) if (field in event.before) state[field] = event.before[field];
  }
  return state;
}
