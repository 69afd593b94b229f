/**
 * A fresh, prepared database for one benchmark run, dropped at the end:
 * - PostgreSQL: a new database `edumis_bench_<random>` on the server of --database-url (or
 *   BENCH_DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres);
 * - PGlite: an in-memory instance.
 * Both are migrated and loaded with the reference data exactly as `edumis migrate` does.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { loadConfig } from "../../src/config";
import { type Database, type Engine, openDatabase } from "../../src/db/database";
import { type PrepareReport, prepareDatabase } from "../../src/db/prepare";

export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export function postgresAdminUrl(cliUrl: string | undefined): string {
  return cliUrl || process.env.BENCH_DATABASE_URL || DEFAULT_POSTGRES_URL;
}

/** The URL of the same server with another database name. */
export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** Whether a PostgreSQL server answers at the URL within two seconds. */
export async function isPostgresReachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface DatabaseInfo {
  engine: Engine;
  /** `SELECT version()`. */
  version: string;
  /** The database's LC_CTYPE and LC_COLLATE (pg_database), which decide pg_trgm and LIKE behaviour. */
  ctype: string;
  collate: string;
  encoding: string;
  /** Settings that change plans or timings. */
  settings: Record<string, string>;
}

export interface BenchDatabase {
  database: Database;
  engine: Engine;
  /** The database name on PostgreSQL; "memory://" on PGlite. */
  name: string;
  prepare: PrepareReport;
  prepareMs: number;
  close(): Promise<void>;
}

export interface OpenBenchOptions {
  adminUrl: string;
  poolSize?: number;
}

/** Creates, migrates and loads the reference data of a fresh database. */
export async function openBenchDatabase(engine: Engine, options: OpenBenchOptions): Promise<BenchDatabase> {
  let database: Database;
  let name: string;
  let drop: () => Promise<void> = async () => undefined;
  if (engine === "postgres") {
    name = `edumis_bench_${randomBytes(5).toString("hex")}`;
    await withAdminClient(options.adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
    drop = async () => {
      await withAdminClient(options.adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
      );
    };
    try {
      database = await openDatabase({
        databaseUrl: withDatabaseName(options.adminUrl, name),
        poolSize: options.poolSize ?? 4,
      });
    } catch (error) {
      await drop();
      throw error;
    }
  } else {
    name = "memory://";
    database = await openDatabase({ pgliteDir: "memory://" });
  }
  // An interrupted run still drops its database.
  const onSignal = () => {
    void database
      .close()
      .catch(() => undefined)
      .then(drop)
      .finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  const close = async () => {
    process.off("SIGINT", onSignal);
    try {
      await database.close();
    } finally {
      await drop();
    }
  };
  try {
    const t0 = process.hrtime.bigint();
    const prepare = await prepareDatabase(database, loadConfig().codesDir);
    const prepareMs = Number(process.hrtime.bigint() - t0) / 1e6;
    return { database, engine, name, prepare, prepareMs, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function show(database: Database, setting: string): Promise<string> {
  try {
    const { rows } = await database.pool.query<Record<string, string>>(`SHOW ${setting}`);
    return Object.values(rows[0] ?? {})[0] ?? "";
  } catch {
    // PostgreSQL 16+ has no lc_ctype / lc_collate settings; pg_database is read instead.
    return "(n/a)";
  }
}

export async function databaseInfo(database: Database): Promise<DatabaseInfo> {
  const { rows } = await database.pool.query<{
    version: string;
    ctype: string;
    collate: string;
    encoding: string;
  }>(
    `SELECT version() AS version, datctype AS ctype, datcollate AS collate,
       pg_encoding_to_char(encoding) AS encoding
     FROM pg_database WHERE datname = current_database()`,
  );
  const row = rows[0]!;
  const settings: Record<string, string> = {};
  const shown = ["lc_ctype", "lc_collate", "shared_buffers", "work_mem", "effective_cache_size", "jit"];
  const writes = ["max_wal_size", "checkpoint_timeout", "wal_compression", "synchronous_commit"];
  for (const setting of [...shown, "max_parallel_workers_per_gather", "random_page_cost", ...writes]) {
    settings[setting] = await show(database, setting);
  }
  return {
    engine: database.engine,
    version: row.version,
    ctype: row.ctype,
    collate: row.collate,
    encoding: row.encoding,
    settings,
  };
}
