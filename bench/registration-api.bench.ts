/**
 * Registration through the running service: buildApp + listen on 127.0.0.1 (an ephemeral port,
 * in this process), autocannon POSTing /api/v1/students with an API token, each request a new
 * valid student (its own identity number, drawn by setupRequest from a synthetic generator that
 * numbers from the top, so no body repeats a loaded student), over a database already holding N
 * synthetic students — the one-person-one-record check runs against a realistic table. A GET
 * /healthz run with the same connections and duration is the baseline of the HTTP stack alone.
 * Client, server and database share the machine's cores.
 *
 *   npm run bench -- registration-api                      100,000 students, 15 s, 10 connections
 *   npm run bench -- registration-api --students 5000000
 */
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import { buildApp } from "../src/app";
import type { Engine } from "../src/db/database";
import {
  COMMON_BENCH_HELP,
  COMMON_BENCH_OPTIONS,
  type CommonBenchOptions,
  commonOptions,
  describeLoad,
  positiveInt,
  type SeededBench,
  seedBenchDatabase,
} from "../src/modules/synthetic/synthetic.bench";
import { loadSyntheticData } from "../src/modules/synthetic/synthetic.data";
import { registrationBody } from "../src/modules/synthetic/synthetic.formats";
import { StudentGenerator } from "../src/modules/synthetic/synthetic.students";
import { buildActor, createApiToken } from "../src/platform/access/auth.service";
import { hashPassword } from "../src/platform/access/passwords";
import { todayIso } from "../src/shared/time";
import { optionsOrExitCode } from "./support/cli";
import {
  type DatabaseInfo,
  databaseInfo,
  isPostgresReachable,
  openBenchDatabase,
  postgresAdminUrl,
} from "./support/database";
import { announceMachine, loadAverage, printTable, recordResults } from "./support/report";

export const description = "POST /api/v1/students on the running service (autocannon) vs GET /healthz";

const HELP = `Usage: npm run bench -- registration-api [options]

${COMMON_BENCH_HELP}
  --duration S        seconds per autocannon run (default 15)
  --connections N     concurrent connections (default 10)`;

interface Options extends CommonBenchOptions {
  duration: number;
  connections: number;
  adminUrl: string;
}

async function parseOptions(argv: string[]): Promise<Options | "help"> {
  const { values } = parseArgs({
    args: argv,
    options: { ...COMMON_BENCH_OPTIONS, duration: { type: "string" }, connections: { type: "string" } },
    strict: true,
  });
  if (values.help) return "help";
  const adminUrl = postgresAdminUrl(values["database-url"]);
  return {
    ...commonOptions(values, await isPostgresReachable(adminUrl)),
    duration: positiveInt(values.duration, "duration", 15),
    connections: positiveInt(values.connections, "connections", 10),
    adminUrl,
  };
}

interface RunSummary {
  label: string;
  requestsPerSecond: number;
  requests: number;
  latencyMs: { p50: number; p97_5: number; p99: number; max: number; mean: number };
  status2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  loadAverage: number[];
}

function summarise(label: string, result: autocannon.Result): RunSummary {
  return {
    label,
    requestsPerSecond: Math.round(result.requests.average * 10) / 10,
    requests: result.requests.total,
    latencyMs: {
      p50: result.latency.p50,
      p97_5: result.latency.p97_5,
      p99: result.latency.p99,
      max: result.latency.max,
      mean: Math.round(result.latency.mean * 10) / 10,
    },
    status2xx: result["2xx"],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    loadAverage: loadAverage(),
  };
}

/** A data clerk of the province's education department, and an API token of theirs. */
async function apiToken(seeded: SeededBench, provinceCode: string): Promise<string> {
  const db = seeded.services.db;
  const unit = await db
    .selectFrom("org_unit")
    .select("id")
    .where("code", "=", `${provinceCode}0000-EDU`)
    .executeTakeFirstOrThrow();
  const user = await db
    .insertInto("app_user")
    .values({
      username: "bench-registrar",
      display_name: "bench registrar",
      phone: null,
      unit_id: unit.id,
      password_hash: await hashPassword(`Bench-${Date.now()}-Pw!`),
      must_change_password: false,
      locked_until: null,
      last_login_at: null,
    })
    .returning(["id", "username", "display_name", "unit_id", "must_change_password"])
    .executeTakeFirstOrThrow();
  await db
    .insertInto("user_role")
    .values({ user_id: user.id, role_code: "data_clerk", granted_by: null })
    .execute();
  const actor = await buildActor(db, user, {});
  return (await createApiToken(db, actor, { name: "registration bench", expiresInDays: 1 })).token;
}

