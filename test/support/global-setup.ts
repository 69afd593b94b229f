import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { loadConfig } from "../../src/config";
import { createPglite, openDatabase } from "../../src/db/database";
import { prepareDatabase } from "../../src/db/prepare";
import { TEMPLATE_DB_NAME, TEMPLATE_FILE, testDatabaseUrl, withDatabaseName } from "./template";

async function preparePostgresTemplate(url: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB_NAME} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DB_NAME}`);
  } finally {
    await admin.end();
  }
  const database = await openDatabase({ databaseUrl: withDatabaseName(url, TEMPLATE_DB_NAME), poolSize: 2 });
  try {
    await prepareDatabase(database, loadConfig().codesDir);
  } finally {
    await database.close();
  }
}

async function preparePgliteTemplate(): Promise<void> {
  const pglite = await createPglite("memory://");
  const database = await openDatabase({ pglite });
  await prepareDatabase(database, loadConfig().codesDir);
  await database.close();
  const dump = await pglite.dumpDataDir("gzip");
  await pglite.close();
  await mkdir(path.dirname(TEMPLATE_FILE), { recursive: true });
  await writeFile(TEMPLATE_FILE, Buffer.from(await dump.arrayBuffer()));
}

export default async function setup(): Promise<void> {
  const url = testDatabaseUrl();
  if (url) await preparePostgresTemplate(url);
  else await preparePgliteTemplate();
}
