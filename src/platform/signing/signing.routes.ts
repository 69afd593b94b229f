/**
 * HTTP routes of electronic seals (/api/v1/seals) and the electronic archive (/api/v1/archive).
 * Reading needs workflow:read, depositing workflow:write; issuing, suspending, resuming and
 * revoking seals is an access:administer act. Scope checks live in the services.
 */
import type { FastifyRequest } from "fastify";
import { z } from "zod";
import { contextOf, registerRecordVisibility } from "../../http/access-policy";
import type { AppServices } from "../../http/services";
import { idParam, ok, okSchema, type ZodApp } from "../../http/zod-app";
import { unprocessable } from "../../shared/errors";
import { unitIdInScope } from "../access/scope";
import { publicKeyPem } from "./algorithms";
import * as archive from "./archive.service";
import { findKey } from "./keys";
import { createPersonalKey, getPersonalKey } from "./personal-key.service";
import { findSealInScope } from "./seals.repo";
import * as seals from "./seals.service";
import { type SigningContext, withSigning } from "./signing.context";
import * as schemas from "./signing.schemas";
import { unitById } from "./units";

const read = { module: "workflow", action: "read" } as const;
const write = { module: "workflow", action: "write" } as const;
// Issuing and withdrawing seals is a security administrator's act, like granting roles.
const administer = { module: "access", action: "administer" } as const;
// Routes naming a seal or an archive item: the access policy refuses one the caller cannot see.
const sealRecord = { kind: "seal", param: "id" } as const;
const itemRecord = { kind: "archive_item", param: "id" } as const;
const sealRead = { ...read, record: sealRecord } as const;
const sealAdminister = { ...administer, record: sealRecord } as const;
const itemRead = { ...read, record: itemRecord } as const;

type ContextOf = (request: FastifyRequest) => SigningContext;

/** Deposited bytes are data, never active content of our origin. */
const SANDBOX = "default-src 'none'; style-src 'unsafe-inline'; sandbox";

export function registerSigningRoutes(app: ZodApp, services: AppServices): void {
  registerRecordVisibility(
    "seal",
    async (db, actor, id) => (await findSealInScope(db, actor.scope, id)) !== undefined,
  );
  registerRecordVisibility("archive_item", archive.isItemVisible);
  const ctxOf: ContextOf = (request) => withSigning(contextOf(services, request), services.config);
  registerSealRoutes(app, ctxOf);
  registerSealActionRoutes(app, ctxOf);
  registerArchiveRoutes(app, ctxOf);
}

function registerSealRoutes(app: ZodApp, ctxOf: ContextOf): void {
  const tags = ["seals"];
  app.get(
    "/api/v1/seals",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "Electronic seals of units in your scope (电子印章)",
        querystring: schemas.sealListQuery,
        response: { 200: schemas.sealPage },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      const result = await seals.searchSeals(ctxOf(request), filter, { page, pageSize });
      return { ...result, items: result.items.map(schemas.toSealDto) };
    },
  );

  app.get(
    "/api/v1/seals/personal-key",
    {
      config: { access: { signedIn: true } },
      schema: {
        tags,
        summary: "Your personal signing key, if you hold one",
        response: { 200: z.object({ key: schemas.publicKeySchema.nullable() }) },
      },
    },
    async (request) => ({ key: await getPersonalKey(ctxOf(request)) }),
  );

  app.post(
    "/api/v1/seals/personal-key",
    {
      config: { access: { signedIn: true } },
      schema: {
        tags,
        summary: "Create your personal signing key (your decisions are then signed by you too)",
        response: { 200: z.object({ key: schemas.publicKeySchema }) },
      },
    },
    async (request) => ({ key: await createPersonalKey(ctxOf(request)) }),
  );

  app.get(
    "/api/v1/seals/:id",
    {
      config: { access: sealRead },
      schema: {
        tags,
        summary: "One seal with its signed seal information",
        params: idParam,
        response: { 200: schemas.sealSchema },
      },
    },
    async (request) => schemas.toSealDto(await seals.getSeal(ctxOf(request), request.params.id)),
  );

  app.get(
    "/api/v1/seals/:id/public-key",
    {
      config: { access: sealRead },
      schema: {
        tags,
        summary: "The seal's public key as PEM (SubjectPublicKeyInfo, SM2 OID 1.2.156.10197.1.301)",
        params: idParam,
        response: { 200: schemas.publicKeySchema },
      },
    },
    async (request) => {
      const seal = await seals.getSeal(ctxOf(request), request.params.id);
      const key = await findKey(ctxOf(request).db, seal.key_id);
      if (!key) throw new Error(`key ${seal.key_id} missing`);
      return {
        keyId: key.id,
        algorithm: key.algorithm,
        publicKey: key.public_key,
        pem: publicKeyPem(key.algorithm, key.public_key),
      };
    },
  );

  app.get(
    "/api/v1/seals/:id/picture",
    {
      config: { access: sealRead },
      schema: { tags, summary: "The seal's picture (PNG or SVG)", params: idParam },
    },
    async (request, reply) => {
      const seal = await seals.getSeal(ctxOf(request), request.params.id);
      if (!seal.picture || !seal.picture_media_type) return reply.status(204).send();
      // An SVG may carry script: served sandboxed so it can never run in the console's origin.
      return reply
        .type(seal.picture_media_type)
        .header("content-security-policy", SANDBOX)
        .send(seal.picture);
    },
  );

  app.get(
    "/api/v1/seals/:id/verification",
    {
      config: { access: sealRead },
      schema: {
        tags,
        summary: "Check the issuer's signature over the seal information",
        params: idParam,
        response: { 200: schemas.sealVerificationSchema },
      },
    },
    async (request) => {
      const ctx = ctxOf(request);
      return seals.verifySeal(ctx.db, await seals.getSeal(ctx, request.params.id));
    },
  );
}

