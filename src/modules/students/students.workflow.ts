/**
 * Registry changes (学籍异动) as approval requests of the workflow engine. Each type says what it
 * changes, which chain approves it (data/workflow/chains.json) and the rules checked at
 * submission; the change itself is applied in the transaction of the final approval, with its
 * event, so an approved request and the record it changed never disagree.
 */
import type { Transaction } from "kysely";
import { z } from "zod";
import type { DB } from "../../db/schema";
import type { PageQuery } from "../../http/pagination";
import { isoDate } from "../../http/zod-app";
import { can } from "../../platform/access/actor";
import { unitIdInScope } from "../../platform/access/scope";
import type { ServiceContext } from "../../platform/context";
import { validateIdentityNumber } from "../../platform/identifiers/identity-number";
import { normalisePersonName, requirePersonName } from "../../platform/identifiers/person-name";
import { registerRequestType, type WorkflowRequest } from "../../platform/workflow/workflow.registry";
import { searchRequests } from "../../platform/workflow/workflow.supervision";
import { AppError, conflict, notFound, unprocessable } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { markProblemResolved, markProblemResolving, reopenProblem } from "./students.problems";
import * as repo from "./students.repo";
import { finalGrade, gradeSteps, isInSummerFreeze } from "./students.school-year";
import { IN_SCHOOL } from "./students.service";
import { adjustTally, moveInTally } from "./students.tally";
import { stageOfGrade } from "./students.validation";

export const STATUS = {
  inSchool: IN_SCHOOL,
  suspended: "02",
  withdrawn: "03",
  droppedOut: "06",
  graduated: "07",
  completed: "08",
  transferredOut: "10",
  deceased: "11",
} as const;

/** Longest consecutive suspension, in days (STANDARDS: normally one year, at most two). */
const MAX_SUSPENSION_DAYS = 2 * 366;
/** Deletion of a duplicate record (registry change type 35, a project addition). */
const DELETION = "35";

type Trx = Transaction<DB>;

async function studentForUpdate(trx: Trx, id: number) {
  const row = await trx.selectFrom("student").selectAll().where("id", "=", id).forUpdate().executeTakeFirst();
  if (!row) throw notFound("student_not_found");
  return row;
}

/** The student, looked up across the nation by number and confirmed by name (for transfers in). */
async function studentByNumber(ctx: ServiceContext, studentNumber: string, name: string) {
  const row = await ctx.db
    .selectFrom("student")
    .innerJoin("org_unit", "org_unit.id", "student.school_unit_id")
    .select([
      "student.id",
      "student.name",
      "student.status",
      "student.grade",
      "student.stage",
      "student.school_unit_id",
    ])
    .select(["org_unit.province_code"])
    .where("student.student_number", "=", studentNumber)
    .executeTakeFirst();
  // Name and number must both match: a receiving school learns nothing by guessing numbers.
  if (!row || row.name !== name) throw noSuchRecord();
  return row;
}

/** The one answer about a record a caller cannot see: as if no record had that number and name. */
function noSuchRecord(): AppError {
  return unprocessable("student_not_found", {}, [{ path: "studentNumber", code: "student_not_found" }]);
}

/**
 * Runs checks about a record found nationwide by number and name. A caller whose scope holds
 * the record's school hears why it is refused; any other caller (a receiving school elsewhere)
 * hears only noSuchRecord, so that neither its school nor its state (suspended, graduated, stage,
 * final grade) can be learnt by asking: the sending school is named on the request once it is
 * made, to both sides, and the request is audited.
 */
async function checkFoundRecord(
  ctx: ServiceContext,
  schoolUnitId: number,
  checks: () => void | Promise<void>,
): Promise<void> {
  try {
    await checks();
  } catch (error) {
    if (error instanceof AppError && !(await unitIdInScope(ctx.db, ctx.actor.scope, schoolUnitId)))
      throw noSuchRecord();
    throw error;
  }
}

