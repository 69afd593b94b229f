/**
 * The electronic archive (电子档案): immutable deposits of bytes of any media type (canonical
 * JSON of a completed request, a PDF a module rendered, an attachment), stored by SM3 hash,
 * signed by the depositing unit's seal, with retention metadata and subject references
 * (e.g. subject_type "student") so everything about a subject can be listed.
 *
 * A deposit is visible to a caller who holds the read permission of the item's module (a
 * registry card needs students:read) and whose scope (scope.ts, the HR side included) holds the
 * depositing unit or a unit the item is about (subject type "org_unit"). Every read of an item
 * holding personal data (its description or its bytes), and every list showing one, is audited
 * like a detail read. Files are written before the row: if the transaction then rolls back, an
 * unreferenced file remains, which is harmless (same bytes, same name).
 */
import { sql } from "kysely";
import type { Executor } from "../../db/database";
import { inTransaction } from "../../db/database";
import type { RetentionClass } from "../../db/schema";
import { cappedCount, type PageQuery, pageWindow, toPage } from "../../http/pagination";
import { canonicalJson } from "../../shared/canonical-json";
import { conflict, notFound } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { type Actor, type Module, readableModules } from "../access/actor";
import { type Scope, unitInScope } from "../access/scope";
import { recordAudit } from "../audit/audit.service";
import { maskIdentifiersInText } from "../identifiers/masking-policy";
import { sm3Hex } from "./algorithms";
import type { SigningContext, SigningServices } from "./signing.context";
import { type SignerActor, signAsUnit, verifyStoredSignature } from "./unit-signature";
import { unitById } from "./units";

export interface SubjectRef {
  type: string;
  id: string;
}

export interface DepositInput {
  /** The unit depositing the item; its seal signs it. */
  unitId: number;
  title: string;
  /** What the item is, e.g. "workflow_request", "attachment", "registry_card". */
  kind: string;
  /** The module whose read permission reading the item takes; "workflow" when not said. */
  module?: Module | undefined;
  /** The item holds personal data (reads audited); by default, when its module's records do. */
  personal?: boolean | undefined;
  mediaType: string;
  bytes: Uint8Array;
  retentionClass?: RetentionClass | undefined;
  /** Overrides the date derived from the retention class. */
  retainUntil?: string | null | undefined;
  subjects?: SubjectRef[] | undefined;
}

export interface ArchiveItemRef {
  id: number;
  hash: string;
}

/** Modules whose records are about persons: their items hold personal data unless said otherwise. */
const PERSONAL_MODULES: ReadonlySet<Module> = new Set(["students", "teachers", "aid"]);

const RETENTION_YEARS: Record<RetentionClass, number | null> = { permanent: null, y30: 30, y10: 10 };

function retainUntil(retentionClass: RetentionClass, today: string): string | null {
  const years = RETENTION_YEARS[retentionClass];
  return years === null ? null : `${Number(today.slice(0, 4)) + years}${today.slice(4)}`;
}

/** The fields of a deposit that its seal signature covers (the signed document minus seal fields). */
function depositDocument(row: {
  content_hash: string;
  media_type: string;
  byte_size: number;
  title: string;
  kind: string;
  retention_class: string;
  retain_until: string | null;
  unit_id: number;
  created_by_user_id: number | null;
  created_at: Date;
}): Record<string, unknown> {
  return {
    kind: "edumis.archive.deposit",
    contentHash: row.content_hash,
    mediaType: row.media_type,
    byteSize: Number(row.byte_size),
    title: row.title,
    itemKind: row.kind,
    retentionClass: row.retention_class,
    retainUntil: row.retain_until,
    unitId: row.unit_id,
    depositedBy: row.created_by_user_id,
    depositedAt: row.created_at.toISOString(),
  };
}

/**
 * Deposits bytes: writes the file, signs the deposit with the unit's seal and records it with
 * its subjects, in the caller's transaction (so a module's change and its archive commit
 * together). Audited.
 */
