/**
 * Separation of duties as a rule of the engine: the submitter never decides, a person decides at
 * most one step of a request, chains may widen the rule and a chain file that narrows it is refused.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  createTestNode,
  createUser,
  openTestSchool,
  type TestNode,
  unitIdByCode,
} from "../../../test/support/app";
import { buildActor } from "../access/auth.service";
import { type SigningContext, withSigning } from "../signing/signing.context";
import { CHAINS_FILE, syncWorkflowChains } from "./workflow.chains";
import { registerGeneralRequestTypes } from "./workflow.general-types";
import { registerRequestType } from "./workflow.registry";
import { decide, getRequest, resubmitRequest, submitRequest } from "./workflow.service";
import { inbox } from "./workflow.supervision";

let node: TestNode;
const work = mkdtempSync(path.join(tmpdir(), "edumis-separation-"));
const ctx: Record<string, SigningContext> = {};
const realChains = JSON.parse(readFileSync(CHAINS_FILE, "utf8"));

async function contextFor(username: string, unitCode: string, roles: string[]): Promise<SigningContext> {
  const id = await createUser(node, { username, unitCode, roles });
  return contextOfUser(id);
}

async function contextOfUser(id: number): Promise<SigningContext> {
  const user = await node.services.db
    .selectFrom("app_user")
    .selectAll()
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const actor = await buildActor(node.services.db, user, {});
  return withSigning({ db: node.services.db, codes: node.services.codes, actor }, node.services.config);
}

const county = { level: "county", side: "subject" };
const school = { level: "school", side: "subject" };

/** Loads the real chains plus the test ones (with the given extra fields) through the loader. */
async function loadChains(extra: Record<string, unknown>) {
  const file = path.join(work, `chains-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify({ ...realChains, default: { ...realChains.default, ...extra } }));
  return syncWorkflowChains(node.services.db, file);
}

const testChains = (overrides: Record<string, unknown> = {}) => ({
  sep_twice: { titleZh: "两次县级", titleEn: "County twice", steps: [county, county] },
  sep_fresh: {
    titleZh: "每轮新人",
    titleEn: "Fresh deciders each round",
    separation: { distinctAcrossRounds: true },
    steps: [county, county],
  },
  sep_unit: { titleZh: "学校再县", titleEn: "School then county", steps: [school, county] },
  ...overrides,
});

const payload = { note: "x" };
const ofType = (type: string) => ({ type, payload });

async function inboxIds(c: SigningContext): Promise<number[]> {
  return (await inbox(c, {}, { page: 1, pageSize: 100 })).items.map((i) => i.request_id);
}

async function approve(c: SigningContext, id: number, expectedVersion: number) {
  return decide(c, id, { decision: "approve", expectedVersion });
}

beforeAll(async () => {
  process.env.EDUMIS_SIGNING_KEY = randomBytes(32).toString("base64");
  process.env.EDUMIS_ARCHIVE_DIR = work;
  registerGeneralRequestTypes();
  for (const chain of ["sep_twice", "sep_fresh", "sep_unit"]) {
    registerRequestType({
      code: chain,
      module: "workflow",
      titleZh: chain,
      titleEn: chain,
      payloadSchema: z.object({ note: z.string() }),
      chain,
    });
  }
  node = await createTestNode();
  await openTestSchool(node, { schoolCode: "2133300001", divisionCode: "330102" });
  await loadChains(testChains());
  ctx.clerkA = await contextFor("clerk_a", "2133300001", ["data_clerk"]);
  ctx.both = await contextFor("clerk_leader_a", "2133300001", ["data_clerk", "unit_leader"]);
  ctx.leaderA = await contextFor("leader_a", "2133300001", ["unit_leader"]);
  ctx.county1 = await contextFor("county_1", "330102-EDU", ["reviewer"]);
  ctx.county2 = await contextFor("county_2", "330102-EDU", ["reviewer"]);
});
afterAll(async () => {
  await node.close();
  rmSync(work, { recursive: true, force: true });
});

describe("separation of duties", () => {
  it("refuses a submitter holding approve at the first step's unit; a second person decides", async () => {
    const { id, version } = await submitRequest(ctx.both!, {
      type: "report_submission",
      payload: { reportCode: "JY-01", period: "2025秋", title: "学校基本情况", figures: { students: 1 } },
    });
    expect(await inboxIds(ctx.both!)).not.toContain(id);
    expect((await getRequest(ctx.both!, id)).allowedActions).not.toContain("approve");
    await expect(approve(ctx.both!, id, version)).rejects.toMatchObject({
      code: "separation_of_duties",
      status: 403,
      params: { reason: "submitter" },
    });
    expect(await inboxIds(ctx.leaderA!)).toContain(id);
    expect((await getRequest(ctx.leaderA!, id)).allowedActions).toContain("approve");
    await expect(approve(ctx.leaderA!, id, version)).resolves.toMatchObject({ status: "in_progress" });
  });

  it("refuses the decider of step 1 at step 2, even at a unit where they hold the permission", async () => {
    const { id, version } = await submitRequest(ctx.clerkA!, ofType("sep_twice"));
    const first = await approve(ctx.county1!, id, version);
    expect(await inboxIds(ctx.county1!)).not.toContain(id);
    expect((await getRequest(ctx.county1!, id)).allowedActions).not.toContain("approve");
    await expect(approve(ctx.county1!, id, first.version)).rejects.toMatchObject({
      code: "separation_of_duties",
      params: { reason: "decided_other_step" },
    });
    expect(await inboxIds(ctx.county2!)).toContain(id);
    await expect(approve(ctx.county2!, id, first.version)).resolves.toMatchObject({ status: "approved" });
    // The closing signed decision anchors the audit chain at its own entry (audit.anchor.ts).
    const entry = await node.services.db
      .selectFrom("audit_log")
      .select("id")
      .where("action", "=", "workflow.approve")
      .where("subject_id", "=", String(id))
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    const anchor = await node.services.db
      .selectFrom("audit_anchor")
      .select(["reason", "entry_id"])
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(anchor.reason).toBe("decision");
    expect(anchor.entry_id).toBeGreaterThanOrEqual(entry.id);
  });

  it("follows the person, not the unit: moved to the county, the school's decider cannot decide there", async () => {
    const mover = await createUser(node, {
      username: "mover",
      unitCode: "2133300001",
      roles: ["unit_leader"],
    });
    const { id, version } = await submitRequest(ctx.clerkA!, ofType("sep_unit"));
    const atSchool = await approve(await contextOfUser(mover), id, version);
    await node.services.db
      .updateTable("app_user")
      .set({ unit_id: await unitIdByCode(node, "330102-EDU") })
      .where("id", "=", mover)
      .execute();
    await node.services.db
      .updateTable("user_role")
      .set({ role_code: "reviewer" })
      .where("user_id", "=", mover)
      .execute();
    const moved = await contextOfUser(mover);
    expect(await inboxIds(moved)).not.toContain(id);
    await expect(approve(moved, id, atSchool.version)).rejects.toMatchObject({
      code: "separation_of_duties",
    });
    await expect(approve(ctx.county1!, id, atSchool.version)).resolves.toMatchObject({ status: "approved" });
  });

  it("lets the base rule re-decide the same step in a new round; a chain widens it to fresh deciders", async () => {
    for (const [chain, allowed] of [
      ["sep_twice", true],
      ["sep_fresh", false],
    ] as const) {
      const { id, version } = await submitRequest(ctx.clerkA!, ofType(chain));
      const first = await approve(ctx.county1!, id, version);
      const returned = await decide(ctx.county2!, id, { decision: "return", expectedVersion: first.version });
      const again = await resubmitRequest(ctx.clerkA!, id, { expectedVersion: returned.version, payload });
      expect(await inboxIds(ctx.county1!), chain).toEqual(
        allowed ? expect.arrayContaining([id]) : expect.not.arrayContaining([id]),
      );
      if (allowed) {
        await expect(approve(ctx.county1!, id, again.version)).resolves.toMatchObject({
          status: "in_progress",
        });
      } else {
        await expect(approve(ctx.county1!, id, again.version)).rejects.toMatchObject({
          code: "separation_of_duties",
          params: { reason: "decided_earlier_round" },
        });
      }
    }
  });

  it("widens to exclude the submitting unit: refused at decision and at submission", async () => {
    const { id, version } = await submitRequest(ctx.clerkA!, ofType("sep_unit"));
    expect(await inboxIds(ctx.leaderA!)).toContain(id);
    await loadChains(
      testChains({
        sep_unit: { ...testChains().sep_unit, separation: { excludeSameUnitAsSubmitter: true } },
      }),
    );
    try {
      // Chain data is read at decision time, so a widening also holds for requests under way.
      expect(await inboxIds(ctx.leaderA!)).not.toContain(id);
      await expect(approve(ctx.leaderA!, id, version)).rejects.toMatchObject({
        code: "separation_of_duties",
        params: { reason: "submitter_unit" },
      });
      await expect(submitRequest(ctx.clerkA!, ofType("sep_unit"))).rejects.toMatchObject({
        code: "separation_unsatisfiable",
        status: 422,
      });
    } finally {
      await loadChains(testChains());
    }
  });

  it("refuses at load a chain file that narrows or switches off the rule, and keeps the chains as they were", async () => {
    const before = await node.services.db.selectFrom("workflow_chain").selectAll().orderBy("code").execute();
    for (const separation of [{ allowSubmitter: true }, { enabled: false }, { distinctAcrossRounds: "no" }]) {
      await expect(
        loadChains(testChains({ sep_twice: { ...testChains().sep_twice, separation } })),
      ).rejects.toThrow(/default\.sep_twice\.separation\..*(can only be widened|true or false)/);
    }
    expect(await node.services.db.selectFrom("workflow_chain").selectAll().orderBy("code").execute()).toEqual(
      before,
    );
  });
});
