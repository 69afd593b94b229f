/**
 * Bulk loading with COPY, the one way to put a million rows into PostgreSQL at the database's
 * own speed. Two back ends behind one function, because the engines differ at the protocol:
 * - PostgreSQL: `COPY … FROM STDIN` through pg-copy-streams on a pool client, streamed, so the
 *   server parses and stores rows while the caller is still producing them;
 * - PGlite: `COPY … FROM '/dev/blob'` with the rows handed over as one Blob. pg-copy-streams on
 *   PGlite kills the instance, so it is never used there.
 * Rows are written in COPY's text format (tab-separated, `\N` for NULL, backslash escapes).
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { from as copyFrom } from "pg-copy-streams";
import type { Database } from "../../db/database";

export type CopyValue = string | number | boolean | null | undefined;

export interface CopyOptions {
  /** "text" (default) for rows formatted here; "csv" to pass a CSV file through unchanged. */
  format?: "text" | "csv";
  /** CSV only: the first line is a header to skip. */
  header?: boolean;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$/;
/** Characters that COPY's text format gives a meaning: they are escaped in values. */
const SPECIAL_ALL = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
/** Chunks handed to the socket: large enough to amortise a write, small enough to stream. */
const CHUNK_CHARS = 256 * 1024;

function checkIdentifier(name: string): string {
  // Table and column names are spliced into SQL: only plain lower-case identifiers pass.
  if (!IDENTIFIER.test(name)) throw new Error(`Not a plain SQL identifier: ${name}`);
  return name;
}

/** True for the characters COPY's text format escapes (backslash, tab, line feed, carriage return). */
export function isCopySpecial(c: number): boolean {
  return c === 92 || c === 9 || c === 10 || c === 13;
}

/**
 * True when the text holds a character COPY's text format gives a meaning. A loop rather than
 * SPECIAL.test: values are short, and a bulk load asks this of every value of every row.
 */
function hasSpecial(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (isCopySpecial(text.charCodeAt(i))) return true;
  }
  return false;
}

/** One value in COPY text format. */
export function formatCopyValue(value: CopyValue): string {
  if (value === null || value === undefined) return "\\N";
  if (typeof value === "boolean") return value ? "t" : "f";
  const text = typeof value === "number" ? String(value) : value;
  return hasSpecial(text) ? text.replace(SPECIAL_ALL, (c) => ESCAPES[c]!) : text;
}

/** One row in COPY text format, newline included. */
export function formatCopyRow(values: readonly CopyValue[]): string {
  let line = "";
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += "\t";
    line += formatCopyValue(values[i]);
  }
  return `${line}\n`;
}

export function copyStatement(
  table: string,
  columns: readonly string[],
  source: string,
  options: CopyOptions = {},
): string {
  const list = columns.map(checkIdentifier).join(", ");
  const format = options.format === "csv" ? `(FORMAT csv${options.header ? ", HEADER true" : ""})` : "";
  return `COPY ${checkIdentifier(table)} (${list}) FROM ${source} ${format}`.trim();
}

type Chunks = AsyncIterable<string | Buffer> | Iterable<string | Buffer>;

/** Joins small pieces into socket-sized chunks. */
async function* batched(pieces: Chunks): AsyncGenerator<string | Buffer> {
  let pending = "";
  for await (const piece of pieces) {
    if (typeof piece !== "string") {
      if (pending) yield pending;
      pending = "";
      yield piece;
      continue;
    }
    pending += piece;
    if (pending.length >= CHUNK_CHARS) {
      yield pending;
      pending = "";
    }
  }
  if (pending) yield pending;
}

async function copyToPostgres(database: Database, statement: string, chunks: Chunks): Promise<number> {
  const client = await database.pool.connect();
  try {
    const stream = client.query(copyFrom(statement));
    await pipeline(Readable.from(batched(chunks), { objectMode: false }), stream);
    return Number(stream.rowCount ?? 0);
  } finally {
    // The connection is closed rather than pooled: one cut off mid-stream is in an unknown
    // state, and a backend that has just ingested a large load holds memory a fresh one does not.
    client.release(true);
  }
}

async function copyToPglite(database: Database, statement: string, chunks: Chunks): Promise<number> {
  const pglite = database.pglite;
  if (!pglite) throw new Error("PGlite engine without a PGlite instance");
  const parts: (string | Buffer)[] = [];
  for await (const piece of batched(chunks)) parts.push(piece);
  const blob = new Blob(parts);
  // PGlite is one session shared with the pool: holding the pool's only client keeps any other
  // request's transaction from being open around this COPY.
  const client = await database.pool.connect();
  try {
    const result = await pglite.query(statement, [], { blob });
    return result.affectedRows ?? 0;
  } finally {
    client.release();
  }
}

/**
 * Streams already formatted text (COPY text rows, or a CSV file with options.format "csv") into
 * a table; returns the number of rows the database stored. Runs outside any transaction.
 */
export async function copyText(
  database: Database,
  table: string,
  columns: readonly string[],
  chunks: Chunks,
  options: CopyOptions = {},
): Promise<number> {
  if (database.engine === "pglite") {
    return copyToPglite(database, copyStatement(table, columns, "'/dev/blob'", options), chunks);
  }
  return copyToPostgres(database, copyStatement(table, columns, "STDIN", options), chunks);
}

async function* formatted(rows: AsyncIterable<readonly CopyValue[]> | Iterable<readonly CopyValue[]>) {
  for await (const row of rows) yield formatCopyRow(row);
}

/** Loads rows of values into the named columns of a table with COPY; returns the row count. */
export function copyRows(
  database: Database,
  table: string,
  columns: readonly string[],
  rows: AsyncIterable<readonly CopyValue[]> | Iterable<readonly CopyValue[]>,
): Promise<number> {
  return copyText(database, table, columns, formatted(rows));
}
