/**
 * Test set-up that a clerk would have done earlier: students registered and requests submitted
 * through the API, so that each browser journey starts from the state it is about. Journeys
 * themselves use only the browser.
 */
import { identityNumber as sharedIdentityNumber } from "../../support/students";
import type { ConsoleNode } from "./node";

/** A signed-in API session (cookie and CSRF token), as the console holds one. */
export interface ApiSession {
  call<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export async function apiSession(node: ConsoleNode, username: string): Promise<ApiSession> {
  const login = await fetch(`${node.baseUrl}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ login: username, password: node.demoPassword }),
  });
  if (!login.ok) throw new Error(`login ${username}: ${login.status} ${await login.text()}`);
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  return {
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const response = await fetch(`${node.baseUrl}/api/v1${path}`, {
        method,
        headers: {
          cookie,
          "x-csrf-token": csrfToken,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return (text ? JSON.parse(text) : undefined) as T;
    },
  };
}

export async function unitIdOf(node: ConsoleNode, code: string): Promise<number> {
  const row = await node.services.db
    .selectFrom("org_unit")
    .select("id")
    .where("code", "=", code)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A resident identity number with its GB 11643 check character (the shared test generator). */
export function identityNumber(division: string, birthDate: string, sequence: number): string {
  return sharedIdentityNumber(birthDate, sequence, division);
}

/** A complete registration of the national template, at the caller's school. */
export function registration(input: {
  name: string;
  birthDate: string;
  sequence: number;
  grade?: string;
  className?: string;
}): Record<string, string | boolean> {
  const number = identityNumber("330102", input.birthDate, input.sequence);
  return {
    name: input.name,
    sex: Number(number[16]) % 2 === 1 ? "1" : "2",
    birthDate: input.birthDate,
    birthplace: "330102000000",
    nativePlace: "330102",
    ethnicity: "01",
    nationality: "CHN",
    idDocumentType: "1",
    identityNumber: number,
    overseasStatus: "00",
    healthStatus: "10",
    householdLocation: "330102",
    householdType: "2",
    grade: input.grade ?? "P3",
    className: input.className ?? "三年级1班",
    enrolmentMonth: "2023-09",
    enrolmentMode: "11",
    attendanceMode: "1",
    currentAddress: "杭州市上城区示范路1号",
    mailingAddress: "杭州市上城区示范路1号",
    homeAddress: "杭州市上城区示范路1号",
    phone: "13800001234",
    isOnlyChild: true,
    hadPreschool: true,
  };
}
