/**
 * Shared settings of the property tests and fuzzers (fast-check), so that CI is reproducible and
 * bounded while a developer can run a longer campaign:
 *   FC_SEED=123 npx vitest run …       replays a run (fast-check prints the seed and the path of a failure);
 *   FC_RUNS=20000 npx vitest run …     runs every property that many times;
 *   FC_TIME_LIMIT_MS=60000             stops each property after that long (for long campaigns).
 * In CI every property runs exactly its own number of runs from the fixed seed, and no time limit:
 * a limit made the inputs tried depend on the machine's speed, so a loaded machine skipped the
 * very inputs that failed on a quiet one (and a very loaded one failed "after 0 tests"). The
 * budgets are counts chosen to keep the set within its share of the suite on a 2-core machine.
 */
import fc from "fast-check";
import { gbkCodes } from "./gbk";

/** The seed of every property unless FC_SEED says otherwise: a fixed one, so CI runs are repeatable. */
export const PROPERTY_SEED = integerFromEnv("FC_SEED") ?? 20_261_315;

const RUNS_OVERRIDE = integerFromEnv("FC_RUNS");
const TIME_LIMIT_OVERRIDE = integerFromEnv("FC_TIME_LIMIT_MS");

function integerFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, got "${raw}"`);
  return value;
}

export interface PropertyBudget {
  /** Runs in CI; FC_RUNS replaces it. */
  numRuns: number;
  /** Kept for reading: how long the runs take on a quiet machine. Only FC_TIME_LIMIT_MS stops a property early. */
  timeLimitMs: number;
}

/**
 * fast-check parameters for one property: the shared seed, the property's budget (or the
 * developer's override), and a time limit only when FC_TIME_LIMIT_MS asks for one. On failure fast-check reports the seed, the path and the
 * shrunk counterexample, which replay it (`FC_SEED=… ` plus `path` in the parameters).
 */
export function propertyParameters<T>(budget: PropertyBudget, name?: string): fc.Parameters<T> {
  const timeLimit = TIME_LIMIT_OVERRIDE ?? 0;
  return {
    seed: name === undefined ? PROPERTY_SEED : seedFor(name),
    numRuns: RUNS_OVERRIDE ?? budget.numRuns,
    ...(timeLimit > 0 ? { plugins: [fc.interruptAfterTimeLimit(timeLimit)] } : {}),
  };
}

/**
 * The seed of one of many properties built alike (one per route, say): the shared seed mixed with
 * the name (FNV-1a), so that they do not all draw the same values, yet each is fixed.
 */
export function seedFor(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
  return (hash ^ PROPERTY_SEED) | 0;
}

/** Asserts a synchronous or asynchronous property within a budget. */
export async function checkProperty<T>(
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  budget: PropertyBudget,
): Promise<void> {
  await fc.assert(property as fc.IAsyncProperty<T>, propertyParameters<T>(budget));
}

/** Characters that break naive code: NUL and other controls, quotes, separators, BOM, bidi overrides, lone surrogates. */
export const HOSTILE_CHARACTERS: readonly string[] = [
  "\u0000",
  "\u0001",
  "\u001f",
  "\u007f",
  "\t",
  "\n",
  "\r",
  " ",
  "\u00a0",
  "\u3000",
  '"',
  "'",
  ",",
  ";",
  "\\",
  "/",
  "%",
  "{",
  "}",
  "<",
  ">",
  "&",
  "=",
  "+",
  "-",
  "@",
  "\ufeff",
  "\u200b",
  "\u202e",
  "\u2028",
  "\ud800",
  "\udfff",
  "\ud83d\ude00",
  "中",
  "𠀋",
  "X",
  "x",
  "0",
  "9",
];

/** One UTF-16 code unit of any value: lone surrogates and NUL included. */
const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

/**
 * Strings a hostile or careless client sends: any code points, any code units (lone surrogates,
 * NUL), mostly hostile characters, and very long ones (built by repetition, so they cost little).
 */
export function hostileString(options: { maxLength?: number } = {}): fc.Arbitrary<string> {
  const maxLength = options.maxLength ?? 40;
  return fc.oneof(
    { weight: 2, arbitrary: fc.string({ maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength }) },
    { weight: 2, arbitrary: fc.string({ unit: anyCodeUnit, maxLength }) },
    { weight: 3, arbitrary: fc.string({ unit: fc.constantFrom(...HOSTILE_CHARACTERS), maxLength }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.string({ unit: fc.constantFrom(...HOSTILE_CHARACTERS), minLength: 1, maxLength: 4 }),
          fc.integer({ min: 1_000, max: 100_000 }),
        )
        .map(([piece, times]) => piece.repeat(times)),
    },
  );
}

/** The text UTF-8 can carry: each lone surrogate becomes U+FFFD, as TextEncoder and Buffer.from write it. */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** Characters GBK can encode: printable ASCII and the two-byte ones (CJK, punctuation, full-width forms). */
export function gbkCharacter(): fc.Arbitrary<string> {
  const wide = [...gbkCodes().keys()].map((c) => String.fromCharCode(c));
  return fc.oneof(fc.constantFrom(..." ,\"\r\nabcXYZ019.-_'\t"), fc.constantFrom(...wide));
}
