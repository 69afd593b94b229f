/**
 * Opens the one database of a node: PostgreSQL when a URL is given, otherwise the embedded
 * PGlite (PostgreSQL compiled to WASM) in a data directory. Both are reached through a
 * node-postgres Pool, so every query, migration and transaction is the same code on both.
 */
import { PGlite } from "@electric-sql/pglite";
import { pg_trgm } from "@electric-sql/pglite/contrib/pg_trgm";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import type { DB } from "./schema";

export type Engine = "pglite" | "postgres";
/** A query executor: the database itself or an open transaction. */
export type Executor = Kysely<DB> | Transaction<DB>;

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  /** The raw pool, for COPY and other protocol-level work a query builder cannot express. */
  pool: pg.Pool;
  /** Present on the embedded engine only. */
  pglite?: PGlite;
  close(): Promise<void>;
}

const INT8_OID = 20;
const DATE_OID = 1082;
const NUMERIC_OID = 1700;

/**
 * Row ids and counts are int8; they stay far below 2^53 and are handled as numbers.
 * Dates stay "YYYY-MM-DD" strings: a calendar date has no time zone to get wrong.
 */
const typeOverrides = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID) return (value: string) => Number(value);
    if (oid === DATE_OID) return (value: string) => value;
    if (oid === NUMERIC_OID) return (value: string) => value;
    return pg.types.getTypeParser(oid, format);
  },
};

export interface OpenOptions {
  databaseUrl?: string | undefined;
  /** Data directory for PGlite; "memory://" keeps it in memory. */
  pgliteDir?: string;
  /** An already created PGlite instance (tests clone one per file). */
  pglite?: PGlite;
  poolSize?: number;
}

export async function createPglite(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  return PGlite.create({ dataDir, extensions: { pg_trgm }, ...(loadDataDir ? { loadDataDir } : {}) });
}

export async function openDatabase(options: OpenOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: options.databaseUrl,
      max: options.poolSize ?? 10,
      types: typeOverrides,
    });
    // An idle connection that the server closes (restart, failover, a dropped test database)
    // is an event, not a crash: the pool replaces it on the next checkout.
    pool.on("error", (error) => {
      console.warn(`database connection lost while idle: ${error.message}`);
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: "postgres", pool, close: () => db.destroy() };
  }
  const pglite = options.pglite ?? (await createPglite(options.pgliteDir ?? "memory://"));
  const pool = new pg.Pool({ ...createPgConfig(pglite), types: typeOverrides });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    engine: "pglite",
    pool,
    pglite,
    async close() {
      await db.destroy();
      if (!options.pglite) await pglite.close();
    },
  };
}

/** Runs work in one transaction: all of it is applied, or none of it. */
export function inTransaction<T>(db: Executor, work: (trx: Transaction<DB>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<DB>);
  return db.transaction().execute(work);
}
