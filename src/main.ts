/**
 * The `edumis` command: serve the node, migrate its database, load demo data, import and export
 * schools, verify the audit trail. `edumis <command> --help` explains each.
 */
import { readFile, writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { buildApp } from "./app";
import { createServices, openNodeDatabase, systemContext } from "./bootstrap";
import { loadConfig } from "./config";
import { type Database, inTransaction } from "./db/database";
import { prepareDatabase } from "./db/prepare";
import { seedDemo } from "./demo/seed-demo";
import type { AppServices } from "./http/services";
import { orderPromotion } from "./modules/students/students.promotion";
import { retally } from "./modules/students/students.tally";
import {
  addSyntheticOptions,
  runSynthetic,
  type SyntheticCliOptions,
} from "./modules/synthetic/synthetic.cli";
import { anchorAuditHead, startAuditAnchoring } from "./platform/audit/audit.anchor";
import { type ChainVerification, verifyAuditChain } from "./platform/audit/audit.service";
import { addBackupCommands } from "./platform/backup/backup.cli";
import { failInterruptedJobs, getJob } from "./platform/jobs/jobs.service";
import { exportSchools, importSchools } from "./platform/orgs/orgs.import";
import { verifyWholeArchive } from "./platform/signing/archive.service";
import { signingServicesFor } from "./platform/signing/signing.context";
import { verifyAllRequests, verifyRequestSignatures } from "./platform/workflow/workflow.verification";
import { AppError } from "./shared/errors";
import { formatMessage, hasMessage } from "./shared/messages";

/** Opens the node's database for one command; the code registry is read only when asked for. */
async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const database = await openNodeDatabase(loadConfig());
  try {
    return await work(database);
  } finally {
    await database.close();
  }
}

function withNode<T>(work: (services: AppServices) => Promise<T>): Promise<T> {
  return withDatabase(async (database) => work(await createServices(loadConfig(), database)));
}

function describeDatabase(): string {
  const config = loadConfig();
  return config.databaseUrl
    ? `PostgreSQL (${new URL(config.databaseUrl).host})`
    : `PGlite (${config.pgliteDir})`;
}

async function migrate(database: Database): Promise<void> {
  const report = await prepareDatabase(database, loadConfig().codesDir);
  const applied =
    report.appliedMigrations.length > 0 ? report.appliedMigrations.join(", ") : "none (up to date)";
  console.log(
    `migrations applied: ${applied}; code sets: ${report.codeSets}; divisions: ${report.divisions}`,
  );
}

async function serve(options: { demo: boolean; migrate: boolean }): Promise<void> {
  const config = loadConfig();
  console.log(`edumis: opening ${describeDatabase()} …`);
  const database = await openNodeDatabase(config);
  if (options.migrate) await migrate(database);
  const services = await createServices(config, database);
  const interrupted = await failInterruptedJobs(services.db);
  if (interrupted > 0)
    console.log(
      `${interrupted} job(s) interrupted by the last stop are marked failed; resume them from the console`,
    );
  if (options.demo) {
    const demo = await seedDemo(services);
    console.log(
      `demo data: ${demo.schoolsCreated} schools, ${demo.usersCreated} accounts and ${demo.studentsCreated} students added`,
    );
    console.log("\n演示账号 / demo accounts (password for all: %s)", demo.password);
    for (const user of demo.users)
      console.log(`  ${user.username.padEnd(14)} ${user.level.padEnd(8)} ${user.displayName}`);
  }
  const app = await buildApp(services, { logger: { level: config.logLevel } });
  // Interval anchoring of the audit chain (data/audit/anchoring.json); decisions anchor themselves.
  const anchoring = startAuditAnchoring(services.db, signingServicesFor(config).vault);
  const shutdown = async () => {
    anchoring.stop();
    await app.close();
    await database.close();
    process.exit(0);
  };
  process.once("SIGINT", shutdown);
  process.once("SIGTERM", shutdown);
  await app.listen({ host: config.host, port: config.port });
  const url = `http://${config.host === "0.0.0.0" ? "localhost" : config.host}:${config.port}`;
  console.log(`\nedumis is running: ${url}  (API docs: ${url}/api/docs)\n`);
}

