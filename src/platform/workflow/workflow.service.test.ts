import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createTestNode,
  createUser,
  openTestSchool,
  type TestNode,
  unitIdByCode,
} from "../../../test/support/app";
import { conflict } from "../../shared/errors";
import { todayIso } from "../../shared/time";
import { buildActor } from "../access/auth.service";
import { type SigningContext, withSigning } from "../signing/signing.context";
import { addWorkingDays } from "./workflow.calendar";
import { registerGeneralRequestTypes } from "./workflow.general-types";
import { registerRequestType, requestHeading } from "./workflow.registry";
import {
  addComment,
  decide,
  getRequest,
  resubmitRequest,
  submitRequest,
  withdrawRequest,
} from "./workflow.service";
import { verifyRequestSignatures } from "./workflow.verification";

let node: TestNode;
const work = mkdtempSync(path.join(tmpdir(), "edumis-workflow-"));
const ctx: Record<string, SigningContext> = {};

async function contextFor(username: string, unitCode: string, roles: string[]): Promise<SigningContext> {
  const id = await createUser(node, { username, unitCode, roles });
  const user = await node.services.db
    .selectFrom("app_user")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const actor = await buildActor(node.services.db, user, {});
  return withSigning({ db: node.services.db, codes: node.services.codes, actor }, node.services.config);
}

const report = (period = "2025秋") => ({
  type: "report_submission",
  payload: { reportCode: "JY-01", period, title: "学校基本情况", figures: { students: 812, classes: 18 } },
});

/** Everything an action could change: compared before and after a refused action. */
async function snapshot(requestId?: number) {
  const db = node.services.db;
  const count = async (table: "audit_log" | "seal" | "signing_key" | "archive_item" | "workflow_request") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    request: requestId
      ? await db
          .selectFrom("workflow_request")
          .select(["status", "version", "round", "current_step_no", "closed_at", "content_hash"])
          .where("id", "=", requestId)
          .executeTakeFirst()
      : null,
    steps: requestId
      ? await db
          .selectFrom("workflow_step")
          .select(["id", "status", "decision", "signature", "due_on"])
          .where("request_id", "=", requestId)
          .orderBy("id")
          .execute()
      : [],
    audit: await count("audit_log"),
    seals: await count("seal"),
    keys: await count("signing_key"),
    archive: await count("archive_item"),
    requests: await count("workflow_request"),
  };
}

async function expectRefused(
  requestId: number | undefined,
  action: () => Promise<unknown>,
  problem: { code: string; status: number },
) {
  const before = await snapshot(requestId);
  await expect(action()).rejects.toMatchObject(problem);
  expect(await snapshot(requestId)).toEqual(before);
}

beforeAll(async () => {
  process.env.EDUMIS_SIGNING_KEY = randomBytes(32).toString("base64");
  process.env.EDUMIS_ARCHIVE_DIR = work;
  registerGeneralRequestTypes();
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: "2133300001", divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: "2133300002", divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: "2133300005", divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: "2133300009", divisionCode: "330102", parentCode: "330100" });
  ctx.clerkA = await contextFor("clerk_a", "2133300001", ["data_clerk"]);
  ctx.leaderA = await contextFor("leader_a", "2133300001", ["unit_leader"]);
  ctx.leaderB = await contextFor("leader_b", "2133300002", ["unit_leader"]);
  ctx.county1 = await contextFor("county_1", "330102-EDU", ["reviewer"]);
  ctx.county2 = await contextFor("county_2", "330102-EDU", ["reviewer"]);
  ctx.countyAdmin = await contextFor("county_admin", "330102-EDU", ["system_admin"]);
  ctx.city = await contextFor("city_1", "330100-EDU", ["reviewer"]);
  ctx.sibling = await contextFor("sibling_1", "330106-EDU", ["reviewer"]);
  ctx.clerkP = await contextFor("clerk_p", "2133300009", ["data_clerk"]);
});
afterAll(async () => {
  await node.close();
  rmSync(work, { recursive: true, force: true });
});

