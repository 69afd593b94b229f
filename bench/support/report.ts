/**
 * Printing and recording of results: an aligned text table for the terminal and a JSON file
 * in bench/results/ with the machine, the database, the data size and the parameters, so a
 * number is never read without what it was measured on.
 */
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { projectRoot } from "../../src/config";

export interface MachineInfo {
  cpuModel: string;
  cpuCount: number;
  totalMemoryGiB: number;
  platform: string;
  release: string;
  node: string;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews timings. */
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? "unknown",
    cpuCount: cpus.length,
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: os.platform(),
    release: os.release(),
    node: process.version,
    loadAverage: loadAverage(),
  };
}

export function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

export type Cell = string | number;

/** Formats a number of milliseconds with three significant decimals at most. */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "-";
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function ratio(value: number, base: number): string {
  if (!Number.isFinite(value) || !Number.isFinite(base) || base <= 0) return "-";
  const r = value / base;
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(1)}×`;
}

/** Display width: CJK characters take two columns in a terminal. */
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\uff00-\uff60]/.test(ch) ? 2 : 1;
  return w;
}

function pad(text: string, size: number, right: boolean): string {
  const fill = " ".repeat(Math.max(0, size - width(text)));
  return right ? fill + text : text + fill;
}

/** An aligned table; numeric-looking columns are right-aligned. */
export function formatTable(headers: string[], rows: Cell[][]): string {
  const cells = rows.map((row) => row.map(String));
  const widths = headers.map((h, c) => Math.max(width(h), ...cells.map((row) => width(row[c] ?? ""))));
  const numeric = headers.map((_, c) =>
    cells.every((row) => /^[-\d.,×%]*$/.test(row[c] ?? "") || (row[c] ?? "") === "-"),
  );
  const line = (row: string[]) =>
    row
      .map((cell, c) => pad(cell, widths[c]!, numeric[c]!))
      .join("  ")
      .trimEnd();
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n");
}

export function printTable(headers: string[], rows: Cell[][]): void {
  console.log(formatTable(headers, rows));
}

/** Writes bench/results/<name>-<engine>-<timestamp>.json and returns its path. */
export async function writeResults(name: string, engine: string, data: unknown): Promise<string> {
  const dir = path.join(projectRoot, "bench", "results");
  await mkdir(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  const file = path.join(dir, `${name}-${engine}-${stamp}.json`);
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}

/** Prints the machine a run is on; its description goes into every results file of the run. */
export function announceMachine(): MachineInfo {
  const machine = machineInfo();
  console.log(
    `${machine.cpuModel} ×${machine.cpuCount}, ${machine.totalMemoryGiB} GiB, Node ${machine.node}`,
  );
  return machine;
}

/** Writes a run's results under the bench's name, stamped with the date and the machine, and says where. */
export async function recordResults(
  bench: string,
  engine: string,
  machine: MachineInfo,
  fields: Record<string, unknown>,
): Promise<void> {
  const file = await writeResults(bench, engine, {
    bench,
    date: new Date().toISOString(),
    machine,
    ...fields,
  });
  console.log(`results: ${file}`);
}
