import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  createTestNode,
  createUser,
  openTestSchool,
  signIn,
  type TestNode,
  unitIdByCode,
} from "../../../test/support/app";

let node: TestNode;
const work = mkdtempSync(path.join(tmpdir(), "edumis-workflow-http-"));
const as: Record<string, Client> = {};
const REQUESTS = "/api/v1/workflow/requests";

const reportBody = (period: string) => ({
  type: "report_submission",
  payload: { reportCode: "JY-03", period, title: "办学条件", figures: { rooms: 40 } },
});

async function submit(period: string): Promise<number> {
  const response = await as.clerk!.send("POST", REQUESTS, reportBody(period));
  expect(response.statusCode, response.body).toBe(201);
  return response.json().id;
}

async function act(client: Client, id: number, action: string, body: Record<string, unknown>) {
  return client.send("POST", `${REQUESTS}/${id}/${action}`, body);
}

beforeAll(async () => {
  process.env.EDUMIS_SIGNING_KEY = randomBytes(32).toString("base64");
  process.env.EDUMIS_ARCHIVE_DIR = work;
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: "2133600001", divisionCode: "330102" });
  const users: [string, string, string[]][] = [
    ["h_clerk", "2133600001", ["data_clerk"]],
    ["h_leader", "2133600001", ["unit_leader"]],
    ["h_county", "330102-EDU", ["reviewer"]],
    ["h_county_admin", "330102-EDU", ["system_admin"]],
    ["h_city", "330100-EDU", ["reviewer"]],
    ["h_sibling", "330106-EDU", ["reviewer"]],
  ];
  for (const [username, unitCode, roles] of users) {
    await createUser(node, { username, unitCode, roles });
    as[username.slice(2)] = await signIn(node, username);
  }
});
afterAll(async () => {
  await node.close();
  rmSync(work, { recursive: true, force: true });
});

