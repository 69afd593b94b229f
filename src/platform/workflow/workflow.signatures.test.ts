import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, createUser, openTestSchool, type TestNode } from "../../../test/support/app";
import { buildActor } from "../access/auth.service";
import { readItemContent, verifyItem } from "../signing/archive.service";
import { createPersonalKey } from "../signing/personal-key.service";
import { changeSealStatus, issueSeal } from "../signing/seals.service";
import { type SigningContext, withSigning } from "../signing/signing.context";
import { registerGeneralRequestTypes } from "./workflow.general-types";
import { claimVersion } from "./workflow.repo";
import { decide, submitRequest } from "./workflow.service";
import { verifyRequestSignatures } from "./workflow.verification";

let node: TestNode;
const work = mkdtempSync(path.join(tmpdir(), "edumis-signatures-"));
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

const report = (period: string) => ({
  type: "report_submission",
  payload: { reportCode: "JY-02", period, title: "教职工情况", figures: { teachers: 64 } },
});

/** A report approved by the school and the county, waiting at the prefecture. */
async function reportAtPrefecture(period: string): Promise<number> {
  const { id } = await submitRequest(ctx.clerk!, report(period));
  await decide(ctx.leader!, id, { decision: "approve", expectedVersion: 1, comment: "同意上报" });
  await decide(ctx.county!, id, { decision: "approve", expectedVersion: 2, comment: "审核通过" });
  return id;
}

async function approvedReport(period: string): Promise<number> {
  const id = await reportAtPrefecture(period);
  await decide(ctx.city!, id, { decision: "approve", expectedVersion: 3 });
  return id;
}

const verify = (id: number) => verifyRequestSignatures(node.services.db, ctx.city!.signing, id);

beforeAll(async () => {
  process.env.EDUMIS_SIGNING_KEY = randomBytes(32).toString("base64");
  process.env.EDUMIS_ARCHIVE_DIR = work;
  registerGeneralRequestTypes();
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: "2133400001", divisionCode: "330102" });
  ctx.clerk = await contextFor("clerk_s", "2133400001", ["data_clerk"]);
  ctx.leader = await contextFor("leader_s", "2133400001", ["unit_leader"]);
  ctx.county = await contextFor("county_s", "330102-EDU", ["reviewer"]);
  ctx.countyAdmin = await contextFor("county_admin_s", "330102-EDU", ["system_admin"]);
  ctx.city = await contextFor("city_s", "330100-EDU", ["reviewer"]);
  ctx.cityAdmin = await contextFor("city_admin_s", "330100-EDU", ["system_admin"]);
});
afterAll(async () => {
  await node.close();
  rmSync(work, { recursive: true, force: true });
});

