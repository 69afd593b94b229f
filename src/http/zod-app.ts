import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";
import { isIsoDate } from "../shared/time";

/** The Fastify instance with Zod as its type provider: schemas type the handlers. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** A positive integer id in a path parameter. */
export const idParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/**
 * A calendar date "YYYY-MM-DD" that exists (shared/time.ts isIsoDate, the platform's one date
 * rule): 2026-02-30 is refused, never read as 2 March.
 */
export const isoDate = z
  .string()
  .refine(isIsoDate, { error: "calendar_date_invalid" })
  .meta({ format: "date", example: "2026-09-01" });

/**
 * A point in time for a filter: a calendar date (its start, UTC as before) or an ISO 8601 date
 * and time with its offset; either must exist. In place of z.coerce.date(), which reads
 * "2026-02-30" as 2 March.
 */
const isoDateTime = z.iso.datetime({ offset: true });
export const isoDateOrTime = z
  .string()
  .refine((value) => isIsoDate(value) || isoDateTime.safeParse(value).success, {
    error: "calendar_date_invalid",
  })
  .transform((value) => new Date(value.length === 10 ? `${value}T00:00:00Z` : value));

/** An empty-object success body, for actions that return nothing else. */
export const okSchema = z.object({ ok: z.literal(true) });
export const ok = { ok: true as const };
