/**
 * HTTP routes of the workflow engine under /api/v1/workflow: request types, submission, the
 * decisions (approve / reject / return, each signed with the caller's unit seal and carrying
 * the version the caller saw), resubmission, withdrawal, comments, verification, the inbox,
 * overdue supervision, counts and the working-day calendar. Scope checks live in the services.
 */
import { z } from "zod";
import { contextOf, registerRecordVisibility } from "../../http/access-policy";
import { pageQuerySchema } from "../../http/pagination";
import type { AppServices } from "../../http/services";
import { idParam, type ZodApp } from "../../http/zod-app";
import { todayIso } from "../../shared/time";
import { readableModules } from "../access/actor";
import { withSigning } from "../signing/signing.context";
import { addWorkingDays, listCalendarDays } from "./workflow.calendar";
import { registerGeneralRequestTypes } from "./workflow.general-types";
import { listRequestTypes } from "./workflow.registry";
import * as repo from "./workflow.repo";
import * as schemas from "./workflow.schemas";
import * as service from "./workflow.service";
import * as supervision from "./workflow.supervision";
import { verifyVisibleRequest } from "./workflow.verification";

const tags = ["workflow"];
const read = { module: "workflow", action: "read" } as const;
const write = { module: "workflow", action: "write" } as const;
const approve = { module: "workflow", action: "approve" } as const;
// Routes naming a request: the access policy refuses one the caller cannot see (scope, module).
const record = { kind: "request", param: "id" } as const;
const readOne = { ...read, record } as const;
const writeOne = { ...write, record } as const;
const approveOne = { ...approve, record } as const;

export function registerWorkflowRoutes(app: ZodApp, services: AppServices): void {
  registerRecordVisibility(
    "request",
    async (db, actor, id) =>
      (await repo.findVisibleRequest(db, actor.scope, id, readableModules(actor))) !== undefined,
  );
  registerGeneralRequestTypes();
  const signingContext = (request: Parameters<typeof contextOf>[1]) =>
    withSigning(contextOf(services, request), services.config);
  registerRequestRoutes(app, services, signingContext);
  registerDecisionRoutes(app, signingContext);
  registerSupervisionRoutes(app, services);
}

type SigningContextOf = (request: Parameters<typeof contextOf>[1]) => ReturnType<typeof withSigning>;

async function detailOf(ctx: Parameters<typeof service.getRequest>[0], id: number) {
  // The payloads go out in full (the route declares personalData "full"): the read is audited.
  const { request, steps, submissions, comments, allowedActions, today } = await service.readRequestInFull(
    ctx,
    id,
  );
  const current = submissions.at(-1);
  return {
    ...schemas.toRequestSummary(request),
    module: request.module,
    chain: request.chain_code,
    chainScope: request.chain_scope,
    contentHash: request.content_hash,
    payload: current?.payload ?? {},
    archiveItemId: request.archive_item_id,
    steps: steps.map((s) => schemas.toStepDto(s, today)),
    submissions: submissions.map((s) => ({
      round: s.round,
      contentHash: s.content_hash,
      payload: s.payload,
      submittedAt: s.submitted_at.toISOString(),
      submittedBy:
        s.submitted_by_user_id === null ? null : { id: s.submitted_by_user_id, name: s.submitted_by_name },
    })),
    comments: comments.map((c) => ({
      id: c.id,
      round: c.round,
      stepId: c.step_id,
      body: c.body,
      attachments: c.attachments,
      author: {
        id: c.author_user_id,
        name: c.author_name,
        unitId: c.author_unit_id,
        unitName: c.author_unit_name,
      },
      createdAt: new Date(c.created_at).toISOString(),
    })),
    allowedActions,
  };
}

function registerRequestRoutes(app: ZodApp, services: AppServices, signingContext: SigningContextOf): void {
  app.get(
    "/api/v1/workflow/types",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "Registered request types (业务申请类型)",
        response: { 200: z.object({ items: z.array(schemas.requestTypeSchema) }) },
      },
    },
    async () => ({
      items: listRequestTypes().map((t) => ({
        code: t.code,
        module: t.module,
        titleZh: t.titleZh,
        titleEn: t.titleEn,
        chain: t.chain,
      })),
    }),
  );

  app.post(
    "/api/v1/workflow/requests",
    {
      config: { access: write },
      schema: {
        tags,
        summary: "Submit a request; its approval chain is resolved to concrete units now",
        body: schemas.submitBody,
        response: { 201: schemas.actionResult },
      },
    },
    async (request, reply) => {
      const result = await service.submitRequest(contextOf(services, request), request.body);
      return reply.status(201).send(result);
    },
  );

  app.get(
    "/api/v1/workflow/requests",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "Requests in your scope (a party or an acting unit lies in it)",
        querystring: schemas.requestListQuery,
        response: { 200: schemas.requestPage },
      },
    },
    async (request) => {
      const { page, pageSize, ...filter } = request.query;
      const result = await supervision.searchRequests(contextOf(services, request), filter, {
        page,
        pageSize,
      });
      return { ...result, items: result.items.map(schemas.toRequestSummary) };
    },
  );

  app.get(
    "/api/v1/workflow/requests/:id",
    {
      // Payloads in full (identity numbers of a key-field change); readRequestInFull audits the read.
      config: { access: readOne, personalData: "full" },
      schema: {
        tags,
        summary:
          "A request with its rounds, steps, signatures, comments and your allowed actions; payloads in full, the read is audited",
        params: idParam,
        response: { 200: schemas.requestDetailSchema },
      },
    },
    async (request) => detailOf(contextOf(services, request), request.params.id),
  );

  app.get(
    "/api/v1/workflow/requests/:id/verification",
    {
      config: { access: readOne },
      schema: {
        tags,
        summary: "Verify every signature of a request (and its archive deposit); names altered steps",
        params: idParam,
        response: { 200: schemas.verificationSchema },
      },
    },
    async (request) => {
      const ctx = signingContext(request);
      return schemas.toVerificationDto(await verifyVisibleRequest(ctx, ctx.signing, request.params.id));
    },
  );

  app.post(
    "/api/v1/workflow/requests/:id/resubmit",
    {
      config: { access: writeOne },
      schema: {
        tags,
        summary: "Resubmit a returned request with an edited payload (a new round)",
        params: idParam,
        body: schemas.resubmitBody,
        response: { 200: schemas.actionResult },
      },
    },
    async (request) => service.resubmitRequest(contextOf(services, request), request.params.id, request.body),
  );

  app.post(
    "/api/v1/workflow/requests/:id/withdraw",
    {
      config: { access: writeOne },
      schema: {
        tags,
        summary: "Withdraw a request before any decision (or while it lies returned with you)",
        params: idParam,
        body: schemas.withdrawBody,
        response: { 200: schemas.actionResult },
      },
    },
    async (request) => service.withdrawRequest(contextOf(services, request), request.params.id, request.body),
  );

  app.post(
    "/api/v1/workflow/requests/:id/comments",
    {
      config: { access: readOne },
      schema: {
        tags,
        summary: "Comment on the current step (submitting and deciding units; needs write or approve)",
        params: idParam,
        body: schemas.commentBody,
        response: { 201: z.object({ id: z.number() }) },
      },
    },
    async (request, reply) => {
      const result = await service.addComment(contextOf(services, request), request.params.id, request.body);
      return reply.status(201).send(result);
    },
  );
}

