/**
 * Signing key pairs of units (behind their seals) and of users (personal keys). A key is made
 * the first time it is needed; at most one key per owner is active (a partial unique index),
 * so two first signatures racing each other end up with the same key.
 */
import type { Selectable } from "kysely";
import type { Executor } from "../../db/database";
import type { SignatureAlgorithmName, SigningKeyTable } from "../../db/schema";
import { algorithmNamed, DEFAULT_ALGORITHM } from "./algorithms";
import type { KeyVault } from "./key-vault";

export type SigningKeyRow = Selectable<SigningKeyTable>;
/** A unit's (behind its seal), a user's (personal), or the node's own (signs audit anchors). */
export type KeyOwner = { kind: "unit"; unitId: number } | { kind: "user"; userId: number } | { kind: "node" };

/** What the encryption of a private key is bound to: its own public half. */
function keyBinding(key: Pick<SigningKeyRow, "algorithm" | "public_key">): string {
  return `edumis:signing_key:${key.algorithm}:${key.public_key}`;
}

function activeKeyQuery(db: Executor, owner: KeyOwner) {
  const query = db.selectFrom("signing_key").selectAll().where("status", "=", "active");
  if (owner.kind === "node") return query.where("owner_kind", "=", "node");
  return owner.kind === "unit"
    ? query.where("owner_kind", "=", "unit").where("owner_unit_id", "=", owner.unitId)
    : query.where("owner_kind", "=", "user").where("owner_user_id", "=", owner.userId);
}

export function findActiveKey(db: Executor, owner: KeyOwner): Promise<SigningKeyRow | undefined> {
  return activeKeyQuery(db, owner).executeTakeFirst();
}

export function findKey(db: Executor, id: number): Promise<SigningKeyRow | undefined> {
  return db.selectFrom("signing_key").selectAll().where("id", "=", id).executeTakeFirst();
}

/** The column of the partial unique index that allows one active key per owner. */
const OWNER_COLUMN = { unit: "owner_unit_id", user: "owner_user_id", node: "owner_kind" } as const;

/** Whether a key's private half was encrypted under this node's master key (so it is the node's own). */
export async function isSealedByVault(vault: KeyVault, key: SigningKeyRow): Promise<boolean> {
  try {
    await vault.decrypt(key.private_key_enc, keyBinding(key));
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "signing_unavailable") throw error;
    return false;
  }
}

/** The owner's active key, generating and storing one when there is none. */
export async function ensureKey(
  db: Executor,
  vault: KeyVault,
  owner: KeyOwner,
  algorithmName: SignatureAlgorithmName = DEFAULT_ALGORITHM,
): Promise<SigningKeyRow> {
  const existing = await findActiveKey(db, owner);
  if (existing) return existing;
  const pair = algorithmNamed(algorithmName).generateKeyPair();
  const binding = keyBinding({ algorithm: algorithmName, public_key: pair.publicKey });
  await db
    .insertInto("signing_key")
    .values({
      owner_kind: owner.kind,
      owner_unit_id: owner.kind === "unit" ? owner.unitId : null,
      owner_user_id: owner.kind === "user" ? owner.userId : null,
      algorithm: algorithmName,
      public_key: pair.publicKey,
      private_key_enc: await vault.encrypt(pair.privateKey, binding),
      retired_at: null,
    })
    // A concurrent first signature may have inserted the owner's key meanwhile: keep that one.
    .onConflict((oc) =>
      oc
        .column(OWNER_COLUMN[owner.kind])
        .where("status", "=", "active")
        .where("owner_kind", "=", owner.kind)
        .doNothing(),
    )
    .execute();
  const stored = await findActiveKey(db, owner);
  if (!stored) throw new Error("signing key vanished after insert");
  return stored;
}

/** Signs bytes with a stored key (decrypting its private half only for this call). */
export async function signWithKey(vault: KeyVault, key: SigningKeyRow, message: Uint8Array): Promise<string> {
  const privateKey = await vault.decrypt(key.private_key_enc, keyBinding(key));
  return algorithmNamed(key.algorithm).sign(message, privateKey, key.public_key);
}

export function verifyWithKey(key: SigningKeyRow, message: Uint8Array, signatureHex: string): boolean {
  return algorithmNamed(key.algorithm).verify(message, signatureHex, key.public_key);
}

/** Takes a key out of use (its public half stays, so old signatures still verify). */
export function retireKey(db: Executor, id: number) {
  return db
    .updateTable("signing_key")
    .set({ status: "retired", retired_at: new Date(), updated_at: new Date() })
    .where("id", "=", id)
    .where("status", "=", "active")
    .execute();
}
