import { z } from "zod";
import { contextOf } from "../../http/access-policy";
import type { AppServices } from "../../http/services";
import { idParam, isoDate, ok, okSchema, type ZodApp } from "../../http/zod-app";
import * as schemas from "./orgs.schemas";
import * as service from "./orgs.service";

const tags = ["orgs"];
const unitRead = { module: "orgs", action: "read", unitParam: "id" } as const;
const unitWrite = { module: "orgs", action: "write", unitParam: "id" } as const;

export function registerOrgRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/units",
    {
      config: { access: { module: "orgs", action: "read" } },
      schema: {
        tags,
        summary: "Search units in your scope by name or code (学校/单位查询)",
        querystring: schemas.unitSearchQuery,
        response: { 200: schemas.unitPage },
      },
    },
    async (request) => {
      const { page, pageSize, withinUnitId, ...filter } = request.query;
      const result = await service.searchUnits(
        contextOf(services, request),
        { ...filter, ...(withinUnitId ? { withinId: withinUnitId } : {}) },
        { page, pageSize },
      );
      return { ...result, items: result.items.map(schemas.toUnitDto) };
    },
  );

  app.get(
    "/api/v1/units/:id",
    {
      config: { access: unitRead },
      schema: {
        tags,
        summary: "A unit with its ancestors (breadcrumbs) inside your scope",
        params: idParam,
        querystring: z.object({ asOf: isoDate.optional() }),
        response: {
          200: z.object({
            unit: schemas.unitSchema,
            ancestors: z.array(
              z.object({ id: z.number(), kind: schemas.unitKind, code: z.string(), name: z.string() }),
            ),
            nameOnDate: z.string().optional(),
          }),
        },
      },
    },
    async (request) => {
      const ctx = contextOf(services, request);
      const { unit, ancestors } = await service.getUnit(ctx, request.params.id);
      const asOf = request.query.asOf;
      return {
        unit: schemas.toUnitDto(unit),
        ancestors: ancestors.map((a) => ({ id: a.id, kind: a.kind, code: a.code, name: a.name })),
        ...(asOf ? { nameOnDate: await service.nameOnDate(ctx, unit.id, asOf) } : {}),
      };
    },
  );

  app.get(
    "/api/v1/units/:id/children",
    {
      config: { access: unitRead },
      schema: {
        tags,
        summary: "Direct children of a unit",
        params: idParam,
        querystring: schemas.childrenQuery,
        response: { 200: schemas.unitPage },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      const result = await service.listChildren(contextOf(services, request), request.params.id, filter, {
        page,
        pageSize,
      });
      return { ...result, items: result.items.map(schemas.toUnitDto) };
    },
  );

  app.get(
    "/api/v1/units/:id/history",
    {
      config: { access: unitRead },
      schema: {
        tags,
        summary: "Events of a unit (opened, renamed, merged, closed…)",
        params: idParam,
        response: { 200: z.object({ items: z.array(schemas.unitEventSchema) }) },
      },
    },
    async (request) => {
      const events = await service.unitHistory(contextOf(services, request), request.params.id);
      return {
        items: events.map((e) => ({
          id: e.id,
          eventType: e.event_type,
          effectiveOn: e.effective_on,
          details: e.details,
          createdAt: new Date(e.created_at).toISOString(),
        })),
      };
    },
  );

  app.post(
    "/api/v1/units/:id/rename",
    {
      config: { access: unitWrite },
      schema: {
        tags,
        summary: "Rename a unit from a date; the old name stays in its history",
        params: idParam,
        body: schemas.renameBody,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await service.renameUnit(
        contextOf(services, request),
        request.params.id,
        request.body.name,
        request.body.effectiveOn,
      );
      return ok;
    },
  );

  app.post(
    "/api/v1/schools",
    {
      config: { access: { module: "orgs", action: "write" } },
      schema: {
        tags,
        summary: "Open (register) a school",
        body: schemas.schoolCreateBody,
        response: { 201: z.object({ id: z.number() }) },
      },
    },
    async (request, reply) => {
      const id = await service.openSchool(contextOf(services, request), request.body);
      return reply.status(201).send({ id });
    },
  );

  app.patch(
    "/api/v1/schools/:id",
    {
      config: { access: unitWrite },
      schema: {
        tags,
        summary: "Change a school's attributes",
        params: idParam,
        body: schemas.schoolUpdateBody,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await service.updateSchool(contextOf(services, request), request.params.id, request.body);
      return ok;
    },
  );

  app.post(
    "/api/v1/schools/:id/close",
    {
      config: { access: unitWrite },
      schema: {
        tags,
        summary: "Close (撤销) a school from a date",
        params: idParam,
        body: schemas.closeBody,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await service.closeSchool(
        contextOf(services, request),
        request.params.id,
        request.body.effectiveOn,
        request.body.reason,
      );
      return ok;
    },
  );

  app.post(
    "/api/v1/schools/:id/reopen",
    {
      config: { access: unitWrite },
      schema: {
        tags,
        summary: "Reopen a closed or merged school",
        params: idParam,
        body: schemas.reopenBody,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await service.reopenSchool(contextOf(services, request), request.params.id, request.body.effectiveOn);
      return ok;
    },
  );

  app.post(
    "/api/v1/schools/:id/merge",
    {
      config: { access: unitWrite },
      schema: {
        tags,
        summary: "Merge a school into another (合并)",
        params: idParam,
        body: schemas.mergeBody,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await service.mergeSchool(
        contextOf(services, request),
        request.params.id,
        request.body.intoUnitId,
        request.body.effectiveOn,
      );
      return ok;
    },
  );

  app.post(
    "/api/v1/schools/:id/move",
    {
      config: { access: unitWrite },
      schema: {
        tags,
        summary: "Move a school under another administrative unit of its line",
        params: idParam,
        body: schemas.moveBody,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await service.moveSchool(
        contextOf(services, request),
        request.params.id,
        request.body.parentCode,
        request.body.effectiveOn,
      );
      return ok;
    },
  );

  app.delete(
    "/api/v1/schools/:id",
    {
      config: { access: unitWrite },
      schema: {
        tags,
        summary: "Delete a school registered in error (refused once anything refers to it)",
        params: idParam,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      await service.deleteUnit(contextOf(services, request), request.params.id);
      return ok;
    },
  );

  app.get(
    "/api/v1/divisions",
    {
      config: { access: { module: "orgs", action: "read" } },
      schema: {
        tags,
        summary: "GB/T 2260 divisions: provinces, or the children of ?parent=",
        querystring: z.object({
          parent: z
            .string()
            .regex(/^\d{6}$/)
            .optional(),
        }),
        response: { 200: z.object({ items: z.array(schemas.divisionSchema) }) },
      },
    },
    async (request) => {
      const rows = await service.listDivisions(contextOf(services, request), request.query.parent ?? null);
      return { items: rows.map(toDivisionDto) };
    },
  );

  app.get(
    "/api/v1/divisions/:code",
    {
      config: { access: { module: "orgs", action: "read" } },
      schema: {
        tags,
        summary: "One division",
        params: z.object({ code: z.string().regex(/^\d{6}$/) }),
        response: { 200: schemas.divisionSchema },
      },
    },
    async (request) =>
      toDivisionDto(await service.getDivision(contextOf(services, request), request.params.code)),
  );
}

function toDivisionDto(row: {
  code: string;
  name: string;
  level: number;
  parent_code: string | null;
  province_code: string;
}) {
  return {
    code: row.code,
    name: row.name,
    level: row.level,
    parentCode: row.parent_code,
    provinceCode: row.province_code,
  };
}