export function buildCli(): Command {
  const program = new Command("edumis").description(
    "edumis — national education management platform (国家教育管理公共服务平台)",
  );

  program
    .command("start")
    .description("migrate, load the demo data when missing, and serve (what `npm start` runs)")
    .action(() => serve({ demo: true, migrate: true }));

  program
    .command("serve")
    .description("serve the API and console (PORT, HOST, DATABASE_URL from the environment)")
    .option("--no-migrate", "do not apply pending migrations first")
    .option("--demo", "load the demo data set when missing", false)
    .action((options: { migrate: boolean; demo: boolean }) => serve(options));

  program
    .command("migrate")
    .description("apply database migrations and reload code sets, divisions and roles from data/")
    .action(() => withDatabase((database) => migrate(database)));

  const seed = program.command("seed").description("load data sets");
  seed
    .command("demo")
    .description("load the demo province (Zhejiang: 2 prefectures, 4 counties, 40 schools) and demo accounts")
    .action(() =>
      withDatabase(async (database) => {
        await migrate(database);
        const services = await createServices(loadConfig(), database);
        const report = await seedDemo(services);
        console.log(`demo data: ${report.schoolsCreated} schools and ${report.usersCreated} accounts added`);
      }),
    );
  addSyntheticOptions(seed.command("synthetic")).action((options: SyntheticCliOptions) =>
    options.db
      ? withDatabase(async (database) => {
          await migrate(database);
          await runSynthetic(await createServices(loadConfig(), database), options);
        })
      : runSynthetic(null, options),
  );

  const orgs = program.command("orgs").description("the organisation tree: schools and units");
  orgs
    .command("import")
    .description(
      "check (and with --commit, register) schools from a CSV (UTF-8 or GBK) or XLSX file in the template's columns",
    )
    .argument("<file>", "spreadsheet file")
    .option("--commit", "write the schools when every row is valid (otherwise only check)", false)
    .option("--report <file>", "write the row errors as CSV to this file")
    .action((file: string, options: { commit: boolean; report?: string }) =>
      withNode(async (services) => {
        const report = await importSchools(await systemContext(services), await readFile(file), {
          commit: options.commit,
        });
        console.log(
          `rows: ${report.totalRows}, ready: ${report.readyRows}, already registered: ${report.existingRows}, errors: ${report.errors.length}, created: ${report.created}`,
        );
        for (const e of report.errors.slice(0, 20)) console.log(`  第 ${e.row} 行 ${e.column}: ${e.message}`);
        if (report.errors.length > 20) console.log(`  … ${report.errors.length - 20} more`);
        if (options.report) {
          const { writeCsv } = await import("./platform/imports/spreadsheet");
          await writeFile(
            options.report,
            writeCsv(
              ["行号", "列", "错误代码", "说明"],
              report.errors.map((e) => [String(e.row), e.column, e.code, e.message]),
            ),
          );
        }
        if (report.errors.length > 0) process.exitCode = 2;
        else if (!options.commit) console.log("all rows valid; run again with --commit to register them");
      }),
    );
  orgs
    .command("export")
    .description("export the open schools (optionally below one unit) as CSV or XLSX")
    .addOption(new Option("--format <format>", "csv or xlsx").choices(["csv", "xlsx"]).default("xlsx"))
    .option(
      "--within <code>",
      "only below the unit with this code (division code, department or school code)",
    )
    .requiredOption("--out <file>", "output file")
    .action((options: { format: "csv" | "xlsx"; within?: string; out: string }) =>
      withNode(async (services) => {
        const ctx = await systemContext(services);
        let withinPath: string | undefined;
        if (options.within) {
          const unit = await services.db
            .selectFrom("org_unit")
            .select("path")
            .where("code", "=", options.within)
            .executeTakeFirst();
          if (!unit) throw new Error(`no unit with code ${options.within}`);
          withinPath = unit.path;
        }
        await writeFile(options.out, await exportSchools(ctx, { format: options.format, withinPath }));
        console.log(`written ${options.out}`);
      }),
    );

  const students = program.command("students").description("the student registry");
  students
    .command("promote")
    .description("annual promotion (升级): every student in school below a unit moves up a grade")
    .requiredOption(
      "--within <code>",
      "code of the unit whose schools are promoted (division, department or school code)",
    )
    .option("--graduate", "graduate the final grades (毕业) as well", false)
    .option("--effective-on <date>", "effective date YYYY-MM-DD (default today)")
    .option("--concurrency <n>", "schools promoted side by side", "2")
    .action((options: { within: string; graduate: boolean; effectiveOn?: string; concurrency: string }) =>
      withNode(async (services) => {
        const ctx = await systemContext(services);
        const unit = await services.db
          .selectFrom("org_unit")
          .select("id")
          .where("code", "=", options.within)
          .executeTakeFirst();
        if (!unit) throw new Error(`no unit with code ${options.within}`);
        const started = Date.now();
        const jobId = await orderPromotion(
          ctx,
          {
            unitId: unit.id,
            graduate: options.graduate,
            effectiveOn: options.effectiveOn,
            concurrency: Number(options.concurrency),
          },
          { wait: true },
        );
        const job = await getJob(ctx, jobId);
        console.log(
          `job ${jobId} ${job.status} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${JSON.stringify(job.result ?? job.error)}`,
        );
        if (job.status !== "succeeded") process.exitCode = 1;
      }),
    );

  students
    .command("retally")
    .description("recount the students per school and status behind the home pages' figures")
    .action(() =>
      withDatabase(async (database) => {
        const started = Date.now();
        await inTransaction(database.db, (trx) => retally(trx));
        const { n } = await database.db
          .selectFrom("student_tally")
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirstOrThrow();
        console.log(
          `student tally recounted: ${n} school/status rows in ${((Date.now() - started) / 1000).toFixed(1)} s`,
        );
      }),
    );

  const audit = program.command("audit").description("the audit trail");
  audit
    .command("verify")
    .description(
      "recompute the SM3 hash chain of the audit trail, check it against the signed anchors, and name the first broken entry",
    )
    .action(() =>
      withNode(async (services) => {
        const result = await verifyAuditChain(services.db, signingServicesFor(services.config).vault);
        const { anchors, unanchoredTail: tail } = result;
        if (result.ok) {
          console.log(
            `audit chain intact: ${result.checked} entries verified against ${anchors.checked} anchors` +
              (tail.entries > 0
                ? `; unanchored tail: ${tail.entries} entries since ${tail.since}`
                : "; the newest entry is anchored"),
          );
        } else {
          console.error(describeChainBreak(result));
          process.exitCode = 1;
        }
      }),
    );
  audit
    .command("anchor")
    .description(
      "sign the head of the audit chain with the node key now (the server also does so at intervals)",
    )
    .action(() =>
      withNode(async (services) => {
        const anchor = await anchorAuditHead(
          services.db,
          signingServicesFor(services.config).vault,
          "manual",
        );
        console.log(
          anchor ? `anchored entry ${anchor.entryId} (anchor ${anchor.id})` : "the head is already anchored",
        );
      }),
    );
  addVerifyCommands(program);
  addBackupCommands(program);
  return program;
}