function registerSealActionRoutes(app: ZodApp, ctxOf: ContextOf): void {
  const tags = ["seals"];
  app.post(
    "/api/v1/seals",
    {
      config: { access: administer },
      schema: {
        tags,
        summary: "Issue a seal for a unit in your scope, signed by your department's key (制章)",
        body: schemas.sealIssueBody,
        response: { 201: z.object({ id: z.number() }) },
      },
    },
    async (request, reply) => {
      const { picture, ...rest } = request.body;
      const id = await seals.issueSeal(ctxOf(request), {
        ...rest,
        picture: picture
          ? { mediaType: picture.mediaType, bytes: Buffer.from(picture.contentBase64, "base64") }
          : undefined,
      });
      return reply.status(201).send({ id });
    },
  );

  for (const action of ["suspend", "resume", "revoke"] as const) {
    app.post(
      `/api/v1/seals/:id/${action}`,
      {
        config: { access: sealAdminister },
        schema: {
          tags,
          summary: `${action[0]!.toUpperCase()}${action.slice(1)} a seal (audited)`,
          params: idParam,
          body: schemas.sealStatusBody,
          response: { 200: okSchema },
        },
      },
      async (request) => {
        await seals.changeSealStatus(ctxOf(request), request.params.id, action, request.body.reason ?? null);
        return ok;
      },
    );
  }
}

/** A caller may point a deposit at units of its own scope only. */
async function checkSubjects(ctx: SigningContext, subjects: archive.SubjectRef[]): Promise<void> {
  for (const [index, subject] of subjects.entries()) {
    if (subject.type !== "org_unit") continue;
    const unit = /^\d{1,15}$/.test(subject.id) ? await unitById(ctx.db, Number(subject.id)) : undefined;
    if (!unit || !(await unitIdInScope(ctx.db, ctx.actor.scope, unit.id))) {
      throw unprocessable("unit_not_found", {}, [{ path: `subjects.${index}`, code: "unit_not_found" }]);
    }
  }
}

function registerArchiveRoutes(app: ZodApp, ctxOf: ContextOf): void {
  const tags = ["archive"];
  app.post(
    "/api/v1/archive/items",
    {
      config: { access: write },
      schema: {
        tags,
        summary: "Deposit a document (any media type) in the archive, sealed by your unit",
        body: schemas.depositBody,
        response: { 201: z.object({ id: z.number(), contentHash: z.string() }) },
      },
    },
    async (request, reply) => {
      const ctx = ctxOf(request);
      const { contentBase64, ...rest } = request.body;
      await checkSubjects(ctx, rest.subjects ?? []);
      const item = await archive.depositForCaller(ctx, {
        ...rest,
        bytes: Buffer.from(contentBase64, "base64"),
      });
      return reply.status(201).send({ id: item.id, contentHash: item.hash });
    },
  );

  app.get(
    "/api/v1/archive/items",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "Archive items visible to you, e.g. all items about one subject (?subjectType=&subjectId=)",
        querystring: schemas.archiveListQuery,
        response: { 200: schemas.archivePage },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      const result = await archive.listItems(ctxOf(request), filter, { page, pageSize });
      return { ...result, items: result.items.map(schemas.toArchiveItemDto) };
    },
  );

  app.get(
    "/api/v1/archive/items/:id",
    {
      config: { access: itemRead },
      schema: {
        tags,
        summary: "An archive item's description, signature and subjects",
        params: idParam,
        response: {
          200: schemas.archiveItemSchema.extend({
            subjects: z.array(z.object({ type: z.string(), id: z.string() })),
          }),
        },
      },
    },
    async (request) => {
      const { item, subjects } = await archive.getItem(ctxOf(request), request.params.id);
      return {
        ...schemas.toArchiveItemDto(item),
        subjects: subjects.map((s) => ({ type: s.subject_type, id: s.subject_id })),
      };
    },
  );

  app.get(
    "/api/v1/archive/items/:id/content",
    {
      config: { access: itemRead },
      schema: {
        tags,
        summary: "The item's bytes (refused with archive_tampered if they changed)",
        params: idParam,
      },
    },
    async (request, reply) => {
      const { item, bytes } = await archive.readItemContent(ctxOf(request), request.params.id);
      return reply
        .type(item.media_type)
        .header("content-disposition", "attachment")
        .header("content-security-policy", SANDBOX)
        .header("x-content-sm3", item.content_hash)
        .send(bytes);
    },
  );

  app.get(
    "/api/v1/archive/items/:id/verification",
    {
      config: { access: itemRead },
      schema: {
        tags,
        summary: "Re-hash the stored file and verify the seal signature of an archive item",
        params: idParam,
        response: { 200: schemas.archiveVerificationSchema },
      },
    },
    async (request) => archive.verifyVisibleItem(ctxOf(request), request.params.id),
  );
}
