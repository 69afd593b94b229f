/**
 * `edumis backup` and `edumis restore`: the node's database (either engine) and its archive
 * files in one encrypted file (format in backup.format.ts), and back into an empty node.
 *
 * The key: by default one derived (HKDF) from the node's master key (EDUMIS_SIGNING_KEY or the
 * embedded node's key file), which a restored node needs anyway to use its signing keys; or,
 * for a copy kept away from the node, a passphrase from EDUMIS_BACKUP_PASSPHRASE (scrypt). The
 * master key itself is never in a backup: key and data are kept apart.
 *
 * A restore refuses a target that holds data unless forced, refuses a damaged, edited or
 * wrong-key file before touching the target, checks every archive file against its SM3 name,
 * and migrates a database older than the code (a newer one is refused).
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { link, mkdtemp, open, rm, stat } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { sql } from "kysely";
import type { Config } from "../../config";
import { type Database, openDatabase } from "../../db/database";
import { migrations } from "../../db/migrate";
import { prepareDatabase } from "../../db/prepare";
import { AppError } from "../../shared/errors";
import { systemActor } from "../access/actor";
import { recordAudit } from "../audit/audit.service";
import { NATION_CODE } from "../orgs/divisions";
import { sm3Hex } from "../signing/algorithms";
import { ArchiveStore } from "../signing/archive.store";
import { existingMasterKey } from "../signing/key-vault";
import {
  describeNonEmpty,
  listArchiveFiles,
  pgDump,
  pgliteDump,
  pgliteRestore,
  pgRestore,
} from "./backup.engines";
import {
  ALGORITHM,
  type BackupHeader,
  checkKey,
  decryptPayload,
  deriveKey,
  type KeyMaterial,
  keyCheckOf,
  MAGIC,
  MIN_PASSPHRASE_LENGTH,
  newKey,
  PayloadWriter,
  readEntries,
  readHeader,
  type SealedHeader,
} from "./backup.format";

export type BackupConfig = Pick<
  Config,
  | "databaseUrl"
  | "pgliteDir"
  | "archiveDir"
  | "signingKey"
  | "signingKeyFile"
  | "nodeRole"
  | "nodeProvinceCode"
  | "codesDir"
>;

export interface KeyOptions {
  /** A passphrase instead of the node's master key (at least 12 characters). */
  passphrase?: string | undefined;
}

async function keyMaterial(config: BackupConfig, options: KeyOptions): Promise<KeyMaterial> {
  if (options.passphrase !== undefined) {
    if ([...options.passphrase].length < MIN_PASSPHRASE_LENGTH)
      throw new AppError("backup_passphrase_invalid", 400, { min: MIN_PASSPHRASE_LENGTH });
    return { passphrase: options.passphrase };
  }
  const masterKey = await existingMasterKey(config);
  if (!masterKey) throw new AppError("backup_key_unavailable", 400, { file: config.signingKeyFile });
  return { masterKey };
}

async function withTemporaryDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), "edumis-backup-"));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function appliedMigrations(database: Database): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`SELECT name FROM kysely_migration ORDER BY name`.execute(
    database.db,
  );
  return rows.map((r) => r.name);
}

/**
 * Backups and restores are entries of the node's own audit trail, by the system actor (the CLI).
 * A database that was migrated but never prepared has no tree yet, and no one to attribute to.
 */
async function auditAsSystem(
  database: Database,
  action: string,
  detail: Record<string, unknown>,
): Promise<void> {
  const nation = await database.db
    .selectFrom("org_unit")
    .select(["id", "path", "name"])
    .where("code", "=", NATION_CODE)
    .executeTakeFirst();
  if (!nation) return;
  await recordAudit(database.db, { actor: systemActor(nation), action, module: "audit", detail });
}

export interface BackupReport {
  file: string;
  header: BackupHeader;
  bytes: number;
}

