// The entry of an import worker thread (worker-pool.ts). The server runs its TypeScript through
// tsx, in the main thread only: a worker registers tsx for itself before loading the host, so
// the same file works under `node bin/edumis.mjs` and under vitest.
import { register } from "tsx/esm/api";

register();
await import("./worker-host.ts");
