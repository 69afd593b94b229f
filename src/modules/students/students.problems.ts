/**
 * The problem-record queue (问题学籍): suspected duplicates, identity numbers failing the check,
 * records missing required fields. Registration queues what it finds; a scan finds the same in
 * records that arrived by other paths (exchange, legacy loads). Each problem is resolved by
 * evidence, correction or deletion through an approval request (students.workflow.ts).
 *
 * A problem follows its resolution request: open → resolving (the request is recorded on it)
 * when a request is submitted; back to open when the request is rejected or withdrawn (or a
 * resubmission names another problem); resolved when it is approved. Each move writes its
 * audit entry in the transaction of the request's action.
 */
import { sql, type Transaction } from "kysely";
import { inTransaction } from "../../db/database";
import type { DB } from "../../db/schema";
import { cappedCount, type PageQuery, pageWindow, toPage } from "../../http/pagination";
import { can } from "../../platform/access/actor";
import { schoolInScope } from "../../platform/access/scope";
import { recordAudit } from "../../platform/audit/audit.service";
import type { ServiceContext } from "../../platform/context";
import { maskIdentityNumber } from "../../platform/identifiers/masking";
import { findUnitById } from "../../platform/orgs/orgs.repo";
import { AppError, conflict, notFound } from "../../shared/errors";
import { STUDENT_FIELDS } from "./students.fields";

/** Columns of the template's required fields, checked by the scan for records missing one. */
const REQUIRED_COLUMNS: Record<string, string> = {
  birthplace: "birthplace_code",
  nativePlace: "native_place_code",
  ethnicity: "ethnicity",
  nationality: "nationality",
  overseasStatus: "overseas_status",
  healthStatus: "health_status",
  householdLocation: "household_location_code",
  householdType: "household_type",
  className: "class_name",
  enrolmentMonth: "enrolment_month",
  enrolmentMode: "enrolment_mode",
  attendanceMode: "attendance_mode",
  currentAddress: "current_address",
  mailingAddress: "mailing_address",
  homeAddress: "home_address",
  phone: "phone",
  isOnlyChild: "is_only_child",
  hadPreschool: "had_preschool",
};

export async function listProblems(
  ctx: ServiceContext,
  filter: { kind?: string | undefined; status?: string | undefined; withinUnitId?: number | undefined },
  page: PageQuery,
) {
  if (!can(ctx.actor, "students", "read")) throw new AppError("forbidden", 403);
  let scope = ctx.actor.scope;
  if (filter.withinUnitId !== undefined) {
    const unit = await findUnitById(ctx.db, scope, filter.withinUnitId);
    if (!unit) throw notFound("unit_not_found");
    scope = { ...scope, rootPath: unit.path };
  }
  const base = () => {
    let query = ctx.db
      .selectFrom("student_problem as p")
      .innerJoin("student", "student.id", "p.student_id")
      .where(schoolInScope(scope, "student.school_unit_id"));
    if (filter.kind) query = query.where("p.kind", "=", filter.kind as "duplicate_identity");
    query = query.where("p.status", "=", (filter.status ?? "open") as "open");
    return query;
  };
  const window = pageWindow(page);
  const rows = await base()
    .innerJoin("org_unit as school", "school.id", "student.school_unit_id")
    .select([
      "p.id",
      "p.kind",
      "p.status",
      "p.detail",
      "p.related_student_id",
      "p.resolution",
      "p.resolution_request_id",
      "p.resolved_at",
      "p.created_at",
      "student.id as student_id",
      "student.student_number",
      "student.name",
      "student.identity_number",
      "student.school_unit_id",
      "school.name as school_name",
    ])
    .orderBy("p.id")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  const n = await cappedCount(ctx.db, base().select("p.id"));
  const items = rows.map((r) => ({
    ...r,
    identity_number: r.identity_number ? maskIdentityNumber(r.identity_number) : null,
  }));
  return toPage(items, n, page);
}

export interface ScanReport {
  duplicate_identity: number;
  duplicate_person: number;
  check_character: number;
  missing_required: number;
}