function registerDecisionRoutes(app: ZodApp, signingContext: SigningContextOf): void {
  const decisions = [
    { path: "approve", decision: "approve", body: schemas.approveBody, summary: "Approve the current step" },
    {
      path: "reject",
      decision: "reject",
      body: schemas.reasonedDecisionBody,
      summary: "Reject (ends the request)",
    },
    {
      path: "return",
      decision: "return",
      body: schemas.reasonedDecisionBody,
      summary: "Return for revision to the submitter",
    },
  ] as const;
  for (const { path, decision, body, summary } of decisions) {
    app.post(
      `/api/v1/workflow/requests/:id/${path}`,
      {
        config: { access: approveOne },
        schema: {
          tags,
          summary: `${summary}; signed with your unit's seal. Carries the version you saw.`,
          params: idParam,
          body,
          response: { 200: schemas.actionResult },
        },
      },
      async (request) =>
        service.decide(signingContext(request), request.params.id, { ...request.body, decision }),
    );
  }
}

function registerSupervisionRoutes(app: ZodApp, services: AppServices): void {
  app.get(
    "/api/v1/workflow/inbox",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "Steps waiting for your unit in types you may approve (待办)",
        querystring: schemas.inboxQuery,
        response: { 200: schemas.inboxPage },
      },
    },
    async (request) => {
      const { page, pageSize, ...query } = request.query;
      const result = await supervision.inbox(contextOf(services, request), query, { page, pageSize });
      const today = todayIso();
      return { ...result, items: result.items.map((r) => schemas.toPendingStepDto(r, today)) };
    },
  );

  app.get(
    "/api/v1/workflow/overdue",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "Overdue steps in your scope, escalated to the unit above (超期督办)",
        querystring: pageQuerySchema,
        response: { 200: schemas.overduePage },
      },
    },
    async (request) => {
      const result = await supervision.overdue(contextOf(services, request), request.query);
      const today = todayIso();
      return {
        ...result,
        items: result.items.map((r) => ({
          ...schemas.toPendingStepDto(r, today),
          overdueWorkingDays: r.overdue_working_days,
          escalatedTo: r.escalated_to,
        })),
      };
    },
  );

  app.get(
    "/api/v1/workflow/stats",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "Pending and overdue steps per unit in your scope, requests by status",
        response: { 200: schemas.statsSchema },
      },
    },
    async (request) => {
      const { today, units, statuses } = await supervision.stats(contextOf(services, request));
      return {
        today,
        units: units.map((u) => ({
          unit: { id: u.unit_id, name: u.unit_name },
          pending: Number(u.pending),
          overdue: Number(u.overdue),
          oldestStartedAt: u.oldest_started_at ? new Date(u.oldest_started_at).toISOString() : null,
        })),
        requestsByStatus: Object.fromEntries(statuses.map((s) => [s.status, Number(s.n)])),
      };
    },
  );

  app.get(
    "/api/v1/workflow/calendar",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "Holidays and adjusted working days between two dates (工作日历)",
        querystring: schemas.calendarQuery,
        response: { 200: schemas.calendarSchema },
      },
    },
    async (request) => {
      const rows = await listCalendarDays(services.db, request.query.from, request.query.to);
      return {
        items: rows.map((r) => ({ day: r.day, isWorking: r.is_working, name: r.name, source: r.source })),
      };
    },
  );

  app.get(
    "/api/v1/workflow/calendar/deadline",
    {
      config: { access: read },
      schema: {
        tags,
        summary: "The date that lies a number of working days after a start date",
        querystring: schemas.deadlineQuery,
        response: { 200: z.object({ start: z.string(), days: z.number(), dueOn: z.string() }) },
      },
    },
    async (request) => {
      const { start, days } = request.query;
      return { start, days, dueOn: await addWorkingDays(services.db, start, days) };
    },
  );
}