describe("a report up the line", () => {
  it("passes school → county → prefecture, each decision signed; closes approved and archived", async () => {
    const submitted = await submitRequest(ctx.clerkA!, report());
    expect(submitted).toMatchObject({ version: 1, status: "in_progress" });
    const first = await getRequest(ctx.clerkA!, submitted.id);
    expect(first.steps.map((s) => [s.level, s.status])).toEqual([
      ["school", "pending"],
      ["county", "waiting"],
      ["prefecture", "waiting"],
    ]);
    expect(first.steps[0]!.due_on).toBe(await addWorkingDays(node.services.db, todayIso(), 10));
    expect(first.allowedActions).toEqual(["withdraw", "comment"]);

    expect(
      await decide(ctx.leaderA!, submitted.id, { decision: "approve", expectedVersion: 1 }),
    ).toMatchObject({
      version: 2,
      status: "in_progress",
    });
    await decide(ctx.county1!, submitted.id, {
      decision: "approve",
      expectedVersion: 2,
      comment: "数据无误",
    });
    const done = await decide(ctx.city!, submitted.id, { decision: "approve", expectedVersion: 3 });
    expect(done).toMatchObject({ version: 4, status: "approved" });

    const detail = await getRequest(ctx.city!, submitted.id);
    expect(detail.request.archive_item_id).not.toBeNull();
    expect(detail.steps.every((s) => s.status === "approved" && s.signature_algorithm === "SM2-SM3")).toBe(
      true,
    );
    const verification = await verifyRequestSignatures(node.services.db, ctx.city!.signing, submitted.id);
    expect(verification).toMatchObject({ ok: true, checkedSignatures: 3, archive: { ok: true } });

    // Each deciding unit got its first seal from the unit above, and each issue was audited.
    const seals = await node.services.db
      .selectFrom("seal")
      .innerJoin("org_unit as u", "u.id", "seal.unit_id")
      .innerJoin("org_unit as i", "i.id", "seal.issuer_unit_id")
      .select(["u.code as unit", "i.code as issuer", "seal.auto_issued"])
      .orderBy("seal.id")
      .execute();
    expect(seals).toEqual([
      { unit: "2133300001", issuer: "330102-EDU", auto_issued: true },
      { unit: "330102-EDU", issuer: "330100-EDU", auto_issued: true },
      { unit: "330100-EDU", issuer: "330000-EDU", auto_issued: true },
    ]);
    const actions = await node.services.db
      .selectFrom("audit_log")
      .select("action")
      .where("subject_type", "in", ["workflow_request", "seal", "archive_item"])
      .orderBy("id")
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      "workflow.submit",
      "seal.issue",
      "workflow.approve",
      "seal.issue",
      "workflow.approve",
      "seal.issue",
      "archive.deposit",
      "workflow.approve",
    ]);
  });

  it("refuses any action on a closed request (request_closed), changing nothing", async () => {
    const closed = await node.services.db
      .selectFrom("workflow_request")
      .select(["id", "version"])
      .where("status", "=", "approved")
      .executeTakeFirstOrThrow();
    const problem = { code: "request_closed", status: 409 };
    await expectRefused(
      closed.id,
      () => decide(ctx.city!, closed.id, { decision: "approve", expectedVersion: closed.version }),
      problem,
    );
    await expectRefused(
      closed.id,
      () => withdrawRequest(ctx.clerkA!, closed.id, { expectedVersion: closed.version }),
      problem,
    );
    await expectRefused(closed.id, () => addComment(ctx.clerkA!, closed.id, { body: "还能改吗" }), problem);
  });
});

describe("return for revision and resubmission", () => {
  it("returns to the submitter, who resubmits an edited payload as a new round", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2025春"));
    await decide(ctx.leaderA!, id, { decision: "approve", expectedVersion: 1 });
    const returned = await decide(ctx.county1!, id, {
      decision: "return",
      expectedVersion: 2,
      comment: "班级数有误",
    });
    expect(returned).toMatchObject({ status: "returned", version: 3 });
    expect((await getRequest(ctx.clerkA!, id)).allowedActions).toEqual(["resubmit", "withdraw", "comment"]);

    // Only the submitting side resubmits; the county cannot.
    await expectRefused(
      id,
      () => resubmitRequest(ctx.county1!, id, { expectedVersion: 3, payload: report().payload }),
      { code: "not_submitter", status: 403 },
    );
    const edited = { ...report("2025春").payload, figures: { students: 812, classes: 17 } };
    const resubmitted = await resubmitRequest(ctx.clerkA!, id, { expectedVersion: 3, payload: edited });
    expect(resubmitted).toMatchObject({ status: "in_progress", version: 4 });

    const detail = await getRequest(ctx.clerkA!, id);
    expect(detail.request.round).toBe(2);
    expect(detail.steps.map((s) => `${s.round}:${s.level}:${s.status}`)).toEqual([
      "1:school:approved",
      "1:county:returned",
      "1:prefecture:skipped",
      "2:school:pending",
      "2:county:waiting",
      "2:prefecture:waiting",
    ]);
    expect(detail.submissions.map((s) => s.payload.figures)).toEqual([
      { students: 812, classes: 18 },
      { students: 812, classes: 17 },
    ]);
    await decide(ctx.leaderA!, id, { decision: "approve", expectedVersion: 4 });
    await decide(ctx.county1!, id, { decision: "approve", expectedVersion: 5 });
    await decide(ctx.city!, id, { decision: "approve", expectedVersion: 6 });
    const verification = await verifyRequestSignatures(node.services.db, ctx.city!.signing, id);
    expect(verification).toMatchObject({ ok: true, checkedSignatures: 5 });
  });

  it("refuses a resubmission of a request that was not returned (request_not_returned)", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2026春"));
    await expectRefused(
      id,
      () => resubmitRequest(ctx.clerkA!, id, { expectedVersion: 1, payload: report().payload }),
      {
        code: "request_not_returned",
        status: 409,
      },
    );
  });
});