/** Bodies of new students at the seeded schools, numbered from the top (see the module comment). */
function bodies(seeded: SeededBench, options: Options): () => string {
  const generator = new StudentGenerator(loadSyntheticData(), seeded.report.geo, seeded.report.schools, {
    seed: options.seed + 1,
    schoolYear: options.schoolYear,
    numbering: "descending",
    today: todayIso(),
  });
  const rows = generator.rows();
  return () => {
    const next = rows.next();
    if (next.done) throw new Error("The generator ran out of students for request bodies");
    return JSON.stringify(registrationBody(next.value));
  };
}

interface EngineReport {
  engine: Engine;
  info: DatabaseInfo;
  load: Record<string, number>;
  runs: RunSummary[];
  created: { total: number; byNumberKind: Record<string, number> };
}

async function runEngine(engine: Engine, options: Options): Promise<EngineReport> {
  console.log(
    `\n== ${engine}: ${options.students.toLocaleString("en")} students, province ${options.provinceCode} ==`,
  );
  const bench = await openBenchDatabase(engine, { adminUrl: options.adminUrl, poolSize: 10 });
  try {
    const info = await databaseInfo(bench.database);
    const seeded = await seedBenchDatabase(bench.database, options);
    console.log(`  ${describeLoad(seeded.report)}`);
    const token = await apiToken(seeded, options.provinceCode);
    const before = await bench.database.pool.query<{ id: number | null }>(
      "SELECT max(id) AS id FROM student",
    );
    const app = await buildApp(seeded.services);
    await app.listen({ host: "127.0.0.1", port: 0 });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    try {
      const run = { url, connections: options.connections, duration: options.duration };
      const health = summarise(
        "GET /healthz (baseline)",
        await autocannon({ ...run, requests: [{ path: "/healthz" }] }),
      );
      console.log(`  GET /healthz: ${health.requestsPerSecond} requests/s`);
      const nextBody = bodies(seeded, options);
      const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
      const post = await autocannon({
        ...run,
        requests: [
          {
            method: "POST",
            path: "/api/v1/students",
            headers,
            setupRequest: (request) => ({ ...request, body: nextBody() }),
          },
        ],
      });
      const register = summarise("POST /api/v1/students", post);
      console.log(`  POST /api/v1/students: ${register.requestsPerSecond} requests/s`);
      const { rows } = await bench.database.pool.query<{ kind: string; n: number }>(
        "SELECT number_kind AS kind, count(*)::int AS n FROM student WHERE id > $1 GROUP BY 1",
        [Number(before.rows[0]?.id ?? 0)],
      );
      const byNumberKind = Object.fromEntries(rows.map((r) => [r.kind, r.n]));
      return {
        engine,
        info,
        load: seeded.report.timings,
        runs: [health, register],
        created: { total: rows.reduce((sum, r) => sum + r.n, 0), byNumberKind },
      };
    } finally {
      await app.close();
    }
  } finally {
    await bench.close();
  }
}

function printReport(report: EngineReport, options: Options): void {
  console.log(
    `\n${report.engine} — ${report.info.version.split(" on ")[0]}, ${options.students.toLocaleString("en")} students ` +
      `loaded; ${options.connections} connections × ${options.duration} s`,
  );
  printTable(
    ["run", "req/s", "requests", "p50 ms", "p97.5 ms", "p99 ms", "max ms", "2xx", "non-2xx", "errors"],
    report.runs.map((r) => [
      r.label,
      r.requestsPerSecond,
      r.requests,
      r.latencyMs.p50,
      r.latencyMs.p97_5,
      r.latencyMs.p99,
      r.latencyMs.max,
      r.status2xx,
      r.non2xx,
      r.errors + r.timeouts,
    ]),
  );
  const kinds = Object.entries(report.created.byNumberKind).map(([k, n]) => `${k} ${n}`);
  console.log(
    `students registered: ${report.created.total} (${kinds.join(", ")}; L = queued as a problem record)`,
  );
}

export async function run(argv: string[]): Promise<number> {
  const options = await optionsOrExitCode(argv, parseOptions, HELP);
  if (typeof options === "number") return options;
  const machine = announceMachine();
  let failed = false;
  for (const engine of options.engines) {
    const report = await runEngine(engine, options);
    printReport(report, options);
    failed ||= report.runs.some((r) => r.non2xx > 0 || r.errors > 0);
    await recordResults("registration-api", engine, machine, {
      database: report.info,
      parameters: {
        students: options.students,
        province: options.provinceCode,
        seed: options.seed,
        schoolYear: options.schoolYear,
        duration: options.duration,
        connections: options.connections,
      },
      ...report,
    });
  }
  if (failed) console.error("Some requests failed (non-2xx or errors): see the table.");
  return failed ? 1 : 0;
}
