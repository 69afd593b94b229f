import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Browser journeys against a real node: one file at a time in one worker (each file runs its
// own node and Chromium), and generous timeouts because a journey is many page loads.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/e2e/**/*.e2e.test.ts"],
    // The template database and clearing last run's failure screenshots, once per run.
    globalSetup: ["test/e2e/support/global-setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // On a loaded 2-core machine a page can take seconds to settle: wait for it, not fail.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