async function studentInScope(ctx: ServiceContext, id: number) {
  const row = await repo.findStudent(ctx.db, ctx.actor.scope, id);
  if (!row) throw unprocessable("student_not_found", {}, [{ path: "studentId", code: "student_not_found" }]);
  return row;
}

function requireStatus(
  actual: string,
  allowed: string[],
  code: "student_not_in_school" | "student_not_suspended",
): void {
  if (!allowed.includes(actual)) throw conflict(code, { status: actual });
}

/** Graduating grades take no new business in the summer window (STANDARDS: 1 Jul – 14 Aug). */
function checkSummerFreeze(provinceCode: string, stage: string, grade: string, date = todayIso()): void {
  if (finalGrade(provinceCode, stage) === grade && isInSummerFreeze(date))
    throw conflict("graduating_grade_frozen", { grade });
}

async function applyChange(
  trx: Trx,
  request: WorkflowRequest,
  ctx: ServiceContext,
  studentId: number,
  changeType: string,
  set: {
    status?: string;
    grade?: string;
    class_name?: string | null;
    school_unit_id?: number;
    province_code?: string;
    suspended_since?: string | null;
  },
  effectiveOn?: string,
): Promise<void> {
  const before = await studentForUpdate(trx, studentId);
  const snapshot = (row: Record<string, unknown>) => ({
    ...("status" in set ? { status: row.status } : {}),
    ...("grade" in set ? { grade: row.grade } : {}),
    ...("class_name" in set ? { className: row.class_name } : {}),
    ...("school_unit_id" in set ? { schoolUnitId: row.school_unit_id } : {}),
  });
  const beforeRow = before as unknown as Record<string, unknown>;
  await trx.updateTable("student").set(set).where("id", "=", studentId).execute();
  await moveInTally(
    trx,
    { schoolUnitId: before.school_unit_id, status: before.status },
    { schoolUnitId: set.school_unit_id ?? before.school_unit_id, status: set.status ?? before.status },
  );
  await repo.insertEvent(trx, {
    studentId,
    changeType,
    effectiveOn: effectiveOn ?? todayIso(),
    schoolUnitId: set.school_unit_id ?? before.school_unit_id,
    before: snapshot(beforeRow),
    after: snapshot(set),
    requestId: request.id,
    actorUserId: ctx.actor.userId,
  });
}

const studentRef = z.object({
  studentId: z.number().int().positive(),
  schoolId: z.number().int().positive(),
});
const reason = z.string().trim().min(1).max(500);

/** School and student must agree: the subject of the request is the student's own school. */
async function checkSchool(ctx: ServiceContext, payload: { studentId: number; schoolId: number }) {
  const student = await studentInScope(ctx, payload.studentId);
  if (student.school_unit_id !== payload.schoolId) {
    throw unprocessable("validation_failed", {}, [{ path: "schoolId", code: "student_school_mismatch" }]);
  }
  return student;
}

// ---------------------------------------------------------------- a student's requests

/**
 * The requests about one student that the caller may see: every round's payload naming the
 * student's id (all registry changes; transfers since the server completes them) or, for older
 * transfers, its number. Newest first.
 */
export async function studentRequests(ctx: ServiceContext, studentId: number, page: PageQuery) {
  if (!can(ctx.actor, "students", "read") || !can(ctx.actor, "workflow", "read"))
    throw new AppError("forbidden", 403);
  const student = await repo.findStudent(ctx.db, ctx.actor.scope, studentId);
  if (!student) throw notFound("student_not_found");
  return searchRequests(
    ctx,
    { payloadAny: { studentId: String(student.id), studentNumber: student.student_number } },
    page,
  );
}

// ---------------------------------------------------------------- transfer (转学)

/**
 * The receiving school names the student by number and name only: it cannot see the sending
 * school (outside its scope). The server finds the record nationwide and completes the payload
 * with the student's id and school (`prepare`), so the chain, the parties and the archive name
 * the right sending school. An explicit fromSchoolId is still accepted and must match.
 */