describe("withdrawal", () => {
  it("is allowed to the submitter before the first decision", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2024秋"));
    expect(await withdrawRequest(ctx.clerkA!, id, { expectedVersion: 1, reason: "重复提交" })).toMatchObject({
      status: "withdrawn",
      version: 2,
    });
    const steps = (await getRequest(ctx.clerkA!, id)).steps;
    expect(steps.map((s) => s.status)).toEqual(["skipped", "skipped", "skipped"]);
  });

  it("is refused after a decision (withdraw_not_allowed) and to anyone but the submitter", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2024春"));
    await expectRefused(id, () => withdrawRequest(ctx.leaderB!, id, { expectedVersion: 1 }), {
      code: "request_not_found",
      status: 404,
    });
    await expectRefused(id, () => withdrawRequest(ctx.county1!, id, { expectedVersion: 1 }), {
      code: "not_submitter",
      status: 403,
    });
    await decide(ctx.leaderA!, id, { decision: "approve", expectedVersion: 1 });
    await expectRefused(id, () => withdrawRequest(ctx.clerkA!, id, { expectedVersion: 2 }), {
      code: "withdraw_not_allowed",
      status: 409,
    });
  });
});

describe("who may act, and when", () => {
  it("two approvers acting at once with the same version: exactly one succeeds", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2023秋"));
    await decide(ctx.leaderA!, id, { decision: "approve", expectedVersion: 1 });
    const results = await Promise.allSettled([
      decide(ctx.county1!, id, { decision: "approve", expectedVersion: 2 }),
      decide(ctx.county2!, id, { decision: "reject", expectedVersion: 2, comment: "不同意" }),
    ]);
    const fulfilled = results.filter((r) => r.status === "fulfilled");
    const rejected = results.filter((r) => r.status === "rejected");
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    // The loser is refused with 409 either way: by the version check when both read version 2,
    // or as "already decided" when it reads the request after the winner committed (both
    // interleavings happen on a real server).
    const reason = (rejected[0] as PromiseRejectedResult).reason as { code: string; status: number };
    expect(reason.status).toBe(409);
    expect(["request_version_conflict", "already_decided"]).toContain(reason.code);
    const detail = await getRequest(ctx.county1!, id);
    expect(detail.request.version).toBe(3);
    expect(detail.steps.filter((s) => s.level === "county" && s.decision !== null)).toHaveLength(1);
    const audits = await node.services.db
      .selectFrom("audit_log")
      .select("action")
      .where("subject_type", "=", "workflow_request")
      .where("subject_id", "=", String(id))
      .execute();
    expect(audits).toHaveLength(3); // submit, the school's approval, one county decision
  });

  it("hides a request outside the scope (404) and refuses another unit's step (403)", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2023春"));
    await expectRefused(id, () => decide(ctx.sibling!, id, { decision: "approve", expectedVersion: 1 }), {
      code: "request_not_found",
      status: 404,
    });
    await expectRefused(id, () => decide(ctx.county1!, id, { decision: "approve", expectedVersion: 1 }), {
      code: "step_not_yours",
      status: 403,
    });
    // Same unit, but no right to approve: the clerk who submitted.
    await expectRefused(id, () => decide(ctx.clerkA!, id, { decision: "approve", expectedVersion: 1 }), {
      code: "forbidden",
      status: 403,
    });
  });

  it("refuses acting twice: a stale version conflicts, a fresh one says already_decided", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2022秋"));
    await decide(ctx.leaderA!, id, { decision: "approve", expectedVersion: 1 });
    await expectRefused(id, () => decide(ctx.leaderA!, id, { decision: "approve", expectedVersion: 1 }), {
      code: "request_version_conflict",
      status: 409,
    });
    await expectRefused(id, () => decide(ctx.leaderA!, id, { decision: "approve", expectedVersion: 2 }), {
      code: "already_decided",
      status: 409,
    });
  });

  it("refuses an unknown type, a missing chain level and an invalid payload", async () => {
    await expectRefused(undefined, () => submitRequest(ctx.clerkA!, { type: "no_such_type", payload: {} }), {
      code: "request_type_unknown",
      status: 422,
    });
    // A school directly under the prefecture has no county for the report chain.
    await expectRefused(undefined, () => submitRequest(ctx.clerkP!, report()), {
      code: "chain_level_missing",
      status: 422,
    });
    await expectRefused(
      undefined,
      () => submitRequest(ctx.clerkA!, { type: "report_submission", payload: { reportCode: "" } }),
      { code: "validation_failed", status: 422 },
    );
    await expect(
      submitRequest(ctx.clerkA!, { type: "report_submission", payload: { reportCode: "" } }),
    ).rejects.toMatchObject({
      fieldErrors: expect.arrayContaining([
        expect.objectContaining({ path: "payload.reportCode", code: "too_small" }),
        expect.objectContaining({ path: "payload.period", code: "field_required" }),
      ]),
    });
  });

  it("takes comments from the units of the request only", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2022春"));
    await addComment(ctx.county1!, id, { body: "请补充附件" });
    await expectRefused(id, () => addComment(ctx.leaderB!, id, { body: "路过" }), {
      code: "request_not_found",
      status: 404,
    });
    const detail = await getRequest(ctx.clerkA!, id);
    expect(detail.comments.map((c) => [c.body, c.author_unit_name, c.step_id])).toEqual([
      ["请补充附件", "上城区教育局", detail.steps[0]!.id],
    ]);
  });
});

