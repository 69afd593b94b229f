/**
 * Long jobs (imports, bulk promotion, exports): a row with progress that the console and the CLI
 * poll, items done so that an interrupted job resumes where it stopped, and a runner per kind so
 * that resuming needs nothing but the job id. A job runs in this process, off the request.
 *
 * A job carries its module and unit. Reading it takes the module's read permission (or having
 * ordered it) and its unit and orderer inside the caller's scope (scope.ts). A job runs as its
 * orderer as the orderer stands when it runs (roles, scope, account status), whoever resumes
 * it: what it reaches is decided again at every run, not only when it was ordered.
 */

import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { DB } from "../../db/schema";
import { AppError, conflict, notFound, publicErrorCode } from "../../shared/errors";
import { type Actor, can, type Module } from "../access/actor";
import { buildActor } from "../access/auth.service";
import { unitInScope } from "../access/scope";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";

export type JobRunner = (ctx: ServiceContext, jobId: number) => Promise<Record<string, unknown>>;
const runners = new Map<string, JobRunner>();

export function registerJobRunner(kind: string, runner: JobRunner): void {
  runners.set(kind, runner);
}

export async function createJob(
  ctx: ServiceContext,
  input: { kind: string; module: Module; unitId: number; params: Record<string, unknown>; total?: number },
): Promise<number> {
  const { id } = await ctx.db
    .insertInto("job")
    .values({
      kind: input.kind,
      module: input.module,
      status: "queued",
      unit_id: input.unitId,
      params: JSON.stringify(input.params),
      progress_total: input.total ?? 0,
      error: null,
      created_by: ctx.actor.userId,
      finished_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return id;
}

export async function setProgress(
  db: Kysely<DB>,
  jobId: number,
  done: number,
  total?: number,
): Promise<void> {
  await db
    .updateTable("job")
    .set({
      progress_done: done,
      ...(total === undefined ? {} : { progress_total: total }),
      updated_at: sql`now()`,
    })
    .where("id", "=", jobId)
    .execute();
}

export async function doneItems(db: Kysely<DB>, jobId: number): Promise<Set<string>> {
  const rows = await db.selectFrom("job_item").select("item_key").where("job_id", "=", jobId).execute();
  return new Set(rows.map((r) => r.item_key));
}

/**
 * The actor a job runs as: its orderer as the orderer stands now (roles, scope), so that a job
 * run or resumed later reaches no more than its orderer reaches then. A job ordered by the
 * system (CLI) runs as the caller, which is the system too.
 */
async function ordererActor(ctx: ServiceContext, createdBy: number | null): Promise<Actor> {
  if (createdBy === null || createdBy === ctx.actor.userId) return ctx.actor;
  const user = await ctx.db
    .selectFrom("app_user")
    .select(["id", "username", "display_name", "unit_id", "status"])
    .where("id", "=", createdBy)
    .executeTakeFirst();
  if (user?.status !== "active") throw new AppError("job_orderer_inactive", 409);
  return buildActor(ctx.db, { ...user, must_change_password: false }, {});
}

/**
 * Runs a job's runner now (awaited) or in the background, as its orderer (ordererActor). The
 * job is marked running, then succeeded with the runner's result or failed with its message;
 * items it marked done stay done.
 */
export async function runJob(
  caller: ServiceContext,
  jobId: number,
  options: { wait: boolean },
): Promise<void> {
  const job = await caller.db.selectFrom("job").selectAll().where("id", "=", jobId).executeTakeFirstOrThrow();
  const runner = runners.get(job.kind);
  if (!runner) throw new Error(`no runner registered for job kind ${job.kind}`);
  const ctx: ServiceContext = { ...caller, actor: await ordererActor(caller, job.created_by) };
  const claimed = await ctx.db
    .updateTable("job")
    .set({ status: "running", error: null, updated_at: sql`now()` })
    .where("id", "=", jobId)
    .where("status", "in", ["queued", "failed"])
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) throw conflict("job_not_resumable", { status: job.status });
  if (ctx.actor !== caller.actor) {
    // Run for someone else: the one who set it going is on record beside the orderer.
    await recordAudit(caller.db, {
      actor: caller.actor,
      ip: caller.ip,
      action: "job.resume",
      module: job.module,
      subjectType: "job",
      subjectId: jobId,
      detail: { kind: job.kind, orderedBy: job.created_by },
    });
  }
  const work = runner(ctx, jobId).then(
    async (result) => {
      await ctx.db
        .updateTable("job")
        .set({
          status: "succeeded",
          result: JSON.stringify(result),
          finished_at: new Date(),
          updated_at: sql`now()`,
        })
        .where("id", "=", jobId)
        .execute();
    },
    async (error: unknown) => {
      // The job's error is shown to users: a stable code; the error itself goes to the log.
      const message = publicErrorCode(error);
      if (!(error instanceof AppError)) console.error(`job ${jobId} failed`, error);
      await ctx.db
        .updateTable("job")
        .set({
          status: "failed",
          error: message.slice(0, 1000),
          finished_at: new Date(),
          updated_at: sql`now()`,
        })
        .where("id", "=", jobId)
        .execute();
      await recordAudit(ctx.db, {
        actor: ctx.actor,
        action: `job.fail`,
        module: job.module,
        subjectType: "job",
        subjectId: jobId,
        outcome: "failure",
        detail: { kind: job.kind, error: message.slice(0, 200) },
      });
    },
  );
  if (options.wait) await work;
}

/**
 * A job the caller may read: its orderer, or a holder of the job's module's read permission;
 * in both cases its unit, and its orderer's unit, lie in the caller's scope.
 */
async function findVisibleJob(db: Kysely<DB>, actor: Actor, jobId: number) {
  const job = await db
    .selectFrom("job")
    .innerJoin("org_unit as ju", "ju.id", "job.unit_id")
    .leftJoin("app_user as orderer", "orderer.id", "job.created_by")
    .leftJoin("org_unit as ou", "ou.id", "orderer.unit_id")
    .selectAll("job")
    .select("ju.path as unit_path")
    .where("job.id", "=", jobId)
    .where(unitInScope(actor.scope, "ju"))
    .where((eb) => eb.or([eb("job.created_by", "is", null), unitInScope(actor.scope, "ou")]))
    .executeTakeFirst();
  if (!job) return undefined;
  const ordered = actor.userId !== null && job.created_by === actor.userId;
  return ordered || can(actor, job.module as Module, "read") ? job : undefined;
}

/** For the access policy (record kind "job"): the caller may see the job. */
export async function isJobVisible(db: Kysely<DB>, actor: Actor, jobId: number): Promise<boolean> {
  return (await findVisibleJob(db, actor, jobId)) !== undefined;
}

/** A job the caller may read (findVisibleJob); otherwise 404, as for a job that does not exist. */
export async function getJob(ctx: ServiceContext, jobId: number) {
  const job = await findVisibleJob(ctx.db, ctx.actor, jobId);
  if (!job) throw notFound("job_not_found");
  return job;
}

/** Jobs left "running" by a process that stopped are failed, so that they can be resumed. */
export async function failInterruptedJobs(db: Kysely<DB>): Promise<number> {
  const result = await db
    .updateTable("job")
    .set({ status: "failed", error: "interrupted", finished_at: new Date() })
    .where("status", "=", "running")
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
