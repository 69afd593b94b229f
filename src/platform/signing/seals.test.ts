import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestNode,
  createUser,
  openTestSchool,
  type TestNode,
  unitIdByCode,
} from "../../../test/support/app";
import { buildActor } from "../access/auth.service";
import { depositForCaller, getItem, listItems, readItemContent, verifyItem } from "./archive.service";
import { findSeal } from "./seals.repo";
import { changeSealStatus, issueSeal, verifySeal } from "./seals.service";
import { type SigningContext, withSigning } from "./signing.context";

let node: TestNode;
const work = mkdtempSync(path.join(tmpdir(), "edumis-seals-"));
const ctx: Record<string, SigningContext> = {};
const PNG_1X1 = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
  "base64",
);

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

beforeAll(async () => {
  process.env.EDUMIS_SIGNING_KEY = randomBytes(32).toString("base64");
  process.env.EDUMIS_ARCHIVE_DIR = work;
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: "2133500001", divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: "2133500002", divisionCode: "330102" });
  ctx.county = await contextFor("county_admin_e", "330102-EDU", ["system_admin"]);
  ctx.sibling = await contextFor("sibling_admin_e", "330106-EDU", ["system_admin"]);
  ctx.school = await contextFor("school_admin_e", "2133500001", ["system_admin", "data_clerk"]);
  ctx.nation = await contextFor("nation_admin_e", "CN-EDU", ["system_admin"]);
});
afterAll(async () => {
  await node.close();
  rmSync(work, { recursive: true, force: true });
});

describe("issuing seals (GB/T 38540 structure, signed by the issuer)", () => {
  it("lets a county issue a school's seal with a picture, signed with the county's key", async () => {
    const schoolId = await unitIdByCode(node, "2133500001");
    const id = await issueSeal(ctx.county!, {
      unitId: schoolId,
      name: "测试学校电子公章",
      sealType: "official",
      validFrom: "2025-01-01",
      validTo: "2030-12-31",
      picture: { mediaType: "image/png", bytes: PNG_1X1 },
    });
    const seal = (await findSeal(node.services.db, id))!;
    const info = JSON.parse(seal.seal_info);
    expect(info).toMatchObject({
      header: { id: "ES", version: 4 },
      esID: seal.seal_code,
      property: {
        type: "official",
        name: "测试学校电子公章",
        validStart: "2025-01-01",
        validEnd: "2030-12-31",
      },
      picture: { type: "image/png", size: PNG_1X1.length },
      issuer: { unitId: ctx.county!.actor.unitId },
    });
    expect(seal.seal_code).toBe("ES-2133500001-001");
    expect(await verifySeal(node.services.db, seal)).toEqual({ sealId: id, ok: true, problems: [] });

    // Any change to the seal record no longer matches what the issuer signed.
    await sql`UPDATE seal SET name = '测试学校电子公章2', valid_to = '2031-12-31' WHERE id = ${id}`.execute(
      node.services.db,
    );
    expect((await verifySeal(node.services.db, (await findSeal(node.services.db, id))!)).problems).toEqual([
      { group: "info", fields: ["name", "valid_to"] },
    ]);
    await sql`UPDATE seal SET name = '测试学校电子公章', valid_to = '2030-12-31' WHERE id = ${id}`.execute(
      node.services.db,
    );

    const audit = await node.services.db
      .selectFrom("audit_log")
      .select(["action", "actor_username"])
      .where("subject_type", "=", "seal")
      .where("subject_id", "=", String(id))
      .execute();
    expect(audit).toEqual([{ action: "seal.issue", actor_username: "county_admin_e" }]);
  });

  it("refuses a second valid seal, self-issue, a unit out of scope and a bad picture", async () => {
    const schoolId = await unitIdByCode(node, "2133500001");
    await expect(issueSeal(ctx.county!, { unitId: schoolId })).rejects.toMatchObject({
      code: "seal_already_active",
      status: 409,
    });
    await expect(
      issueSeal(ctx.county!, { unitId: await unitIdByCode(node, "330102-EDU") }),
    ).rejects.toMatchObject({ code: "seal_issuer_invalid", status: 403 });
    await expect(issueSeal(ctx.school!, { unitId: schoolId })).rejects.toMatchObject({
      code: "seal_issuer_invalid",
      status: 403,
    });
    await expect(
      issueSeal(ctx.sibling!, { unitId: await unitIdByCode(node, "2133500002") }),
    ).rejects.toMatchObject({ code: "unit_not_found", status: 404 });
    await expect(
      issueSeal(ctx.county!, {
        unitId: await unitIdByCode(node, "2133500002"),
        picture: { mediaType: "image/png", bytes: Buffer.from("<svg></svg>") },
      }),
    ).rejects.toMatchObject({ code: "seal_picture_invalid", status: 422 });
  });

  it("refuses a seal that ends before it starts, also when it starts today by default (found by http-fuzz)", async () => {
    // A validTo in the past without a validFrom used to reach the CHECK constraint: a 500.
    const unitId = await unitIdByCode(node, "2133500002");
    await expect(issueSeal(ctx.county!, { unitId, validTo: "2020-01-01" })).rejects.toMatchObject({
      code: "validation_failed",
      status: 422,
    });
    await expect(
      issueSeal(ctx.county!, { unitId, validFrom: "2026-01-02", validTo: "2026-01-01" }),
    ).rejects.toMatchObject({ code: "validation_failed", status: 422 });
  });

  it("lets the nation's department issue its own seal (the root of trust)", async () => {
    const id = await issueSeal(ctx.nation!, { unitId: ctx.nation!.actor.unitId });
    const seal = (await findSeal(node.services.db, id))!;
    expect(seal.issuer_unit_id).toBe(seal.unit_id);
    expect((await verifySeal(node.services.db, seal)).ok).toBe(true);
  });

  it("moves a seal through suspend, resume and revoke, each once and audited", async () => {
    const schoolId = await unitIdByCode(node, "2133500002");
    const id = await issueSeal(ctx.county!, { unitId: schoolId });
    await changeSealStatus(ctx.county!, id, "suspend", "核查");
    await expect(changeSealStatus(ctx.county!, id, "suspend", null)).rejects.toMatchObject({
      code: "seal_status_invalid",
    });
    await changeSealStatus(ctx.county!, id, "resume", null);
    await changeSealStatus(ctx.county!, id, "revoke", "学校撤并");
    await expect(changeSealStatus(ctx.county!, id, "resume", null)).rejects.toMatchObject({
      code: "seal_status_invalid",
    });
    await expect(changeSealStatus(ctx.sibling!, id, "revoke", null)).rejects.toMatchObject({
      code: "seal_not_found",
      status: 404,
    });
    const actions = await node.services.db
      .selectFrom("audit_log")
      .select("action")
      .where("subject_type", "=", "seal")
      .where("subject_id", "=", String(id))
      .orderBy("id")
      .execute();
    expect(actions.map((a) => a.action)).toEqual([
      "seal.issue",
      "seal.suspend",
      "seal.resume",
      "seal.revoke",
    ]);
    const key = await node.services.db
      .selectFrom("seal")
      .innerJoin("signing_key", "signing_key.id", "seal.key_id")
      .select("signing_key.status")
      .where("seal.id", "=", id)
      .executeTakeFirstOrThrow();
    expect(key.status).toBe("retired");
    // A new seal may now be issued, with a fresh key.
    const renewed = await issueSeal(ctx.county!, { unitId: schoolId });
    expect(renewed).toBeGreaterThan(id);
  });
});