describe("tamper detection of signed decisions", () => {
  it("names the step and the field group when a stored comment is changed by one character", async () => {
    const id = await approvedReport("2025-T1");
    expect((await verify(id)).ok).toBe(true);
    await sql`UPDATE workflow_step SET comment = '审核通过!' WHERE request_id = ${id} AND step_no = 2`.execute(
      node.services.db,
    );
    const result = await verify(id);
    expect(result.ok).toBe(false);
    expect(result.steps.map((s) => [s.stepNo, s.ok])).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    expect(result.steps[1]!.problems).toEqual([{ group: "decision", fields: ["commentHash"] }]);
  });

  it("names every decision of the round when the payload they signed is changed", async () => {
    const id = await approvedReport("2025-T2");
    await sql`UPDATE workflow_submission SET payload = jsonb_set(payload, '{figures,teachers}', '65')
      WHERE request_id = ${id}`.execute(node.services.db);
    const result = await verify(id);
    expect(result.steps.map((s) => s.problems)).toEqual([
      [{ group: "content", fields: ["contentHash"] }],
      [{ group: "content", fields: ["contentHash"] }],
      [{ group: "content", fields: ["contentHash"] }],
    ]);
  });

  it("detects a flipped character in the signed document itself and a moved decision time", async () => {
    const id = await approvedReport("2025-T3");
    await sql`UPDATE workflow_step SET signed_document = replace(signed_document, '"approve"', '"reject"')
      WHERE request_id = ${id} AND step_no = 1`.execute(node.services.db);
    await sql`UPDATE workflow_step SET decided_at = decided_at + interval '1 second'
      WHERE request_id = ${id} AND step_no = 3`.execute(node.services.db);
    const result = await verify(id);
    expect(result.steps[0]!.problems).toEqual([
      { group: "decision", fields: ["decision"] },
      { group: "signature", fields: ["signature"] },
    ]);
    expect(result.steps[1]!.ok).toBe(true);
    expect(result.steps[2]!.problems).toEqual([{ group: "signer", fields: ["signedAt"] }]);
  });

  it("detects an altered archive file: verification fails and the content is refused", async () => {
    const id = await approvedReport("2025-T4");
    const item = await node.services.db
      .selectFrom("archive_item")
      .innerJoin("workflow_request", "workflow_request.archive_item_id", "archive_item.id")
      .innerJoin("org_unit as owner", "owner.id", "archive_item.unit_id")
      .selectAll("archive_item")
      .select("owner.name as unit_name")
      .where("workflow_request.id", "=", id)
      .executeTakeFirstOrThrow();
    const file = ctx.city!.signing.archive.pathOf(item.content_hash);
    writeFileSync(file, '{"tampered":true}');
    expect(await verifyItem(node.services.db, ctx.city!.signing, item)).toEqual({
      itemId: item.id,
      ok: false,
      problems: [{ group: "content", fields: ["content_hash"] }],
    });
    await expect(readItemContent(ctx.city!, item.id)).rejects.toMatchObject({
      code: "archive_tampered",
      status: 409,
    });
    expect((await verify(id)).archive).toMatchObject({ ok: false });
  });
});

describe("seals that may not sign", () => {
  it("refuses a revoked seal until a new one is issued; old signatures still verify", async () => {
    const earlier = await approvedReport("2025-R0");
    const id = await reportAtPrefecture("2025-R1");
    const citySeal = await node.services.db
      .selectFrom("seal")
      .innerJoin("org_unit", "org_unit.id", "seal.unit_id")
      .select(["seal.id", "seal.key_id"])
      .where("org_unit.code", "=", "330100-EDU")
      .executeTakeFirstOrThrow();
    // The province administers the city's seal (it issued it).
    const provinceAdmin = await contextFor("province_admin_s", "330000-EDU", ["system_admin"]);
    await changeSealStatus(provinceAdmin, citySeal.id, "revoke", "密钥介质遗失");

    const before = await node.services.db
      .selectFrom("workflow_step")
      .selectAll()
      .where("request_id", "=", id)
      .execute();
    await expect(decide(ctx.city!, id, { decision: "approve", expectedVersion: 3 })).rejects.toMatchObject({
      code: "seal_revoked",
      status: 409,
    });
    const after = await node.services.db
      .selectFrom("workflow_step")
      .selectAll()
      .where("request_id", "=", id)
      .execute();
    expect(after).toEqual(before);

    const newSeal = await issueSeal(provinceAdmin, { unitId: await unitId("330100-EDU") });
    const approved = await decide(ctx.city!, id, { decision: "approve", expectedVersion: 3 });
    expect(approved.status).toBe("approved");
    const step = after.find((s) => s.step_no === 3)!;
    const signedWith = await node.services.db
      .selectFrom("workflow_step")
      .select(["seal_id", "signing_key_id"])
      .where("id", "=", step.id)
      .executeTakeFirstOrThrow();
    expect(signedWith.seal_id).toBe(newSeal);
    expect(signedWith.signing_key_id).not.toBe(citySeal.key_id); // revocation retired the old key
    expect((await verify(earlier)).ok).toBe(true);
    expect((await verify(id)).ok).toBe(true);
  });

  it("refuses a suspended seal (seal_suspended) and an expired one (seal_expired)", async () => {
    const id = await reportAtPrefecture("2025-S1");
    const seal = await node.services.db
      .selectFrom("seal")
      .select(["id"])
      .where("unit_id", "=", await unitId("330100-EDU"))
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const provinceAdmin = await contextFor("province_admin_s2", "330000-EDU", ["system_admin"]);
    await changeSealStatus(provinceAdmin, seal.id, "suspend", "核查中");
    await expect(decide(ctx.city!, id, { decision: "approve", expectedVersion: 3 })).rejects.toMatchObject({
      code: "seal_suspended",
    });
    // The city cannot lift a suspension imposed from above.
    await expect(changeSealStatus(ctx.cityAdmin!, seal.id, "resume", null)).rejects.toMatchObject({
      code: "seal_issuer_invalid",
      status: 403,
    });
    await changeSealStatus(provinceAdmin, seal.id, "resume", null);
    await sql`UPDATE seal SET valid_from = '2020-01-01', valid_to = '2024-12-31'
      WHERE id = ${seal.id}`.execute(node.services.db);
    await expect(decide(ctx.city!, id, { decision: "approve", expectedVersion: 3 })).rejects.toMatchObject({
      code: "seal_expired",
    });
    await sql`UPDATE seal SET valid_to = '2099-12-31' WHERE id = ${seal.id}`.execute(node.services.db);
  });
});

