/**
 * A fresh database for one test file, copied from the migrated template (see template.ts).
 * PGlite unless TEST_DATABASE_URL points at a PostgreSQL server.
 */
import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import pg from "pg";
import { createPglite, type Database, openDatabase } from "../../src/db/database";
import { TEMPLATE_DB_NAME, TEMPLATE_FILE, testDatabaseUrl, withDatabaseName } from "./template";

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(): Promise<Database> {
  const url = testDatabaseUrl();
  if (!url) {
    const dump = await readFile(TEMPLATE_FILE);
    const pglite = await createPglite("memory://", new Blob([dump]));
    const database = await openDatabase({ pglite });
    return {
      ...database,
      async close() {
        await database.close();
        await pglite.close();
      },
    };
  }
  const name = `edumis_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  // CREATE DATABASE … TEMPLATE needs the template to have no other sessions; files run in
  // parallel, so a busy template is retried briefly.
  await withAdminClient(url, async (client) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB_NAME}`);
        return;
      } catch (error) {
        if (attempt >= 20) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 + attempt * 50));
      }
    }
  });
  const database = await openDatabase({ databaseUrl: withDatabaseName(url, name), poolSize: 4 });
  return {
    ...database,
    async close() {
      await database.close();
      await withAdminClient(url, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