describe("school closure (a county asks, the prefecture approves)", () => {
  it("closes the school in the transaction of the final approval and archives it permanently", async () => {
    const schoolId = await unitIdByCode(node, "2133300005");
    const submit = () =>
      submitRequest(ctx.countyAdmin!, {
        type: "school_closure",
        payload: { schoolId, effectiveOn: "2026-08-31", reason: "生源不足，并入邻校" },
      });
    // The county administrator may submit but not approve (no orgs:approve); a reviewer approves.
    const { id } = await submit();
    await decide(ctx.county1!, id, { decision: "approve", expectedVersion: 1 });
    await decide(ctx.city!, id, { decision: "approve", expectedVersion: 2 });
    const school = await node.services.db
      .selectFrom("org_unit")
      .select(["status", "effective_to"])
      .where("id", "=", schoolId)
      .executeTakeFirstOrThrow();
    expect(school).toEqual({ status: "closed", effective_to: "2026-08-31" });
    const closure = await node.services.db
      .selectFrom("audit_log")
      .select(["actor_username"])
      .where("action", "=", "school.close")
      .executeTakeFirstOrThrow();
    expect(closure.actor_username).toBe("city_1");
    const archived = await node.services.db
      .selectFrom("workflow_request")
      .innerJoin("archive_item", "archive_item.id", "workflow_request.archive_item_id")
      .select(["archive_item.retention_class", "archive_item.retain_until"])
      .where("workflow_request.id", "=", id)
      .executeTakeFirstOrThrow();
    expect(archived).toEqual({ retention_class: "permanent", retain_until: null });
    // A closed school cannot be asked to close again.
    await expectRefused(undefined, submit, { code: "unit_not_active", status: 409 });
  });

  it("is not something a school asks for itself", async () => {
    const schoolId = await unitIdByCode(node, "2133300001");
    const admin = await contextFor("school_admin_a", "2133300001", ["system_admin"]);
    await expectRefused(
      undefined,
      () =>
        submitRequest(admin, {
          type: "school_closure",
          payload: { schoolId, effectiveOn: "2026-08-31", reason: "自行撤销" },
        }),
      { code: "forbidden", status: 403 },
    );
  });
});