export async function deposit(
  db: Executor,
  signing: SigningServices,
  actor: SignerActor & { ip?: string | undefined },
  input: DepositInput,
): Promise<ArchiveItemRef> {
  const unit = await unitById(db, input.unitId);
  if (!unit) throw notFound("unit_not_found");
  const hash = await signing.archive.put(input.bytes);
  const retentionClass = input.retentionClass ?? "y30";
  const row = {
    content_hash: hash,
    media_type: input.mediaType,
    byte_size: input.bytes.length,
    // Titles are listed to everyone who reads the archive and signed into the deposit, so
    // identifiers typed into them are masked by the masking policy before they are stored.
    title: maskIdentifiersInText(input.title),
    kind: input.kind,
    retention_class: retentionClass,
    retain_until:
      input.retainUntil === undefined ? retainUntil(retentionClass, todayIso()) : input.retainUntil,
    unit_id: unit.id,
    created_by_user_id: actor.userId,
    created_at: new Date(),
  };
  const signed = await signAsUnit(db, signing, unit.id, actor, depositDocument(row));
  const module = input.module ?? "workflow";
  const { id } = await db
    .insertInto("archive_item")
    .values({
      ...row,
      module,
      personal: input.personal ?? PERSONAL_MODULES.has(module),
      province_code: unit.province_code,
      seal_id: signed.sealId,
      signing_key_id: signed.keyId,
      signature_algorithm: signed.algorithm,
      signed_document: signed.document,
      signature: signed.signature,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await addSubjects(db, id, input.subjects ?? []);
  await recordAudit(db, {
    actor,
    ip: actor.ip,
    action: "archive.deposit",
    module: "workflow",
    subjectType: "archive_item",
    subjectId: id,
    subjectUnitPath: unit.path,
    detail: { hash, kind: input.kind, mediaType: input.mediaType, byteSize: input.bytes.length },
  });
  return { id, hash };
}

/** Deposits a value as canonical JSON (the form its hash and signatures are computed over). */
export function depositJson(
  db: Executor,
  signing: SigningServices,
  actor: SignerActor & { ip?: string | undefined },
  input: Omit<DepositInput, "bytes" | "mediaType"> & { value: unknown },
): Promise<ArchiveItemRef> {
  const { value, ...rest } = input;
  return deposit(db, signing, actor, {
    ...rest,
    mediaType: "application/json",
    bytes: Buffer.from(canonicalJson(value), "utf8"),
  });
}

/** Adds subject references to an item (they index it; they are not part of what was signed). */
export async function addSubjects(db: Executor, itemId: number, subjects: SubjectRef[]): Promise<void> {
  const unique = [...new Map(subjects.map((s) => [`${s.type}\u0000${s.id}`, s])).values()];
  if (unique.length === 0) return;
  await db
    .insertInto("archive_subject")
    .values(unique.map((s) => ({ item_id: itemId, subject_type: s.type, subject_id: s.id })))
    .onConflict((oc) => oc.columns(["item_id", "subject_type", "subject_id"]).doNothing())
    .execute();
}

/** Items the caller may see: module read permission, and owner or subject unit in scope. */
function visibleItems(db: Executor, scope: Scope, modules: readonly string[] | "all") {
  return db
    .selectFrom("archive_item")
    .innerJoin("org_unit as owner", "owner.id", "archive_item.unit_id")
    .$if(modules !== "all", (q) =>
      // An empty list names no module (and an IN () would not parse): nothing is visible.
      modules.length === 0
        ? q.where(sql<boolean>`false`)
        : q.where("archive_item.module", "in", modules as string[]),
    )
    .where((eb) =>
      eb.or([
        unitInScope(scope, "owner.path"),
        eb.exists(
          eb
            .selectFrom("archive_subject as s")
            // The CASE keeps the cast away from other subject types' ids and lets su.id use its index.
            .innerJoin("org_unit as su", (join) =>
              join.on(
                sql<boolean>`su.id = CASE WHEN s.subject_type = 'org_unit' AND s.subject_id ~ '^[0-9]{1,18}$'
                    THEN s.subject_id::bigint END`,
              ),
            )
            .whereRef("s.item_id", "=", "archive_item.id")
            .where(unitInScope(scope, "su.path"))
            .select(sql`1`.as("one")),
        ),
      ]),
    );
}

export type ArchiveItem = Awaited<ReturnType<typeof findVisibleItem>>;

function findVisibleItem(db: Executor, actor: Actor, id: number) {
  return visibleItems(db, actor.scope, readableModules(actor))
    .selectAll("archive_item")
    .select(["owner.name as unit_name", "owner.path as unit_path"])
    .where("archive_item.id", "=", id)
    .executeTakeFirst();
}

/** For the access policy (record kind "archive_item"): the caller may see the item. */
export async function isItemVisible(db: Executor, actor: Actor, id: number): Promise<boolean> {
  return (await findVisibleItem(db, actor, id)) !== undefined;
}

/** What part of an item a read returned, for the audit entry of a personal item. */
type ReadPart = "description" | "content" | "verification";

/** A read of an item holding personal data is audited like a detail read of a record. */
async function auditPersonalRead(
  ctx: SigningContext,
  item: { id: number; kind: string; module: string; personal: boolean; unit_path: string },
  part: ReadPart,
): Promise<void> {
  if (!item.personal) return;
  await recordAudit(ctx.db, {
    actor: ctx.actor,
    ip: ctx.ip,
    action: "archive.read",
    module: item.module,
    subjectType: "archive_item",
    subjectId: item.id,
    subjectUnitPath: item.unit_path,
    detail: { kind: item.kind, part },
  });
}

export async function getItem(ctx: SigningContext, id: number, part: ReadPart = "description") {
  const item = await findVisibleItem(ctx.db, ctx.actor, id);
  if (!item) throw notFound("archive_item_not_found");
  if (part !== "verification") await auditPersonalRead(ctx, item, part);
  const subjects = await ctx.db
    .selectFrom("archive_subject")
    .select(["subject_type", "subject_id"])
    .where("item_id", "=", id)
    .orderBy("subject_type")
    .orderBy("subject_id")
    .execute();
  return { item, subjects };
}

/** The hash names an item the caller can see (attachments are referenced by hash). */
/** Whether an item with this content lies in the scope and in one of the modules the caller reads. */
export async function isHashVisible(
  db: Executor,
  scope: Scope,
  modules: readonly string[],
  hash: string,
): Promise<boolean> {
  const row = await visibleItems(db, scope, modules)
    .select("archive_item.id")
    .where("archive_item.content_hash", "=", hash)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

export async function listItems(
  ctx: SigningContext,
  filter: { subjectType?: string | undefined; subjectId?: string | undefined; kind?: string | undefined },
  page: PageQuery,
) {
  let query = visibleItems(ctx.db, ctx.actor.scope, readableModules(ctx.actor));
  if (filter.subjectType) {
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom("archive_subject as f")
          .whereRef("f.item_id", "=", "archive_item.id")
          .where("f.subject_type", "=", filter.subjectType!)
          .$if(filter.subjectId !== undefined, (q) => q.where("f.subject_id", "=", filter.subjectId!))
          .select(sql`1`.as("one")),
      ),
    );
  }
  if (filter.kind) query = query.where("archive_item.kind", "=", filter.kind);
  const window = pageWindow(page);
  const rows = await query
    .selectAll("archive_item")
    .select(["owner.name as unit_name", "owner.path as unit_path"])
    .orderBy("archive_item.id", "desc")
    .limit(window.limit)
    .offset(window.offset)
    .execute();
  const personal = rows.filter((r) => r.personal);
  if (personal.length > 0) {
    // Titles of personal items name persons: a list showing them is a read, audited.
    await recordAudit(ctx.db, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "archive.list",
      module: personal[0]!.module,
      subjectType: "archive_item",
      detail: { items: personal.map((r) => r.id), filter },
    });
  }
  return toPage(rows, await cappedCount(ctx.db, query), page);
}

