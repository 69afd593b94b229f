/**
 * A user's personal signing key: once a user holds one, each decision the user takes carries
 * the user's own signature beside the unit seal's.
 */
import { inTransaction } from "../../db/database";
import { AppError } from "../../shared/errors";
import { recordAudit } from "../audit/audit.service";
import { publicKeyPem } from "./algorithms";
import { ensureKey, findActiveKey, type SigningKeyRow } from "./keys";
import type { SigningContext } from "./signing.context";

function describe(key: SigningKeyRow) {
  return {
    keyId: key.id,
    algorithm: key.algorithm,
    publicKey: key.public_key,
    pem: publicKeyPem(key.algorithm, key.public_key),
  };
}

function requireUser(ctx: SigningContext): number {
  if (ctx.actor.userId === null) throw new AppError("signer_required", 403);
  return ctx.actor.userId;
}

export async function getPersonalKey(ctx: SigningContext) {
  const key = await findActiveKey(ctx.db, { kind: "user", userId: requireUser(ctx) });
  return key ? describe(key) : null;
}

/** Creates the caller's personal key, or returns the one the caller already holds. */
export async function createPersonalKey(ctx: SigningContext) {
  const userId = requireUser(ctx);
  return inTransaction(ctx.db, async (trx) => {
    const existing = await findActiveKey(trx, { kind: "user", userId });
    if (existing) return describe(existing);
    const key = await ensureKey(trx, ctx.signing.vault, { kind: "user", userId });
    await recordAudit(trx, {
      actor: ctx.actor,
      ip: ctx.ip,
      action: "signing_key.create",
      module: "workflow",
      subjectType: "signing_key",
      subjectId: key.id,
      subjectUnitPath: ctx.actor.unitPath,
      detail: { owner: "user", algorithm: key.algorithm },
    });
    return describe(key);
  });
}
