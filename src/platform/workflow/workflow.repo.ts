/**
 * SQL of the workflow engine. Reads that reach callers take their Scope: a request is visible
 * when one of its parties (submitter, subject, sides, acting units) lies in the caller's
 * subtree. The version column is the optimistic lock: claimVersion() is the single place that
 * decides which of two concurrent actions wins.
 */
import { type ExpressionBuilder, type Selectable, sql } from "kysely";
import type { Executor } from "../../db/database";
import type {
  DB,
  WorkflowDecision,
  WorkflowRequestTable,
  WorkflowStatus,
  WorkflowStepStatus,
  WorkflowStepTable,
} from "../../db/schema";
import { cappedCount } from "../../http/pagination";
import { type Scope, unitInScope } from "../access/scope";
import { separationAllows } from "./workflow.separation";

export type RequestRow = Selectable<WorkflowRequestTable> & {
  subject_unit_name: string;
  subject_unit_path: string;
  submitter_unit_name: string;
};
export type StepRow = Selectable<WorkflowStepTable> & {
  acting_unit_name: string;
  acting_unit_path: string;
  decided_by_name: string | null;
  seal_code: string | null;
};
export type PartyRole = "submitter" | "subject" | "sending" | "receiving" | "acting";

/**
 * A request is visible when one of its parties lies in the scope (scope.ts: the HR side sees
 * none of the education side's) and, when `modules` is given, its type's module is one the
 * reader may read (readableModules): a school administrator without students:read sees no
 * transfer. Lists always pass the modules.
 */
function isVisible(scope: Scope, modules?: readonly string[]) {
  return (eb: ExpressionBuilder<DB, "workflow_request">) =>
    eb.and([
      eb.exists(
        eb
          .selectFrom("workflow_party as vp")
          .innerJoin("org_unit as vu", "vu.id", "vp.unit_id")
          .whereRef("vp.request_id", "=", "workflow_request.id")
          .where(unitInScope(scope, "vu"))
          .select(sql`1`.as("one")),
      ),
      ...(modules === undefined ? [] : [inModules("workflow_request.module", modules)]),
    ]);
}

/** SQL condition: the module column names one of the modules (none: false). */
function inModules(column: string, modules: readonly string[]) {
  return modules.length === 0
    ? sql<boolean>`false`
    : sql<boolean>`${sql.ref(column)} IN (${sql.join(modules.map((m) => sql`${m}`))})`;
}

function requestQuery(db: Executor) {
  return db
    .selectFrom("workflow_request")
    .innerJoin("org_unit as subject", "subject.id", "workflow_request.subject_unit_id")
    .innerJoin("org_unit as submitter", "submitter.id", "workflow_request.submitter_unit_id")
    .selectAll("workflow_request")
    .select([
      "subject.name as subject_unit_name",
      "subject.path as subject_unit_path",
      "submitter.name as submitter_unit_name",
    ]);
}

export function findVisibleRequest(
  db: Executor,
  scope: Scope,
  id: number,
  modules?: readonly string[],
): Promise<RequestRow | undefined> {
  return requestQuery(db)
    .where("workflow_request.id", "=", id)
    .where(isVisible(scope, modules))
    .executeTakeFirst();
}

/** Unscoped, for verification by the CLI (an operator on the server) only. */
export function findRequest(db: Executor, id: number): Promise<RequestRow | undefined> {
  return requestQuery(db).where("workflow_request.id", "=", id).executeTakeFirst();
}

