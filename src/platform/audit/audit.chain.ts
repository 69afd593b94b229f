/**
 * The audit trail is a hash chain: each entry's hash is SM3(previous hash + canonical JSON of
 * the entry). Changing or deleting any entry breaks the link to the next one, which
 * `edumis audit verify` finds and names.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../../shared/canonical-json";

export const GENESIS_HASH = "0".repeat(64);

/** Arbitrary constant naming the advisory lock that serialises chain appends (and anchors). */
export const AUDIT_CHAIN_LOCK = 7_201_302;

export interface ChainedFields {
  id: number;
  occurredAt: string;
  actorKind: string;
  actorUserId: number | null;
  actorUsername: string;
  actorUnitId: number | null;
  actorUnitPath: string | null;
  action: string;
  module: string;
  subjectType: string | null;
  subjectId: string | null;
  subjectUnitPath: string | null;
  outcome: string;
  ip: string | null;
  detail: unknown;
}

export function sm3Hex(text: string): string {
  return createHash("sm3").update(text, "utf8").digest("hex");
}

export function chainHash(prevHash: string, fields: ChainedFields): string {
  return sm3Hex(prevHash + canonicalJson(fields));
}