export type ArchiveProblemGroup = "file" | "content" | "metadata" | "signature";

export interface ArchiveVerification {
  itemId: number;
  ok: boolean;
  problems: { group: ArchiveProblemGroup; fields: string[] }[];
}

type StoredItem = Omit<NonNullable<ArchiveItem>, "unit_path">;

function metadataMismatches(item: StoredItem): string[] {
  let signed: Record<string, unknown>;
  try {
    signed = JSON.parse(item.signed_document) as Record<string, unknown>;
  } catch {
    return ["signed_document"];
  }
  const expected: Record<string, unknown> = {
    ...depositDocument(item),
    sealId: item.seal_id,
    keyId: item.signing_key_id,
    algorithm: item.signature_algorithm,
  };
  return Object.keys(expected).filter(
    (field) => canonicalJson(signed[field]) !== canonicalJson(expected[field]),
  );
}

/** Re-hashes the file and checks the seal signature and that the row agrees with what was signed. */
export async function verifyItem(
  db: Executor,
  signing: SigningServices,
  item: StoredItem,
): Promise<ArchiveVerification> {
  const problems: ArchiveVerification["problems"] = [];
  const bytes = await signing.archive.get(item.content_hash);
  if (!bytes) problems.push({ group: "file", fields: ["missing"] });
  else if (sm3Hex(bytes) !== item.content_hash) problems.push({ group: "content", fields: ["content_hash"] });
  const mismatched = metadataMismatches(item);
  if (mismatched.length > 0) problems.push({ group: "metadata", fields: mismatched });
  if (!(await verifyStoredSignature(db, item.signing_key_id, item.signed_document, item.signature))) {
    problems.push({ group: "signature", fields: ["signature"] });
  }
  return { itemId: item.id, ok: problems.length === 0, problems };
}

