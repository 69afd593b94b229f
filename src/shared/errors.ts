/**
 * Application errors. A service throws an AppError with a stable code from the catalogue in
 * `messages.ts`; the HTTP layer turns it into an RFC 9457 problem response in the caller's
 * language. Codes are part of the API: never rename one, add a new one.
 */
import type { ErrorCode } from "./messages";

export interface FieldError {
  /** Path of the offending field, e.g. "body.schoolCode" or "row 12 / 身份证件号". */
  path: string;
  code: string;
  message?: string;
  params?: Record<string, string | number>;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly params: Record<string, string | number>;
  readonly fieldErrors: FieldError[];

  constructor(
    code: ErrorCode,
    status: number,
    params: Record<string, string | number> = {},
    fieldErrors: FieldError[] = [],
  ) {
    super(code);
    this.name = "AppError";
    this.code = code;
    this.status = status;
    this.params = params;
    this.fieldErrors = fieldErrors;
  }
}

export const badRequest = (
  code: ErrorCode,
  params?: Record<string, string | number>,
  fields?: FieldError[],
) => new AppError(code, 400, params, fields);
export const notFound = (code: ErrorCode = "not_found", params?: Record<string, string | number>) =>
  new AppError(code, 404, params);
export const conflict = (code: ErrorCode, params?: Record<string, string | number>) =>
  new AppError(code, 409, params);
export const unprocessable = (
  code: ErrorCode,
  params?: Record<string, string | number>,
  fields?: FieldError[],
) => new AppError(code, 422, params, fields);

/** PostgreSQL SQLSTATE of an error thrown by the driver, if it is one. */
export function sqlState(error: unknown): string | undefined {
  if (typeof error === "object" && error !== null && "code" in error) {
    const code = (error as { code: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/**
 * What of an error may be stored or shown (a failed job's `error`): its stable code when it is
 * an AppError, otherwise `internal_error` — never the message of a library ("Cannot read
 * properties of undefined"), which goes to the log alone.
 */
export function publicErrorCode(error: unknown): string {
  return error instanceof AppError ? error.code : "internal_error";
}
