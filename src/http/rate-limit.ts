/**
 * Rate limits on the routes an attacker or a runaway script would hammer: signing in, password
 * changes and resets, and every export (bulk personal data). The limits are data
 * (data/access/rate-limits.json, one entry per group); a route joins a group by
 * `config.rateLimitGroup`, and every route whose access is a module's `export` permission is in
 * the "export" group without saying so, so a new export cannot be forgotten.
 *
 * Counting is per client address for anonymous callers and per account once signed in (the
 * access policy identifies the caller in onRequest before this hook runs). A refused call is a
 * 429 problem `rate_limited` with Retry-After. Counters live in the process (@fastify/rate-limit's
 * LRU store): one node is one process. Behind a reverse proxy the client address is the proxy's
 * unless trustProxy is set, so the per-address limit would then apply to everyone together.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import fastifyRateLimit from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import { z } from "zod";
import { projectRoot } from "../config";
import { AppError } from "../shared/errors";

export const RATE_LIMIT_GROUPS = ["login", "password", "export"] as const;
export type RateLimitGroup = (typeof RATE_LIMIT_GROUPS)[number];

declare module "fastify" {
  interface FastifyContextConfig {
    /** The rate-limit group of the route (see data/access/rate-limits.json). */
    rateLimitGroup?: RateLimitGroup;
  }
}

const groupSchema = z.object({
  max: z.number().int().positive(),
  timeWindowSeconds: z.number().int().positive(),
});
const settingsSchema = z.object({
  source: z.string(),
  groups: z.object({ login: groupSchema, password: groupSchema, export: groupSchema }),
});
export type RateLimitSettings = z.infer<typeof settingsSchema>;

export const RATE_LIMITS_FILE = path.join(projectRoot, "data", "access", "rate-limits.json");

export function loadRateLimits(file = RATE_LIMITS_FILE): RateLimitSettings {
  return settingsSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** Signed-in callers are counted per account, everyone else per client address. */
function clientKey(request: FastifyRequest): string {
  const userId = request.actor?.userId;
  return userId != null ? `user:${userId}` : `ip:${request.ip}`;
}

function groupOf(route: RouteOptions): RateLimitGroup | undefined {
  const config = route.config;
  if (config?.rateLimitGroup) return config.rateLimitGroup;
  const access = config?.access;
  return access && "action" in access && access.action === "export" ? "export" : undefined;
}

/** Registers the limiter; must run before any route is added (it attaches in onRoute). */
export async function registerRateLimits(app: FastifyInstance, settings: RateLimitSettings): Promise<void> {
  // Added before the plugin's own onRoute hook, so the plugin sees the group's settings.
  app.addHook("onRoute", (route: RouteOptions) => {
    const group = groupOf(route);
    if (!group) return;
    const { max, timeWindowSeconds } = settings.groups[group];
    route.config = { ...route.config, rateLimit: { max, timeWindow: timeWindowSeconds * 1000 } };
  });
  await app.register(fastifyRateLimit, {
    global: false,
    keyGenerator: clientKey,
    onExceeded: (request, key) =>
      request.log.warn({ key, route: request.routeOptions.url }, "rate limit exceeded"),
    // Thrown by the plugin, answered by the problem handler (Retry-After is already set).
    errorResponseBuilder: (_request, context) =>
      new AppError("rate_limited", 429, { seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
}
