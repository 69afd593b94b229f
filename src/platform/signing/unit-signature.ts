/**
 * Signing a document as a unit (with its seal) and, optionally, as a person (with a personal
 * key). The signed bytes are the canonical JSON of the document plus the seal and key that
 * sign it, so a verifier needs nothing but the stored text and the public key.
 */
import type { Executor } from "../../db/database";
import type { SignatureAlgorithmName } from "../../db/schema";
import { canonicalJson } from "../../shared/canonical-json";
import type { Actor } from "../access/actor";
import { findActiveKey, findKey, signWithKey, verifyWithKey } from "./keys";
import { sealForSigning } from "./seals.service";
import type { SigningServices } from "./signing.context";

export interface UnitSignature {
  /** The exact text that was signed (canonical JSON). */
  document: string;
  signature: string;
  algorithm: SignatureAlgorithmName;
  keyId: number;
  sealId: number;
  /** The signer's personal signature over the same text, when the signer holds a personal key. */
  personal: { signature: string; keyId: number } | null;
}

export type SignerActor = Pick<Actor, "kind" | "userId" | "username" | "unitId" | "unitPath">;

/** The fields a unit signature adds to every signed document. */
export interface SealFields {
  sealId: number;
  sealCode: string;
  keyId: number;
  algorithm: SignatureAlgorithmName;
}

export async function signAsUnit(
  db: Executor,
  signing: SigningServices,
  unitId: number,
  actor: SignerActor,
  document: Record<string, unknown>,
): Promise<UnitSignature> {
  const { seal, key } = await sealForSigning(db, signing, unitId, actor);
  const sealFields: SealFields = {
    sealId: seal.id,
    sealCode: seal.seal_code,
    keyId: key.id,
    algorithm: key.algorithm,
  };
  const text = canonicalJson({ ...document, ...sealFields });
  const bytes = Buffer.from(text, "utf8");
  const personalKey =
    actor.userId === null ? undefined : await findActiveKey(db, { kind: "user", userId: actor.userId });
  return {
    document: text,
    signature: await signWithKey(signing.vault, key, bytes),
    algorithm: key.algorithm,
    keyId: key.id,
    sealId: seal.id,
    personal: personalKey
      ? { signature: await signWithKey(signing.vault, personalKey, bytes), keyId: personalKey.id }
      : null,
  };
}

/** Whether a stored signature verifies against the stored text and the named key. */
export async function verifyStoredSignature(
  db: Executor,
  keyId: number | null,
  document: string | null,
  signature: string | null,
): Promise<boolean> {
  if (keyId === null || document === null || signature === null) return false;
  const key = await findKey(db, keyId);
  return !!key && verifyWithKey(key, Buffer.from(document, "utf8"), signature);
}