export async function verifyVisibleItem(ctx: SigningContext, id: number): Promise<ArchiveVerification> {
  const { item } = await getItem(ctx, id, "verification");
  return verifyItem(ctx.db, ctx.signing, item);
}

/** The bytes of an item, refused when they no longer match the hash that was signed. */
export async function readItemContent(ctx: SigningContext, id: number) {
  const { item } = await getItem(ctx, id, "content");
  const bytes = await ctx.signing.archive.get(item.content_hash);
  if (!bytes || sm3Hex(bytes) !== item.content_hash) throw conflict("archive_tampered", { id });
  return { item, bytes };
}

/** Verifies every item of the archive in id order (CLI `edumis verify archive`). */
export async function verifyWholeArchive(
  db: Executor,
  signing: SigningServices,
  onItem?: (result: ArchiveVerification) => void,
): Promise<{ checked: number; failed: ArchiveVerification[] }> {
  const failed: ArchiveVerification[] = [];
  let afterId = 0;
  let checked = 0;
  for (;;) {
    const rows = await db
      .selectFrom("archive_item")
      .innerJoin("org_unit as owner", "owner.id", "archive_item.unit_id")
      .selectAll("archive_item")
      .select("owner.name as unit_name")
      .where("archive_item.id", ">", afterId)
      .orderBy("archive_item.id")
      .limit(500)
      .execute();
    if (rows.length === 0) return { checked, failed };
    for (const row of rows) {
      const result = await verifyItem(db, signing, row);
      onItem?.(result);
      if (!result.ok) failed.push(result);
      checked++;
      afterId = row.id;
    }
  }
}

/** Deposits bytes sent by a caller (an attachment or a document), signed by the caller's unit. */
export function depositForCaller(
  ctx: SigningContext,
  input: Omit<DepositInput, "unitId">,
): Promise<ArchiveItemRef> {
  return inTransaction(ctx.db, (trx) =>
    deposit(trx, ctx.signing, { ...ctx.actor, ip: ctx.ip }, { ...input, unitId: ctx.actor.unitId }),
  );
}
