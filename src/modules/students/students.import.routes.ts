/**
 * Routes of the student spreadsheet import (template, preview, commit, state, error file) and
 * of the export. An import belongs to the clerk who uploaded it: another caller gets 404.
 */
import { z } from "zod";
import { contextOf } from "../../http/access-policy";
import { requireStorableText } from "../../http/input-guard";
import { requestLocale } from "../../http/problem";
import type { AppServices } from "../../http/services";
import type { ZodApp } from "../../http/zod-app";
import { AppError } from "../../shared/errors";
import { exportStudents } from "./students.export";
import {
  getImport,
  importIssuesFile,
  listImports,
  registerImportJobRunner,
  startCommit,
  startImport,
  studentTemplate,
} from "./students.import";
import { duplicateHolderSchema } from "./students.schemas";

const tags = ["students"];
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

const phase = z.enum(["validating", "previewed", "committing", "committed", "failed", "expired"]);
const issue = z.object({ row: z.number(), column: z.string(), code: z.string(), message: z.string() });

const reportSchema = z.object({
  jobId: z.number(),
  phase,
  fileName: z.string().nullable(),
  fileSha256: z.string(),
  format: z.enum(["csv", "xlsx"]),
  encoding: z.string().nullable(),
  progressDone: z.number(),
  progressTotal: z.number(),
  totalRows: z.number(),
  readyRows: z.number(),
  existingRows: z.number(),
  duplicateCount: z.number(),
  errorRows: z.number(),
  errorCount: z.number(),
  duplicateRows: z.array(
    issue.extend({
      relatedRow: z.number().nullable(),
      relatedStudentId: z.number().nullable(),
      holder: duplicateHolderSchema.nullable(),
    }),
  ),
  errors: z.array(issue),
  truncated: z.boolean(),
  committed: z.boolean(),
  created: z.number(),
  problemRecords: z.number(),
  error: z.string().nullable(),
});

