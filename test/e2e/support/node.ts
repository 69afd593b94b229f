/**
 * One real edumis node for the browser tests: a fresh database from the migrated template,
 * the demo data, the API and the built console (web/dist) on a free loopback port. The tests
 * drive it only through the browser, as a clerk would.
 */
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { buildApp } from "../../../src/app";
import { createServices } from "../../../src/bootstrap";
import { loadConfig, projectRoot } from "../../../src/config";
import type { Database } from "../../../src/db/database";
import { readDemoFile, seedDemo } from "../../../src/demo/seed-demo";
import type { AppServices } from "../../../src/http/services";
import type { ZodApp } from "../../../src/http/zod-app";
import { createTestDatabase } from "../../support/database";

export const WEB_DIST_DIR = path.join(projectRoot, "web", "dist");

export interface ConsoleNode {
  baseUrl: string;
  services: AppServices;
  app: ZodApp;
  demoPassword: string;
  /** False when the console is served by the test harness instead of the app (see buildConsoleApp). */
  appServesConsole: boolean;
  close(): Promise<void>;
}

/** Fails fast with the command to run: the tests exercise the built console, they do not build it. */
export function requireWebDist(): void {
  if (!existsSync(path.join(WEB_DIST_DIR, "index.html"))) {
    throw new Error(
      `The web console is not built (${WEB_DIST_DIR}/index.html is missing). Run \`npm run build:web\` first.`,
    );
  }
}

/**
 * The app serving web/dist itself, as in production. At the time of writing buildApp throws
 * "Not found handler already set" when webDistDir exists (src/app.ts sets a second not-found
 * handler after registerProblemHandlers set one); until that is fixed the harness builds the
 * API alone and serves the console in front of it (serveWithConsole), exactly as the app would.
 */
async function buildConsoleApp(services: AppServices): Promise<{ app: ZodApp; servesConsole: boolean }> {
  try {
    return {
      app: await buildApp({ ...services, config: { ...services.config, webDistDir: WEB_DIST_DIR } }),
      servesConsole: true,
    };
  } catch (error) {
    if (!String(error).includes("Not found handler already set")) throw error;
    const apiOnly = {
      ...services,
      config: { ...services.config, webDistDir: path.join(WEB_DIST_DIR, "__none__") },
    };
    return { app: await buildApp(apiOnly), servesConsole: false };
  }
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".woff2": "font/woff2",
};

async function sendStatic(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const pathname = decodeURIComponent(new URL(request.url ?? "/", "http://localhost").pathname);
  const candidate = path.resolve(WEB_DIST_DIR, `.${pathname}`);
  let file = path.join(WEB_DIST_DIR, "index.html");
  if (candidate.startsWith(`${WEB_DIST_DIR}${path.sep}`)) {
    const info = await stat(candidate).catch(() => undefined);
    if (info?.isFile()) file = candidate;
  }
  response.writeHead(200, {
    "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
  });
  response.end(await readFile(file));
}

/** API requests go through the app's own request pipeline; everything else is the console (SPA fallback). */
function serveWithConsole(app: ZodApp, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url?.startsWith("/api/")) {
      app.routing(request, response);
      return;
    }
    sendStatic(request, response).catch((error: unknown) => {
      response.writeHead(500);
      response.end(String(error));
    });
  });
  return new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(server)));
}

export async function startNode(database: Database, port = 0): Promise<ConsoleNode> {
  const services = await createServices({ ...loadConfig(), webDistDir: WEB_DIST_DIR }, database);
  await seedDemo(services);
  const { demoPassword } = await readDemoFile();
  const { app, servesConsole } = await buildConsoleApp(services);
  let server: Server | undefined;
  let address: AddressInfo;
  if (servesConsole) {
    await app.listen({ port, host: "127.0.0.1" });
    address = app.server.address() as AddressInfo;
  } else {
    server = await serveWithConsole(app, port);
    address = server.address() as AddressInfo;
  }
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    services,
    app,
    demoPassword,
    appServesConsole: servesConsole,
    async close() {
      if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
      await app.close();
      await database.close();
    },
  };
}

/** A seeded node on a free port, its database in memory (PGlite) or from TEST_DATABASE_URL. */
export async function startConsoleNode(): Promise<ConsoleNode> {
  requireWebDist();
  return startNode(await createTestDatabase());
}
