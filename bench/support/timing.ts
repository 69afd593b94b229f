/**
 * Timing of one query shape: warm-up runs first (plans, caches and JIT settle), then measured
 * runs, each timed with process.hrtime.bigint(). A time budget stops a slow shape early so a
 * run stays bounded; the number of runs actually measured is always reported.
 */

export interface TimingOptions {
  warmup: number;
  runs: number;
  /** Stop measuring after this many seconds (at least minRuns are measured anyway). */
  maxSeconds?: number;
  minRuns?: number;
}

export interface TimingStats {
  runs: number;
  medianMs: number;
  p95Ms: number;
  minMs: number;
  maxMs: number;
  meanMs: number;
  /** True when the time budget ended the measurement before `runs` runs. */
  truncated: boolean;
}

/** Nearest-rank percentile of sorted values (p in 0..1). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function median(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarise(samplesMs: readonly number[], truncated = false): TimingStats {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    runs: sorted.length,
    medianMs: median(sorted),
    p95Ms: percentile(sorted, 0.95),
    minMs: sorted[0] ?? Number.NaN,
    maxMs: sorted[sorted.length - 1] ?? Number.NaN,
    meanMs: sorted.reduce((sum, x) => sum + x, 0) / Math.max(1, sorted.length),
    truncated,
  };
}

/**
 * Times `work(i)` for i = 0, 1, 2 … (the index picks the sample, so warm-up and measured runs
 * walk the same fixed list of samples).
 */
export async function measure(
  work: (i: number) => Promise<unknown>,
  options: TimingOptions,
): Promise<TimingStats> {
  let i = 0;
  for (let w = 0; w < options.warmup; w++) await work(i++);
  const samples: number[] = [];
  const budgetNs =
    options.maxSeconds === undefined ? undefined : BigInt(Math.round(options.maxSeconds * 1e9));
  const minRuns = Math.min(options.runs, options.minRuns ?? 20);
  const started = process.hrtime.bigint();
  let truncated = false;
  for (let r = 0; r < options.runs; r++) {
    const t0 = process.hrtime.bigint();
    await work(i++);
    const t1 = process.hrtime.bigint();
    samples.push(Number(t1 - t0) / 1e6);
    if (budgetNs !== undefined && r + 1 >= minRuns && t1 - started > budgetNs && r + 1 < options.runs) {
      truncated = true;
      break;
    }
  }
  return summarise(samples, truncated);
}

/** Times one piece of work once, in milliseconds. */
export async function timeOnce<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const t0 = process.hrtime.bigint();
  const result = await work();
  return { result, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}
