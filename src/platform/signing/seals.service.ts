/**
 * Electronic seals (电子印章) after GB/T 38540: a seal's information — header "ES", seal id,
 * name, type, the unit's public key as its certificate list, validity, picture hash — is signed
 * by the issuing unit's key. Seals are issued, suspended, resumed and revoked, each audited in
 * its own transaction; a unit signs with its latest seal, which must be active and valid today.
 * A unit signing for the first time without any seal gets one issued by the unit above.
 */
import type { Executor } from "../../db/database";
import { inTransaction } from "../../db/database";
import type { SealStatus, SealType } from "../../db/schema";
import { type PageQuery, pageWindow, toPage } from "../../http/pagination";
import { canonicalJson } from "../../shared/canonical-json";
import { AppError, conflict, notFound, unprocessable } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import type { Actor } from "../access/actor";
import { unitIdInScope } from "../access/scope";
import { anchorAuditHead } from "../audit/audit.anchor";
import { recordAudit } from "../audit/audit.service";
import { sm3Hex } from "./algorithms";
import { ensureKey, findKey, retireKey, type SigningKeyRow, signWithKey, verifyWithKey } from "./keys";
import * as repo from "./seals.repo";
import type { SigningContext, SigningServices } from "./signing.context";
import { supervisorOf, type UnitRow, unitById } from "./units";

/** GB/T 38540 seal data format version written into every seal header. */
const SEAL_FORMAT_VERSION = 4;
const AUTO_SEAL_YEARS = 5;
const MAX_PICTURE_BYTES = 256 * 1024;

export interface SealPicture {
  mediaType: "image/png" | "image/svg+xml";
  bytes: Buffer;
}

export interface SealIssueInput {
  unitId: number;
  name?: string | undefined;
  sealType?: SealType | undefined;
  validFrom?: string | undefined;
  validTo?: string | undefined;
  picture?: SealPicture | undefined;
}

function addYears(isoDate: string, years: number): string {
  const [year, rest] = [Number(isoDate.slice(0, 4)), isoDate.slice(4)];
  return `${year + years}${rest === "-02-29" ? "-02-28" : rest}`;
}

function checkPicture(picture: SealPicture | undefined): void {
  if (!picture) return;
  const isPng = picture.bytes.subarray(0, 8).equals(Buffer.from("89504e470d0a1a0a", "hex"));
  const head = picture.bytes.subarray(0, 512).toString("utf8").trimStart();
  const isSvg = head.startsWith("<svg") || (head.startsWith("<?xml") && head.includes("<svg"));
  const matches = picture.mediaType === "image/png" ? isPng : isSvg;
  if (!matches || picture.bytes.length > MAX_PICTURE_BYTES) {
    throw unprocessable("seal_picture_invalid", { maxKb: MAX_PICTURE_BYTES / 1024 }, [
      { path: "picture", code: "seal_picture_invalid", params: { maxKb: MAX_PICTURE_BYTES / 1024 } },
    ]);
  }
}

interface SealInfoInput {
  sealCode: string;
  unit: UnitRow;
  name: string;
  sealType: SealType;
  validFrom: string;
  validTo: string;
  issuedAt: string;
  key: SigningKeyRow;
  issuer: UnitRow;
  issuerKey: SigningKeyRow;
  picture: SealPicture | undefined;
}

/** The signed seal information, in the field structure of GB/T 38540's SES_SealInfo. */
function sealInfo(input: SealInfoInput): Record<string, unknown> {
  return {
    header: { id: "ES", version: SEAL_FORMAT_VERSION, vid: "edumis" },
    esID: input.sealCode,
    property: {
      type: input.sealType,
      name: input.name,
      unitId: input.unit.id,
      unitCode: input.unit.code,
      certListType: "public_key",
      certList: [{ keyId: input.key.id, algorithm: input.key.algorithm, publicKey: input.key.public_key }],
      createDate: input.issuedAt,
      validStart: input.validFrom,
      validEnd: input.validTo,
    },
    picture: input.picture
      ? {
          type: input.picture.mediaType,
          dataHash: sm3Hex(input.picture.bytes),
          size: input.picture.bytes.length,
        }
      : null,
    issuer: {
      unitId: input.issuer.id,
      unitCode: input.issuer.code,
      keyId: input.issuerKey.id,
      algorithm: input.issuerKey.algorithm,
    },
  };
}

interface IssueParams {
  unit: UnitRow;
  issuer: UnitRow;
  actor: Pick<Actor, "kind" | "userId" | "username" | "unitId" | "unitPath">;
  ip?: string | undefined;
  autoIssued: boolean;
  input: SealIssueInput;
}

