/**
 * The one list convention of the API (docs/api.md):
 *   ?page=1&pageSize=20  →  { items, page, pageSize, total, totalIsLowerBound }
 * Pages are 1-based, pageSize ≤ 200. Counting stops at 10,000 matches (totalIsLowerBound tells
 * the client "10,000 or more") and a page may not reach past the 10,000th row: nobody reads that
 * far in a table, and deep OFFSETs over millions of rows are what makes a registry slow.
 * Filters are plain query parameters named after the field; `q` is the free-text search.
 */
import { type SelectQueryBuilder, sql } from "kysely";
import { z } from "zod";
import type { Executor } from "../db/database";
import type { DB } from "../db/schema";
import { badRequest } from "../shared/errors";

export const MAX_WINDOW = 10_000;
export const MAX_PAGE_SIZE = 200;

export const pageQuerySchema = z.object({
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(20),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    page: z.number().int(),
    pageSize: z.number().int(),
    total: z.number().int(),
    totalIsLowerBound: z.boolean(),
  });
}

export interface Page<T> {
  items: T[];
  page: number;
  pageSize: number;
  total: number;
  totalIsLowerBound: boolean;
}

export function pageWindow(query: PageQuery): { limit: number; offset: number } {
  const offset = (query.page - 1) * query.pageSize;
  if (offset + query.pageSize > MAX_WINDOW + MAX_PAGE_SIZE) {
    throw badRequest("page_window_exceeded", { max: MAX_WINDOW });
  }
  return { limit: query.pageSize, offset };
}

export function toPage<T>(items: T[], cappedTotal: number, query: PageQuery): Page<T> {
  return {
    items,
    page: query.page,
    pageSize: query.pageSize,
    total: Math.min(cappedTotal, MAX_WINDOW),
    totalIsLowerBound: cappedTotal > MAX_WINDOW,
  };
}

/**
 * The number of rows a query matches, counted up to MAX_WINDOW + 1 and no further: enough to
 * say "10,000 or more" without counting millions. The query's own select list is replaced.
 */
export async function cappedCount<QDB extends DB, TB extends keyof QDB, O>(
  db: Executor,
  query: SelectQueryBuilder<QDB, TB, O>,
): Promise<number> {
  const counted = await db
    .selectFrom(
      query
        .clearSelect()
        .select(sql<number>`1`.as("one"))
        .limit(MAX_WINDOW + 1)
        .as("capped"),
    )
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(counted.n);
}
