/**
 * Alternatives to the production organisation search, measured beside it so the lead can
 * decide. Nothing here is used by src/: each variant is the SQL of searchUnits
 * (src/platform/orgs/orgs.repo.ts) with one predicate or one index changed, and the bench checks
 * that it returns the same rows and count as the production function before timing it.
 */
import { type ExpressionBuilder, type Kysely, sql } from "kysely";
import type { Executor } from "../../src/db/database";
import type { DB, UnitKind } from "../../src/db/schema";
import { MAX_WINDOW } from "../../src/http/pagination";
import { type Scope, whereUnitInScope } from "../../src/platform/access/scope";
import type { UnitRow } from "../../src/platform/orgs/orgs.repo";

/**
 * Bigram tokens of a name: every pair of adjacent characters. A substring of two or more
 * characters occurs in a name only if all its bigrams do, so `tokens(name) @> tokens(q)` is a
 * GIN-indexable pre-filter for `name LIKE '%q%'` that works for two-character queries, which
 * trigrams cannot serve (LIKE '%ab%' yields no trigram), and whatever the database's LC_CTYPE.
 * The tokens are a stored column, not an index expression: a bitmap scan rechecks its
 * conditions row by row whenever it is lossy or combined with the trigram index (whose LIKE
 * always needs a recheck), and re-running this SQL function on 250,000 rows took 1.4 s.
 */
export const BIGRAM_FUNCTION_SQL = `
CREATE FUNCTION bench_name_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN ARRAY(SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i)`;

export const BIGRAM_COLUMN_SQL = `
ALTER TABLE org_unit ADD COLUMN bench_name_bigrams text[]
  GENERATED ALWAYS AS (bench_name_bigrams(name)) STORED`;

export const BIGRAM_INDEX_SQL = `
CREATE INDEX bench_org_unit_name_bigram_idx ON org_unit USING gin (bench_name_bigrams)`;

/** Exact code and code prefix on one index: text_pattern_ops serves `=` and `LIKE 'x%'` alike. */
export const CODE_PATTERN_INDEX_SQL = `
CREATE INDEX bench_org_unit_code_pattern_idx ON org_unit (code text_pattern_ops)`;

/** The alternative to the index above: codes are ASCII, so the "C" collation loses nothing. */
export const CODE_COLLATE_C_SQL = `ALTER TABLE org_unit ALTER COLUMN code TYPE text COLLATE "C"`;

/**
 * The subtree index with the columns a page needs to be chosen and ordered, so the page of ids
 * and the capped count are read from the index alone (index-only scans).
 */
export const PATH_COVER_INDEX_SQL = `
CREATE INDEX bench_org_unit_path_cover_idx ON org_unit (path text_pattern_ops) INCLUDE (kind, level, code, id)`;

/** The statements of the bigram variant, in order. */
export const BIGRAM_STATEMENTS = [BIGRAM_FUNCTION_SQL, BIGRAM_COLUMN_SQL, BIGRAM_INDEX_SQL];

/** unitQuery of orgs.repo.ts (not exported there), unchanged. */
function unitQuery(db: Executor, scope: Scope) {
  return whereUnitInScope(db.selectFrom("org_unit"), scope)
    .leftJoin("school", "school.unit_id", "org_unit.id")
    .selectAll("org_unit")
    .select([
      "school.school_code",
      "school.school_type",
      "school.running_type",
      "school.stages",
      "school.ownership",
      "school.credit_code",
      "school.address",
      "school.supervising_unit_id",
      "school.opened_on",
      "school.closed_on",
      "school.merged_into_unit_id",
    ]);
}

/** The subset of UnitFilter (orgs.repo.ts) the variants support. */
export interface VariantFilter {
  q?: string;
  kind?: UnitKind;
  parentId?: number;
}

export interface VariantOptions {
  /** Add the bigram pre-filter to a name query of two or more characters. */
  bigrams?: boolean;
  /** Choose and order the page on org_unit alone, then join the page's rows. */
  deferred?: boolean;
}

/** filtered() of orgs.repo.ts, with the optional bigram pre-filter. */
function filtered(db: Executor, scope: Scope, filter: VariantFilter, options: VariantOptions) {
  let query = unitQuery(db, scope);
  if (filter.parentId !== undefined) query = query.where("org_unit.parent_id", "=", filter.parentId);
  if (filter.kind) query = query.where("org_unit.kind", "=", filter.kind);
  if (filter.q) {
    const q = filter.q;
    if (/^[0-9A-Z-]{2,}$/.test(q)) {
      query = query.where((eb) => eb.or([eb("org_unit.code", "=", q), eb("org_unit.code", "like", `${q}%`)]));
    } else {
      // One character has no bigram; such a query keeps the plain LIKE.
      if (options.bigrams && [...q].length >= 2)
        query = query.where(sql<boolean>`org_unit.bench_name_bigrams @> bench_name_bigrams(${q}::text)`);
      query = query.where("org_unit.name", "like", `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    }
  }
  return query;
}

/**
 * searchUnits of orgs.repo.ts (page of rows + capped count) with the variant's changes:
 * - bigrams: the pre-filter above;
 * - deferred: a deferred join — the page of ids is chosen and ordered on org_unit alone (the
 *   school join is dropped by the planner as unused, and a covering index can answer it without
 *   touching the table), then only those rows are read with their school and child count.
 * The capped count statement is the production one (plus the pre-filter when asked).
 */
export async function searchUnitsVariant(
  db: Kysely<DB>,
  scope: Scope,
  filter: VariantFilter,
  window: { limit: number; offset: number },
  options: VariantOptions,
): Promise<{ rows: UnitRow[]; cappedTotal: number }> {
  const childCount = (eb: ExpressionBuilder<DB, "org_unit">) =>
    eb
      .selectFrom("org_unit as c")
      .whereRef("c.parent_id", "=", "org_unit.id")
      .select(eb.fn.countAll<number>().as("n"))
      .as("child_count");
  let rows: unknown[];
  if (options.deferred) {
    const page = filtered(db, scope, filter, options)
      .clearSelect()
      .select(["org_unit.id", "org_unit.level", "org_unit.code"])
      .orderBy("org_unit.level")
      .orderBy("org_unit.code")
      .limit(window.limit)
      .offset(window.offset)
      .as("page");
    rows = await unitQuery(db, scope)
      .innerJoin(page, "page.id", "org_unit.id")
      .select(childCount)
      .orderBy("page.level")
      .orderBy("page.code")
      .execute();
  } else {
    rows = await filtered(db, scope, filter, options)
      .select(childCount)
      .orderBy("org_unit.level")
      .orderBy("org_unit.code")
      .limit(window.limit)
      .offset(window.offset)
      .execute();
  }
  const counted = await db
    .selectFrom(
      filtered(db, scope, filter, options)
        .clearSelect()
        .select(sql<number>`1`.as("one"))
        .limit(MAX_WINDOW + 1)
        .as("capped"),
    )
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return { rows: rows as UnitRow[], cappedTotal: Number(counted.n) };
}
