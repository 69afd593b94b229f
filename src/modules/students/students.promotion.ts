/**
 * Annual promotion (升级): every student in school of a subtree moves to the next grade, and the
 * final grades graduate (毕业) when the order says so. One transaction per school, so a school is
 * promoted whole or not at all; the job remembers finished schools, so an interrupted run
 * resumes without promoting anyone twice. Set-based SQL: one UPDATE … RETURNING feeding one
 * INSERT of events per school, whatever its size.
 */
import { sql } from "kysely";
import { inTransaction } from "../../db/database";
import { can } from "../../platform/access/actor";
import { narrowScope, whereUnitInScope } from "../../platform/access/scope";
import { recordAudit } from "../../platform/audit/audit.service";
import type { ServiceContext } from "../../platform/context";
import {
  createJob,
  doneItems,
  registerJobRunner,
  runJob,
  setProgress,
} from "../../platform/jobs/jobs.service";
import { findUnitById } from "../../platform/orgs/orgs.repo";
import { AppError, notFound } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { gradeSteps } from "./students.school-year";
import { IN_SCHOOL } from "./students.service";
import { adjustTally } from "./students.tally";

export const PROMOTION_JOB = "student_promotion";
const PROMOTION = "31";
const GRADUATION = "21";
const GRADUATED = "07";

/**
 * Stamped in the statement, so the row trigger (a plpgsql call per row) stays idle; grade and
 * status are in no index, so with the heap's free space (fillfactor 50) each row's new version
 * is a heap-only update that touches no index (migration 0008).
 */
const STAMP = sql`change_version = nextval('change_version_seq'), updated_at = now()`;

interface PromotionParams {
  unitId: number;
  graduate: boolean;
  effectiveOn: string;
  concurrency: number;
}

export interface SchoolPromotion {
  promoted: number;
  graduated: number;
}

/** Promotes one school in one transaction; returns the counts. */
export async function promoteSchool(
  ctx: ServiceContext,
  school: { id: number; provinceCode: string },
  params: Pick<PromotionParams, "graduate" | "effectiveOn">,
  jobId: number | null,
): Promise<SchoolPromotion> {
  const steps = gradeSteps(ctx.codes, school.provinceCode);
  const moves = steps.filter((s) => s.next !== null);
  const finals = steps.filter((s) => s.next === null).map((s) => s.grade);
  const values = sql.join(moves.map((s) => sql`(${s.grade}::text, ${s.next}::text)`));
  return inTransaction(ctx.db, async (trx) => {
    // A school's commit need not wait for its WAL to reach the disk: a crash can lose only the
    // last schools' commits, whole (their job items with them), and the resumed job redoes them.
    await sql`SET LOCAL synchronous_commit = off`.execute(trx);
    let graduated = 0;
    if (params.graduate && finals.length > 0) {
      const result = await sql<{ n: number }>`
        WITH graduated AS (
          UPDATE student SET status = ${GRADUATED}, ${STAMP}
          WHERE school_unit_id = ${school.id} AND status = ${IN_SCHOOL} AND grade IN (${sql.join(finals)})
          RETURNING id, grade)
        , events AS (
          INSERT INTO student_event (student_id, change_type, effective_on, school_unit_id, before, after, job_id, actor_user_id)
          SELECT id, ${GRADUATION}, ${params.effectiveOn}::date, ${school.id},
                 jsonb_build_object('status', ${IN_SCHOOL}::text), jsonb_build_object('status', ${GRADUATED}::text),
                 ${jobId}::bigint, ${ctx.actor.userId}::bigint
          FROM graduated RETURNING 1)
        SELECT count(*)::int AS n FROM events`.execute(trx);
      graduated = result.rows[0]?.n ?? 0;
      await adjustTally(trx, [
        { schoolUnitId: school.id, status: IN_SCHOOL, delta: -graduated },
        { schoolUnitId: school.id, status: GRADUATED, delta: graduated },
      ]);
    }
    // Final grades are excluded by the join (they have no next grade), so graduates never move.
    const result = await sql<{ n: number }>`
      WITH steps (grade, next_grade) AS (VALUES ${values})
      , moved AS (
        UPDATE student s SET grade = steps.next_grade, ${STAMP}
        FROM steps
        WHERE s.school_unit_id = ${school.id} AND s.status = ${IN_SCHOOL} AND s.grade = steps.grade
        RETURNING s.id, steps.grade AS before_grade, steps.next_grade)
      , events AS (
        INSERT INTO student_event (student_id, change_type, effective_on, school_unit_id, before, after, job_id, actor_user_id)
        SELECT id, ${PROMOTION}, ${params.effectiveOn}::date, ${school.id},
               jsonb_build_object('grade', before_grade), jsonb_build_object('grade', next_grade),
               ${jobId}::bigint, ${ctx.actor.userId}::bigint
        FROM moved RETURNING 1)
      SELECT count(*)::int AS n FROM events`.execute(trx);
    const promoted = result.rows[0]?.n ?? 0;
    if (jobId !== null) {
      await trx
        .insertInto("job_item")
        .values({
          job_id: jobId,
          item_key: String(school.id),
          result: JSON.stringify({ promoted, graduated }),
        })
        .execute();
    }
    return { promoted, graduated };
  });
}