/**
 * Finds problems in the records below a unit and queues those not already open. Set-based: one
 * INSERT … SELECT per kind, whatever the number of records.
 */
export async function scanProblems(ctx: ServiceContext, unitId: number): Promise<ScanReport> {
  if (!can(ctx.actor, "students", "write")) throw new AppError("forbidden", 403);
  const unit = await findUnitById(ctx.db, ctx.actor.scope, unitId);
  if (!unit) throw notFound("unit_not_found");
  const inUnit = schoolInScope({ ...ctx.actor.scope, rootPath: unit.path }, "s.school_unit_id");
  const notQueued = (kind: string) =>
    sql`NOT EXISTS (SELECT 1 FROM student_problem q WHERE q.student_id = s.id AND q.kind = ${kind} AND q.status <> 'resolved')`;
  const missing = sql.join(
    Object.values(REQUIRED_COLUMNS).map((c) => sql`${sql.ref(`s.${c}`)} IS NULL`),
    sql` OR `,
  );
  const missingNames = sql.join(
    Object.entries(REQUIRED_COLUMNS).map(
      ([key, c]) =>
        sql`CASE WHEN ${sql.ref(`s.${c}`)} IS NULL THEN ${STUDENT_FIELDS.find((f) => f.key === key)!.header} END`,
    ),
  );
  return inTransaction(ctx.db, async (trx) => {
    const count = async (query: ReturnType<typeof sql>) =>
      Number((await query.execute(trx)).numAffectedRows ?? 0);
    // The earliest record of an identity number (or person) is the reference; later ones are suspect.
    const duplicateIdentity = await count(sql`
      INSERT INTO student_problem (student_id, kind, related_student_id, detail)
      SELECT s.id, 'duplicate_identity', first.id, '{"source":"scan"}'::jsonb
      FROM student s
      JOIN LATERAL (SELECT min(o.id) AS id FROM student o WHERE o.identity_number = s.identity_number) first ON true
      WHERE ${inUnit} AND s.identity_number IS NOT NULL AND first.id <> s.id AND ${notQueued("duplicate_identity")}`);
    const duplicatePerson = await count(sql`
      INSERT INTO student_problem (student_id, kind, related_student_id, detail)
      SELECT s.id, 'duplicate_person', first.id, '{"source":"scan"}'::jsonb
      FROM student s
      JOIN LATERAL (
        SELECT min(o.id) AS id FROM student o
        WHERE o.name = s.name AND o.birth_date = s.birth_date AND o.sex = s.sex AND o.identity_number IS NULL
      ) first ON true
      WHERE ${inUnit} AND s.identity_number IS NULL AND first.id <> s.id AND ${notQueued("duplicate_person")}`);
    const checkCharacter = await count(sql`
      INSERT INTO student_problem (student_id, kind, detail)
      SELECT s.id, 'check_character', '{"source":"scan"}'::jsonb FROM student s
      WHERE ${inUnit} AND s.id_document_type = '1' AND s.identity_number IS NOT NULL
        AND NOT identity_check_ok(s.identity_number) AND ${notQueued("check_character")}`);
    const missingRequired = await count(sql`
      INSERT INTO student_problem (student_id, kind, detail)
      SELECT s.id, 'missing_required', jsonb_build_object('fields', array_remove(ARRAY[${missingNames}], NULL))
      FROM student s
      WHERE ${inUnit} AND (${missing}) AND ${notQueued("missing_required")}`);
    const report: ScanReport = {
      duplicate_identity: duplicateIdentity,
      duplicate_person: duplicatePerson,
      check_character: checkCharacter,
      missing_required: missingRequired,
    };
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "student.problem_scan",
      module: "students",
      subjectType: "org_unit",
      subjectId: unit.id,
      subjectUnitPath: unit.path,
      detail: { ...report },
    });
    return report;
  });
}

// ---------------------------------------------------------------- following the resolution request

type Trx = Transaction<DB>;
type ProblemStatus = "open" | "resolving" | "resolved";

