import { z } from "zod";
import { contextOf } from "../../http/access-policy";
import { pageQuerySchema, pageSchema } from "../../http/pagination";
import type { AppServices } from "../../http/services";
import { idParam, ok, okSchema, type ZodApp } from "../../http/zod-app";
import * as service from "./responsible.service";

const tags = ["responsible"];
const personSchema = z.object({
  system: z.string(),
  duty: z.enum(["leader", "operator"]),
  name: z.string(),
  position: z.string().nullable(),
  phone: z.string(),
  email: z.string().nullable(),
  updatedAt: z.string(),
});
const slotParams = idParam.extend({
  system: z
    .string()
    .regex(/^[a-z]+$/)
    .max(32),
  duty: z.enum(["leader", "operator"]),
});

export function registerResponsibleRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/units/:id/responsible-persons",
    {
      config: { access: { module: "responsible", action: "read", unitParam: "id" } },
      schema: {
        tags,
        summary: "Responsible persons (责任人) of a unit, per system",
        params: idParam,
        response: { 200: z.object({ items: z.array(personSchema) }) },
      },
    },
    async (request) => {
      const rows = await service.listForUnit(contextOf(services, request), request.params.id);
      return {
        items: rows.map((r) => ({
          system: r.system,
          duty: r.duty,
          name: r.name,
          position: r.position,
          phone: r.phone,
          email: r.email,
          updatedAt: new Date(r.updated_at).toISOString(),
        })),
      };
    },
  );

  app.put(
    "/api/v1/units/:id/responsible-persons/:system/:duty",
    {
      config: { access: { module: "responsible", action: "write", unitParam: "id" } },
      schema: {
        tags,
        summary: "Name the leader or operator of a unit for a system",
        params: slotParams,
        body: z.object({
          name: z.string().trim().min(1).max(100),
          position: z.string().trim().max(100).nullish(),
          phone: z
            .string()
            .trim()
            .regex(/^[0-9+-]{7,20}$/),
          email: z.email().max(200).nullish(),
        }),
        response: { 200: okSchema },
      },
    },
    async (request) => {
      const { id, system, duty } = request.params;
      await service.assign(contextOf(services, request), id, system, duty, request.body);
      return ok;
    },
  );

  app.delete(
    "/api/v1/units/:id/responsible-persons/:system/:duty",
    {
      config: { access: { module: "responsible", action: "write", unitParam: "id" } },
      schema: {
        tags,
        summary: "Remove a named responsible person",
        params: slotParams,
        response: { 200: okSchema },
      },
    },
    async (request) => {
      const { id, system, duty } = request.params;
      await service.unassign(contextOf(services, request), id, system, duty);
      return ok;
    },
  );

  app.get(
    "/api/v1/responsible-persons/missing",
    {
      config: { access: { module: "responsible", action: "read" } },
      schema: {
        tags,
        summary:
          "Schools and education departments of my scope with no leader or operator named for a system",
        querystring: pageQuerySchema.extend({
          system: z.string().max(32),
          kind: z.enum(["school", "department"]).optional(),
        }),
        response: {
          200: pageSchema(
            z.object({
              id: z.number(),
              code: z.string(),
              name: z.string(),
              kind: z.string(),
              missingDuties: z.array(z.string()),
            }),
          ),
        },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      return service.listMissing(contextOf(services, request), filter, { page, pageSize });
    },
  );
}
