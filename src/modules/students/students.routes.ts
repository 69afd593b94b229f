import { z } from "zod";
import { contextOf } from "../../http/access-policy";
import { pageQuerySchema, pageSchema } from "../../http/pagination";
import type { AppServices } from "../../http/services";
import { idParam, isoDate, type ZodApp } from "../../http/zod-app";
// Registers the registry-change request types with the workflow engine.
import "./students.workflow";
import { withSigning } from "../../platform/signing/signing.context";
import { requestPage, toRequestSummary } from "../../platform/workflow/workflow.schemas";
import { issueRegistryCard, renderRegistryCard } from "./students.card";
import { duplicateHolders } from "./students.holders";
import { listProblems, resolutionRequests, scanProblems } from "./students.problems";
import { orderPromotion } from "./students.promotion";
import * as schemas from "./students.schemas";
import * as service from "./students.service";
import { studentRequests } from "./students.workflow";

const tags = ["students"];

export function registerStudentRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/students",
    {
      config: { access: { module: "students", action: "read" } },
      schema: {
        tags,
        summary:
          "Search students of my scope by school, grade, class, status, name or number (identity numbers, G numbers and phones masked)",
        description:
          "`q` is a whole student or identity number (an exact match) or else the beginning of a name. " +
          "A name search is ordered by name, then id: names in Unicode code-point order (the byte order " +
          "of UTF-8, the same on every database engine), so one surname's students come together. " +
          "Every other list is ordered by id (the order in which the records were created).",
        querystring: schemas.studentListQuery,
        response: { 200: schemas.studentPage },
      },
    },
    async (request) => {
      const { page, pageSize, schoolId, ...filter } = request.query;
      const result = await service.listStudents(
        contextOf(services, request),
        { ...filter, ...(schoolId ? { schoolIds: [schoolId] } : {}) },
        { page, pageSize },
      );
      return {
        ...result,
        items: result.items.map((r) => ({
          id: r.id,
          studentNumber: r.student_number,
          name: r.name,
          sex: r.sex,
          birthDate: r.birth_date,
          identityNumber: r.identity_number,
          stage: r.stage,
          grade: r.grade,
          className: r.class_name,
          status: r.status,
          schoolId: r.school_unit_id,
          schoolName: r.school_name,
        })),
      };
    },
  );

  app.post(
    "/api/v1/students",
    {
      config: { access: { module: "students", action: "write" } },
      schema: {
        tags,
        summary:
          "Register a student (入学登记). The number is assigned by the rules; a suspected duplicate is registered on an L number and queued as a problem record",
        body: schemas.registrationBody,
        response: {
          201: z.object({
            id: z.number(),
            studentNumber: z.string(),
            problems: z.array(
              z.object({
                kind: z.string(),
                relatedStudentId: z.number().nullable(),
                holder: schemas.duplicateHolderSchema.nullable(),
              }),
            ),
          }),
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await service.registerStudent(contextOf(services, request), request.body)),
  );

  app.get(
    "/api/v1/students/:id",
    {
      config: { access: { module: "students", action: "read", studentParam: "id" }, personalData: "full" },
      schema: {
        tags,
        summary: "One student in full; the read is audited",
        params: idParam,
        response: { 200: schemas.studentDetail },
      },
    },
    async (request) => {
      const ctx = contextOf(services, request);
      const { student, schoolName, problems } = await service.getStudent(ctx, request.params.id);
      const requests = await resolutionRequests(
        ctx.db,
        problems.map((p) => p.id),
      );
      return schemas.toStudentDetail(
        student,
        schoolName,
        problems.map((p) => ({ ...p, resolution_request_id: requests.get(p.id) ?? null })),
      );
    },
  );

  app.get(
    "/api/v1/students/:id/history",
    {
      config: { access: { module: "students", action: "read", studentParam: "id" } },
      schema: {
        tags,
        summary: "Every registry change (学籍异动) of a student",
        params: idParam,
        response: { 200: z.object({ items: z.array(schemas.studentEvent) }) },
      },
    },
    async (request) => {
      const events = await service.studentHistory(contextOf(services, request), request.params.id);
      return {
        items: events.map((e) => ({
          id: e.id,
          changeType: e.change_type,
          effectiveOn: e.effective_on,
          schoolId: e.school_unit_id,
          schoolName: e.school_name,
          before: e.before,
          after: e.after,
          requestId: e.request_id,
          createdAt: new Date(e.created_at).toISOString(),
        })),
      };
    },
  );

  app.get(
    "/api/v1/students/:id/requests",
    {
      config: { access: { module: "students", action: "read", studentParam: "id" } },
      schema: {
        tags,
        summary:
          "The approval requests about a student (registry changes, transfers, problem resolutions) that you may see, newest first",
        params: idParam,
        querystring: pageQuerySchema,
        response: { 200: requestPage },
      },
    },
    async (request) => {
      const result = await studentRequests(contextOf(services, request), request.params.id, request.query);
      return { ...result, items: result.items.map(toRequestSummary) };
    },
  );

  app.get(
    "/api/v1/students/:id/as-of",
    {
      // The key fields in full, like the record itself: recordOnDate audits the read.
      config: { access: { module: "students", action: "read", studentParam: "id" }, personalData: "full" },
      schema: {
        tags,
        summary:
          "The record's school, grade, class, status and key fields as they stood on a date (in full; the read is audited)",
        params: idParam,
        querystring: z.object({ date: isoDate }),
        response: {
          200: z.object({ registered: z.boolean(), record: z.record(z.string(), z.unknown()).nullable() }),
        },
      },
    },
    async (request) => {
      const record = await service.recordOnDate(
        contextOf(services, request),
        request.params.id,
        request.query.date,
      );
      return { registered: record !== null, record };
    },
  );

  app.post(
    "/api/v1/students/promotions",
    {
      config: { access: { module: "students", action: "approve" } },
      schema: {
        tags,
        summary:
          "Order the annual promotion (升级) of every student in school below a unit; final grades graduate when graduate=true. Runs as a job",
        body: z.object({
          unitId: z.number().int().positive(),
          graduate: z.boolean(),
          effectiveOn: isoDate.optional(),
        }),
        response: { 202: z.object({ jobId: z.number() }) },
      },
    },
    async (request, reply) => {
      const jobId = await orderPromotion(contextOf(services, request), request.body, { wait: false });
      return reply.status(202).send({ jobId });
    },
  );

  app.get(
    "/api/v1/students/problems",
    {
      config: { access: { module: "students", action: "read" } },
      schema: {
        tags,
        summary:
          "The problem-record queue (问题学籍) of my scope: suspected duplicates, failed checks, missing fields",
        querystring: pageQuerySchema.extend({
          kind: z
            .enum([
              "duplicate_identity",
              "duplicate_person",
              "check_character",
              "missing_required",
              "temporary_number",
            ])
            .optional(),
          status: z.enum(["open", "resolving", "resolved"]).optional(),
          withinUnitId: z.coerce.number().int().positive().optional(),
        }),
        response: {
          200: pageSchema(
            z.object({
              id: z.number(),
              kind: z.string(),
              status: z.string(),
              detail: z.record(z.string(), z.unknown()),
              relatedStudentId: z
                .number()
                .nullable()
                .describe("The other record of a duplicate, only when it is in my scope"),
              holder: schemas.duplicateHolderSchema.nullable(),
              resolution: z.string().nullable(),
              requestId: z
                .number()
                .nullable()
                .describe("The approval request resolving (or that resolved) the problem"),
              resolvedAt: z.string().nullable(),
              studentId: z.number(),
              studentNumber: z.string(),
              name: z.string(),
              identityNumber: z.string().nullable(),
              schoolId: z.number(),
              schoolName: z.string(),
              createdAt: z.string(),
            }),
          ),
        },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      const ctx = contextOf(services, request);
      const result = await listProblems(ctx, filter, { page, pageSize });
      const holders = await duplicateHolders(
        ctx,
        ctx.db,
        result.items.map((p) => p.related_student_id),
      );
      const holderOf = (id: number | null) => (id === null ? undefined : holders.get(id));
      return {
        ...result,
        items: result.items.map((p) => ({
          id: p.id,
          kind: p.kind,
          status: p.status,
          detail: p.detail,
          relatedStudentId: holderOf(p.related_student_id)?.studentId ?? null,
          holder: holderOf(p.related_student_id) ?? null,
          resolution: p.resolution,
          requestId: p.resolution_request_id,
          resolvedAt: p.resolved_at ? new Date(p.resolved_at).toISOString() : null,
          studentId: p.student_id,
          studentNumber: p.student_number,
          name: p.name,
          identityNumber: p.identity_number,
          schoolId: p.school_unit_id,
          schoolName: p.school_name,
          createdAt: new Date(p.created_at).toISOString(),
        })),
      };
    },
  );

  app.post(
    "/api/v1/students/problems/scan",
    {
      config: { access: { module: "students", action: "write" } },
      schema: {
        tags,
        summary: "Scan the records below a unit for problems and queue those not yet queued",
        body: z.object({ unitId: z.number().int().positive() }),
        response: {
          200: z.object({
            duplicate_identity: z.number(),
            duplicate_person: z.number(),
            check_character: z.number(),
            missing_required: z.number(),
          }),
        },
      },
    },
    async (request) => scanProblems(contextOf(services, request), request.body.unitId),
  );

  app.get(
    "/api/v1/students/:id/card.pdf",
    {
      config: { access: { module: "students", action: "read", studentParam: "id" } },
      schema: {
        tags,
        summary: "The printable registry card (学籍卡) as PDF; the read is audited",
        params: idParam,
      },
    },
    async (request, reply) => {
      const pdf = await renderRegistryCard(contextOf(services, request), request.params.id);
      return reply
        .type("application/pdf")
        .header("content-disposition", `inline; filename*=UTF-8''${encodeURIComponent("学籍卡.pdf")}`)
        .send(pdf);
    },
  );

  app.post(
    "/api/v1/students/:id/card",
    {
      config: { access: { module: "students", action: "write", studentParam: "id" } },
      schema: {
        tags,
        summary:
          "Issue a registry card: the PDF is archived, signed with the school's seal, and linked to the student",
        params: idParam,
        response: { 201: z.object({ id: z.number(), hash: z.string(), byteSize: z.number() }) },
      },
    },
    async (request, reply) => {
      const ctx = withSigning(contextOf(services, request), services.config);
      return reply.status(201).send(await issueRegistryCard(ctx, request.params.id));
    },
  );
}