describe("personal keys", () => {
  it("add the decider's own signature beside the seal's, verified with it", async () => {
    const key = await createPersonalKey(ctx.leader!);
    expect(key.pem).toContain("BEGIN PUBLIC KEY");
    expect((await createPersonalKey(ctx.leader!)).keyId).toBe(key.keyId);
    const { id } = await submitRequest(ctx.clerk!, report("2025-P1"));
    await decide(ctx.leader!, id, { decision: "approve", expectedVersion: 1 });
    const step = await node.services.db
      .selectFrom("workflow_step")
      .select(["personal_key_id", "personal_signature"])
      .where("request_id", "=", id)
      .where("step_no", "=", 1)
      .executeTakeFirstOrThrow();
    expect(step.personal_key_id).toBe(key.keyId);
    expect((await verify(id)).ok).toBe(true);
    const signature = step.personal_signature!;
    const flipped = (Number.parseInt(signature.slice(-2), 16) ^ 1).toString(16).padStart(2, "0");
    await sql`UPDATE workflow_step SET personal_signature = ${signature.slice(0, -2) + flipped}
      WHERE request_id = ${id} AND step_no = 1`.execute(node.services.db);
    expect((await verify(id)).steps[0]!.problems).toEqual([
      { group: "personal_signature", fields: ["personal_signature"] },
    ]);
  });
});

describe("optimistic lock on PostgreSQL", () => {
  it.skipIf(!process.env.TEST_DATABASE_URL)(
    "the conditional UPDATE decides when both actions read the same version",
    async () => {
      const { id } = await submitRequest(ctx.clerk!, report("2025-L1"));
      let claimed!: () => void;
      let release!: () => void;
      const claimedOnce = new Promise<void>((resolve) => (claimed = resolve));
      const held = new Promise<void>((resolve) => (release = resolve));
      // Another session claims version 1 and keeps the row locked.
      const other = node.services.db.transaction().execute(async (trx) => {
        expect(await claimVersion(trx, id, 1)).toBe(2);
        claimed();
        await held;
      });
      await claimedOnce;
      // This decision still reads version 1 (uncommitted change), passes every check, signs,
      // and waits on the row lock at its own UPDATE … WHERE version = 1.
      const outcome = decide(ctx.leader!, id, { decision: "approve", expectedVersion: 1 }).then(
        () => "approved",
        (error: unknown) => error,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      release();
      await other;
      expect(await outcome).toMatchObject({
        code: "request_version_conflict",
        params: { current: 2, expected: 1 },
      });
    },
  );
});

async function unitId(code: string): Promise<number> {
  return (
    await node.services.db
      .selectFrom("org_unit")
      .select("id")
      .where("code", "=", code)
      .executeTakeFirstOrThrow()
  ).id;
}
