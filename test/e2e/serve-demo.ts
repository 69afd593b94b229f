/**
 * For working on the console by hand: the same seeded in-memory node the browser tests use,
 * on PORT (default 8080), serving web/dist; `npm run dev:web` can also proxy /api to it.
 *   npx tsx test/e2e/serve-demo.ts
 * The data lives in memory and is gone when the process ends.
 */
import { existsSync } from "node:fs";
import { createTestDatabase } from "../support/database";
import setup from "../support/global-setup";
import { TEMPLATE_FILE } from "../support/template";
import { startNode } from "./support/node";

if (!existsSync(TEMPLATE_FILE)) await setup();
const node = await startNode(await createTestDatabase(), Number(process.env.PORT ?? 8080));
console.log(`edumis demo node on ${node.baseUrl} (every demo account's password: ${node.demoPassword})`);
