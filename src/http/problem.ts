/**
 * Every error leaves the service as an RFC 9457 problem document:
 *   { type, title, status, code, detail, instance, errors: [{ path, code, message }] }
 * `code` is stable (see src/shared/messages.ts); `detail` and each `message` are in the caller's
 * language (Accept-Language: zh-CN by default, en). Stack traces never leave the process, and
 * neither does a library's own message: an unexpected error is a 500 `internal_error` with a
 * generic message and the request id (also the `x-request-id` header), which the log line of
 * the error carries too, so an administrator finds the cause from what the user quotes. Field
 * errors from the schemas are worded from the catalogue, not by Zod.
 */
import { randomUUID } from "node:crypto";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { hasZodFastifySchemaValidationErrors, isResponseSerializationError } from "fastify-type-provider-zod";
import { AppError, type FieldError } from "../shared/errors";
import { formatMessage, hasMessage, type Locale, localeFromHeader } from "../shared/messages";

export const PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8";

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  instance: string;
  /** On a 500: the request id, quoted to an administrator, found in the log (every response has it as x-request-id). */
  requestId?: string;
  errors?: { path: string; code: string; message: string }[];
}

/**
 * Fastify options for request ids: random (not a counter that restarts with the process), and
 * never taken from a client header, which could forge or flood log correlation.
 */
export const requestIdOptions = {
  genReqId: () => randomUUID(),
  requestIdHeader: false as const,
};

export function requestLocale(request: FastifyRequest): Locale {
  return localeFromHeader(request.headers["accept-language"]);
}

function localiseFieldError(
  error: FieldError,
  locale: Locale,
): { path: string; code: string; message: string } {
  // Only catalogue wording reaches the user: a message some library wrote is never shown.
  const message = formatMessage(hasMessage(error.code) ? error.code : "field_invalid", locale, error.params);
  return { path: error.path, code: error.code, message };
}

export function buildProblem(
  request: FastifyRequest,
  status: number,
  code: string,
  params: Record<string, string | number> = {},
  fieldErrors: FieldError[] = [],
): Problem {
  const locale = requestLocale(request);
  const problem: Problem = {
    type: `https://edumis.invalid/problems/${code}`,
    title: formatMessage(code, "en", params),
    status,
    code,
    detail: formatMessage(code, locale, params),
    instance: request.url,
  };
  if (status >= 500) problem.requestId = String(request.id);
  if (fieldErrors.length > 0) problem.errors = fieldErrors.map((e) => localiseFieldError(e, locale));
  return problem;
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  params?: Record<string, string | number>,
  fieldErrors?: FieldError[],
) {
  return reply
    .status(status)
    .type(PROBLEM_CONTENT_TYPE)
    .send(buildProblem(request, status, code, params, fieldErrors));
}

/**
 * Zod issue codes become the field error codes clients see, with readable paths. The type
 * provider gives each issue as { keyword: its code, instancePath, message }; the message is
 * Zod's English and is used only to tell a missing field, or a catalogue code our own
 * refinements name (e.g. calendar_date_invalid) — never shown.
 */
function zodFieldErrors(
  validation: { keyword?: string; instancePath: string; message?: string }[],
  context: string,
): FieldError[] {
  return validation.map((issue) => {
    const path = [context, ...issue.instancePath.split("/").filter(Boolean)].join(".");
    const message = issue.message ?? "";
    const code =
      issue.keyword === "invalid_type" && /received undefined/.test(message)
        ? "field_required"
        : issue.keyword === "custom" && hasMessage(message)
          ? message
          : (issue.keyword ?? "field_invalid");
    return { path, code };
  });
}

/** The 500 of an unexpected error: the generic message and the request id, nothing of the error. */
function sendInternalError(request: FastifyRequest, reply: FastifyReply) {
  return sendProblem(request, reply, 500, "internal_error", { requestId: String(request.id) });
}

export interface ProblemHandlerOptions {
  /** Serves the console's index page for unknown non-API GETs (single-page app routes). */
  spaFallback?:
    | ((request: FastifyRequest, reply: FastifyReply) => FastifyReply | Promise<FastifyReply>)
    | undefined;
}

export function registerProblemHandlers(app: FastifyInstance, options: ProblemHandlerOptions = {}): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) {
      return sendProblem(request, reply, error.status, error.code, error.params, error.fieldErrors);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const fields = zodFieldErrors(error.validation, error.validationContext ?? "body");
      return sendProblem(request, reply, 400, "validation_failed", {}, fields);
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, "response does not match its schema");
      return sendInternalError(request, reply);
    }
    switch (error.code) {
      case "FST_ERR_CTP_BODY_TOO_LARGE":
      case "FST_REQ_FILE_TOO_LARGE":
        return sendProblem(request, reply, 413, "payload_too_large");
      case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      case "FST_INVALID_MULTIPART_CONTENT_TYPE":
        return sendProblem(request, reply, 415, "unsupported_media_type");
      case "FST_ERR_CTP_EMPTY_JSON_BODY":
      case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
        return sendProblem(request, reply, 400, "malformed_body");
    }
    if (error instanceof SyntaxError || error.statusCode === 400) {
      return sendProblem(request, reply, 400, "malformed_body");
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      const code = hasMessage(String(error.code)) ? String(error.code) : "bad_request";
      return sendProblem(request, reply, error.statusCode, code);
    }
    request.log.error({ err: error }, "unhandled error");
    return sendInternalError(request, reply);
  });
  app.addHook("onSend", async (request, reply, payload) => {
    reply.header("x-request-id", String(request.id));
    return payload;
  });
  app.setNotFoundHandler((request, reply) => {
    if (options.spaFallback && request.method === "GET" && !request.url.startsWith("/api/")) {
      return options.spaFallback(request, reply);
    }
    return sendProblem(request, reply, 404, "route_not_found", {
      method: request.method,
      url: request.url.split("?")[0]!,
    });
  });
}
