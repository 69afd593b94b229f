/**
 * No string a request carries may hold a NUL or a lone UTF-16 surrogate (shared/text.ts): the
 * database refuses the one (a 500 from deep inside a query) and silently replaces the other.
 * Path parameters and the query string are checked when the request arrives, before the access
 * policy looks anything up; a JSON body once it is parsed, keys included. Multipart text (a file
 * name) is checked by its route with requireStorableText; spreadsheet cells by the row rules.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AppError } from "../shared/errors";
import { unstorableCharacter } from "../shared/text";

/** Deeper bodies than this are not walked further (no route takes one). */
const MAX_DEPTH = 32;

function refuse(path: string, codePoint: string): AppError {
  return new AppError("text_unstorable_character", 400, { codePoint }, [
    { path, code: "text_unstorable_character", params: { codePoint } },
  ]);
}

/** The first string in a value (keys included) no field can hold, with its path. */
function findUnstorable(
  value: unknown,
  path: string,
  depth = 0,
): { path: string; codePoint: string } | undefined {
  if (typeof value === "string") {
    const codePoint = unstorableCharacter(value);
    return codePoint ? { path, codePoint } : undefined;
  }
  if (value === null || typeof value !== "object" || depth > MAX_DEPTH) return undefined;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorable(value[i], `${path}.${i}`, depth + 1);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const keyPoint = unstorableCharacter(key);
    if (keyPoint) return { path: `${path}.${JSON.stringify(key).slice(1, -1)}`, codePoint: keyPoint };
    const found = findUnstorable(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Throws the 400 of text_unstorable_character when `value` holds a NUL or a lone surrogate. */
export function requireStorableText(value: unknown, path: string): void {
  const found = findUnstorable(value, path);
  if (found) throw refuse(found.path, found.codePoint);
}

export function registerInputGuard(app: FastifyInstance): void {
  app.addHook("onRequest", async (request: FastifyRequest) => {
    requireStorableText(request.params, "params");
    requireStorableText(request.query, "querystring");
  });
  app.addHook("preValidation", async (request: FastifyRequest) => {
    requireStorableText(request.body, "body");
  });
}