describe("workflow over HTTP", () => {
  it("lists the registered request types", async () => {
    const response = await as.clerk!.get("/api/v1/workflow/types");
    expect(response.statusCode).toBe(200);
    expect(response.json().items.map((t: { code: string }) => t.code)).toEqual(
      expect.arrayContaining(["report_submission", "school_closure"]),
    );
  });

  it("runs a report from submission to a verified, archived approval", async () => {
    const id = await submit("2025Q1");
    const asClerk = (await as.clerk!.get(`${REQUESTS}/${id}`)).json();
    expect(asClerk).toMatchObject({ status: "in_progress", version: 1, chainScope: "default" });
    expect(asClerk.allowedActions).toEqual(["withdraw", "comment"]);
    expect((await as.leader!.get(`${REQUESTS}/${id}`)).json().allowedActions).toEqual([
      "approve",
      "reject",
      "return",
      "comment",
    ]);
    const inbox = (await as.leader!.get("/api/v1/workflow/inbox")).json();
    expect(inbox.items.map((i: { requestId: number }) => i.requestId)).toContain(id);
    expect((await as.clerk!.get("/api/v1/workflow/inbox")).json().items).toEqual([]);

    expect((await act(as.leader!, id, "approve", { expectedVersion: 1, comment: "同意" })).json()).toEqual({
      id,
      version: 2,
      status: "in_progress",
    });
    expect((await act(as.county!, id, "approve", { expectedVersion: 2 })).statusCode).toBe(200);
    expect((await act(as.city!, id, "approve", { expectedVersion: 3 })).json().status).toBe("approved");

    const detail = (await as.city!.get(`${REQUESTS}/${id}`)).json();
    expect(detail.steps.map((s: { signature: { algorithm: string } }) => s.signature.algorithm)).toEqual([
      "SM2-SM3",
      "SM2-SM3",
      "SM2-SM3",
    ]);
    const verification = (await as.clerk!.get(`${REQUESTS}/${id}/verification`)).json();
    expect(verification).toMatchObject({ ok: true, checkedSignatures: 3, archive: { ok: true } });

    const archived = (
      await as.clerk!.get(`/api/v1/archive/items?subjectType=workflow_request&subjectId=${id}`)
    ).json();
    expect(archived.items).toHaveLength(1);
    const itemId = archived.items[0].id;
    expect(itemId).toBe(detail.archiveItemId);
    const content = await as.clerk!.get(`/api/v1/archive/items/${itemId}/content`);
    expect(content.statusCode).toBe(200);
    expect(content.headers["content-type"]).toMatch(/^application\/json/);
    expect(content.headers["content-disposition"]).toBe("attachment");
    expect(JSON.parse(content.body)).toMatchObject({ kind: "edumis.workflow.request", request: { id } });
    expect((await as.clerk!.get(`/api/v1/archive/items/${itemId}/verification`)).json()).toEqual({
      itemId,
      ok: true,
      problems: [],
    });
  });

  it("answers refusals as problem documents in the caller's language, changing nothing", async () => {
    const id = await submit("2025Q2");
    const stale = await act(as.leader!, id, "approve", { expectedVersion: 7 });
    expect(stale.statusCode).toBe(409);
    expect(stale.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(stale.json()).toMatchObject({
      code: "request_version_conflict",
      detail: expect.stringContaining("版本"),
    });
    const english = await as.leader!.send(
      "POST",
      `${REQUESTS}/${id}/approve`,
      { expectedVersion: 7 },
      {
        "accept-language": "en",
      },
    );
    expect(english.json().detail).toBe(
      "Someone else has acted on the request (version 1, you saw 7); reload and try again",
    );

    expect((await act(as.county!, id, "approve", { expectedVersion: 1 })).json()).toMatchObject({
      status: 403,
      code: "step_not_yours",
    });
    expect((await as.sibling!.get(`${REQUESTS}/${id}`)).json()).toMatchObject({
      status: 404,
      code: "request_not_found",
    });
    expect((await act(as.leader!, id, "reject", { expectedVersion: 1 })).json()).toMatchObject({
      status: 400,
      code: "validation_failed",
    });
    expect((await act(as.clerk!, id, "approve", { expectedVersion: 1 })).statusCode).toBe(403);
    const unknown = await as.clerk!.send("POST", REQUESTS, { type: "no_such_type", payload: {} });
    expect(unknown.json()).toMatchObject({
      status: 422,
      code: "request_type_unknown",
      errors: [{ path: "type", code: "request_type_unknown" }],
    });
    expect((await as.clerk!.get(`${REQUESTS}/${id}`)).json()).toMatchObject({
      version: 1,
      status: "in_progress",
    });
  });

  it("returns, resubmits and withdraws", async () => {
    const id = await submit("2025Q3");
    await act(as.leader!, id, "return", { expectedVersion: 1, comment: "请核对面积" });
    const resubmitted = await act(as.clerk!, id, "resubmit", {
      expectedVersion: 2,
      payload: { ...reportBody("2025Q3").payload, figures: { rooms: 41 } },
    });
    expect(resubmitted.json()).toEqual({ id, version: 3, status: "in_progress" });
    expect((await act(as.clerk!, id, "withdraw", { expectedVersion: 3, reason: "改期上报" })).json()).toEqual(
      {
        id,
        version: 4,
        status: "withdrawn",
      },
    );
    const comment = await as.clerk!.send("POST", `${REQUESTS}/${id}/comments`, { body: "补充" });
    expect(comment.json()).toMatchObject({ status: 409, code: "request_closed" });
  });

  it("lists overdue steps to the late unit's supervisors, escalated, and counts them per unit", async () => {
    const id = await submit("2025Q4");
    await sql`UPDATE workflow_step SET started_at = '2025-09-30T02:00:00Z', due_on = '2025-10-21'
      WHERE request_id = ${id} AND step_no = 1`.execute(node.services.db);
    const schoolId = await unitIdByCode(node, "2133600001");
    const countyDepartment = await unitIdByCode(node, "330102-EDU");
    for (const supervisor of [as.county!, as.city!]) {
      const overdue = (await supervisor.get("/api/v1/workflow/overdue")).json();
      const item = overdue.items.find((i: { requestId: number }) => i.requestId === id);
      expect(item).toMatchObject({
        actingUnit: { id: schoolId },
        dueOn: "2025-10-21",
        overdue: true,
        escalatedTo: { id: countyDepartment, name: "上城区教育局" },
      });
      expect(item.overdueWorkingDays).toBeGreaterThan(0);
    }
    expect((await as.sibling!.get("/api/v1/workflow/overdue")).json().items).toEqual([]);
    const stats = (await as.county!.get("/api/v1/workflow/stats")).json();
    // The report of 2025Q2 (refusals above) waits too, within its limit.
    expect(stats.units.find((u: { unit: { id: number } }) => u.unit.id === schoolId)).toMatchObject({
      pending: 2,
      overdue: 1,
    });
    expect(stats.requestsByStatus).toMatchObject({ in_progress: 2, approved: 1, withdrawn: 1 });
    const inbox = (await as.leader!.get("/api/v1/workflow/inbox?overdueOnly=true")).json();
    expect(inbox.items.map((i: { requestId: number }) => i.requestId)).toEqual([id]);
  });

  it("computes deadlines over the working-day calendar", async () => {
    const response = await as.clerk!.get("/api/v1/workflow/calendar/deadline?start=2025-09-30&days=10");
    expect(response.json()).toEqual({ start: "2025-09-30", days: 10, dueOn: "2025-10-21" });
    const days = (await as.clerk!.get("/api/v1/workflow/calendar?from=2025-09-27&to=2025-10-12")).json()
      .items;
    expect(
      days.filter((d: { isWorking: boolean }) => d.isWorking).map((d: { day: string }) => d.day),
    ).toEqual(["2025-09-28", "2025-10-11"]);
  });
});

describe("seals and archive over HTTP", () => {
  it("shows seals in scope with their public key; an administrator suspends and resumes one", async () => {
    const list = (await as.county_admin!.get("/api/v1/seals")).json();
    const schoolId = await unitIdByCode(node, "2133600001");
    const schoolSeal = list.items.find((s: { unit: { id: number } }) => s.unit.id === schoolId);
    expect(schoolSeal).toMatchObject({ status: "active", autoIssued: true, sealType: "official" });
    const key = (await as.county!.get(`/api/v1/seals/${schoolSeal.id}/public-key`)).json();
    expect(key.pem).toContain("-----BEGIN PUBLIC KEY-----");
    expect((await as.county!.get(`/api/v1/seals/${schoolSeal.id}/verification`)).json()).toMatchObject({
      ok: true,
    });
    expect((await as.sibling!.get(`/api/v1/seals/${schoolSeal.id}`)).json()).toMatchObject({
      code: "seal_not_found",
    });

    // A reviewer may not administer seals.
    expect((await as.county!.send("POST", `/api/v1/seals/${schoolSeal.id}/suspend`, {})).statusCode).toBe(
      403,
    );
    const suspended = await as.county_admin!.send("POST", `/api/v1/seals/${schoolSeal.id}/suspend`, {
      reason: "核查",
    });
    expect(suspended.json()).toEqual({ ok: true });
    const id = await submit("2026Q1");
    expect((await act(as.leader!, id, "approve", { expectedVersion: 1 })).json()).toMatchObject({
      status: 409,
      code: "seal_suspended",
    });
    await as.county_admin!.send("POST", `/api/v1/seals/${schoolSeal.id}/resume`, {});
    expect((await act(as.leader!, id, "approve", { expectedVersion: 1 })).statusCode).toBe(200);
  });

  it("deposits a document with subjects and lists it by subject", async () => {
    const deposit = await as.clerk!.send("POST", "/api/v1/archive/items", {
      title: "转学证明",
      mediaType: "application/pdf",
      contentBase64: Buffer.from("%PDF-1.4 test").toString("base64"),
      subjects: [{ type: "student", id: "S-42" }],
    });
    expect(deposit.statusCode, deposit.body).toBe(201);
    const list = (await as.county!.get("/api/v1/archive/items?subjectType=student&subjectId=S-42")).json();
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({
      contentHash: deposit.json().contentHash,
      mediaType: "application/pdf",
    });
    const refused = await as.clerk!.send("POST", "/api/v1/archive/items", {
      title: "x",
      mediaType: "text/plain",
      contentBase64: "eA==",
      subjects: [{ type: "org_unit", id: String(await unitIdByCode(node, "330106-EDU")) }],
    });
    expect(refused.json()).toMatchObject({ status: 422, code: "unit_not_found" });
  });

  it("creates a personal key that then co-signs the user's decisions", async () => {
    const created = await as.leader!.send("POST", "/api/v1/seals/personal-key");
    expect(created.statusCode).toBe(200);
    expect((await as.leader!.get("/api/v1/seals/personal-key")).json().key.keyId).toBe(
      created.json().key.keyId,
    );
    const id = await submit("2026Q2");
    await act(as.leader!, id, "approve", { expectedVersion: 1 });
    const step = (await as.leader!.get(`${REQUESTS}/${id}`)).json().steps[0];
    expect(step.signature.personal.keyId).toBe(created.json().key.keyId);
  });
});
