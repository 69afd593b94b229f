import { z } from "zod";
import { contextOf } from "../../http/access-policy";
import { requestLocale } from "../../http/problem";
import type { AppServices } from "../../http/services";
import type { ZodApp } from "../../http/zod-app";
import { AppError, notFound } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { exportSchools, importSchools, schoolTemplate } from "./orgs.import";
import { findUnitById } from "./orgs.repo";

const tags = ["orgs"];
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const reportSchema = z.object({
  format: z.enum(["csv", "xlsx"]),
  encoding: z.enum(["utf-8", "gbk"]).optional(),
  totalRows: z.number(),
  readyRows: z.number(),
  existingRows: z.number(),
  errors: z.array(z.object({ row: z.number(), column: z.string(), code: z.string(), message: z.string() })),
  committed: z.boolean(),
  created: z.number(),
});

function attachment(name: string): string {
  return `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
}

export function registerOrgImportRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/schools/template.xlsx",
    {
      config: { access: { module: "orgs", action: "write" } },
      schema: { tags, summary: "The school import template (XLSX with code-set dropdowns)" },
    },
    async (request, reply) => {
      const buffer = await schoolTemplate(contextOf(services, request));
      return reply
        .type(XLSX_TYPE)
        .header("content-disposition", attachment("学校导入模板.xlsx"))
        .send(buffer);
    },
  );

  app.post(
    "/api/v1/schools/import",
    {
      config: { access: { module: "orgs", action: "write" } },
      schema: {
        tags,
        summary:
          "Upload schools (multipart field `file`, CSV in UTF-8 or GBK, or XLSX). commit=false checks only; commit=true writes all rows or none",
        querystring: z.object({ commit: z.stringbool().default(false) }),
        consumes: ["multipart/form-data"],
        response: { 200: reportSchema },
      },
    },
    async (request) => {
      const file = await request.file();
      if (!file) throw new AppError("import_empty", 400);
      const buffer = await file.toBuffer();
      return importSchools(contextOf(services, request), buffer, {
        commit: request.query.commit,
        locale: requestLocale(request),
      });
    },
  );

  app.get(
    "/api/v1/schools/export",
    {
      config: { access: { module: "orgs", action: "export" } },
      schema: {
        tags,
        summary: "Export the open schools of my scope (or of one unit in it) in the template's columns",
        querystring: z.object({
          format: z.enum(["csv", "xlsx"]).default("xlsx"),
          withinUnitId: z.coerce.number().int().positive().optional(),
        }),
      },
    },
    async (request, reply) => {
      const ctx = contextOf(services, request);
      let withinPath: string | undefined;
      if (request.query.withinUnitId) {
        const unit = await findUnitById(ctx.db, ctx.actor.scope, request.query.withinUnitId);
        if (!unit) throw notFound("unit_not_found");
        withinPath = unit.path;
      }
      const { format } = request.query;
      const buffer = await exportSchools(ctx, { format, withinPath });
      return reply
        .type(format === "csv" ? "text/csv; charset=utf-8" : XLSX_TYPE)
        .header("content-disposition", attachment(`学校_${todayIso()}.${format}`))
        .send(buffer);
    },
  );
}
