/**
 * One connection and one transaction for a whole synthetic load, so an interrupted seed leaves
 * nothing behind. COPY runs on that connection as copy.ts does it — pg-copy-streams on
 * PostgreSQL, COPY FROM '/dev/blob' on PGlite — because copy.ts takes a connection from the pool
 * and commits on its own.
 *
 * Bulk mode, for a load at least as large as what the tables hold, is students.bulk.ts.
 */
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import type { Database } from "../../db/database";
import { copyStatement } from "../../platform/imports/copy";

export interface Queryable {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

export interface LoadSession extends Queryable {
  copy(table: string, columns: readonly string[], chunks: AsyncIterable<string>): Promise<number>;
  commit(): Promise<void>;
  /** Rolls back unless committed, and returns the connection. */
  close(): Promise<void>;
}

export async function openLoadSession(database: Database): Promise<LoadSession> {
  const client = await database.pool.connect();
  let open = true;
  await client.query("BEGIN");
  const pglite = database.pglite;
  return {
    query: (text, values) => client.query(text, values),
    async copy(table, columns, chunks) {
      if (pglite) {
        // PGlite is one session: this client's transaction is the one the COPY runs in.
        const parts: string[] = [];
        for await (const piece of chunks) parts.push(piece);
        const result = await pglite.query(copyStatement(table, columns, "'/dev/blob'"), [], {
          blob: new Blob(parts),
        });
        return result.affectedRows ?? 0;
      }
      const stream = client.query(copyFrom(copyStatement(table, columns, "STDIN")));
      await pipeline(Readable.from(chunks, { objectMode: false }), stream);
      return Number(stream.rowCount ?? 0);
    },
    async commit() {
      await client.query("COMMIT");
      open = false;
    },
    async close() {
      try {
        if (open) await client.query("ROLLBACK");
        client.release();
      } catch (error) {
        // A connection that failed mid-COPY is not reused.
        client.release(error instanceof Error ? error : true);
      }
    },
  };
}
