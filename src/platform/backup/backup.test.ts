/**
 * Backup and restore (issue 13 item 14), on the engine the suite runs on: a node with students,
 * an approved and signed request, archive items and audit entries is backed up, restored into
 * an EMPTY node, and every table holds the same rows, the audit chain and the archive verify.
 * A flipped byte, a wrong key and a non-empty target are refused.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Migrator, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
} from "../../../test/support/app";
import { sampleStudent } from "../../../test/support/students";
import { testDatabaseUrl, withDatabaseName } from "../../../test/support/template";
import { type Database, openDatabase } from "../../db/database";
import { migrations } from "../../db/migrate";
import { registerStudent } from "../../modules/students/students.service";
import { verifyAuditChain } from "../audit/audit.service";
import { verifyWholeArchive } from "../signing/archive.service";
import { signingServicesFor } from "../signing/signing.context";
import { type BackupConfig, createBackup, restoreBackup } from "./backup.service";

const SCHOOL = "2133106101";
let node: TestNode;
let work: string;
let backupFile: string;
const serverUrl = testDatabaseUrl();
const createdDatabases: string[] = [];

/** A target node with nothing in it: a fresh database on the same server, or a new PGlite directory. */
async function emptyTarget(name: string): Promise<BackupConfig> {
  const base = path.join(work, name);
  await mkdir(base, { recursive: true });
  let databaseUrl: string | undefined;
  if (serverUrl) {
    const db = `edumis_restore_${process.pid}_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    await admin.end();
    createdDatabases.push(db);
    databaseUrl = withDatabaseName(serverUrl, db);
  }
  return {
    ...node.services.config,
    databaseUrl,
    pgliteDir: path.join(base, "db"),
    archiveDir: path.join(base, "archive"),
  };
}

/** The test node's configuration with the URL of its own test database (the suite opens it directly). */
function sourceConfig(): BackupConfig {
  const url = (node.database.pool as unknown as { options: { connectionString?: string } }).options
    .connectionString;
  return { ...node.services.config, databaseUrl: node.database.engine === "postgres" ? url : undefined };
}

function openTarget(config: BackupConfig): Promise<Database> {
  return openDatabase(
    config.databaseUrl ? { databaseUrl: config.databaseUrl, poolSize: 2 } : { pgliteDir: config.pgliteDir },
  );
}

/** Every table of the schema with its row count and a digest of all its rows. */
async function fingerprint(database: Database, withoutRestoreEntry = false): Promise<Record<string, string>> {
  const { rows: tables } = await sql<{ name: string }>`
    SELECT table_name AS name FROM information_schema.tables
    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(database.db);
  const result: Record<string, string> = {};
  for (const { name } of tables) {
    const { rows } = await sql<{ n: number; digest: string | null }>`
      SELECT count(*)::int AS n, md5(string_agg(t::text, '|' ORDER BY t::text)) AS digest
      FROM ${sql.table(name)} AS t
      WHERE ${withoutRestoreEntry && name === "audit_log" ? sql`t.action <> 'system.restore'` : sql`true`}`.execute(
      database.db,
    );
    result[name] = `${rows[0]!.n}:${rows[0]!.digest ?? ""}`;
  }
  return result;
}

async function approve(submitter: Client, approvers: Client[], type: string, payload: object) {
  const submitted = await submitter.send("POST", "/api/v1/workflow/requests", { type, payload });
  expect(submitted.statusCode, submitted.body).toBe(201);
  let { id, version } = submitted.json();
  for (const approver of approvers) {
    const decided = await approver.send("POST", `/api/v1/workflow/requests/${id}/approve`, {
      expectedVersion: version,
    });
    expect(decided.statusCode, decided.body).toBe(200);
    version = decided.json().version;
  }
  return id as number;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "edumis-backup-test-"));
  node = await createTestNode();
  const school = await openTestSchool(node, { schoolCode: SCHOOL, divisionCode: "330102" });
  await createUser(node, { username: "bk_clerk", unitCode: SCHOOL, roles: ["data_clerk"] });
  await createUser(node, { username: "bk_reviewer", unitCode: SCHOOL, roles: ["reviewer"] });
  await createUser(node, { username: "bk_county", unitCode: "330102-EDU", roles: ["reviewer"] });
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { id } = await registerStudent(node.system, {
      ...sampleStudent("20150909", { sequence: 501 + i * 2 }),
      schoolCode: SCHOOL,
    });
    ids.push(id);
  }
  const clerk = await signIn(node, "bk_clerk");
  await approve(
    clerk,
    [await signIn(node, "bk_reviewer"), await signIn(node, "bk_county")],
    "student_suspension",
    {
      studentId: ids[0],
      schoolId: school,
      reason: "因病休学",
      from: "2026-09-01",
      until: "2027-08-31",
    },
  );
  backupFile = path.join(work, "node.edumisbak");
  await createBackup(sourceConfig(), node.database, backupFile);
});
afterAll(async () => {
  await node.close();
  if (serverUrl) {
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    for (const db of createdDatabases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    await admin.end();
  }
  await rm(work, { recursive: true, force: true });
});

describe("backup and restore", () => {
  it("restores into an empty node: every record, the audit chain and the signed archive", async () => {
    const source = await fingerprint(node.database);
    expect(Number(source.student!.split(":")[0])).toBe(3);
    expect(Number(source.archive_item!.split(":")[0])).toBeGreaterThan(0);
    expect(Number(source.workflow_step!.split(":")[0])).toBeGreaterThan(1);
    expect(Number(source.audit_log!.split(":")[0])).toBeGreaterThan(3);
    const header = JSON.parse((await readFile(backupFile, "utf8")).split("\n")[1]!);
    expect(header).toMatchObject({ format: 1, engine: node.database.engine, algorithm: "aes-256-gcm" });
    expect(header.key.source).toBe("node-master-key");
    // Encrypted: no personal data in the clear.
    expect((await readFile(backupFile)).includes(Buffer.from("因病休学"))).toBe(false);

    const target = await emptyTarget("restored");
    const report = await restoreBackup(target, backupFile);
    expect(report.archiveFiles).toBe(header.entries.archiveFiles);
    expect(report.archiveFiles).toBeGreaterThan(0);
    const restored = await openTarget(target);
    try {
      expect(await fingerprint(restored, true)).toEqual(source);
      // The backup carries the entry of its own making; the restore adds one, and the chain holds.
      const actions = await restored.db
        .selectFrom("audit_log")
        .select("action")
        .orderBy("id", "desc")
        .limit(2)
        .execute();
      expect(actions.map((a) => a.action)).toEqual(["system.restore", "system.backup"]);
      const chain = await verifyAuditChain(restored.db, signingServicesFor(target).vault);
      expect(chain.ok).toBe(true);
      expect(chain.checked).toBe(Number(source.audit_log!.split(":")[0]) + 1);
      const archive = await verifyWholeArchive(restored.db, signingServicesFor(target));
      expect(archive.failed).toEqual([]);
      expect(archive.checked).toBe(Number(source.archive_item!.split(":")[0]));
    } finally {
      await restored.close();
    }
    // The target now holds data: a second restore needs --force, and then succeeds.
    await expect(restoreBackup(target, backupFile)).rejects.toMatchObject({
      code: "backup_target_not_empty",
    });
    await restoreBackup(target, backupFile, { force: true });
  });

  it("refuses a file with one byte changed, and one sealed with another key, before touching the target", async () => {
    const bytes = await readFile(backupFile);
    const target = await emptyTarget("tampered");
    for (const position of [bytes.length - 1, bytes.indexOf(0x0a, 20) + 100]) {
      const tampered = Buffer.from(bytes);
      tampered[position]! ^= 0x01;
      const file = path.join(work, `tampered-${position}.edumisbak`);
      await writeFile(file, tampered);
      await expect(restoreBackup(target, file)).rejects.toMatchObject({ code: "backup_tampered" });
    }
    // An edited header (another creation time) fails the authentication as well.
    const text = bytes.toString("latin1");
    const edited = Buffer.from(
      text.replace(/"createdAt":"(\d)/, (_m, d) => `"createdAt":"${(Number(d) + 1) % 10}`),
      "latin1",
    );
    await writeFile(path.join(work, "edited.edumisbak"), edited);
    await expect(restoreBackup(target, path.join(work, "edited.edumisbak"))).rejects.toMatchObject({
      code: "backup_tampered",
    });
    const otherKey = { ...target, signingKey: randomBytes(32).toString("base64") };
    await expect(restoreBackup(otherKey, backupFile)).rejects.toMatchObject({ code: "backup_wrong_key" });
    if (!target.databaseUrl) {
      expect(existsSync(target.pgliteDir)).toBe(false);
      return;
    }
    const opened = await openTarget(target);
    try {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'`.execute(
        opened.db,
      );
      expect(rows[0]!.n).toBe(0);
    } finally {
      await opened.close();
    }
  });

  it("seals with a passphrase for copies kept away from the node", async () => {
    const file = path.join(work, "passphrase.edumisbak");
    await expect(
      createBackup(sourceConfig(), node.database, file, { passphrase: "short" }),
    ).rejects.toMatchObject({
      code: "backup_passphrase_invalid",
    });
    await createBackup(sourceConfig(), node.database, file, {
      passphrase: "correct horse battery staple",
    });
    const target = await emptyTarget("passphrase");
    await expect(
      restoreBackup(target, file, { passphrase: "wrong horse battery staple" }),
    ).rejects.toMatchObject({
      code: "backup_wrong_key",
    });
    // Another master key does not matter: the passphrase sealed this one.
    const report = await restoreBackup({ ...target, signingKey: randomBytes(32).toString("base64") }, file, {
      passphrase: "correct horse battery staple",
    });
    expect(report.migrationsApplied).toEqual([]);
  });

  it("migrates a backup older than the code after restoring it", async () => {
    const names = Object.keys(migrations);
    const older = await emptyTarget("older-source");
    const olderDb = await openTarget(older);
    try {
      const migrator = new Migrator({ db: olderDb.db, provider: { getMigrations: async () => migrations } });
      const { error } = await migrator.migrateTo(names[names.length - 2]!);
      expect(error).toBeUndefined();
      const file = path.join(work, "older.edumisbak");
      await createBackup(older, olderDb, file);
      const target = await emptyTarget("older-target");
      const report = await restoreBackup(target, file);
      expect(report.migrationsApplied).toEqual([names[names.length - 1]]);
    } finally {
      await olderDb.close();
    }
  });
});
