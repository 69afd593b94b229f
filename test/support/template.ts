/**
 * The migrated template database every test file starts from. Migrating and loading the
 * reference data once per run (not once per file) keeps the suite fast: on PGlite the template
 * is a dumped data directory each file loads; on PostgreSQL it is a template database each
 * file copies with CREATE DATABASE … TEMPLATE.
 */
import path from "node:path";
import { projectRoot } from "../../src/config";

export const TEMPLATE_FILE = path.join(projectRoot, "test-output", "pglite-template.tar.gz");
// Two checkouts testing against one server at once (parallel work trees) each name their own.
export const TEMPLATE_DB_NAME = process.env.EDUMIS_TEST_TEMPLATE_DB || "edumis_test_template";

export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

/** The URL of the same server with another database name. */
export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
