/**
 * The response step of the masking policy: every JSON body the API sends — lists, searches,
 * inboxes, the audit log, job results, problem documents — has its identifiers masked by the one
 * policy (platform/identifiers/masking-policy.ts) after the handler and before serialisation, so
 * no handler can forget it. A route opts out only by declaring `config.personalData: "full"`; such
 * a route shows one record in full and must audit the read (the masking journey test checks both).
 *
 * The request log gets the same treatment: its URL is logged with identifiers in the path and the
 * query string masked (a search by identity number would otherwise write it into the log).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { maskIdentityNumber, maskPhoneNumber } from "../platform/identifiers/masking";
import { maskIdentifiersInText, maskPersonalFields } from "../platform/identifiers/masking-policy";

declare module "fastify" {
  interface FastifyInstance {
    /** "METHOD url" of every route that shows personal data in full (and audits the read). */
    fullPersonalDataRoutes: string[];
  }
  interface FastifyContextConfig {
    /** "full": one record shown in full; the handler audits the read. Default: masked. */
    personalData?: "full";
  }
}

export function registerResponseMasking(app: FastifyInstance): void {
  app.decorate("fullPersonalDataRoutes", [] as string[]);
  app.addHook("onRoute", (route) => {
    if ((route.config as { personalData?: string } | undefined)?.personalData !== "full") return;
    for (const method of [route.method].flat()) {
      // Fastify adds a HEAD route beside each GET; it sends no body.
      if (method !== "HEAD") app.fullPersonalDataRoutes.push(`${method} ${route.url}`);
    }
  });
  app.addHook("preSerialization", async (request, _reply, payload) => {
    if (request.routeOptions.config?.personalData === "full") return payload;
    return maskPersonalFields(payload);
  });
}

/**
 * A URL for the log: identifiers anywhere in it (path or query, encoded or not) masked. Beyond the
 * policy's checked shapes, any run of 15 or more digits and any 11-digit mobile-like run is masked
 * too, whatever stands beside it: a log reader gains nothing from a typed number that is nearly an
 * identity number.
 */
export function maskedUrl(url: string): string {
  let decoded = url;
  try {
    decoded = decodeURIComponent(url.replace(/\+/g, " "));
  } catch {
    // A malformed escape: mask the raw URL as it came.
  }
  const masked = maskIdentifiersInText(decoded)
    .replace(/(?<!\d)\d{15,}[Xx]?(?!\d)/g, (run) => maskIdentityNumber(run))
    .replace(/(?<!\d)1[3-9]\d{9}(?!\d)/g, (run) => maskPhoneNumber(run));
  return masked === decoded ? url : masked;
}

/** Fastify's request serialiser, with the URL masked. */
export function serializeRequestForLog(request: FastifyRequest) {
  return {
    method: request.method,
    url: maskedUrl(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