export async function insertRequest(
  db: Executor,
  values: Omit<
    Selectable<WorkflowRequestTable>,
    | "id"
    | "version"
    | "round"
    | "archive_item_id"
    | "closed_at"
    | "change_version"
    | "created_at"
    | "updated_at"
  >,
): Promise<number> {
  const { id } = await db
    .insertInto("workflow_request")
    .values({ ...values, archive_item_id: null, closed_at: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  return id;
}

/**
 * The optimistic lock: bumps the version only if it is still the one the caller saw. Under
 * PostgreSQL's row lock a second, concurrent UPDATE waits for the first to commit, re-reads the
 * row, finds the version moved and updates nothing. Returns the new version, or null.
 */
export async function claimVersion(db: Executor, id: number, expected: number): Promise<number | null> {
  const row = await db
    .updateTable("workflow_request")
    .set((eb) => ({ version: eb("version", "+", 1) }))
    .where("id", "=", id)
    .where("version", "=", expected)
    .returning("version")
    .executeTakeFirst();
  return row?.version ?? null;
}

export async function currentVersion(db: Executor, id: number): Promise<number> {
  const row = await db
    .selectFrom("workflow_request")
    .select("version")
    .where("id", "=", id)
    .executeTakeFirst();
  return row?.version ?? 0;
}

export function updateRequest(
  db: Executor,
  id: number,
  values: Partial<{
    status: WorkflowStatus;
    round: number;
    current_step_no: number | null;
    closed_at: Date | null;
    content_hash: string;
    title: string;
    subject_unit_id: number;
    archive_item_id: number;
  }>,
) {
  return db.updateTable("workflow_request").set(values).where("id", "=", id).execute();
}

export function insertSubmission(
  db: Executor,
  values: {
    request_id: number;
    round: number;
    payload: Record<string, unknown>;
    content_hash: string;
    submitted_by_user_id: number | null;
    submitted_at: Date;
  },
) {
  return db
    .insertInto("workflow_submission")
    .values({ ...values, payload: JSON.stringify(values.payload) })
    .execute();
}

export function findSubmission(db: Executor, requestId: number, round: number) {
  return db
    .selectFrom("workflow_submission")
    .selectAll()
    .where("request_id", "=", requestId)
    .where("round", "=", round)
    .executeTakeFirst();
}

export function listSubmissions(db: Executor, requestId: number) {
  return db
    .selectFrom("workflow_submission")
    .leftJoin("app_user", "app_user.id", "workflow_submission.submitted_by_user_id")
    .selectAll("workflow_submission")
    .select("app_user.display_name as submitted_by_name")
    .where("request_id", "=", requestId)
    .orderBy("round")
    .execute();
}

export interface NewStep {
  request_id: number;
  round: number;
  step_no: number;
  level: WorkflowStepTable["level"];
  side: WorkflowStepTable["side"];
  label: string | null;
  acting_unit_id: number;
  province_code: string | null;
  status: WorkflowStepStatus;
  limit_days: number;
  started_at: Date | null;
  due_on: string | null;
}

export function insertSteps(db: Executor, steps: NewStep[]) {
  return db
    .insertInto("workflow_step")
    .values(
      steps.map((s) => ({
        ...s,
        decided_at: null,
        decided_by_user_id: null,
        decision: null,
        comment: null,
        signed_document: null,
        signature: null,
        signature_algorithm: null,
        signing_key_id: null,
        seal_id: null,
        personal_signature: null,
        personal_key_id: null,
      })),
    )
    .execute();
}

export function listSteps(db: Executor, requestId: number): Promise<StepRow[]> {
  return db
    .selectFrom("workflow_step")
    .innerJoin("org_unit as acting", "acting.id", "workflow_step.acting_unit_id")
    .leftJoin("app_user as decider", "decider.id", "workflow_step.decided_by_user_id")
    .leftJoin("seal", "seal.id", "workflow_step.seal_id")
    .selectAll("workflow_step")
    .select([
      "acting.name as acting_unit_name",
      "acting.path as acting_unit_path",
      "decider.display_name as decided_by_name",
      "seal.seal_code as seal_code",
    ])
    .where("workflow_step.request_id", "=", requestId)
    .orderBy("workflow_step.round")
    .orderBy("workflow_step.step_no")
    .execute();
}

export interface DecisionRecord {
  status: WorkflowStepStatus;
  decision: WorkflowDecision;
  decided_at: Date;
  decided_by_user_id: number;
  comment: string | null;
  attachments: string[];
  signed_document: string;
  signature: string;
  signature_algorithm: WorkflowStepTable["signature_algorithm"];
  signing_key_id: number;
  seal_id: number;
  personal_signature: string | null;
  personal_key_id: number | null;
}

export function recordDecision(db: Executor, stepId: number, decision: DecisionRecord) {
  return db
    .updateTable("workflow_step")
    .set({ ...decision, updated_at: new Date() })
    .where("id", "=", stepId)
    .execute();
}

export function activateStep(db: Executor, stepId: number, startedAt: Date, dueOn: string) {
  return db
    .updateTable("workflow_step")
    .set({ status: "pending", started_at: startedAt, due_on: dueOn, updated_at: new Date() })
    .where("id", "=", stepId)
    .execute();
}

/** Steps of a round that will no longer be reached (after a rejection, return or withdrawal). */
export function skipOpenSteps(db: Executor, requestId: number, round: number) {
  return db
    .updateTable("workflow_step")
    .set({ status: "skipped", updated_at: new Date() })
    .where("request_id", "=", requestId)
    .where("round", "=", round)
    .where("status", "in", ["waiting", "pending"])
    .execute();
}

export function insertParties(
  db: Executor,
  requestId: number,
  parties: { unitId: number; role: PartyRole }[],
) {
  const unique = [...new Map(parties.map((p) => [`${p.unitId}:${p.role}`, p])).values()];
  return db
    .insertInto("workflow_party")
    .values(unique.map((p) => ({ request_id: requestId, unit_id: p.unitId, role: p.role })))
    .onConflict((oc) => oc.columns(["request_id", "unit_id", "role"]).doNothing())
    .execute();
}

export function listPartyUnitIds(db: Executor, requestId: number) {
  return db
    .selectFrom("workflow_party")
    .select(["unit_id", "role"])
    .where("request_id", "=", requestId)
    .execute();
}

export function insertComment(
  db: Executor,
  values: {
    request_id: number;
    step_id: number | null;
    round: number;
    author_user_id: number;
    author_unit_id: number;
    body: string;
    attachments: string[];
  },
) {
  return db.insertInto("workflow_comment").values(values).returning("id").executeTakeFirstOrThrow();
}

export function listComments(db: Executor, requestId: number) {
  return db
    .selectFrom("workflow_comment")
    .innerJoin("app_user", "app_user.id", "workflow_comment.author_user_id")
    .innerJoin("org_unit", "org_unit.id", "workflow_comment.author_unit_id")
    .selectAll("workflow_comment")
    .select(["app_user.display_name as author_name", "org_unit.name as author_unit_name"])
    .where("workflow_comment.request_id", "=", requestId)
    .orderBy("workflow_comment.id")
    .execute();
}

export interface RequestFilter {
  status?: WorkflowStatus | undefined;
  type?: string | undefined;
  submitterUnitId?: number | undefined;
  subjectUnitId?: number | undefined;
  /**
   * Requests about a record: the payload of some round has one of these top-level fields with
   * that value (compared as text), e.g. `{ studentId: "42", studentNumber: "G…" }`. Keys are
   * field names written in code; a field searched often deserves an expression index.
   */
  payloadAny?: Record<string, string> | undefined;
}

const PAYLOAD_KEY = /^[A-Za-z][A-Za-z0-9_]*$/;

function payloadNames(fields: Record<string, string>) {
  const entries = Object.entries(fields);
  for (const [key] of entries) if (!PAYLOAD_KEY.test(key)) throw new Error(`bad payload key ${key}`);
  return (eb: ExpressionBuilder<DB, "workflow_request">) =>
    eb.exists(
      eb
        .selectFrom("workflow_submission as ps")
        .whereRef("ps.request_id", "=", "workflow_request.id")
        // The key is a literal so that an expression index on (payload->>'key') serves it.
        .where((inner) =>
          inner.or(entries.map(([key, value]) => inner(sql`ps.payload->>${sql.lit(key)}`, "=", value))),
        )
        .select(sql`1`.as("one")),
    );
}

export async function searchRequests(
  db: Executor,
  scope: Scope,
  filter: RequestFilter,
  window: { limit: number; offset: number },
  modules: readonly string[],
) {
  let query = requestQuery(db).where(isVisible(scope, modules));
  if (filter.status) query = query.where("workflow_request.status", "=", filter.status);
  if (filter.type) query = query.where("workflow_request.type_code", "=", filter.type);
  if (filter.submitterUnitId !== undefined)
    query = query.where("workflow_request.submitter_unit_id", "=", filter.submitterUnitId);
  if (filter.subjectUnitId !== undefined)
    query = query.where("workflow_request.subject_unit_id", "=", filter.subjectUnitId);
  if (filter.payloadAny) {
    // An empty set of fields names no record: nothing is about it.
    if (Object.keys(filter.payloadAny).length === 0) return { rows: [], cappedTotal: 0 };
    query = query.where(payloadNames(filter.payloadAny));
  }
  const rows = await query
    .orderBy("workflow_request.id", "desc")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  return { rows, cappedTotal: await cappedCount(db, query) };
}

function pendingSteps(db: Executor) {
  return db
    .selectFrom("workflow_step")
    .innerJoin("workflow_request", "workflow_request.id", "workflow_step.request_id")
    .innerJoin("org_unit as acting", "acting.id", "workflow_step.acting_unit_id")
    .innerJoin("org_unit as subject", "subject.id", "workflow_request.subject_unit_id")
    .where("workflow_step.status", "=", "pending");
}

const pendingStepColumns = [
  "workflow_step.id as step_id",
  "workflow_step.step_no",
  "workflow_step.level",
  "workflow_step.label",
  "workflow_step.started_at",
  "workflow_step.due_on",
  "workflow_step.acting_unit_id",
  "acting.name as acting_unit_name",
  "workflow_request.id as request_id",
  "workflow_request.type_code",
  "workflow_request.title",
  "workflow_request.version",
  "workflow_request.subject_unit_id",
  "subject.name as subject_unit_name",
] as const;

export interface InboxFilter {
  typeCodes: string[];
  /** Who asks: steps that separation of duties keeps from this person are not offered. */
  person: { userId: number | null; unitId: number };
  startedBefore?: Date | undefined;
  dueBefore?: string | undefined;
}

export async function inbox(
  db: Executor,
  unitId: number,
  filter: InboxFilter,
  window: { limit: number; offset: number },
) {
  let query = pendingSteps(db)
    .where("workflow_step.acting_unit_id", "=", unitId)
    .where("workflow_request.type_code", "in", filter.typeCodes)
    .where(separationAllows(filter.person));
  if (filter.startedBefore) query = query.where("workflow_step.started_at", "<=", filter.startedBefore);
  if (filter.dueBefore) query = query.where("workflow_step.due_on", "<", filter.dueBefore);
  const rows = await query
    .select(pendingStepColumns)
    .orderBy("workflow_step.due_on")
    .orderBy("workflow_step.id")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  return { rows, cappedTotal: await cappedCount(db, query) };
}

/** Pending steps past their deadline whose acting unit lies in the scope (a level sees its children's). */
export async function overdueSteps(
  db: Executor,
  scope: Scope,
  today: string,
  window: { limit: number; offset: number },
  modules: readonly string[],
) {
  const query = pendingSteps(db)
    .where("workflow_step.due_on", "<", today)
    .where(unitInScope(scope, "acting"))
    .where(isVisible(scope, modules));
  const rows = await query
    .select(pendingStepColumns)
    .orderBy("workflow_step.due_on")
    .orderBy("workflow_step.id")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  return { rows, cappedTotal: await cappedCount(db, query) };
}

/** Pending and overdue steps per acting unit in the scope, for supervision. */
export function pendingCountsByUnit(db: Executor, scope: Scope, today: string, modules: readonly string[]) {
  return db
    .selectFrom("workflow_step")
    .innerJoin("org_unit as acting", "acting.id", "workflow_step.acting_unit_id")
    .innerJoin("workflow_request", "workflow_request.id", "workflow_step.request_id")
    .where("workflow_step.status", "=", "pending")
    .where(unitInScope(scope, "acting"))
    .where(inModules("workflow_request.module", modules))
    .groupBy(["workflow_step.acting_unit_id", "acting.name", "acting.kind", "acting.path"])
    .select((eb) => [
      "workflow_step.acting_unit_id as unit_id",
      "acting.name as unit_name",
      "acting.kind as unit_kind",
      "acting.path as unit_path",
      eb.fn.countAll<number>().as("pending"),
      eb.fn.countAll<number>().filterWhere("workflow_step.due_on", "<", today).as("overdue"),
      eb.fn.min("workflow_step.started_at").as("oldest_started_at"),
    ])
    .orderBy("acting.path")
    .execute();
}

/** Requests visible to the scope by status. */
export function requestCountsByStatus(db: Executor, scope: Scope, modules: readonly string[]) {
  return db
    .selectFrom("workflow_request")
    .where(isVisible(scope, modules))
    .groupBy("workflow_request.status")
    .select((eb) => ["workflow_request.status", eb.fn.countAll<number>().as("n")])
    .execute();
}

/** Every request id in order, for `edumis verify` over all requests. */
export function requestIdsAfter(db: Executor, afterId: number, limit: number) {
  return db
    .selectFrom("workflow_request")
    .select("id")
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
}
