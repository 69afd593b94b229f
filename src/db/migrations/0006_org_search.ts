/**
 * Faster tree reads, from the 500,000-school benchmark (bench/README.md):
 * - unit codes are ASCII and compared byte-wise: with the "C" collation a code prefix
 *   (`code LIKE '4133%'`) uses the unique index; under the server's C.UTF-8 it scanned the table;
 * - the path index carries kind, level and code, so a page of a subtree is chosen from the
 *   index alone before any row is read.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE org_unit ALTER COLUMN code TYPE text COLLATE "C"`.execute(db);
  await sql`DROP INDEX org_unit_path_idx`.execute(db);
  await sql`CREATE UNIQUE INDEX org_unit_path_idx ON org_unit (path text_pattern_ops) INCLUDE (kind, level, code, id)`.execute(
    db,
  );
}