/** Writes a seal signed by its issuer, supersedes suspended predecessors, audits. */
async function writeSeal(db: Executor, signing: SigningServices, params: IssueParams): Promise<number> {
  const { unit, issuer, input } = params;
  const key = await ensureKey(db, signing.vault, { kind: "unit", unitId: unit.id });
  const issuerKey =
    issuer.id === unit.id ? key : await ensureKey(db, signing.vault, { kind: "unit", unitId: issuer.id });
  const validFrom = input.validFrom ?? todayIso();
  const fields = {
    sealCode: `ES-${unit.code}-${String(await repo.nextSealNumber(db, unit.id)).padStart(3, "0")}`,
    unit,
    name: input.name ?? `${unit.name}电子公章`,
    sealType: input.sealType ?? "official",
    validFrom,
    validTo: input.validTo ?? addYears(validFrom, AUTO_SEAL_YEARS),
    issuedAt: new Date().toISOString(),
    key,
    issuer,
    issuerKey,
    picture: input.picture,
  };
  const infoText = canonicalJson(sealInfo(fields));
  for (const old of await repo.listSuspendedSeals(db, unit.id)) {
    await repo.setSealStatus(db, old.id, "revoked", "superseded");
  }
  const id = await repo.insertSeal(db, {
    seal_code: fields.sealCode,
    unit_id: unit.id,
    province_code: unit.province_code,
    name: fields.name,
    seal_type: fields.sealType,
    valid_from: fields.validFrom,
    valid_to: fields.validTo,
    picture: input.picture?.bytes ?? null,
    picture_media_type: input.picture?.mediaType ?? null,
    key_id: key.id,
    issuer_unit_id: issuer.id,
    issuer_key_id: issuerKey.id,
    issued_by_user_id: params.actor.userId,
    auto_issued: params.autoIssued,
    seal_info: infoText,
    issuer_signature: await signWithKey(signing.vault, issuerKey, Buffer.from(infoText, "utf8")),
    signature_algorithm: issuerKey.algorithm,
    status_changed_at: null,
  });
  await recordAudit(db, {
    actor: params.actor,
    ip: params.ip,
    action: "seal.issue",
    module: "workflow",
    subjectType: "seal",
    subjectId: id,
    subjectUnitPath: unit.path,
    detail: { sealCode: fields.sealCode, issuerUnitId: issuer.id, autoIssued: params.autoIssued },
  });
  return id;
}

export interface UsableSeal {
  seal: repo.SealRow;
  key: SigningKeyRow;
}

function refuseUnusable(seal: repo.SealRow, unit: UnitRow): void {
  if (seal.status === "revoked") throw conflict("seal_revoked", { unit: unit.name });
  if (seal.status === "suspended") throw conflict("seal_suspended", { unit: unit.name });
  const today = todayIso();
  if (today < seal.valid_from || today > seal.valid_to) {
    throw conflict("seal_expired", { unit: unit.name, validFrom: seal.valid_from, validTo: seal.valid_to });
  }
}

/**
 * The seal and key a unit signs with now, issuing its first seal when it has never had one.
 * A revoked, suspended or expired seal refuses: only a newly issued seal lets the unit sign.
 */
export async function sealForSigning(
  db: Executor,
  signing: SigningServices,
  unitId: number,
  actor: IssueParams["actor"],
): Promise<UsableSeal> {
  const unit = await unitById(db, unitId);
  if (!unit) throw notFound("unit_not_found");
  let seal = await repo.currentSeal(db, unitId);
  if (!seal) {
    await repo.lockFirstSeal(db, unitId);
    seal = await repo.currentSeal(db, unitId);
    if (!seal) {
      const issuer = await supervisorOf(db, unit);
      await writeSeal(db, signing, { unit, issuer, actor, autoIssued: true, input: { unitId } });
      seal = await repo.currentSeal(db, unitId);
    }
  }
  if (!seal) throw new Error("seal vanished after issue");
  refuseUnusable(seal, unit);
  const key = await findKey(db, seal.key_id);
  if (!key) throw new Error(`key ${seal.key_id} of seal ${seal.id} is missing`);
  return { seal, key };
}

/** Issues a seal for a unit in the caller's scope, signed by the caller's own department. */
export async function issueSeal(ctx: SigningContext, input: SealIssueInput): Promise<number> {
  checkPicture(input.picture);
  return inTransaction(ctx.db, async (trx) => {
    const unit = await unitById(trx, input.unitId);
    if (!unit || !(await unitIdInScope(trx, ctx.actor.scope, unit.id))) throw notFound("unit_not_found");
    const issuer = await unitById(trx, ctx.actor.unitId);
    const isRoot = issuer?.kind === "department" && issuer.level === 1;
    if (issuer?.kind !== "department" || (issuer.id === unit.id && !isRoot)) {
      throw new AppError("seal_issuer_invalid", 403);
    }
    const current = await repo.currentSeal(trx, unit.id);
    if (current?.status === "active" && current.valid_to >= todayIso()) {
      throw conflict("seal_already_active", { unit: unit.name });
    }
    // validFrom defaults to today (writeSeal), so a validTo before today is refused too.
    if (input.validTo && input.validTo < (input.validFrom ?? todayIso())) {
      throw unprocessable("validation_failed", {}, [{ path: "validTo", code: "field_invalid" }]);
    }
    const sealId = await writeSeal(trx, ctx.signing, {
      unit,
      issuer,
      actor: ctx.actor,
      ip: ctx.ip,
      autoIssued: false,
      input,
    });
    // A seal act is a signed decision: the audit chain is anchored with it (audit.anchor.ts).
    await anchorAuditHead(trx, ctx.signing.vault, "seal");
    return sealId;
  });
}