const transferPayload = z.object({
  studentNumber: z.string().regex(/^[GJL]\d{17}[\dX]$|^L\d{18}$/),
  name: z.string().trim().min(1).max(100),
  /** Derived by the server from the record found; when given, it must be the student's school. */
  fromSchoolId: z.number().int().positive().optional(),
  /** Derived by the server from the record found (a value given is replaced). */
  studentId: z.number().int().positive().optional(),
  toSchoolId: z.number().int().positive(),
  className: z.string().trim().max(50).optional(),
  reason,
});

/** Why a found record cannot transfer to the target now (told only to whoever sees the record). */
function checkTransferable(
  student: Awaited<ReturnType<typeof studentByNumber>>,
  target: { stages: string[] | null },
  p: z.infer<typeof transferPayload>,
): void {
  if (student.school_unit_id !== p.fromSchoolId) {
    throw unprocessable("validation_failed", {}, [{ path: "fromSchoolId", code: "student_school_mismatch" }]);
  }
  if (student.school_unit_id === p.toSchoolId) throw unprocessable("transfer_same_school");
  if (student.status === STATUS.suspended) throw conflict("transfer_while_suspended");
  requireStatus(student.status, [STATUS.inSchool], "student_not_in_school");
  // The grade does not change on transfer, so the receiving school must teach its stage.
  if (target.stages && !target.stages.includes(student.stage)) {
    throw unprocessable("grade_not_offered", { stage: student.stage }, [
      { path: "toSchoolId", code: "grade_not_offered" },
    ]);
  }
  checkSummerFreeze(student.province_code ?? "", student.stage, student.grade);
}

registerRequestType({
  code: "student_transfer",
  module: "students",
  titleZh: "转学",
  titleEn: "Transfer",
  payloadSchema: transferPayload,
  chain: "transfer",
  parties: (p) => ({ receiving: p.toSchoolId, sending: p.fromSchoolId }),
  // The type is shown beside the title in lists and prefixed in the archive: "转学：<name>".
  title: (p) => p.name,
  archiveSubjects: (p) => [
    { type: "student_number", id: p.studentNumber },
    ...(p.studentId ? [{ type: "student", id: String(p.studentId) }] : []),
  ],
  async prepare(ctx, p) {
    const student = await studentByNumber(ctx, p.studentNumber, p.name);
    await checkFoundRecord(ctx, student.school_unit_id, () => {
      if (p.fromSchoolId !== undefined && p.fromSchoolId !== student.school_unit_id) {
        throw unprocessable("validation_failed", {}, [
          { path: "fromSchoolId", code: "student_school_mismatch" },
        ]);
      }
    });
    return { ...p, studentId: student.id, fromSchoolId: student.school_unit_id };
  },
  async validate(ctx, p) {
    // Started by the receiving school (or its administration): the target must be in scope.
    const target = await ctx.db
      .selectFrom("org_unit")
      .leftJoin("school", "school.unit_id", "org_unit.id")
      .select(["org_unit.id", "org_unit.path", "org_unit.status", "org_unit.kind", "school.stages"])
      .where("org_unit.id", "=", p.toSchoolId)
      .executeTakeFirst();
    if (
      target?.kind !== "school" ||
      target.status !== "active" ||
      !(await unitIdInScope(ctx.db, ctx.actor.scope, target.id))
    ) {
      throw unprocessable("school_not_found", { code: String(p.toSchoolId) }, [
        { path: "toSchoolId", code: "school_not_found" },
      ]);
    }
    const student = await studentByNumber(ctx, p.studentNumber, p.name);
    await checkFoundRecord(ctx, student.school_unit_id, () => checkTransferable(student, target, p));
  },
  async onApproved(trx, request, ctx) {
    const p = request.payload as z.infer<typeof transferPayload>;
    const student = await trx
      .selectFrom("student")
      .select(["id", "status", "school_unit_id"])
      .where("student_number", "=", p.studentNumber)
      .executeTakeFirst();
    if (!student) throw notFound("student_not_found");
    requireStatus(student.status, [STATUS.inSchool], "student_not_in_school");
    // The student left the sending school while the request ran (another transfer approved).
    if (p.fromSchoolId !== undefined && student.school_unit_id !== p.fromSchoolId)
      throw conflict("student_school_mismatch");
    const target = await trx
      .selectFrom("org_unit")
      .select(["province_code"])
      .where("id", "=", p.toSchoolId)
      .executeTakeFirstOrThrow();
    await applyChange(trx, request, ctx, student.id, "13", {
      school_unit_id: p.toSchoolId,
      province_code: target.province_code ?? "",
      class_name: p.className ?? null,
    });
  },
});

