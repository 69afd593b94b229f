/** The `edumis backup` and `edumis restore` commands (logic in backup.service.ts). */
import type { Command } from "commander";
import { openNodeDatabase } from "../../bootstrap";
import { loadConfig } from "../../config";
import { createBackup, restoreBackup } from "./backup.service";

const PASSPHRASE_ENV = "EDUMIS_BACKUP_PASSPHRASE";

export function addBackupCommands(program: Command): void {
  program
    .command("backup")
    .description(
      "write an encrypted backup of the database and the archive files (stop an embedded PGlite node first)",
    )
    .requiredOption("--out <file>", "backup file to create (never overwritten)")
    .option(
      "--passphrase",
      `seal with the passphrase in ${PASSPHRASE_ENV} instead of the node's master key (for off-site copies)`,
      false,
    )
    .action((options: { out: string; passphrase: boolean }) => backup(options));

  program
    .command("restore")
    .description(
      "restore a backup into this node's (empty) database and archive; migrates it when older than this version",
    )
    .argument("<file>", "backup file")
    .option("--force", "replace a database or archive that holds data", false)
    .action((file: string, options: { force: boolean }) => restore(file, options));
}

async function backup(options: { out: string; passphrase: boolean }): Promise<void> {
  const config = loadConfig();
  const database = await openNodeDatabase(config);
  try {
    const report = await createBackup(config, database, options.out, {
      passphrase: options.passphrase ? (process.env[PASSPHRASE_ENV] ?? "") : undefined,
    });
    const h = report.header;
    console.log(
      `backup written: ${report.file} (${report.bytes} bytes, ${h.engine}, ${h.migrations.length} migrations, ` +
        `${h.entries.archiveFiles} archive files, ${h.algorithm} with key from ${h.key.source}, content SHA-256 ${h.contentSha256})`,
    );
  } finally {
    await database.close();
  }
}

async function restore(file: string, options: { force: boolean }): Promise<void> {
  const config = loadConfig();
  const report = await restoreBackup(config, file, {
    force: options.force,
    passphrase: process.env[PASSPHRASE_ENV],
  });
  const h = report.header;
  console.log(
    `restored the ${h.engine} backup of ${h.createdAt} (node ${h.node.host}): ${report.archiveFiles} archive files; ` +
      `migrations applied after restoring: ${report.migrationsApplied.join(", ") || "none (up to date)"}`,
  );
  if (report.replacedDataDir)
    console.log(`the replaced data directory was moved to ${report.replacedDataDir}`);
  console.log("check it with: edumis audit verify && edumis verify archive");
}
