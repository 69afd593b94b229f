import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Browser journeys against a real node: one file at a time in one worker (each file runs its
// own node and Chromium), and generous timeouts because a journey is many page loads.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL("../..", import.meta.url)),
    include: ["test/e2e/**/*.e2e.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    pool: "forks",
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // On a loaded 2-core machine a page can take seconds to settle: wait for it, not fail.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    // A journey that fails is run once more before the run fails: Chromium on the 2-core CI
    // machine has shown timing races a second attempt does not repeat. A journey that fails
    // twice fails the run; the first failure's screenshot stays in test-output/e2e/.
    retry: 1,
  },
});