/** Writes the backup of an open node database and its archive to `out` (refuses to overwrite). */
export async function createBackup(
  config: BackupConfig,
  database: Database,
  out: string,
  options: KeyOptions = {},
): Promise<BackupReport> {
  const { key, spec } = await newKey(await keyMaterial(config, options));
  const archiveFiles = await listArchiveFiles(config.archiveDir);
  const iv = randomBytes(12);
  const sealed: SealedHeader = {
    format: 1,
    engine: database.engine,
    createdAt: new Date().toISOString(),
    node: { role: config.nodeRole, province: config.nodeProvinceCode ?? null, host: hostname() },
    algorithm: ALGORITHM,
    iv: iv.toString("base64"),
    key: spec,
    keyCheck: keyCheckOf(key),
    migrations: await appliedMigrations(database),
    entries: {
      database: database.engine === "postgres" ? "pg_dump custom format" : "PGlite data directory (tar.gz)",
      archiveFiles: archiveFiles.length,
    },
  };
  // Recorded before the dump, so the backup carries the entry of its own making.
  await auditAsSystem(database, "system.backup", {
    engine: sealed.engine,
    archiveFiles: archiveFiles.length,
    keySource: spec.source,
    file: path.basename(out),
  });
  return withTemporaryDir(async (dir) => {
    const body = path.join(dir, "payload");
    const writer = await PayloadWriter.create(body, key, iv, sealed);
    if (database.engine === "postgres") {
      const dump = path.join(dir, "database.dump");
      await pgDump(config.databaseUrl!, dump);
      await writer.addFile("database", dump, (await stat(dump)).size);
      await rm(dump);
    } else {
      await writer.addBuffer("database", await pgliteDump(database));
    }
    for (const { hash, file } of archiveFiles) {
      await writer.addFile(`archive/${hash}`, file, (await stat(file)).size);
    }
    const header: BackupHeader = { ...sealed, ...(await writer.finish()) };
    // Header first, then the ciphertext; linked into place only when complete.
    const partial = `${out}.${randomBytes(4).toString("hex")}.partial`;
    const handle = await open(partial, "wx", 0o600);
    try {
      await handle.write(MAGIC);
      await handle.write(`${JSON.stringify(header)}\n`);
    } finally {
      await handle.close();
    }
    await pipeline(createReadStream(body), createWriteStream(partial, { flags: "a" }));
    try {
      // link() never replaces an existing file: a backup is not overwritten by accident.
      await link(partial, out);
    } finally {
      await rm(partial, { force: true });
    }
    return { file: out, header, bytes: (await stat(out)).size };
  });
}

export interface RestoreOptions extends KeyOptions {
  /** Replace a target that holds data (PostgreSQL: the public schema; PGlite: moved aside). */
  force?: boolean;
}

export interface RestoreReport {
  header: BackupHeader;
  archiveFiles: number;
  migrationsApplied: string[];
  /** PGlite only: where the data directory that was replaced now lies. */
  replacedDataDir?: string | undefined;
}

/** Restores a backup file into the node the configuration names. */
export async function restoreBackup(
  config: BackupConfig,
  file: string,
  options: RestoreOptions = {},
): Promise<RestoreReport> {
  const { header, offset } = await readHeader(file);
  const targetEngine = config.databaseUrl ? "postgres" : "pglite";
  if (header.engine !== targetEngine)
    throw new AppError("backup_engine_mismatch", 400, { backup: header.engine, target: targetEngine });
  const known = Object.keys(migrations);
  const unknown = header.migrations.find((name) => !known.includes(name));
  if (unknown) throw new AppError("backup_newer_than_code", 400, { migration: unknown });
  // The header says which key sealed the file; a passphrase is asked for only then.
  const material = await keyMaterial(
    config,
    header.key.source === "passphrase" ? { passphrase: options.passphrase ?? "" } : {},
  );
  const key = await deriveKey(material, header.key);
  checkKey(header, key);
  const occupied = await describeNonEmpty(config);
  if (occupied.length > 0 && !options.force)
    throw new AppError("backup_target_not_empty", 409, { what: occupied.join("; ") });

  return withTemporaryDir(async (dir) => {
    const plain = path.join(dir, "payload");
    // Authenticated in full before anything reaches the target.
    await decryptPayload(file, offset, header, key, plain);
    const store = new ArchiveStore(config.archiveDir);
    let archiveFiles = 0;
    let replacedDataDir: string | undefined;
    await readEntries(plain, async (name, _size, read, copyTo) => {
      if (name === "database") {
        if (header.engine === "postgres") {
          const dump = path.join(dir, "database.dump");
          await copyTo(dump);
          await pgRestore(config.databaseUrl!, dump, options.force === true);
          await rm(dump);
        } else {
          replacedDataDir = await pgliteRestore(config.pgliteDir, await read(), options.force === true);
        }
      } else if (name.startsWith("archive/")) {
        const bytes = await read();
        const hash = name.slice("archive/".length);
        if (sm3Hex(bytes) !== hash) throw new AppError("backup_tampered", 400);
        await store.put(bytes);
        archiveFiles++;
      } else {
        throw new AppError("backup_format_unknown", 400, { file });
      }
    });
    const database = await openDatabase(
      config.databaseUrl ? { databaseUrl: config.databaseUrl, poolSize: 2 } : { pgliteDir: config.pgliteDir },
    );
    let migrationsApplied: string[] = [];
    try {
      if (header.migrations.length < known.length) {
        migrationsApplied = (await prepareDatabase(database, config.codesDir)).appliedMigrations;
      }
      await auditAsSystem(database, "system.restore", {
        engine: header.engine,
        backupCreatedAt: header.createdAt,
        backupHost: header.node.host,
        contentSha256: header.contentSha256,
        archiveFiles,
        migrationsApplied,
        replaced: options.force === true && occupied.length > 0,
      });
    } finally {
      await database.close();
    }
    return { header, archiveFiles, migrationsApplied, replacedDataDir };
  });
}
