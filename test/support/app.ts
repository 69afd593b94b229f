/**
 * A real app on a fresh test database, with helpers to create users and sign in over HTTP
 * (app.inject: the whole Fastify pipeline, no socket). Test factories, not production code.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { LightMyRequestResponse } from "fastify";
import { buildApp } from "../../src/app";
import { createServices, systemContext } from "../../src/bootstrap";
import { loadConfig } from "../../src/config";
import type { Database } from "../../src/db/database";
import type { AppServices } from "../../src/http/services";
import type { ZodApp } from "../../src/http/zod-app";
import { hashPassword } from "../../src/platform/access/passwords";
import type { ServiceContext } from "../../src/platform/context";
import { openSchool, type SchoolInput } from "../../src/platform/orgs/orgs.service";
import { createTestDatabase } from "./database";

export const TEST_PASSWORD = "Test-Passw0rd!";
let passwordHash: Promise<string> | undefined;

export interface TestNode {
  database: Database;
  services: AppServices;
  app: ZodApp;
  system: ServiceContext;
  close(): Promise<void>;
}

/** rateLimits: true builds the app with the limits of data/access/rate-limits.json (off by default,
 * since most tests sign in far more often than a person would). */
export async function createTestNode(options: { rateLimits?: boolean } = {}): Promise<TestNode> {
  const database = await createTestDatabase();
  // Keys and archive files of a test node live in a temporary folder, never under data/.
  const runtime = await mkdtemp(path.join(tmpdir(), "edumis-test-node-"));
  const config = {
    ...loadConfig(),
    webDistDir: "/nonexistent",
    signingKey: randomBytes(32).toString("base64"),
    signingKeyFile: path.join(runtime, "signing-master.key"),
    archiveDir: path.join(runtime, "archive"),
  };
  const services = await createServices(config, database);
  const app = await buildApp(services, options.rateLimits ? {} : { rateLimits: false });
  const system = await systemContext(services);
  return {
    database,
    services,
    app,
    system,
    async close() {
      await app.close();
      await database.close();
      await rm(runtime, { recursive: true, force: true });
    },
  };
}

export async function unitIdByCode(node: TestNode, code: string): Promise<number> {
  const row = await node.services.db
    .selectFrom("org_unit")
    .select("id")
    .where("code", "=", code)
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A user of the unit with that code, holding the roles, password TEST_PASSWORD, no forced change. */
export async function createUser(
  node: TestNode,
  input: {
    username: string;
    unitCode: string;
    roles: string[];
    mustChangePassword?: boolean;
    phone?: string;
  },
): Promise<number> {
  passwordHash ??= hashPassword(TEST_PASSWORD);
  const unitId = await unitIdByCode(node, input.unitCode);
  const { id } = await node.services.db
    .insertInto("app_user")
    .values({
      username: input.username,
      display_name: input.username,
      phone: input.phone ?? null,
      unit_id: unitId,
      password_hash: await passwordHash,
      must_change_password: input.mustChangePassword ?? false,
      locked_until: null,
      last_login_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (input.roles.length > 0) {
    await node.services.db
      .insertInto("user_role")
      .values(input.roles.map((role_code) => ({ user_id: id, role_code, granted_by: null })))
      .execute();
  }
  return id;
}

/** A signed-in browser-like client: keeps the session cookie and sends the CSRF header. */
export interface Client {
  get(url: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  send(
    method: "POST" | "PUT" | "PATCH" | "DELETE",
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  cookie: string;
  csrf: string;
}

export async function signIn(node: TestNode, login: string, password = TEST_PASSWORD): Promise<Client> {
  const response = await node.app.inject({
    method: "POST",
    url: "/api/v1/auth/login",
    payload: { login, password },
  });
  if (response.statusCode !== 200)
    throw new Error(`sign-in of ${login} failed: ${response.statusCode} ${response.body}`);
  const session = response.cookies.find((c) => c.name === "edumis_session");
  if (!session) throw new Error("no session cookie");
  const csrf = (response.json() as { csrfToken: string }).csrfToken;
  const cookie = `edumis_session=${session.value}`;
  return {
    cookie,
    csrf,
    get: (url, headers = {}) => node.app.inject({ method: "GET", url, headers: { cookie, ...headers } }),
    send: (method, url, body, headers = {}) =>
      node.app.inject({
        method,
        url,
        headers: { cookie, "x-csrf-token": csrf, ...headers },
        ...(body === undefined ? {} : { payload: body as object }),
      }),
  };
}

export async function openTestSchool(
  node: TestNode,
  input: Partial<SchoolInput> & Pick<SchoolInput, "schoolCode" | "divisionCode">,
) {
  return openSchool(node.system, {
    name: `测试学校${input.schoolCode}`,
    runningType: "211",
    stages: ["primary"],
    ownership: "public",
    openedOn: "2015-09-01",
    ...input,
  });
}
