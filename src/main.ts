/**
 * The `edumis` command: serve the node, migrate its database, load demo data, import and export
 * schools, verify the audit trail. `edumis <command> --help` explains each.
 */
import { readFile, writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { buildApp } from "./app";
import { createServices, openNodeDatabase, systemContext } from "./bootstrap";
import { loadConfig } from "./config";
import type { Database } from "./db/database";
import { prepareDatabase } from "./db/prepare";
import { seedDemo } from "./demo/seed-demo";
import type { AppServices } from "./http/services";
import { verifyAuditChain } from "./platform/audit/audit.service";
import { exportSchools, importSchools } from "./platform/orgs/orgs.import";

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
  if (options.demo) {
    const demo = await seedDemo(services);
    console.log(`demo data: ${demo.schoolsCreated} schools and ${demo.usersCreated} accounts added`);
    console.log("\n演示账号 / demo accounts (password for all: %s)", demo.password);
    for (const user of demo.users)
      console.log(`  ${user.username.padEnd(14)} ${user.level.padEnd(8)} ${user.displayName}`);
  }
  const app = await buildApp(services, { logger: { level: config.logLevel } });
  const shutdown = async () => {
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

  const audit = program.command("audit").description("the audit trail");
  audit
    .command("verify")
    .description("recompute the SM3 hash chain of the audit trail and name the first broken entry")
    .action(() =>
      withNode(async (services) => {
        const result = await verifyAuditChain(services.db);
        if (result.ok) console.log(`audit chain intact: ${result.checked} entries verified`);
        else {
          console.error(
            `audit chain BROKEN at entry ${result.firstBroken!.id} (${result.firstBroken!.reason}); ${result.checked} entries before it verified`,
          );
          process.exitCode = 1;
        }
      }),
    );
  return program;
}

buildCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