/** What `audit verify` found, as one line naming the entry from which the chain is not to be trusted. */
function describeChainBreak(result: ChainVerification): string {
  const broken = result.firstBroken!;
  const verified = `${result.checked} entries before it verified`;
  switch (broken.reason) {
    case "hash_mismatch":
    case "link_broken":
      return `audit chain BROKEN at entry ${broken.id} (${broken.reason}); ${verified}`;
    case "anchored_entry_rewritten":
      return `audit chain BROKEN: entry ${broken.anchoredEntryId} differs from its signed anchor ${broken.anchorId} (rewritten, hashes recomputed); not to be trusted from entry ${broken.id}, the first after the last good anchor`;
    case "anchored_entry_missing":
      return `audit chain BROKEN: entry ${broken.anchoredEntryId}, signed in anchor ${broken.anchorId}, is missing (entries deleted); not to be trusted from entry ${broken.id}, the first after the last good anchor`;
    case "anchor_invalid":
      return `audit chain BROKEN: anchor ${broken.anchorId} does not verify (${broken.anchorProblem}); not to be trusted from entry ${broken.id}, the first after the last good anchor`;
  }
}

/** A verification problem as one line: which step (or item) and which field groups. */
function describeProblems(problems: { group: string; fields: string[] }[]): string {
  return problems.map((p) => `${p.group} (${p.fields.join(", ")})`).join("; ");
}

