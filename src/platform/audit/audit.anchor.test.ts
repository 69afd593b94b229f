/**
 * Anchoring the audit chain: an attacker with database access who edits an entry and recomputes
 * every hash, or deletes the newest entries, or forges an anchor, is found by verifyAuditChain.
 */
import { randomBytes } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, createUser, signIn, type TestNode } from "../../../test/support/app";
import { canonicalJson } from "../../shared/canonical-json";
import { algorithmNamed } from "../signing/algorithms";
import { signingServicesFor } from "../signing/signing.context";
import { anchorAuditHead, anchorIfDue } from "./audit.anchor";
import { chainHash, GENESIS_HASH } from "./audit.chain";
import { fieldsOf, recordAudit, verifyAuditChain } from "./audit.service";

let node: TestNode | undefined;
beforeAll(() => {
  process.env.EDUMIS_SIGNING_KEY = randomBytes(32).toString("base64");
});
afterEach(async () => {
  await node?.close();
  node = undefined;
});

async function freshNode(): Promise<TestNode> {
  node = await createTestNode();
  return node;
}

const vault = () => signingServicesFor(node!.services.config).vault;
const verify = () => verifyAuditChain(node!.services.db, vault(), 3);

async function entries(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(
      await recordAudit(node!.services.db, {
        actor: node!.system.actor,
        action: "test.write",
        module: "orgs",
        detail: { i },
      }),
    );
  }
  return ids;
}

/** What an attacker with database access does: edit an entry, then recompute every hash after it. */
async function rewriteAndRecompute(id: number, detail: Record<string, unknown>) {
  const db = node!.services.db;
  await db
    .updateTable("audit_log")
    .set({ detail: JSON.stringify(detail) })
    .where("id", "=", id)
    .execute();
  const rows = await db.selectFrom("audit_log").selectAll().orderBy("id").execute();
  let prev = GENESIS_HASH;
  for (const row of rows) {
    const fields = fieldsOf(row);
    const hash = chainHash(prev, fields);
    await db.updateTable("audit_log").set({ prev_hash: prev, hash }).where("id", "=", row.id).execute();
    prev = hash;
  }
}