// ---------------------------------------------------------------- suspension and resumption

const suspensionPayload = studentRef.extend({ reason, from: isoDate, until: isoDate });

registerRequestType({
  code: "student_suspension",
  module: "students",
  titleZh: "休学",
  titleEn: "Suspension",
  payloadSchema: suspensionPayload,
  chain: "student_suspension",
  parties: (p) => ({ subject: p.schoolId }),
  archiveSubjects: (p) => [{ type: "student", id: String(p.studentId) }],
  async validate(ctx, p) {
    const student = await checkSchool(ctx, p);
    requireStatus(student.status, [STATUS.inSchool], "student_not_in_school");
    const days = (Date.parse(p.until) - Date.parse(p.from)) / 86_400_000;
    if (days <= 0 || days > MAX_SUSPENSION_DAYS) {
      throw unprocessable("suspension_too_long", { max: 2 }, [
        { path: "until", code: "suspension_too_long", params: { max: 2 } },
      ]);
    }
  },
  async onApproved(trx, request, ctx) {
    const p = request.payload as z.infer<typeof suspensionPayload>;
    const student = await studentForUpdate(trx, p.studentId);
    requireStatus(student.status, [STATUS.inSchool], "student_not_in_school");
    await applyChange(
      trx,
      request,
      ctx,
      p.studentId,
      "23",
      { status: STATUS.suspended, suspended_since: p.from },
      p.from,
    );
  },
});

const resumptionPayload = studentRef.extend({
  reason: reason.optional(),
  grade: z.string().max(10).optional(),
});

registerRequestType({
  code: "student_resumption",
  module: "students",
  titleZh: "复学",
  titleEn: "Resumption",
  payloadSchema: resumptionPayload,
  chain: "student_school",
  parties: (p) => ({ subject: p.schoolId }),
  archiveSubjects: (p) => [{ type: "student", id: String(p.studentId) }],
  async validate(ctx, p) {
    const student = await checkSchool(ctx, p);
    requireStatus(student.status, [STATUS.suspended], "student_not_suspended");
    if (p.grade && stageOfGrade(ctx.codes, p.grade) !== student.stage) {
      throw unprocessable("validation_failed", {}, [
        { path: "grade", code: "grade_not_offered", params: { stage: student.stage } },
      ]);
    }
  },
  async onApproved(trx, request, ctx) {
    const p = request.payload as z.infer<typeof resumptionPayload>;
    const student = await studentForUpdate(trx, p.studentId);
    requireStatus(student.status, [STATUS.suspended], "student_not_suspended");
    await applyChange(trx, request, ctx, p.studentId, "12", {
      status: STATUS.inSchool,
      suspended_since: null,
      ...(p.grade ? { grade: p.grade } : {}),
    });
  },
});

// ---------------------------------------------------------------- leaving: withdrawal, dropout, death, graduation