/** The problem locked for the change, with its school's path for the audit entry. */
async function problemForUpdate(trx: Trx, problemId: number) {
  return trx
    .selectFrom("student_problem as p")
    .innerJoin("student", "student.id", "p.student_id")
    .innerJoin("org_unit as school", "school.id", "student.school_unit_id")
    .select(["p.id", "p.student_id", "p.status", "p.resolution_request_id", "school.path as school_path"])
    .where("p.id", "=", problemId)
    .forUpdate("p")
    .executeTakeFirst();
}

async function moveProblem(
  trx: Trx,
  ctx: ServiceContext,
  problem: { id: number; status: ProblemStatus; resolution_request_id: number | null; school_path: string },
  change: {
    status: ProblemStatus;
    requestId: number | null;
    resolution?: "evidence" | "correction" | "deletion";
  },
): Promise<void> {
  await trx
    .updateTable("student_problem")
    .set({
      status: change.status,
      resolution_request_id: change.requestId,
      ...(change.resolution ? { resolution: change.resolution, resolved_at: new Date() } : {}),
      updated_at: sql`now()`,
    })
    .where("id", "=", problem.id)
    .execute();
  await recordAudit(trx, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: "student.problem_status",
    module: "students",
    subjectType: "student_problem",
    subjectId: problem.id,
    subjectUnitPath: problem.school_path,
    detail: {
      before: { status: problem.status, requestId: problem.resolution_request_id },
      after: {
        status: change.status,
        requestId: change.requestId,
        ...(change.resolution ? { resolution: change.resolution } : {}),
      },
    },
  });
}

/**
 * A resolution request was submitted (or resubmitted): its problem moves to resolving and
 * records the request. Another open request on the problem refuses this one; a problem the
 * request named in an earlier round and no longer names goes back to open.
 */
export async function markProblemResolving(
  trx: Trx,
  ctx: ServiceContext,
  requestId: number,
  payload: { problemId: number; studentId: number },
): Promise<void> {
  const earlier = await trx
    .selectFrom("student_problem")
    .select("id")
    .where("resolution_request_id", "=", requestId)
    .where("status", "=", "resolving")
    .where("id", "<>", payload.problemId)
    .execute();
  for (const { id } of earlier) await reopenProblem(trx, ctx, requestId, id);
  const problem = await problemForUpdate(trx, payload.problemId);
  if (!problem || problem.student_id !== payload.studentId || problem.status === "resolved")
    throw notFound("problem_not_found");
  if (problem.resolution_request_id === requestId && problem.status === "resolving") return;
  // A problem marked resolving without a request (before 0009) is free to take.
  if (problem.status === "resolving" && problem.resolution_request_id !== null)
    throw conflict("problem_resolving", { requestId: problem.resolution_request_id });
  await moveProblem(trx, ctx, problem, { status: "resolving", requestId });
}

/** The request was rejected or withdrawn: its problem is open again (if the request still holds it). */
export async function reopenProblem(
  trx: Trx,
  ctx: ServiceContext,
  requestId: number,
  problemId: number,
): Promise<void> {
  const problem = await problemForUpdate(trx, problemId);
  if (problem?.status !== "resolving" || problem.resolution_request_id !== requestId) return;
  await moveProblem(trx, ctx, problem, { status: "open", requestId: null });
}

/** The request was approved: the problem is resolved, by that request, in that way. */
export async function markProblemResolved(
  trx: Trx,
  ctx: ServiceContext,
  requestId: number,
  problemId: number,
  resolution: "evidence" | "correction" | "deletion",
): Promise<void> {
  const problem = await problemForUpdate(trx, problemId);
  if (!problem || problem.status === "resolved") throw notFound("problem_not_found");
  await moveProblem(trx, ctx, problem, { status: "resolved", requestId, resolution });
}

/** The request resolving (or that resolved) each of these problems, for the student's page. */
export async function resolutionRequests(
  db: ServiceContext["db"],
  problemIds: number[],
): Promise<Map<number, number | null>> {
  if (problemIds.length === 0) return new Map();
  const rows = await db
    .selectFrom("student_problem")
    .select(["id", "resolution_request_id"])
    .where("id", "in", problemIds)
    .execute();
  return new Map(rows.map((r) => [r.id, r.resolution_request_id]));
}