async function runPromotion(ctx: ServiceContext, jobId: number): Promise<Record<string, unknown>> {
  const job = await ctx.db
    .selectFrom("job")
    .select(["params"])
    .where("id", "=", jobId)
    .executeTakeFirstOrThrow();
  const params = job.params as unknown as PromotionParams;
  // The job runs as its orderer as the orderer stands now (runJob): permission and scope are
  // decided again here, so a resumed or late run reaches no school its orderer cannot.
  if (!can(ctx.actor, "students", "approve")) throw new AppError("forbidden", 403);
  const unit = await findUnitById(ctx.db, ctx.actor.scope, params.unitId);
  if (!unit) throw notFound("unit_not_found");
  const schools = await whereUnitInScope(
    ctx.db.selectFrom("org_unit"),
    narrowScope(ctx.actor.scope, unit.path),
  )
    .select(["org_unit.id", "org_unit.province_code"])
    .where("org_unit.kind", "=", "school")
    .orderBy("org_unit.id")
    .execute();
  const done = await doneItems(ctx.db, jobId);
  const pending = schools.filter((s) => !done.has(String(s.id)));
  let finished = done.size;
  await setProgress(ctx.db, jobId, finished, schools.length);
  const totals = { promoted: 0, graduated: 0 };
  let next = 0;
  // A few schools at a time: each is its own transaction, so they can run side by side.
  const worker = async () => {
    while (next < pending.length) {
      const school = pending[next++]!;
      const counts = await promoteSchool(
        ctx,
        { id: school.id, provinceCode: school.province_code ?? "" },
        params,
        jobId,
      );
      totals.promoted += counts.promoted;
      totals.graduated += counts.graduated;
      finished++;
      if (finished % 20 === 0 || finished === schools.length)
        await setProgress(ctx.db, jobId, finished, schools.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, params.concurrency) }, worker));
  const previous = await ctx.db.selectFrom("job_item").select("result").where("job_id", "=", jobId).execute();
  const all = previous.reduce(
    (sum, item) => {
      const r = (item.result ?? {}) as Partial<SchoolPromotion>;
      return { promoted: sum.promoted + (r.promoted ?? 0), graduated: sum.graduated + (r.graduated ?? 0) };
    },
    { promoted: 0, graduated: 0 },
  );
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: "student.promote",
    module: "students",
    subjectType: "job",
    subjectId: jobId,
    subjectUnitPath: unit.path,
    detail: { schools: schools.length, ...all, thisRun: totals },
  });
  return { schools: schools.length, ...all };
}

registerJobRunner(PROMOTION_JOB, runPromotion);

/** Orders the promotion of a subtree; runs as a job (waited for when `wait`, e.g. from the CLI). */
export async function orderPromotion(
  ctx: ServiceContext,
  input: { unitId: number; graduate: boolean; effectiveOn?: string | undefined; concurrency?: number },
  options: { wait: boolean },
): Promise<number> {
  if (!can(ctx.actor, "students", "approve")) throw new AppError("forbidden", 403);
  const unit = await findUnitById(ctx.db, ctx.actor.scope, input.unitId);
  if (!unit) throw notFound("unit_not_found");
  const params: PromotionParams = {
    unitId: unit.id,
    graduate: input.graduate,
    effectiveOn: input.effectiveOn ?? todayIso(),
    concurrency: Math.min(Math.max(input.concurrency ?? 2, 1), 8),
  };
  const jobId = await createJob(ctx, {
    kind: PROMOTION_JOB,
    module: "students",
    unitId: unit.id,
    params: { ...params },
  });
  await runJob(ctx, jobId, options);
  return jobId;
}