const startedSchema = z.object({ jobId: z.number(), phase });
const jobParam = z.object({ jobId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const waitQuery = z
  .stringbool()
  .default(true)
  .describe("false: answer 202 with the job id at once and poll GET /api/v1/students/imports/{jobId}");

function attachment(name: string): string {
  return `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
}

function registerTemplateRoute(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/students/template.xlsx",
    {
      config: { access: { module: "students", action: "write" } },
      schema: {
        tags,
        summary:
          "The student import template: the national headers (★ required), text columns, code dropdowns",
      },
    },
    async (_request, reply) =>
      reply
        .type(XLSX_TYPE)
        .header("content-disposition", attachment("学生导入模板.xlsx"))
        .send(await studentTemplate(services.codes)),
  );
}

function registerUploadRoute(app: ZodApp, services: AppServices): void {
  app.post(
    "/api/v1/students/imports",
    {
      config: { access: { module: "students", action: "write" } },
      schema: {
        tags,
        summary:
          "Upload students (multipart field `file`: CSV in UTF-8 or GBK, or XLSX) and preview: " +
          "every row is checked and staged, nothing is registered until the commit",
        consumes: ["multipart/form-data"],
        querystring: z.object({
          schoolCode: z
            .string()
            .regex(/^\d{10}$/)
            .optional()
            .describe("School of rows without 学校标识码 (importers above school level)"),
          wait: waitQuery,
        }),
        response: { 200: reportSchema, 202: startedSchema },
      },
    },
    async (request, reply) => {
      const file = await request.file();
      if (!file) throw new AppError("import_empty", 400);
      requireStorableText(file.filename, "file.filename");
      const buffer = await file.toBuffer();
      const started = await startImport(contextOf(services, request), services.database, buffer, {
        fileName: file.filename,
        schoolCode: request.query.schoolCode,
        locale: requestLocale(request),
        transferFile: true,
      });
      if (request.query.wait) return reply.status(200).send(await started.finished);
      started.finished.catch((error: unknown) =>
        request.log.warn({ err: error }, "student import preview failed"),
      );
      return reply.status(202).send({ jobId: started.jobId, phase: "validating" as const });
    },
  );
}

function registerJobRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/students/imports",
    {
      config: { access: { module: "students", action: "write" } },
      schema: {
        tags,
        summary: "My recent student imports, newest first",
        response: {
          200: z.object({
            items: z.array(
              z.object({
                jobId: z.number(),
                phase,
                fileName: z.string().nullable(),
                totalRows: z.number(),
                created: z.number(),
                progressDone: z.number(),
                progressTotal: z.number(),
                createdAt: z.string(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const rows = await listImports(contextOf(services, request));
      return {
        items: rows.map((r) => ({
          jobId: r.job_id,
          phase: r.phase,
          fileName: r.file_name,
          totalRows: r.total_rows,
          created: r.created_rows,
          progressDone: r.progress_done,
          progressTotal: r.progress_total,
          createdAt: new Date(r.created_at).toISOString(),
        })),
      };
    },
  );

  app.get(
    "/api/v1/students/imports/:jobId",
    {
      config: { access: { module: "students", action: "write" } },
      schema: {
        tags,
        summary: "State, progress and report of one of my imports (poll while it validates or commits)",
        params: jobParam,
        response: { 200: reportSchema },
      },
    },
    async (request) => getImport(contextOf(services, request), request.params.jobId, requestLocale(request)),
  );

  app.post(
    "/api/v1/students/imports/:jobId/commit",
    {
      config: { access: { module: "students", action: "write" } },
      schema: {
        tags,
        summary:
          "Register exactly the previewed rows in one transaction. Suspected duplicates are left out " +
          "unless registerDuplicatesAsProblems=true (then an L or J number plus a problem record)",
        params: jobParam,
        querystring: z.object({
          registerDuplicatesAsProblems: z.stringbool().default(false),
          wait: waitQuery,
        }),
        response: { 200: reportSchema, 202: startedSchema },
      },
    },
    async (request, reply) => {
      const started = await startCommit(
        contextOf(services, request),
        services.database,
        request.params.jobId,
        {
          registerDuplicatesAsProblems: request.query.registerDuplicatesAsProblems,
          locale: requestLocale(request),
        },
      );
      if (request.query.wait) return reply.status(200).send(await started.finished);
      started.finished.catch((error: unknown) =>
        request.log.warn({ err: error }, "student import commit failed"),
      );
      return reply.status(202).send({ jobId: started.jobId, phase: "committing" as const });
    },
  );

  for (const format of ["xlsx", "csv"] as const) {
    app.get(
      `/api/v1/students/imports/:jobId/errors.${format}`,
      {
        config: { access: { module: "students", action: "write" }, rateLimitGroup: "export" },
        schema: {
          tags,
          summary: `Every problem of one of my imports (行号, 列, 问题) as ${format.toUpperCase()}`,
          params: jobParam,
        },
      },
      async (request, reply) => {
        const file = await importIssuesFile(contextOf(services, request), request.params.jobId, format);
        return reply
          .type(format === "csv" ? "text/csv; charset=utf-8" : XLSX_TYPE)
          .header("content-disposition", attachment(`导入错误_${request.params.jobId}.${format}`))
          .send(file);
      },
    );
  }
}

function registerExportRoute(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/students/export",
    {
      config: { access: { module: "students", action: "export" } },
      schema: {
        tags,
        summary:
          "Export the students of my scope in the template's columns (the list's filters). Identity " +
          "numbers are masked unless unmasked=true by a caller who may maintain records; audited",
        querystring: z.object({
          format: z.enum(["csv", "xlsx"]).default("xlsx"),
          unmasked: z.stringbool().default(false),
          q: z.string().trim().min(1).max(40).optional(),
          schoolId: z.coerce.number().int().positive().optional(),
          withinUnitId: z.coerce.number().int().positive().optional(),
          grade: z.string().max(10).optional(),
          className: z.string().max(50).optional(),
          status: z.string().max(4).optional(),
        }),
      },
    },
    async (request, reply) => {
      const { format, unmasked, ...filter } = request.query;
      const exported = await exportStudents(contextOf(services, request), filter, { format, unmasked });
      return reply
        .type(exported.contentType)
        .header("content-disposition", attachment(exported.fileName))
        .header("x-row-count", String(exported.rows))
        .send(exported.stream);
    },
  );
}

export function registerStudentImportRoutes(app: ZodApp, services: AppServices): void {
  registerImportJobRunner(services.database);
  registerTemplateRoute(app, services);
  registerUploadRoute(app, services);
  registerJobRoutes(app, services);
  registerExportRoute(app, services);
}
