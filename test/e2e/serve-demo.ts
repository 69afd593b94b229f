/**
 * For working on the console by hand: the same seeded in-memory node the browser tests use,
 * on PORT (default 8080), so `npm run dev:web` can proxy /api to it.
 *   npx tsx test/e2e/serve-demo.ts
 * The data lives in memory and is gone when the process ends.
 */
import { existsSync } from "node:fs";
import { buildApp } from "../../src/app";
import { createServices } from "../../src/bootstrap";
import { loadConfig } from "../../src/config";
import { readDemoFile, seedDemo } from "../../src/demo/seed-demo";
import { createTestDatabase } from "../support/database";
import setup from "../support/global-setup";
import { TEMPLATE_FILE } from "../support/template";
import { WEB_DIST_DIR } from "./support/node";

if (!existsSync(TEMPLATE_FILE)) await setup();
const database = await createTestDatabase();
const services = await createServices({ ...loadConfig(), webDistDir: WEB_DIST_DIR }, database);
await seedDemo(services);
const app = await buildApp(services);
const port = Number(process.env.PORT ?? 8080);
await app.listen({ port, host: "127.0.0.1" });
const { demoPassword } = await readDemoFile();
console.log(`edumis demo node on http://127.0.0.1:${port} (password of every demo account: ${demoPassword})`);
if (!existsSync(WEB_DIST_DIR)) console.log("web/dist is missing: use `npm run dev:web` for the console");