describe("the electronic archive", () => {
  it("deposits bytes of any media type, sealed by the depositing unit, listed by subject", async () => {
    const bytes = Buffer.from("%PDF-1.7\n% 学籍卡（示例）\n", "utf8");
    const deposited = await depositForCaller(ctx.school!, {
      title: "学籍卡",
      kind: "registry_card",
      mediaType: "application/pdf",
      bytes,
      retentionClass: "y10",
      subjects: [
        { type: "student", id: "S-0001" },
        { type: "org_unit", id: String(ctx.school!.actor.unitId) },
      ],
    });
    expect(deposited.hash).toMatch(/^[0-9a-f]{64}$/);
    // Written atomically: no temporary file is left beside it.
    const dir = path.dirname(ctx.school!.signing.archive.pathOf(deposited.hash));
    expect(readdirSync(dir)).toEqual([deposited.hash]);

    const { item, subjects } = await getItem(ctx.county!, deposited.id);
    expect(item).toMatchObject({
      media_type: "application/pdf",
      byte_size: bytes.length,
      retention_class: "y10",
    });
    expect(item.retain_until).toMatch(/^20(3[5-9])-/);
    expect(subjects.map((s) => `${s.subject_type}:${s.subject_id}`)).toEqual([
      `org_unit:${ctx.school!.actor.unitId}`,
      "student:S-0001",
    ]);
    const page = await listItems(
      ctx.county!,
      { subjectType: "student", subjectId: "S-0001" },
      { page: 1, pageSize: 20 },
    );
    expect(page.items.map((i) => i.id)).toEqual([deposited.id]);
    const hidden = await listItems(
      ctx.sibling!,
      { subjectType: "student", subjectId: "S-0001" },
      { page: 1, pageSize: 20 },
    );
    expect(hidden.items).toEqual([]);
    await expect(getItem(ctx.sibling!, deposited.id)).rejects.toMatchObject({
      code: "archive_item_not_found",
    });

    expect((await readItemContent(ctx.county!, deposited.id)).bytes.equals(bytes)).toBe(true);
    expect(await verifyItem(node.services.db, ctx.county!.signing, item)).toEqual({
      itemId: deposited.id,
      ok: true,
      problems: [],
    });
  });

  it("keeps deposits immutable in the database, and names a missing file", async () => {
    const deposited = await depositForCaller(ctx.school!, {
      title: "附件",
      kind: "attachment",
      mediaType: "text/plain",
      bytes: Buffer.from("附件内容"),
    });
    await expect(
      sql`UPDATE archive_item SET title = '改过' WHERE id = ${deposited.id}`.execute(node.services.db),
    ).rejects.toThrow(/immutable/);
    await expect(
      sql`DELETE FROM archive_item WHERE id = ${deposited.id}`.execute(node.services.db),
    ).rejects.toThrow(/immutable/);
    rmSync(ctx.school!.signing.archive.pathOf(deposited.hash));
    const { item } = await getItem(ctx.school!, deposited.id);
    expect((await verifyItem(node.services.db, ctx.school!.signing, item)).problems).toEqual([
      { group: "file", fields: ["missing"] },
    ]);
    await expect(readItemContent(ctx.school!, deposited.id)).rejects.toMatchObject({
      code: "archive_tampered",
    });
  });
});