function leavingType(
  code: string,
  titleZh: string,
  titleEn: string,
  changeType: string,
  status: string,
  allowed: string[],
) {
  const payload = studentRef.extend({ reason: reason.optional(), effectiveOn: isoDate.optional() });
  registerRequestType({
    code,
    module: "students",
    titleZh,
    titleEn,
    payloadSchema: payload,
    chain: "student_school_county",
    parties: (p) => ({ subject: p.schoolId }),
    archiveSubjects: (p) => [{ type: "student", id: String(p.studentId) }],
    async validate(ctx, p) {
      const student = await checkSchool(ctx, p);
      requireStatus(student.status, allowed, "student_not_in_school");
      if (changeType === "21" || changeType === "22") {
        // Only students in school graduate, and only from their stage's final grade.
        if (finalGrade(student.province_code, student.stage) !== student.grade) {
          throw conflict("not_graduating_grade", { grade: student.grade });
        }
      }
    },
    async onApproved(trx, request, ctx) {
      const p = request.payload as z.infer<typeof payload>;
      const student = await studentForUpdate(trx, p.studentId);
      requireStatus(student.status, allowed, "student_not_in_school");
      await applyChange(trx, request, ctx, p.studentId, changeType, { status }, p.effectiveOn);
    },
  });
}

leavingType("student_withdrawal", "退学", "Withdrawal", "24", STATUS.withdrawn, [
  STATUS.inSchool,
  STATUS.suspended,
]);
leavingType("student_dropout", "辍学（流失）", "Dropout", "28", STATUS.droppedOut, [
  STATUS.inSchool,
  STATUS.suspended,
]);
leavingType("student_death", "死亡", "Death", "26", STATUS.deceased, [STATUS.inSchool, STATUS.suspended]);
leavingType("student_graduation", "毕业", "Graduation", "21", STATUS.graduated, [STATUS.inSchool]);
leavingType("student_completion", "结业", "Completion", "22", STATUS.completed, [STATUS.inSchool]);

// ---------------------------------------------------------------- class change and repeat year

const classPayload = studentRef.extend({
  className: z.string().trim().min(1).max(50),
  reason: reason.optional(),
});

registerRequestType({
  code: "student_class_change",
  module: "students",
  titleZh: "调班",
  titleEn: "Class change",
  payloadSchema: classPayload,
  chain: "student_school",
  parties: (p) => ({ subject: p.schoolId }),
  archiveSubjects: (p) => [{ type: "student", id: String(p.studentId) }],
  async validate(ctx, p) {
    const student = await checkSchool(ctx, p);
    requireStatus(student.status, [STATUS.inSchool], "student_not_in_school");
  },
  async onApproved(trx, request, ctx) {
    const p = request.payload as z.infer<typeof classPayload>;
    await applyChange(trx, request, ctx, p.studentId, "32", { class_name: p.className });
  },
});

const repeatPayload = studentRef.extend({ reason, className: z.string().trim().max(50).optional() });

registerRequestType({
  code: "student_repeat_year",
  module: "students",
  titleZh: "留级",
  titleEn: "Repeat a year",
  payloadSchema: repeatPayload,
  chain: "student_school_county",
  parties: (p) => ({ subject: p.schoolId }),
  archiveSubjects: (p) => [{ type: "student", id: String(p.studentId) }],
  async validate(ctx, p) {
    const student = await checkSchool(ctx, p);
    requireStatus(student.status, [STATUS.inSchool], "student_not_in_school");
    const previous = gradeSteps(ctx.codes, student.province_code).find((s) => s.next === student.grade);
    if (!previous) throw conflict("no_previous_grade", { grade: student.grade });
  },
  async onApproved(trx, request, ctx) {
    const p = request.payload as z.infer<typeof repeatPayload>;
    const student = await studentForUpdate(trx, p.studentId);
    const previous = gradeSteps(ctx.codes, student.province_code).find((s) => s.next === student.grade);
    if (!previous) throw conflict("no_previous_grade", { grade: student.grade });
    await applyChange(trx, request, ctx, p.studentId, "33", {
      grade: previous.grade,
      ...(p.className ? { class_name: p.className } : {}),
    });
  },
});

// ---------------------------------------------------------------- key-field change (关键数据变更)

const keyChangePayload = studentRef.extend({
  changes: z
    .object({
      // Stored normalised when it is a name; checkKeyChange refuses it with the rule's code otherwise.
      name: z
        .string()
        .trim()
        .min(1)
        .max(100)
        .transform((value) => {
          const name = normalisePersonName(value);
          return name.ok ? name.value : value;
        })
        .optional(),
      sex: z.enum(["1", "2"]).optional(),
      birthDate: isoDate.optional(),
      idDocumentType: z.string().max(2).optional(),
      identityNumber: z.string().trim().toUpperCase().max(30).optional(),
    })
    .refine((c) => Object.keys(c).length > 0, { message: "at least one change" }),
  reason,
});

