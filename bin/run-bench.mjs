#!/usr/bin/env node
// Runs one benchmark of bench/ from its TypeScript source through tsx:
//   npm run bench -- <name> [options]     runs bench/<name>.bench.ts with the options
//   npm run bench -- --list               lists the benchmarks
// Each bench module exports `description` (one line) and `run(argv)`, which resolves to an exit code.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { register } from "tsx/esm/api";

register();

const benchDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "bench");
const SUFFIX = ".bench.ts";

async function listBenches() {
  const files = await readdir(benchDir);
  return files
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
}

function loadBench(name) {
  return import(pathToFileURL(path.join(benchDir, `${name}${SUFFIX}`)).href);
}

const [name, ...argv] = process.argv.slice(2);
const benches = await listBenches();

if (name === undefined || name === "--list" || name === "-l" || name === "--help" || name === "-h") {
  console.log(
    "Usage: npm run bench -- <name> [options]   (npm run bench -- <name> --help for its options)\n",
  );
  console.log("Benchmarks:");
  for (const bench of benches) {
    const module = await loadBench(bench);
    console.log(`  ${bench.padEnd(16)} ${module.description ?? ""}`);
  }
  process.exit(name === undefined ? 2 : 0);
}

if (!benches.includes(name)) {
  console.error(`Unknown benchmark "${name}". Available: ${benches.join(", ") || "(none)"}.`);
  console.error("Run `npm run bench -- --list` for the list.");
  process.exit(2);
}

const module = await loadBench(name);
if (typeof module.run !== "function") {
  console.error(`bench/${name}${SUFFIX} does not export run(argv).`);
  process.exit(2);
}
const code = await module.run(argv);
process.exit(typeof code === "number" ? code : 0);
