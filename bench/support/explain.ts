/**
 * Plans of the queries a repository function really sends: the function is run once on a
 * Kysely instance that records the compiled SQL (same pool, same dialect), then each statement
 * is explained with its own parameters — so the plan is the custom plan PostgreSQL builds for
 * those values, as it does for node-postgres' unnamed statements.
 */
import { type CompiledQuery, Kysely, PostgresDialect } from "kysely";
import type { Database } from "../../src/db/database";
import type { DB } from "../../src/db/schema";

export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Parent Relationship"?: string;
  "Subplan Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  "Shared Hit Blocks"?: number;
  "Shared Read Blocks"?: number;
  Plans?: PlanNode[];
}

interface ExplainOutput {
  Plan: PlanNode;
  "Planning Time"?: number;
  "Execution Time"?: number;
  JIT?: { Functions?: number; Timing?: { Total?: number } };
}

export interface PlanSummary {
  /** The first node types from the root down the outer branch, e.g. "Limit > Sort > Hash Join". */
  top: string;
  /** Every scan node: "Seq Scan org_unit", "Bitmap Index Scan org_unit_name_trgm_idx", … */
  scans: string[];
  indexes: string[];
  seqScans: string[];
  /**
   * How the main query (not its per-row subqueries) reaches its tables, e.g.
   * "bitmap org_unit_path_idx, seq school": the column shown in the result table.
   */
  access: string;
  /** Rows the scans of org_unit read and threw away (Filter and index Recheck), summed over loops. */
  rowsRemoved: number;
  sharedBlocks: number;
  planningMs?: number;
  executionMs?: number;
  jitMs?: number;
}

export interface ExplainedQuery {
  sql: string;
  parameters: readonly unknown[];
  summary: PlanSummary;
  plan: unknown;
}

function walk(node: PlanNode, visit: (node: PlanNode, inSubPlan: boolean) => void, inSubPlan = false): void {
  visit(node, inSubPlan);
  for (const child of node.Plans ?? []) {
    const relation = child["Parent Relationship"];
    walk(child, visit, inSubPlan || relation === "SubPlan" || relation === "InitPlan");
  }
}

const ACCESS_LABEL: Record<string, string> = {
  "Seq Scan": "seq",
  "Index Scan": "index",
  "Index Only Scan": "index-only",
  "Bitmap Index Scan": "bitmap",
};

export function summarisePlan(output: ExplainOutput): PlanSummary {
  const top: string[] = [];
  let node: PlanNode | undefined = output.Plan;
  while (node && top.length < 4) {
    top.push(node["Node Type"]);
    node = node.Plans?.find(
      (p) => p["Parent Relationship"] !== "SubPlan" && p["Parent Relationship"] !== "InitPlan",
    );
  }
  const scans: string[] = [];
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  const access: string[] = [];
  let rowsRemoved = 0;
  walk(output.Plan, (n, inSubPlan) => {
    const type = n["Node Type"];
    const label = ACCESS_LABEL[type];
    // The school row of each listed unit is always fetched by its primary key: not interesting.
    if (!inSubPlan && label && n["Index Name"] !== "school_pkey") {
      const entry = `${label} ${n["Index Name"] ?? n["Relation Name"] ?? ""}`;
      if (!access.includes(entry)) access.push(entry);
    }
    if (type.includes("Scan")) {
      const target = n["Index Name"] ?? n["Relation Name"] ?? "";
      const scan = `${type} ${target}`.trim();
      if (!scans.includes(scan)) scans.push(scan);
      if (n["Index Name"]) indexes.add(n["Index Name"]);
      if (type === "Seq Scan" && n["Relation Name"]) seqScans.add(n["Relation Name"]);
      const loops = n["Actual Loops"] ?? 1;
      rowsRemoved += ((n["Rows Removed by Filter"] ?? 0) + (n["Rows Removed by Index Recheck"] ?? 0)) * loops;
    }
  });
  const sharedBlocks = (output.Plan["Shared Hit Blocks"] ?? 0) + (output.Plan["Shared Read Blocks"] ?? 0);
  const summary: PlanSummary = {
    top: top.join(" > "),
    scans,
    indexes: [...indexes],
    seqScans: [...seqScans],
    access: access.join(", "),
    rowsRemoved,
    sharedBlocks,
  };
  if (output["Planning Time"] !== undefined) summary.planningMs = output["Planning Time"];
  if (output["Execution Time"] !== undefined) summary.executionMs = output["Execution Time"];
  if (output.JIT?.Timing?.Total !== undefined) summary.jitMs = output.JIT.Timing.Total;
  return summary;
}

/** Runs `work` once on a recording Kysely instance and returns the statements it sent. */
export async function captureQueries(
  database: Database,
  work: (db: Kysely<DB>) => Promise<unknown>,
): Promise<CompiledQuery[]> {
  const captured: CompiledQuery[] = [];
  const recording = new Kysely<DB>({
    // The pool is shared with the measured instance; this instance is never destroyed, so
    // the pool stays open.
    dialect: new PostgresDialect({ pool: database.pool }),
    log: (event) => {
      if (event.level === "query") captured.push(event.query);
    },
  });
  await work(recording);
  return captured;
}

/** EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of one statement with its parameters. */
export async function explain(
  database: Database,
  query: { sql: string; parameters: readonly unknown[] },
): Promise<ExplainedQuery> {
  const { rows } = await database.pool.query<{ "QUERY PLAN": ExplainOutput[] | string }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${query.sql}`,
    [...query.parameters],
  );
  const raw = rows[0]?.["QUERY PLAN"];
  const parsed = (typeof raw === "string" ? JSON.parse(raw) : raw) as ExplainOutput[];
  const output = parsed[0]!;
  return { sql: query.sql, parameters: query.parameters, summary: summarisePlan(output), plan: output };
}

/** Captures what `work` sends and explains each statement. */
export async function explainWork(
  database: Database,
  work: (db: Kysely<DB>) => Promise<unknown>,
): Promise<ExplainedQuery[]> {
  const queries = await captureQueries(database, work);
  const explained: ExplainedQuery[] = [];
  for (const query of queries) explained.push(await explain(database, query));
  return explained;
}
