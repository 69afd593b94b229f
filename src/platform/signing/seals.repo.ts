/** SQL of electronic seals. Reads that reach callers take their Scope; the rest serve signing. */
import { type Selectable, sql } from "kysely";
import type { Executor } from "../../db/database";
import type { SealStatus, SealTable } from "../../db/schema";
import { cappedCount } from "../../http/pagination";
import { type Scope, unitInScope } from "../access/scope";

export type SealRow = Selectable<SealTable>;
export type SealWithUnit = SealRow & { unit_name: string; unit_code: string; unit_path: string };

/** Arbitrary constant naming the advisory locks that serialise the first seal of a unit. */
const SEAL_ISSUE_LOCK = 7_201_303;

function sealQuery(db: Executor) {
  return db
    .selectFrom("seal")
    .innerJoin("org_unit", "org_unit.id", "seal.unit_id")
    .selectAll("seal")
    .select(["org_unit.name as unit_name", "org_unit.code as unit_code", "org_unit.path as unit_path"]);
}

export function findSealInScope(db: Executor, scope: Scope, id: number): Promise<SealWithUnit | undefined> {
  return sealQuery(db).where("seal.id", "=", id).where(unitInScope(scope)).executeTakeFirst();
}

export function findSeal(db: Executor, id: number): Promise<SealWithUnit | undefined> {
  return sealQuery(db).where("seal.id", "=", id).executeTakeFirst();
}

/**
 * The seal a unit signs with: its latest. Read FOR SHARE, so a revocation running at the same
 * time waits for the signature to commit instead of interleaving with it.
 */
export function currentSeal(db: Executor, unitId: number): Promise<SealRow | undefined> {
  return db
    .selectFrom("seal")
    .selectAll()
    .where("unit_id", "=", unitId)
    .orderBy("id", "desc")
    .limit(1)
    .forShare()
    .executeTakeFirst();
}

export async function lockFirstSeal(db: Executor, unitId: number): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${SEAL_ISSUE_LOCK}, ${unitId}::integer)`.execute(db);
}

export async function nextSealNumber(db: Executor, unitId: number): Promise<number> {
  const row = await db
    .selectFrom("seal")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("unit_id", "=", unitId)
    .executeTakeFirstOrThrow();
  return Number(row.n) + 1;
}

export async function insertSeal(
  db: Executor,
  values: Omit<SealRow, "id" | "change_version" | "created_at" | "updated_at" | "status" | "status_reason">,
): Promise<number> {
  const { id } = await db
    .insertInto("seal")
    .values({ ...values, status_reason: null })
    .returning("id")
    .executeTakeFirstOrThrow();
  return id;
}

export function setSealStatus(db: Executor, id: number, status: SealStatus, reason: string | null) {
  return db
    .updateTable("seal")
    .set({ status, status_reason: reason, status_changed_at: new Date() })
    .where("id", "=", id)
    .execute();
}

/** Earlier suspended seals of a unit, superseded when a new one is issued. */
export function listSuspendedSeals(db: Executor, unitId: number) {
  return db
    .selectFrom("seal")
    .select(["id", "key_id"])
    .where("unit_id", "=", unitId)
    .where("status", "=", "suspended")
    .execute();
}

export interface SealFilter {
  unitId?: number | undefined;
  status?: SealStatus | undefined;
}

export async function searchSeals(
  db: Executor,
  scope: Scope,
  filter: SealFilter,
  window: { limit: number; offset: number },
) {
  let query = sealQuery(db).where(unitInScope(scope));
  if (filter.unitId !== undefined) query = query.where("seal.unit_id", "=", filter.unitId);
  if (filter.status) query = query.where("seal.status", "=", filter.status);
  const rows = await query.orderBy("seal.id", "desc").limit(window.limit).offset(window.offset).execute();
  return { rows, cappedTotal: await cappedCount(db, query) };
}
