/**
 * One real edumis node for the browser tests: a fresh database from the migrated template,
 * the demo data, the built console served from web/dist, listening on a free loopback port.
 * The tests drive it only through the browser, as a clerk would.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { buildApp } from "../../../src/app";
import { createServices } from "../../../src/bootstrap";
import { loadConfig, projectRoot } from "../../../src/config";
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

export async function startConsoleNode(): Promise<ConsoleNode> {
  requireWebDist();
  const database = await createTestDatabase();
  const services = await createServices({ ...loadConfig(), webDistDir: WEB_DIST_DIR }, database);
  await seedDemo(services);
  const { demoPassword } = await readDemoFile();
  const app = await buildApp(services);
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("the node did not bind a TCP port");
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    services,
    app,
    demoPassword,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