const TRANSITIONS: Record<"suspend" | "resume" | "revoke", { from: SealStatus[]; to: SealStatus }> = {
  suspend: { from: ["active"], to: "suspended" },
  resume: { from: ["suspended"], to: "active" },
  revoke: { from: ["active", "suspended"], to: "revoked" },
};

/**
 * Suspends, resumes or revokes a seal. Anyone administering the seal's unit may suspend or
 * revoke it (a lost key is everyone's emergency); only the issuing side may resume it, so a
 * unit cannot lift a suspension imposed from above. Revocation retires the key as well.
 */
export async function changeSealStatus(
  ctx: SigningContext,
  id: number,
  action: keyof typeof TRANSITIONS,
  reason: string | null,
): Promise<void> {
  await inTransaction(ctx.db, async (trx) => {
    const seal = await repo.findSealInScope(trx, ctx.actor.scope, id);
    if (!seal) throw notFound("seal_not_found");
    if (action === "resume") {
      const issuer = await unitById(trx, seal.issuer_unit_id);
      const mayResume =
        issuer && (await unitIdInScope(trx, ctx.actor.scope, issuer.id)) && ctx.actor.unitId !== seal.unit_id;
      if (!mayResume && ctx.actor.kind !== "system") throw new AppError("seal_issuer_invalid", 403);
    }
    const transition = TRANSITIONS[action];
    if (!transition.from.includes(seal.status))
      throw conflict("seal_status_invalid", { status: seal.status });
    await repo.setSealStatus(trx, id, transition.to, reason);
    if (action === "revoke") await retireKey(trx, seal.key_id);
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: `seal.${action}`,
      module: "workflow",
      subjectType: "seal",
      subjectId: id,
      subjectUnitPath: seal.unit_path,
      detail: { sealCode: seal.seal_code, before: seal.status, after: transition.to, reason },
    });
    await anchorAuditHead(trx, ctx.signing.vault, "seal");
  });
}

export async function getSeal(ctx: SigningContext, id: number): Promise<repo.SealWithUnit> {
  const seal = await repo.findSealInScope(ctx.db, ctx.actor.scope, id);
  if (!seal) throw notFound("seal_not_found");
  return seal;
}

export async function searchSeals(ctx: SigningContext, filter: repo.SealFilter, page: PageQuery) {
  const { rows, cappedTotal } = await repo.searchSeals(ctx.db, ctx.actor.scope, filter, pageWindow(page));
  return toPage(rows, cappedTotal, page);
}

export interface SealVerification {
  sealId: number;
  ok: boolean;
  /** What does not hold: "info" (columns differ from the signed info), "signature" (issuer's). */
  problems: { group: "info" | "signature"; fields: string[] }[];
}

/** Checks the issuer's signature over the seal information and that the columns agree with it. */
export async function verifySeal(db: Executor, seal: repo.SealRow): Promise<SealVerification> {
  const problems: SealVerification["problems"] = [];
  const issuerKey = await findKey(db, seal.issuer_key_id);
  const signatureOk =
    !!issuerKey && verifyWithKey(issuerKey, Buffer.from(seal.seal_info, "utf8"), seal.issuer_signature);
  if (!signatureOk) problems.push({ group: "signature", fields: ["issuer_signature"] });
  const mismatched = sealInfoMismatches(seal);
  if (mismatched.length > 0) problems.push({ group: "info", fields: mismatched });
  return { sealId: seal.id, ok: problems.length === 0, problems };
}

function sealInfoMismatches(seal: repo.SealRow): string[] {
  let info: {
    esID?: unknown;
    property?: Record<string, unknown>;
    issuer?: Record<string, unknown>;
    picture?: { dataHash?: unknown } | null;
  };
  try {
    info = JSON.parse(seal.seal_info) as typeof info;
  } catch {
    return ["seal_info"];
  }
  const property = info.property ?? {};
  const certList = (property.certList ?? []) as { keyId?: unknown }[];
  const expected: [string, unknown, unknown][] = [
    ["seal_code", info.esID, seal.seal_code],
    ["unit_id", property.unitId, seal.unit_id],
    ["name", property.name, seal.name],
    ["seal_type", property.type, seal.seal_type],
    ["valid_from", property.validStart, seal.valid_from],
    ["valid_to", property.validEnd, seal.valid_to],
    ["key_id", certList[0]?.keyId, seal.key_id],
    ["issuer_unit_id", info.issuer?.unitId, seal.issuer_unit_id],
    ["issuer_key_id", info.issuer?.keyId, seal.issuer_key_id],
    ["picture", info.picture?.dataHash ?? null, seal.picture ? sm3Hex(seal.picture) : null],
  ];
  return expected.filter(([, signed, stored]) => signed !== stored).map(([field]) => field);
}
