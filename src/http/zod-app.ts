import type {
  FastifyBaseLogger,
  FastifyInstance,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from "fastify";
import type { ZodTypeProvider } from "fastify-type-provider-zod";
import { z } from "zod";

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

/** A calendar date "YYYY-MM-DD" that exists. */
export const isoDate = z.iso.date();

/** An empty-object success body, for actions that return nothing else. */
export const okSchema = z.object({ ok: z.literal(true) });
export const ok = { ok: true as const };
