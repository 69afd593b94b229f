/**
 * Separation of duties (职责分离), a rule of the engine for every request type: the person who
 * submitted a request (in any round) never decides a step of it, and a person decides at most one
 * step of a request — whoever decided step 1 cannot decide step 2, even at a unit where they hold
 * the permission (a user with two roles, or moved to the county). Re-deciding the same step in a
 * later round (a reviewer looking at the revision they asked for) is allowed unless the chain
 * widens the rule.
 *
 * The base rule is code, not data: a chain may only WIDEN it (`separation` in chains.json), and a
 * chain file that tries to narrow or switch it off is refused when loaded. The rule is about the
 * person (user id), whatever unit or role they act with; the engine has no delegation, so nobody
 * acts "for" another person.
 *
 * The same rule is written twice, on purpose side by side: `separationRefusal()` for a decision
 * (names why), `separationAllows()` as SQL for the inbox (so no one is offered what they cannot
 * do). The tests check both in every case.
 */
import { type ExpressionBuilder, type SqlBool, sql } from "kysely";
import { z } from "zod";
import type { Executor } from "../../db/database";
import type { DB } from "../../db/schema";
import type { RequestRow, StepRow } from "./workflow.repo";

/** What a chain may add to the base rule. Every key widens; there is no key that narrows. */
export const WIDENINGS = {
  /** No user of the submitting unit decides any step (steps must act at other units). */
  excludeSameUnitAsSubmitter: "no one of the submitting unit decides any step",
  /** A person who decided in an earlier round does not decide again in a later one. */
  distinctAcrossRounds: "a decider of an earlier round does not decide in a later round",
} as const;
export type Widening = keyof typeof WIDENINGS;
export type Separation = Partial<Record<Widening, boolean>>;

/**
 * `separation` of a chain: only the widening keys, each true or false (false = not widened). Any
 * other key — `allowSubmitter`, `enabled: false`, … — is refused with a message that says why.
 */
export const separationSchema = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  for (const [key, flag] of Object.entries(value)) {
    if (!(key in WIDENINGS)) {
      ctx.addIssue({
        code: "custom",
        path: [key],
        message:
          `separation of duties can only be widened: "${key}" is not a widening ` +
          `(allowed: ${Object.keys(WIDENINGS).join(", ")}); the base rule — the submitter and the ` +
          "deciders of other steps never decide — always applies and cannot be configured off",
      });
    } else if (typeof flag !== "boolean") {
      ctx.addIssue({ code: "custom", path: [key], message: `"${key}" must be true or false` });
    }
  }
}) as unknown as z.ZodType<Separation>;

export interface DecisionFacts {
  submitterUserIds: number[];
  submitterUnitId: number;
  /** Every decided step of the request, all rounds. */
  decided: { round: number; stepNo: number; userId: number | null }[];
  /** The step about to be decided. */
  step: { round: number; stepNo: number };
}

/** The facts of a request the rule looks at: who submitted each round, who decided which step. */
export function separationFacts(
  request: Pick<RequestRow, "submitter_user_id" | "submitter_unit_id">,
  submissions: { submitted_by_user_id: number | null }[],
  steps: Pick<StepRow, "round" | "step_no" | "decision" | "decided_by_user_id">[],
  current: Pick<StepRow, "round" | "step_no">,
): DecisionFacts {
  return {
    submitterUserIds: [request.submitter_user_id, ...submissions.map((s) => s.submitted_by_user_id)].filter(
      (id): id is number => id !== null,
    ),
    submitterUnitId: request.submitter_unit_id,
    decided: steps
      .filter((s) => s.decision !== null)
      .map((s) => ({ round: s.round, stepNo: s.step_no, userId: s.decided_by_user_id })),
    step: { round: current.round, stepNo: current.step_no },
  };
}

export type SeparationReason =
  | "submitter"
  | "decided_other_step"
  | "decided_earlier_round"
  | "submitter_unit";

/** Why a person may not decide the step, or null when they may. */
export function separationRefusal(
  person: { userId: number | null; unitId: number },
  facts: DecisionFacts,
  separation: Separation,
): SeparationReason | null {
  const { userId } = person;
  if (userId === null) return null; // refused elsewhere: a decision needs a signing person
  if (facts.submitterUserIds.includes(userId)) return "submitter";
  for (const d of facts.decided) {
    if (d.userId !== userId) continue;
    if (d.stepNo !== facts.step.stepNo || d.round === facts.step.round) return "decided_other_step";
    if (separation.distinctAcrossRounds) return "decided_earlier_round";
  }
  if (separation.excludeSameUnitAsSubmitter && person.unitId === facts.submitterUnitId)
    return "submitter_unit";
  return null;
}

/** A chain's widenings as stored (workflow_chain of the request's chain and scope). */
export async function chainSeparation(db: Executor, code: string, scope: string): Promise<Separation> {
  const row = await db
    .selectFrom("workflow_chain")
    .select("definition")
    .where("code", "=", code)
    .where("scope", "=", scope)
    .executeTakeFirst();
  const parsed = separationSchema.safeParse((row?.definition as { separation?: unknown })?.separation ?? {});
  return parsed.success ? parsed.data : {};
}

/** Whether the stored chain of the request row has a widening switched on (SQL, for lists). */
function widened(eb: ExpressionBuilder<DB, "workflow_request">, key: Widening) {
  return eb.exists(
    eb
      .selectFrom("workflow_chain as sep_chain")
      .whereRef("sep_chain.code", "=", "workflow_request.chain_code")
      .whereRef("sep_chain.scope", "=", "workflow_request.chain_scope")
      .where(sql<SqlBool>`sep_chain.definition -> 'separation' ->> ${sql.lit(key)} = 'true'`)
      .select(sql`1`.as("one")),
  );
}

/**
 * The inbox filter: the pending `workflow_step` of `workflow_request` may be decided by the person
 * (same rule as separationRefusal). A caller without a person (the system) decides nothing.
 */
export function separationAllows(person: { userId: number | null; unitId: number }) {
  return (eb: ExpressionBuilder<DB, "workflow_request" | "workflow_step">) => {
    const { userId, unitId } = person;
    if (userId === null) return sql<SqlBool>`false`;
    return eb.and([
      eb("workflow_request.submitter_user_id", "is distinct from", userId),
      eb.not(
        eb.exists(
          eb
            .selectFrom("workflow_submission as sep_sub")
            .whereRef("sep_sub.request_id", "=", "workflow_request.id")
            .where("sep_sub.submitted_by_user_id", "=", userId)
            .select(sql`1`.as("one")),
        ),
      ),
      eb.not(
        eb.exists(
          eb
            .selectFrom("workflow_step as sep_done")
            .whereRef("sep_done.request_id", "=", "workflow_step.request_id")
            .where("sep_done.decided_by_user_id", "=", userId)
            .where((d) =>
              d.or([
                d("sep_done.step_no", "<>", d.ref("workflow_step.step_no")),
                d("sep_done.round", "=", d.ref("workflow_step.round")),
                widened(eb as ExpressionBuilder<DB, "workflow_request">, "distinctAcrossRounds"),
              ]),
            )
            .select(sql`1`.as("one")),
        ),
      ),
      eb.or([
        eb("workflow_request.submitter_unit_id", "<>", unitId),
        eb.not(widened(eb as ExpressionBuilder<DB, "workflow_request">, "excludeSameUnitAsSubmitter")),
      ]),
    ]);
  };
}
