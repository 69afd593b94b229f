/**
 * The one way the console talks to the API: JSON in and out, the session cookie, the CSRF
 * token on every state change, Accept-Language from the UI language, and problem documents
 * turned into ProblemError.
 */
import { currentLocale } from "../i18n/locale";
import { translate } from "../i18n/translate";
import { emitAuthEvent } from "./auth-events";
import { ProblemError, problemFromResponse } from "./problem";

export const API_BASE = "/api/v1";
const CSRF_COOKIE = "edumis_csrf";

export type QueryValue = string | number | boolean | null | undefined;
export type QueryParams = Record<string, QueryValue>;

/** Read from the cookie on every call, so the token survives page reloads and new tabs. */
export function csrfToken(): string | undefined {
  for (const part of document.cookie.split(";")) {
    const [name, ...rest] = part.trim().split("=");
    if (name === CSRF_COOKIE) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

export function apiUrl(path: string, query?: QueryParams): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    // Empty filters are left out: the API treats an absent parameter as "no filter".
    if (value === undefined || value === null || value === "") continue;
    params.set(key, String(value));
  }
  const search = params.toString();
  return `${API_BASE}${path}${search ? `?${search}` : ""}`;
}

function baseHeaders(method: string): Record<string, string> {
  const headers: Record<string, string> = {
    Accept: "application/json, application/problem+json",
    "Accept-Language": currentLocale(),
  };
  if (method !== "GET" && method !== "HEAD") {
    const token = csrfToken();
    if (token) headers["X-CSRF-Token"] = token;
  }
  return headers;
}

function announce(error: ProblemError): ProblemError {
  if (error.status === 401 && (error.code === "unauthenticated" || error.code === "session_expired")) {
    emitAuthEvent("signed-out");
  } else if (error.status === 403 && error.code === "password_change_required") {
    emitAuthEvent("password-change-required");
  }
  return error;
}

function networkError(): ProblemError {
  return new ProblemError({
    status: 0,
    code: "network_error",
    detail: translate(currentLocale(), "error.network"),
  });
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  query?: QueryParams;
  body?: unknown;
  signal?: AbortSignal;
}

export async function apiRequest<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? "GET";
  const headers = baseHeaders(method);
  let body: string | undefined;
  if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method,
      headers,
      body,
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw networkError();
  }
  if (!response.ok) {
    throw announce(await problemFromResponse(response, translate(currentLocale(), "error.unexpected")));
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export interface UploadOptions {
  query?: QueryParams;
  field?: string;
  /** Fraction of the file sent, 0…1; the server's checking time comes after 1. */
  onProgress?: (fraction: number) => void;
}

/** Multipart upload with progress (fetch cannot report upload progress, XMLHttpRequest can). */
export function apiUpload<T>(path: string, file: Blob, options: UploadOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", apiUrl(path, options.query));
    request.withCredentials = true;
    for (const [name, value] of Object.entries(baseHeaders("POST"))) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) options.onProgress?.(event.loaded / event.total);
    };
    request.onerror = () => reject(networkError());
    request.onload = () => {
      const response = new Response(request.responseText, {
        status: request.status,
        headers: { "content-type": request.getResponseHeader("content-type") ?? "application/json" },
      });
      if (request.status >= 200 && request.status < 300) {
        response.json().then((value: unknown) => resolve(value as T), reject);
        return;
      }
      problemFromResponse(response, translate(currentLocale(), "error.unexpected")).then(
        (error) => reject(announce(error)),
        reject,
      );
    };
    const form = new FormData();
    form.append(options.field ?? "file", file);
    request.send(form);
  });
}

function filenameFrom(disposition: string | null, fallback: string): string {
  const match = disposition?.match(/filename\*=UTF-8''([^;]+)/i);
  if (match?.[1]) {
    try {
      return decodeURIComponent(match[1]);
    } catch {
      return fallback;
    }
  }
  return fallback;
}

/**
 * Downloads a file the API produces (templates, exports). Fetched rather than linked so that
 * a refusal shows the API's message instead of saving an error document as a spreadsheet.
 */
export async function apiDownload(path: string, query: QueryParams, fallbackName: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path, query), { headers: baseHeaders("GET"), credentials: "same-origin" });
  } catch {
    throw networkError();
  }
  if (!response.ok) {
    throw announce(await problemFromResponse(response, translate(currentLocale(), "error.unexpected")));
  }
  const name = filenameFrom(response.headers.get("content-disposition"), fallbackName);
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The click has handed the blob to the download manager; the URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
