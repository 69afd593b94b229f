/**
 * Seeded randomness for synthetic data: sfc32 (small, fast, passes PractRand at these sizes), so
 * the same seed gives the same province on every machine, and Walker's alias tables, so a draw
 * from a weighted list costs two random numbers whatever its length — the generator makes tens
 * of draws per student and must stay above 200,000 students per second.
 */

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // Seeds that differ in one bit must give unrelated streams: mix the seed before use.
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 15; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick: empty list");
    return items[Math.floor(this.next() * items.length)]!;
  }

  /** Roughly standard normal (Irwin–Hall of 6): enough for size spreads, and cheap. */
  gaussian(): number {
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += this.next();
    return (sum - 3) * Math.SQRT2;
  }

  /** A derived generator, so adding draws in one part does not shift every later part. */
  fork(salt: number): Rng {
    return new Rng((this.nextUint32() ^ Math.imul(salt + 1, 0x85ebca6b)) >>> 0);
  }
}

/** A weighted list drawn in O(1) (Walker's alias method). */
export class Weighted<T> {
  readonly values: readonly T[];
  private readonly probability: Float64Array;
  private readonly alias: Int32Array;

  constructor(entries: readonly (readonly [T, number])[]) {
    const n = entries.length;
    if (n === 0) throw new Error("Weighted: empty list");
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    if (!(total > 0)) throw new Error("Weighted: weights must sum to more than 0");
    this.values = entries.map(([v]) => v);
    this.probability = new Float64Array(n);
    this.alias = new Int32Array(n);
    const scaled = entries.map(([, w]) => (w * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    scaled.forEach((p, i) => {
      (p < 1 ? small : large).push(i);
    });
    while (small.length > 0 && large.length > 0) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.probability[s] = scaled[s]!;
      this.alias[s] = l;
      scaled[l] = scaled[l]! + scaled[s]! - 1;
      (scaled[l]! < 1 ? small : large).push(l);
    }
    for (const i of [...small, ...large]) {
      this.probability[i] = 1;
      this.alias[i] = i;
    }
  }

  draw(rng: Rng): T {
    const n = this.values.length;
    const x = rng.next() * n;
    const i = Math.floor(x);
    return this.values[x - i < this.probability[i]! ? i : this.alias[i]!]!;
  }
}