type KeyChange = z.infer<typeof keyChangePayload>;

function checkKeyChange(
  ctx: ServiceContext,
  p: KeyChange,
  current: { id_document_type: string; birth_date: string; sex: string },
) {
  if (p.changes.name !== undefined) requirePersonName(p.changes.name, "changes.name");
  const type = p.changes.idDocumentType ?? current.id_document_type;
  if (p.changes.idDocumentType)
    ctx.codes.require("id_document_type", p.changes.idDocumentType, "changes.idDocumentType");
  if (type === "1" && p.changes.identityNumber) {
    const checked = validateIdentityNumber(p.changes.identityNumber, {
      isKnownProvince: (c) => ctx.codes.isKnownProvince(c),
    });
    if (!checked.ok) {
      throw unprocessable(
        "validation_failed",
        {},
        checked.problems.map((x) => ({
          path: "changes.identityNumber",
          code: x.code,
          ...(x.detail ? { params: x.detail } : {}),
        })),
      );
    }
    const birth = p.changes.birthDate ?? current.birth_date;
    if (checked.value.birthDate !== birth) {
      throw unprocessable("validation_failed", {}, [
        {
          path: "changes.birthDate",
          code: "identity_birth_mismatch",
          params: { expected: checked.value.birthDate },
        },
      ]);
    }
  }
}

registerRequestType({
  code: "student_key_change",
  module: "students",
  titleZh: "关键数据变更",
  titleEn: "Key-field change",
  payloadSchema: keyChangePayload,
  chain: "student_key_change",
  parties: (p) => ({ subject: p.schoolId }),
  archiveSubjects: (p) => [{ type: "student", id: String(p.studentId) }],
  async validate(ctx, p) {
    const student = await checkSchool(ctx, p);
    checkKeyChange(ctx, p, student);
    if (p.changes.identityNumber) {
      const holders = await repo.findByIdentityNumber(ctx.db, p.changes.identityNumber);
      if (holders.some((h) => h.id !== p.studentId)) throw conflict("identity_number_registered");
    }
  },
  async onApproved(trx, request, ctx) {
    const p = request.payload as KeyChange;
    const before = await studentForUpdate(trx, p.studentId);
    checkKeyChange(ctx, p, before);
    const set: Record<string, string> = {};
    if (p.changes.name) set.name = p.changes.name;
    if (p.changes.sex) set.sex = p.changes.sex;
    if (p.changes.birthDate) set.birth_date = p.changes.birthDate;
    if (p.changes.idDocumentType) set.id_document_type = p.changes.idDocumentType;
    if (p.changes.identityNumber) set.identity_number = p.changes.identityNumber;
    // A J or L number becomes the G number once a verified identity number is on the record;
    // a G number is kept for life (一人一号).
    const type = p.changes.idDocumentType ?? before.id_document_type;
    if (before.number_kind !== "G" && type === "1" && p.changes.identityNumber) {
      set.student_number = `G${p.changes.identityNumber}`;
      set.number_kind = "G";
    }
    await trx.updateTable("student").set(set).where("id", "=", p.studentId).execute();
    const keys = {
      name: "name",
      sex: "sex",
      birthDate: "birth_date",
      identityNumber: "identity_number",
      studentNumber: "student_number",
    } as const;
    const pick = (row: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(keys)
          .filter(([, c]) => c in set)
          .map(([k, c]) => [k, row[c]]),
      );
    await repo.insertEvent(trx, {
      studentId: p.studentId,
      changeType: "34",
      effectiveOn: todayIso(),
      schoolUnitId: before.school_unit_id,
      before: pick(before as unknown as Record<string, unknown>),
      after: pick(set),
      requestId: request.id,
      actorUserId: ctx.actor.userId,
    });
  },
});