describe("deadlines", () => {
  it("gives each step its own limit in working days from the moment it becomes pending", async () => {
    const { id } = await submitRequest(ctx.clerkA!, report("2021秋"));
    await sql`UPDATE workflow_step SET started_at = '2025-09-30T02:00:00Z', due_on = '2025-10-21'
      WHERE request_id = ${id} AND step_no = 1`.execute(node.services.db);
    await decide(ctx.leaderA!, id, { decision: "approve", expectedVersion: 1 });
    const steps = (await getRequest(ctx.clerkA!, id)).steps;
    expect(steps[0]!.due_on).toBe("2025-10-21");
    expect(steps[1]!.due_on).toBe(await addWorkingDays(node.services.db, todayIso(), 10));
  });
});

describe("type hooks: prepare, onSubmitted, onWithdrawn; titles", () => {
  const calls: string[] = [];
  beforeAll(() => {
    registerRequestType({
      code: "test_prepared_report",
      module: "workflow",
      titleZh: "测试报送",
      titleEn: "Test report",
      payloadSchema: z.object({ code: z.string(), derived: z.string().optional() }),
      chain: "report",
      title: (p) => p.code,
      // The server completes what the submitter cannot know; "BAD" is refused before anything is stored.
      async prepare(_ctx, p) {
        if (p.code === "BAD") throw conflict("unit_not_active", { name: p.code });
        return { ...p, code: p.code.toUpperCase(), derived: `derived-${p.code.toLowerCase()}` };
      },
      async validate(_ctx, p) {
        if (!p.derived) throw new Error("validate saw the payload before prepare");
      },
      async onSubmitted(trx, request) {
        const stored = await trx
          .selectFrom("workflow_request")
          .select("status")
          .where("id", "=", request.id)
          .executeTakeFirstOrThrow();
        calls.push(`submitted:${request.id}:${request.round}:${request.payload.code}:${stored.status}`);
      },
      async onWithdrawn(_trx, request) {
        calls.push(`withdrawn:${request.id}:${request.status}`);
      },
    });
  });

  it("stores the prepared payload, runs onSubmitted in each round and onWithdrawn on withdrawal", async () => {
    const { id } = await submitRequest(ctx.clerkA!, {
      type: "test_prepared_report",
      payload: { code: "ab" },
    });
    let detail = await getRequest(ctx.clerkA!, id);
    expect(detail.submissions[0]!.payload).toEqual({ code: "AB", derived: "derived-ab" });
    expect(detail.request.title).toBe("AB");
    await decide(ctx.leaderA!, id, { decision: "return", expectedVersion: 1, comment: "重填" });
    await resubmitRequest(ctx.clerkA!, id, { expectedVersion: 2, payload: { code: "cd" } });
    detail = await getRequest(ctx.clerkA!, id);
    expect(detail.submissions[1]!.payload).toEqual({ code: "CD", derived: "derived-cd" });
    // The type's title follows the edited payload.
    expect(detail.request.title).toBe("CD");
    await withdrawRequest(ctx.clerkA!, id, { expectedVersion: 3 });
    expect(calls).toEqual([
      `submitted:${id}:1:AB:in_progress`,
      `submitted:${id}:2:CD:in_progress`,
      `withdrawn:${id}:withdrawn`,
    ]);
  });

  it("refuses a payload its prepare hook refuses, storing nothing", async () => {
    await expectRefused(
      undefined,
      () => submitRequest(ctx.clerkA!, { type: "test_prepared_report", payload: { code: "BAD" } }),
      { code: "unit_not_active", status: 409 },
    );
  });

  it("titles the archived record with the type once", async () => {
    const type = { titleZh: "转学" };
    expect(requestHeading(type, "张三")).toBe("转学：张三");
    expect(requestHeading(type, "转学")).toBe("转学");
    expect(requestHeading(type, "转学：张三")).toBe("转学：张三");
    const { id } = await submitRequest(ctx.clerkA!, {
      type: "test_prepared_report",
      payload: { code: "ef" },
    });
    await decide(ctx.leaderA!, id, { decision: "reject", expectedVersion: 1, comment: "不需要" });
    const archived = await node.services.db
      .selectFrom("workflow_request")
      .innerJoin("archive_item", "archive_item.id", "workflow_request.archive_item_id")
      .select("archive_item.title")
      .where("workflow_request.id", "=", id)
      .executeTakeFirstOrThrow();
    expect(archived.title).toBe("测试报送：EF");
  });
});
