/**
 * One real edumis node for the browser tests: a fresh database from the migrated template,
 * the demo data, the API and the built console (web/dist) on a free loopback port. The tests
 * drive it only through the browser, as a clerk would.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
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

export async function startNode(database: Database, port = 0): Promise<ConsoleNode> {
  // Keys and archive files live in a temporary folder, never under data/.
  const runtime = await mkdtemp(path.join(tmpdir(), "edumis-e2e-"));
  const config = {
    ...loadConfig(),
    webDistDir: WEB_DIST_DIR,
    signingKey: randomBytes(32).toString("base64"),
    signingKeyFile: path.join(runtime, "signing-master.key"),
    archiveDir: path.join(runtime, "archive"),
  };
  const services = await createServices(config, database);
  await seedDemo(services);
  const { demoPassword } = await readDemoFile();
  // The app serves web/dist itself, as in production.
  const app = await buildApp(services);
  await app.listen({ port, host: "127.0.0.1" });
  const address = app.server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    services,
    app,
    demoPassword,
    async close() {
      await app.close();
      await database.close();
      await rm(runtime, { recursive: true, force: true });
    },
  };
}

/** A seeded node on a free port, its database in memory (PGlite) or from TEST_DATABASE_URL. */
export async function startConsoleNode(): Promise<ConsoleNode> {
  requireWebDist();
  return startNode(await createTestDatabase());
}