function addVerifyCommands(program: Command): void {
  const verify = program
    .command("verify")
    .description("check electronic signatures and seals of approval requests and of the archive");
  verify
    .command("request")
    .description("verify every signature of one request and its archive deposit")
    .argument("<id>", "request id")
    .action((id: string) =>
      withNode(async (services) => {
        const result = await verifyRequestSignatures(
          services.db,
          signingServicesFor(services.config),
          Number(id),
        );
        for (const step of result.steps) {
          const where = `round ${step.round} step ${step.stepNo} (unit ${step.actingUnitId})`;
          console.log(
            step.ok ? `  ok       ${where}` : `  ALTERED  ${where}: ${describeProblems(step.problems)}`,
          );
        }
        if (result.archive) {
          const a = result.archive;
          console.log(
            a.ok
              ? `  ok       archive item ${a.itemId}`
              : `  ALTERED  archive item ${a.itemId}: ${describeProblems(a.problems)}`,
          );
        }
        console.log(
          `request ${id}: ${result.ok ? "all" : "NOT all"} ${result.checkedSignatures} signatures verified`,
        );
        if (!result.ok) process.exitCode = 1;
      }),
    );
  verify
    .command("requests")
    .description("verify the signatures of every request")
    .action(() =>
      withNode(async (services) => {
        const { checked, failed } = await verifyAllRequests(services.db, signingServicesFor(services.config));
        for (const f of failed) {
          const steps = f.steps.filter((s) => !s.ok).map((s) => `round ${s.round} step ${s.stepNo}`);
          console.error(
            `  ALTERED  request ${f.requestId}: ${[...steps, ...(f.archive?.ok === false ? ["archive"] : [])].join(", ")}`,
          );
        }
        console.log(`${checked} requests checked, ${failed.length} with altered signatures`);
        if (failed.length > 0) process.exitCode = 1;
      }),
    );
  verify
    .command("archive")
    .description("re-hash every archive file and verify its seal signature")
    .action(() =>
      withNode(async (services) => {
        const { checked, failed } = await verifyWholeArchive(
          services.db,
          signingServicesFor(services.config),
        );
        for (const f of failed)
          console.error(`  ALTERED  archive item ${f.itemId}: ${describeProblems(f.problems)}`);
        console.log(`${checked} archive items checked, ${failed.length} failed verification`);
        if (failed.length > 0) process.exitCode = 1;
      }),
    );
}

/** An application error is told by its message (both languages) and code, as the API tells it. */
function describeError(error: unknown): string {
  if (error instanceof AppError && hasMessage(error.code))
    return `${formatMessage(error.code, "zh-CN", error.params)}\n${formatMessage(error.code, "en", error.params)} (${error.code})`;
  return error instanceof Error ? error.message : String(error);
}

buildCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(describeError(error));
    process.exit(1);
  });
