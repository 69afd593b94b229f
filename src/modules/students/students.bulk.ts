/**
 * Bulk mode of the registry tables, for a load at least as large as what they hold (the first
 * load of a province: `edumis seed synthetic`, a province-wide import into an empty registry).
 * Inside the loading transaction the secondary indexes, the unique constraints no key refers
 * to and the foreign keys of student and student_event are dropped, and rebuilt after the load
 * from their own catalog definitions: one sort per index instead of a descent per row, one
 * anti-join per key instead of a look-up per row. The change_version trigger, if a migration
 * ever makes it fire on INSERT again, is replaced by the column default that stamps the same.
 * Rebuilding a unique constraint checks it over every row, so a duplicate still fails the load,
 * and the transaction puts everything back. The price is an ACCESS EXCLUSIVE lock on both
 * tables until commit, which only an (almost) empty registry can afford.
 *
 * Measured on 200,000 rows (synthetic seed, before migration 0008): 12.8 s with everything in
 * place, 3.0 s without. On 1,000,000 imported rows see bench/README.md.
 */
import type { QueryResultRow } from "pg";

/** What bulk mode needs of a connection: pg's client and pool, or a Kysely transaction adapted. */
export interface SqlRunner {
  query<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** Tables bulk mode relaxes, and the only trigger function it knows how to replace. */
const BULK_TABLES = ["student", "student_event"];
const STAMP_FUNCTION = "stamp_change_version";

export interface Relaxed {
  indexes: string[];
  /** Unique constraints first (a duplicate fails before the other rebuilds), then foreign keys. */
  constraints: { table: string; name: string; definition: string }[];
  stamped: { table: string; trigger: string; defaultExpr: string | null }[];
}

/** Whether bulk mode pays: the rows to load outnumber those already in the tables. */
export async function bulkModeWorthIt(session: SqlRunner, rows: number): Promise<boolean> {
  const { rows: found } = await session.query<{ n: number }>(
    "SELECT greatest(reltuples, 0)::bigint AS n FROM pg_class WHERE oid = 'student'::regclass",
  );
  return rows >= Number(found[0]?.n ?? 0);
}

/** Drops what bulk mode rebuilds afterwards; returns undefined (and changes nothing) if it cannot. */
export async function relax(session: SqlRunner): Promise<Relaxed | undefined> {
  const triggers = await session.query<{ table: string; trigger: string; fn: string }>(
    `SELECT c.relname AS table, t.tgname AS trigger, p.proname AS fn
     FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
     WHERE NOT t.tgisinternal AND c.relname = ANY($1::text[])`,
    [BULK_TABLES],
  );
  // A trigger whose effect the loader cannot reproduce must fire: then rows go in the slow way.
  if (triggers.rows.some((t) => t.fn !== STAMP_FUNCTION)) return undefined;
  await session.query("SET LOCAL maintenance_work_mem = '512MB'");
  const indexes = await session.query<{ name: string; definition: string }>(
    `SELECT ic.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
     FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class tc ON tc.oid = i.indrelid
     WHERE tc.relname = ANY($1::text[]) AND NOT i.indisunique AND NOT i.indisprimary`,
    [BULK_TABLES],
  );
  const keys = await session.query<{ table: string; name: string; definition: string }>(
    `SELECT c.relname AS table, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
     FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
     WHERE c.relname = ANY($1::text[]) AND (k.contype = 'f' OR (k.contype = 'u'
       AND NOT EXISTS (SELECT 1 FROM pg_constraint r WHERE r.contype = 'f' AND r.conindid = k.conindid)))
     ORDER BY k.contype DESC, c.relname, k.conname`,
    [BULK_TABLES],
  );
  const defaults = await session.query<{ table: string; expr: string | null }>(
    `SELECT c.relname AS table, pg_get_expr(d.adbin, d.adrelid) AS expr
     FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
     LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
     WHERE a.attname = 'change_version' AND c.relname = ANY($1::text[])`,
    [BULK_TABLES],
  );
  const defaultOf = new Map(defaults.rows.map((d) => [d.table, d.expr]));
  for (const index of indexes.rows) await session.query(`DROP INDEX ${quote(index.name)}`);
  for (const key of keys.rows)
    await session.query(`ALTER TABLE ${quote(key.table)} DROP CONSTRAINT ${quote(key.name)}`);
  for (const t of triggers.rows) {
    await session.query(`ALTER TABLE ${quote(t.table)} DISABLE TRIGGER ${quote(t.trigger)}`);
    await session.query(
      `ALTER TABLE ${quote(t.table)} ALTER COLUMN change_version SET DEFAULT nextval('change_version_seq')`,
    );
  }
  return {
    indexes: indexes.rows.map((i) => i.definition),
    constraints: keys.rows,
    stamped: triggers.rows.map((t) => ({
      table: t.table,
      trigger: t.trigger,
      defaultExpr: defaultOf.get(t.table) ?? null,
    })),
  };
}

/** Puts back what relax() took away, from the definitions it saved. */
export async function restore(session: SqlRunner, relaxed: Relaxed): Promise<void> {
  for (const t of relaxed.stamped) {
    await session.query(
      `ALTER TABLE ${quote(t.table)} ALTER COLUMN change_version ${
        t.defaultExpr === null ? "DROP DEFAULT" : `SET DEFAULT ${t.defaultExpr}`
      }`,
    );
    await session.query(`ALTER TABLE ${quote(t.table)} ENABLE TRIGGER ${quote(t.trigger)}`);
  }
  for (const key of relaxed.constraints)
    await session.query(
      `ALTER TABLE ${quote(key.table)} ADD CONSTRAINT ${quote(key.name)} ${key.definition}`,
    );
  for (const definition of relaxed.indexes) await session.query(definition);
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}
