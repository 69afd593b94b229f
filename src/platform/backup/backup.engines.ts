/**
 * Dumping and loading the database of each engine.
 *
 * PostgreSQL: pg_dump in its custom format and pg_restore in one transaction, the client tools
 * of the server's own major version (a newer pg_dump writes what an older server may not
 * read, an older one refuses a newer server): looked for in EDUMIS_PG_BIN, then
 * /usr/lib/postgresql/<major>/bin (Debian), then PATH. The password, if any, travels in
 * PGPASSWORD, not on the command line where `ps` shows it.
 *
 * PGlite: its own dumpDataDir() (a gzipped tarball of the data directory, the format the test
 * template uses) and, to restore, a new PGlite created from it in the target directory.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename } from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import pg from "pg";
import { createPglite, type Database } from "../../db/database";
import { AppError } from "../../shared/errors";

const run = promisify(execFile);

/** A connection URL without its password, and the password for PGPASSWORD. */
function splitPassword(databaseUrl: string): { url: string; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = "";
  return { url: url.toString(), env: password ? { ...process.env, PGPASSWORD: password } : process.env };
}

async function serverMajor(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    return Math.floor(Number(rows[0]!.v) / 10000);
  } finally {
    await client.end();
  }
}

async function toolMajor(binary: string): Promise<number | undefined> {
  try {
    const { stdout } = await run(binary, ["--version"]);
    const match = /\(PostgreSQL\)\s+(\d+)/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** The pg_dump or pg_restore of the server's major version, or a clear error naming where it looked. */
export async function findPgTool(tool: "pg_dump" | "pg_restore", databaseUrl: string): Promise<string> {
  const major = await serverMajor(databaseUrl);
  const candidates = [
    ...(process.env.EDUMIS_PG_BIN ? [path.join(process.env.EDUMIS_PG_BIN, tool)] : []),
    `/usr/lib/postgresql/${major}/bin/${tool}`,
    tool,
  ];
  for (const candidate of candidates) {
    if (candidate.includes("/") && !existsSync(candidate)) continue;
    if ((await toolMajor(candidate)) === major) return candidate;
  }
  throw new AppError("backup_tool_missing", 500, { tool, major, searched: candidates.join(", ") });
}

async function runTool(binary: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await run(binary, args, { env, maxBuffer: 64 * 1024 * 1024 });
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? (error as Error).message).trim();
    throw new AppError("backup_tool_failed", 500, {
      tool: path.basename(binary),
      message: stderr.split("\n").slice(0, 5).join(" / "),
    });
  }
}

export async function pgDump(databaseUrl: string, outFile: string): Promise<void> {
  const binary = await findPgTool("pg_dump", databaseUrl);
  const { url, env } = splitPassword(databaseUrl);
  await runTool(
    binary,
    ["--format=custom", "--no-owner", "--no-privileges", `--file=${outFile}`, `--dbname=${url}`],
    env,
  );
}

/** Restores into the database of the URL in one transaction: all of the dump, or nothing. */
export async function pgRestore(databaseUrl: string, dumpFile: string, replace: boolean): Promise<void> {
  const binary = await findPgTool("pg_restore", databaseUrl);
  if (replace) {
    // --force: the node's schema is replaced as a whole; objects the backup does not have must go too.
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query("DROP SCHEMA IF EXISTS public CASCADE");
      await client.query("CREATE SCHEMA public");
    } finally {
      await client.end();
    }
  }
  const { url, env } = splitPassword(databaseUrl);
  await runTool(
    binary,
    ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", `--dbname=${url}`, dumpFile],
    env,
  );
}

export async function pgliteDump(database: Database): Promise<Buffer> {
  if (!database.pglite) throw new Error("not an embedded database");
  // A checkpoint first, so that the directory holds everything committed, not only the WAL.
  await sql`CHECKPOINT`.execute(database.db);
  const dump = await database.pglite.dumpDataDir("gzip");
  return Buffer.from(await dump.arrayBuffer());
}

/** Creates the data directory from a dump; an existing one is moved aside (never deleted). */
export async function pgliteRestore(
  dataDir: string,
  dump: Buffer,
  replace: boolean,
): Promise<string | undefined> {
  let movedTo: string | undefined;
  if (existsSync(dataDir) && (await readdir(dataDir)).length > 0) {
    if (!replace) throw new AppError("backup_target_not_empty", 409, { what: dataDir });
    movedTo = `${dataDir}.replaced-${new Date().toISOString().replace(/[:.]/g, "-")}`;
    await rename(dataDir, movedTo);
  }
  await mkdir(dataDir, { recursive: true });
  const pglite = await createPglite(dataDir, new Blob([dump]));
  await pglite.close();
  return movedTo;
}

/** What makes a target non-empty: tables in its database, or files in its archive. */
export async function describeNonEmpty(target: {
  databaseUrl: string | undefined;
  pgliteDir: string;
  archiveDir: string;
}): Promise<string[]> {
  const found: string[] = [];
  if (target.databaseUrl) {
    const client = new pg.Client({ connectionString: target.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
      );
      if (Number(rows[0]!.n) > 0)
        found.push(`${rows[0]!.n} tables in ${new URL(target.databaseUrl).pathname.slice(1)}`);
    } finally {
      await client.end();
    }
  } else if (existsSync(target.pgliteDir) && (await readdir(target.pgliteDir)).length > 0) {
    found.push(target.pgliteDir);
  }
  if (existsSync(target.archiveDir) && (await readdir(target.archiveDir)).length > 0)
    found.push(target.archiveDir);
  return found;
}

/** Every archive file (sm3/ab/cd/<hash>) with its size; temporary files of unfinished writes are skipped. */
export async function listArchiveFiles(root: string): Promise<{ hash: string; file: string }[]> {
  const files: { hash: string; file: string }[] = [];
  const base = path.join(root, "sm3");
  if (!existsSync(base)) return files;
  for (const a of (await readdir(base)).sort()) {
    for (const b of (await readdir(path.join(base, a))).sort()) {
      for (const name of (await readdir(path.join(base, a, b))).sort()) {
        if (/^[0-9a-f]{64}$/.test(name)) files.push({ hash: name, file: path.join(base, a, b, name) });
      }
    }
  }
  return files;
}
