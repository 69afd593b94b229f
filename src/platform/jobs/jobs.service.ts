/**
 * Long jobs (imports, bulk promotion, exports): a row with progress that the console and the CLI
 * poll, items done so that an interrupted job resumes where it stopped, and a runner per kind so
 * that resuming needs nothing but the job id. A job runs in this process, off the request.
 */

import type { Kysely } from "kysely";
import { sql } from "kysely";
import type { DB } from "../../db/schema";
import { AppError, conflict, notFound, publicErrorCode } from "../../shared/errors";
import { isPathInScope } from "../access/scope";
import { recordAudit } from "../audit/audit.service";
import type { ServiceContext } from "../context";

export type JobRunner = (ctx: ServiceContext, jobId: number) => Promise<Record<string, unknown>>;
const runners = new Map<string, JobRunner>();

export function registerJobRunner(kind: string, runner: JobRunner): void {
  runners.set(kind, runner);
}

export async function createJob(
  ctx: ServiceContext,
  input: { kind: string; unitId: number; params: Record<string, unknown>; total?: number },
): Promise<number> {
  const { id } = await ctx.db
    .insertInto("job")
    .values({
      kind: input.kind,
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
 * Runs a job's runner now (awaited) or in the background. The job is marked running, then
 * succeeded with the runner's result or failed with its message; items it marked done stay done.
 */
export async function runJob(ctx: ServiceContext, jobId: number, options: { wait: boolean }): Promise<void> {
  const job = await ctx.db.selectFrom("job").selectAll().where("id", "=", jobId).executeTakeFirstOrThrow();
  const runner = runners.get(job.kind);
  if (!runner) throw new Error(`no runner registered for job kind ${job.kind}`);
  const claimed = await ctx.db
    .updateTable("job")
    .set({ status: "running", error: null, updated_at: sql`now()` })
    .where("id", "=", jobId)
    .where("status", "in", ["queued", "failed"])
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) === 0) throw conflict("job_not_resumable", { status: job.status });
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
        module: "orgs",
        subjectType: "job",
        subjectId: jobId,
        outcome: "failure",
        detail: { kind: job.kind, error: message.slice(0, 200) },
      });
    },
  );
  if (options.wait) await work;
}

/** A job whose unit lies in the caller's scope. */
export async function getJob(ctx: ServiceContext, jobId: number) {
  const job = await ctx.db
    .selectFrom("job")
    .innerJoin("org_unit", "org_unit.id", "job.unit_id")
    .selectAll("job")
    .select("org_unit.path as unit_path")
    .where("job.id", "=", jobId)
    .executeTakeFirst();
  if (!job || !isPathInScope(ctx.actor.scope, job.unit_path)) throw notFound("job_not_found");
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