describe("audit anchors", () => {
  it("verifies an intact chain against its anchors and reports the unanchored tail (CLI shape and HTTP)", async () => {
    await freshNode();
    await entries(3);
    const anchor = await anchorAuditHead(node!.services.db, vault(), "manual");
    expect(anchor).not.toBeNull();
    expect(await anchorAuditHead(node!.services.db, vault(), "manual")).toBeNull(); // head already anchored
    const tail = await entries(2);
    const result = await verify();
    expect(result).toMatchObject({
      ok: true,
      anchors: { checked: 1, lastGood: { id: anchor!.id, entryId: anchor!.entryId } },
      unanchoredTail: { entries: 2 },
    });
    const first = await node!.services.db
      .selectFrom("audit_log")
      .select("occurred_at")
      .where("id", "=", tail[0]!)
      .executeTakeFirstOrThrow();
    expect(result.unanchoredTail.since).toBe(first.occurred_at.toISOString());
    const key = await node!.services.db
      .selectFrom("signing_key")
      .select(["owner_kind", "owner_unit_id", "owner_user_id"])
      .innerJoin("audit_anchor", "audit_anchor.signing_key_id", "signing_key.id")
      .executeTakeFirstOrThrow();
    expect(key).toEqual({ owner_kind: "node", owner_unit_id: null, owner_user_id: null });

    await createUser(node!, { username: "nation_admin", unitCode: "330100-EDU", roles: ["system_admin"] });
    const admin = await signIn(node!, "nation_admin");
    const http = await admin.send("POST", "/api/v1/audit/verify", {});
    expect(http.statusCode, http.body).toBe(200);
    expect(http.json()).toMatchObject({ ok: true, anchors: { checked: 1 } });
    expect(http.json().unanchoredTail.entries).toBeGreaterThanOrEqual(3); // and the sign-in
  });

  it("detects an entry rewritten with every hash recomputed, naming the first entry after the last good anchor", async () => {
    await freshNode();
    await entries(2);
    const good = (await anchorAuditHead(node!.services.db, vault(), "manual"))!;
    const [victim, , anchored] = await entries(3);
    const later = (await anchorAuditHead(node!.services.db, vault(), "interval"))!;
    expect(later.entryId).toBe(anchored);
    await entries(1);
    await rewriteAndRecompute(victim!, { forged: true });
    const result = await verify();
    expect(result).toMatchObject({
      ok: false,
      firstBroken: {
        id: victim,
        reason: "anchored_entry_rewritten",
        anchorId: later.id,
        anchoredEntryId: anchored,
      },
      anchors: { lastGood: { id: good.id, entryId: good.entryId } },
    });
    expect(victim).toBeGreaterThan(good.entryId);
  });

  it("detects the newest entries deleted below the last anchor", async () => {
    await freshNode();
    await entries(2);
    const good = (await anchorAuditHead(node!.services.db, vault(), "manual"))!;
    const [firstAfter] = await entries(3);
    const last = (await anchorAuditHead(node!.services.db, vault(), "decision"))!;
    await node!.services.db
      .deleteFrom("audit_log")
      .where("id", ">", good.entryId + 1)
      .execute();
    expect(await verify()).toMatchObject({
      ok: false,
      firstBroken: { id: firstAfter, reason: "anchored_entry_missing", anchorId: last.id },
    });
    // All of them, back to the good anchor: then there is no entry after it to name but the next id.
    await node!.services.db.deleteFrom("audit_log").where("id", ">", good.entryId).execute();
    expect(await verify()).toMatchObject({ ok: false, firstBroken: { reason: "anchored_entry_missing" } });
  });

  it("detects a forged anchor: altered, signed by a key that is not the node's, or one removed from the middle", async () => {
    await freshNode();
    const db = node!.services.db;
    await entries(2);
    const first = (await anchorAuditHead(db, vault(), "manual"))!;
    const [victim] = await entries(2);
    const second = (await anchorAuditHead(db, vault(), "manual"))!;
    await entries(1);
    const third = (await anchorAuditHead(db, vault(), "manual"))!;
    expect((await verify()).ok).toBe(true);

    // 1. Rewrite the chain, then move the anchor to the new hash (the signature no longer matches).
    await rewriteAndRecompute(victim!, { forged: true });
    const head = await db
      .selectFrom("audit_log")
      .select("hash")
      .where("id", "=", second.entryId)
      .executeTakeFirstOrThrow();
    const stored = await db
      .selectFrom("audit_anchor")
      .selectAll()
      .where("id", "=", second.id)
      .executeTakeFirstOrThrow();
    const altered = canonicalJson({ ...JSON.parse(stored.signed_document), entryHash: head.hash });
    await db
      .updateTable("audit_anchor")
      .set({ entry_hash: head.hash, signed_document: altered })
      .where("id", "=", second.id)
      .execute();
    expect(await verify()).toMatchObject({
      ok: false,
      firstBroken: {
        reason: "anchor_invalid",
        anchorId: second.id,
        anchorProblem: "signature_invalid",
        id: victim,
      },
    });

    // 2. Sign it with a key pair of one's own, inserted as a (retired) node key.
    const pair = algorithmNamed("SM2-SM3").generateKeyPair();
    const { id: keyId } = await db
      .insertInto("signing_key")
      .values({
        owner_kind: "node",
        owner_unit_id: null,
        owner_user_id: null,
        algorithm: "SM2-SM3",
        public_key: pair.publicKey,
        private_key_enc: "v1:AAAA:AAAA:AAAA",
        status: "retired",
        retired_at: new Date(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    const forged = canonicalJson({ ...JSON.parse(altered), keyId });
    await db
      .updateTable("audit_anchor")
      .set({
        signed_document: forged,
        signing_key_id: keyId,
        signature: algorithmNamed("SM2-SM3").sign(
          Buffer.from(forged, "utf8"),
          pair.privateKey,
          pair.publicKey,
        ),
      })
      .where("id", "=", second.id)
      .execute();
    expect(await verify()).toMatchObject({
      ok: false,
      firstBroken: { reason: "anchor_invalid", anchorId: second.id, anchorProblem: "not_node_key" },
    });

    // 3. Remove the forged anchor altogether: the next one no longer links to its predecessor.
    await db.deleteFrom("audit_anchor").where("id", "=", second.id).execute();
    expect(await verify()).toMatchObject({
      ok: false,
      firstBroken: { reason: "anchor_invalid", anchorId: third.id, anchorProblem: "previous_missing" },
      anchors: { lastGood: { id: first.id } },
    });
  });

  it("anchors at intervals by entries or by minutes, as the policy says", async () => {
    await freshNode();
    const db = node!.services.db;
    const policy = { everyEntries: 3, everyMinutes: 10, checkSeconds: 30 };
    await entries(2);
    const firstDue = await anchorIfDue(db, vault(), policy); // no anchor yet: due at once
    expect(firstDue).not.toBeNull();
    await entries(2);
    expect(await anchorIfDue(db, vault(), policy)).toBeNull();
    await entries(1);
    expect(await anchorIfDue(db, vault(), policy)).not.toBeNull(); // 3 entries since
    expect(await anchorIfDue(db, vault(), policy, new Date(Date.now() + 11 * 60_000))).toBeNull(); // nothing new
    await entries(1);
    expect(await anchorIfDue(db, vault(), policy)).toBeNull();
    expect(await anchorIfDue(db, vault(), policy, new Date(Date.now() + 11 * 60_000))).not.toBeNull();
  });
});