// ---------------------------------------------------------------- problem records (问题学籍)

const resolutionPayload = z.object({
  problemId: z.number().int().positive(),
  studentId: z.number().int().positive(),
  schoolId: z.number().int().positive(),
  resolution: z.enum(["evidence", "correction", "deletion"]),
  note: z.string().trim().min(1).max(1000),
  corrections: keyChangePayload.shape.changes.optional(),
});

registerRequestType({
  code: "student_problem_resolution",
  module: "students",
  titleZh: "问题学籍处理",
  titleEn: "Problem record resolution",
  payloadSchema: resolutionPayload,
  chain: "student_school_county",
  parties: (p) => ({ subject: p.schoolId }),
  archiveSubjects: (p) => [{ type: "student", id: String(p.studentId) }],
  async validate(ctx, p) {
    await checkSchool(ctx, p);
    const problem = await ctx.db
      .selectFrom("student_problem")
      .select(["id", "status", "student_id"])
      .where("id", "=", p.problemId)
      .executeTakeFirst();
    if (!problem || problem.student_id !== p.studentId || problem.status === "resolved")
      throw notFound("problem_not_found");
    if (p.resolution === "correction" && !p.corrections) {
      throw unprocessable("validation_failed", {}, [{ path: "corrections", code: "field_required" }]);
    }
  },
  // The problem follows the request: resolving while it runs, open again if it fails.
  async onSubmitted(trx, request, ctx) {
    await markProblemResolving(trx, ctx, request.id, request.payload);
  },
  async onRejected(trx, request, ctx) {
    await reopenProblem(trx, ctx, request.id, request.payload.problemId);
  },
  async onWithdrawn(trx, request, ctx) {
    await reopenProblem(trx, ctx, request.id, request.payload.problemId);
  },
  async onApproved(trx, request, ctx) {
    const p = request.payload as z.infer<typeof resolutionPayload>;
    await markProblemResolved(trx, ctx, request.id, p.problemId, p.resolution);
    if (p.resolution === "deletion") {
      // The record was a duplicate: it goes, its natural key is kept for the exchange feed, and
      // its history stays (events do not depend on the record, migration 0008) with the
      // deletion as its last event.
      const student = await studentForUpdate(trx, p.studentId);
      await repo.insertEvent(trx, {
        studentId: p.studentId,
        changeType: DELETION,
        effectiveOn: todayIso(),
        schoolUnitId: student.school_unit_id,
        before: { studentNumber: student.student_number, status: student.status },
        after: { deleted: true, problemId: p.problemId },
        requestId: request.id,
        actorUserId: ctx.actor.userId,
      });
      await trx.deleteFrom("student").where("id", "=", p.studentId).execute();
      await adjustTally(trx, [{ schoolUnitId: student.school_unit_id, status: student.status, delta: -1 }]);
      await trx
        .insertInto("deleted_record")
        .values({
          table_name: "student",
          natural_key: JSON.stringify({ studentNumber: student.student_number }),
        })
        .execute();
    } else if (p.resolution === "correction" && p.corrections) {
      const set: Record<string, string> = {};
      if (p.corrections.name) set.name = p.corrections.name;
      if (p.corrections.sex) set.sex = p.corrections.sex;
      if (p.corrections.birthDate) set.birth_date = p.corrections.birthDate;
      if (p.corrections.idDocumentType) set.id_document_type = p.corrections.idDocumentType;
      if (p.corrections.identityNumber) set.identity_number = p.corrections.identityNumber;
      const before = await studentForUpdate(trx, p.studentId);
      await trx.updateTable("student").set(set).where("id", "=", p.studentId).execute();
      await repo.insertEvent(trx, {
        studentId: p.studentId,
        changeType: "34",
        effectiveOn: todayIso(),
        schoolUnitId: before.school_unit_id,
        before: { name: before.name, birthDate: before.birth_date },
        after: p.corrections,
        requestId: request.id,
        actorUserId: ctx.actor.userId,
      });
    }
  },
});
