/** Request and response shapes of the seal and archive API; responses are allow-lists of fields. */
import { z } from "zod";
import { pageQuerySchema, pageSchema } from "../../http/pagination";
import { isoDate } from "../../http/zod-app";
import type { ArchiveItem } from "./archive.service";
import type { SealWithUnit } from "./seals.repo";

const sealStatus = z.enum(["active", "suspended", "revoked"]);
const sealType = z.enum(["official", "business", "finance", "contract"]);
const unitRef = z.object({ id: z.number(), name: z.string() });

export const sealSchema = z.object({
  id: z.number(),
  sealCode: z.string(),
  unit: unitRef,
  name: z.string(),
  sealType,
  validFrom: z.string(),
  validTo: z.string(),
  status: sealStatus,
  statusReason: z.string().nullable(),
  statusChangedAt: z.string().nullable(),
  keyId: z.number(),
  issuerUnitId: z.number(),
  issuerKeyId: z.number(),
  issuedByUserId: z.number().nullable(),
  autoIssued: z.boolean(),
  pictureMediaType: z.string().nullable(),
  signatureAlgorithm: z.string(),
  sealInfo: z.string(),
  issuerSignature: z.string(),
  createdAt: z.string(),
});

export function toSealDto(seal: SealWithUnit): z.infer<typeof sealSchema> {
  return {
    id: seal.id,
    sealCode: seal.seal_code,
    unit: { id: seal.unit_id, name: seal.unit_name },
    name: seal.name,
    sealType: seal.seal_type,
    validFrom: seal.valid_from,
    validTo: seal.valid_to,
    status: seal.status,
    statusReason: seal.status_reason,
    statusChangedAt: seal.status_changed_at?.toISOString() ?? null,
    keyId: seal.key_id,
    issuerUnitId: seal.issuer_unit_id,
    issuerKeyId: seal.issuer_key_id,
    issuedByUserId: seal.issued_by_user_id,
    autoIssued: seal.auto_issued,
    pictureMediaType: seal.picture_media_type,
    signatureAlgorithm: seal.signature_algorithm,
    sealInfo: seal.seal_info,
    issuerSignature: seal.issuer_signature,
    createdAt: new Date(seal.created_at).toISOString(),
  };
}

export const sealPage = pageSchema(sealSchema);

export const sealListQuery = pageQuerySchema.extend({
  unitId: z.coerce.number().int().positive().optional(),
  status: sealStatus.optional(),
});

export const sealIssueBody = z.object({
  unitId: z.number().int().positive(),
  name: z.string().trim().min(1).max(200).optional(),
  sealType: sealType.optional(),
  validFrom: isoDate.optional(),
  validTo: isoDate.optional(),
  picture: z
    .object({ mediaType: z.enum(["image/png", "image/svg+xml"]), contentBase64: z.base64().max(400_000) })
    .optional(),
});

export const sealStatusBody = z.object({ reason: z.string().trim().min(1).max(500).optional() });

export const publicKeySchema = z.object({
  keyId: z.number(),
  algorithm: z.string(),
  publicKey: z.string(),
  pem: z.string(),
});

const problemGroup = z.object({ group: z.string(), fields: z.array(z.string()) });
export const sealVerificationSchema = z.object({
  sealId: z.number(),
  ok: z.boolean(),
  problems: z.array(problemGroup),
});
export const archiveVerificationSchema = z.object({
  itemId: z.number(),
  ok: z.boolean(),
  problems: z.array(problemGroup),
});

const subjectRef = z.object({
  type: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .max(50),
  id: z.string().min(1).max(100),
});

export const depositBody = z.object({
  title: z.string().trim().min(1).max(300),
  kind: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .max(50)
    .default("document"),
  mediaType: z
    .string()
    .regex(/^[a-z]+\/[a-z0-9.+-]+$/i)
    .max(100),
  contentBase64: z.base64(),
  retentionClass: z.enum(["permanent", "y30", "y10"]).optional(),
  retainUntil: isoDate.optional(),
  subjects: z.array(subjectRef).max(20).optional(),
});

export const archiveItemSchema = z.object({
  id: z.number(),
  contentHash: z.string(),
  mediaType: z.string(),
  byteSize: z.number(),
  title: z.string(),
  kind: z.string(),
  retentionClass: z.string(),
  retainUntil: z.string().nullable(),
  unit: unitRef,
  createdByUserId: z.number().nullable(),
  sealId: z.number(),
  signingKeyId: z.number(),
  signatureAlgorithm: z.string(),
  signature: z.string(),
  signedDocument: z.string(),
  createdAt: z.string(),
});

export function toArchiveItemDto(item: NonNullable<ArchiveItem>): z.infer<typeof archiveItemSchema> {
  return {
    id: item.id,
    contentHash: item.content_hash,
    mediaType: item.media_type,
    byteSize: Number(item.byte_size),
    title: item.title,
    kind: item.kind,
    retentionClass: item.retention_class,
    retainUntil: item.retain_until,
    unit: { id: item.unit_id, name: item.unit_name },
    createdByUserId: item.created_by_user_id,
    sealId: item.seal_id,
    signingKeyId: item.signing_key_id,
    signatureAlgorithm: item.signature_algorithm,
    signature: item.signature,
    signedDocument: item.signed_document,
    createdAt: item.created_at.toISOString(),
  };
}

export const archivePage = pageSchema(archiveItemSchema);

export const archiveListQuery = pageQuerySchema.extend({
  subjectType: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .max(50)
    .optional(),
  subjectId: z.string().min(1).max(100).optional(),
  kind: z.string().max(50).optional(),
});
