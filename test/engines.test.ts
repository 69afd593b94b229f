/**
 * The same migrations give the same schema on both engines: PGlite (PostgreSQL 18, embedded) and
 * the PostgreSQL server (15 here). Runs when a server is reachable through TEST_DATABASE_URL or
 * ENGINES_DATABASE_URL; the whole suite also runs on each engine in CI.
 */
import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../src/config";
import { createPglite, type Database, openDatabase } from "../src/db/database";
import { prepareDatabase } from "../src/db/prepare";
import { withDatabaseName } from "./support/template";

const serverUrl = process.env.TEST_DATABASE_URL || process.env.ENGINES_DATABASE_URL || undefined;

async function schemaOf(database: Database) {
  const columns = await sql<{
    table_name: string;
    column_name: string;
    data_type: string;
    is_nullable: string;
  }>`
    SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns
    WHERE table_schema = 'public' ORDER BY table_name, column_name`.execute(database.db);
  const indexes = await sql<{ indexname: string }>`
    SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`.execute(database.db);
  const counts = await sql<{ units: number; codes: number; roles: number }>`
    SELECT (SELECT count(*) FROM org_unit)::int AS units, (SELECT count(*) FROM code_item)::int AS codes,
           (SELECT count(*) FROM role)::int AS roles`.execute(database.db);
  return { columns: columns.rows, indexes: indexes.rows.map((r) => r.indexname), counts: counts.rows[0] };
}

describe.skipIf(!serverUrl)("PGlite and PostgreSQL", () => {
  it("get the same tables, columns, indexes and reference data from the same migrations, twice over", async () => {
    const name = `edumis_engines_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client({ connectionString: serverUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const server = await openDatabase({ databaseUrl: withDatabaseName(serverUrl!, name), poolSize: 2 });
    const pglite = await createPglite("memory://");
    const embedded = await openDatabase({ pglite });
    try {
      const { codesDir } = loadConfig();
      for (const database of [server, embedded]) {
        await prepareDatabase(database, codesDir);
        // A second run must change nothing: migrate is safe to repeat on every start.
        expect((await prepareDatabase(database, codesDir)).appliedMigrations).toEqual([]);
      }
      const [a, b] = [await schemaOf(server), await schemaOf(embedded)];
      expect(a.columns.length).toBeGreaterThan(50);
      expect(b).toEqual(a);
      const versions = await Promise.all(
        [server, embedded].map((d) =>
          sql<{ major: number }>`SELECT current_setting('server_version_num')::int / 10000 AS major`.execute(
            d.db,
          ),
        ),
      );
      expect(versions.map((v) => v.rows[0]!.major)).toEqual([expect.any(Number), 18]);
    } finally {
      await server.close();
      await embedded.close();
      await pglite.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  }, 180_000);
});
