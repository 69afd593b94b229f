/**
 * The API reports every failure as an RFC 9457 problem document whose `detail` and field
 * `message`s are already in the language we asked for; the console shows them as given.
 */
export interface FieldProblem {
  path: string;
  code: string;
  message: string;
}

export interface ProblemDocument {
  status: number;
  code: string;
  detail: string;
  errors?: FieldProblem[];
}

export class ProblemError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly errors: FieldProblem[];

  constructor(problem: ProblemDocument) {
    super(problem.detail);
    this.name = "ProblemError";
    this.status = problem.status;
    this.code = problem.code;
    this.detail = problem.detail;
    this.errors = problem.errors ?? [];
  }
}

export function isProblem(error: unknown, code?: string): error is ProblemError {
  return error instanceof ProblemError && (code === undefined || error.code === code);
}

function isProblemDocument(value: unknown): value is ProblemDocument {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.status === "number" && typeof candidate.code === "string";
}

/** Builds the error of a failed response, whether or not its body is a problem document. */
export async function problemFromResponse(response: Response, fallbackDetail: string): Promise<ProblemError> {
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  if (isProblemDocument(body)) {
    return new ProblemError({
      status: body.status,
      code: body.code,
      detail: typeof body.detail === "string" ? body.detail : fallbackDetail,
      errors: Array.isArray(body.errors) ? body.errors : [],
    });
  }
  return new ProblemError({
    status: response.status,
    code: `http_${response.status}`,
    detail: fallbackDetail,
  });
}

/** "body.schoolCode" and "schoolCode" both name the form field "schoolCode"; "stages.0" names "stages". */
export function fieldPath(path: string): string[] {
  const parts = path.split(".");
  if (parts[0] === "body" || parts[0] === "querystring" || parts[0] === "params") parts.shift();
  return parts;
}
