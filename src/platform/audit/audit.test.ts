import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, createUser, signIn, type TestNode } from "../../../test/support/app";
import { projectRoot } from "../../config";
import { signingServicesFor } from "../signing/signing.context";
import { diffFields } from "./audit.masking";
import { recordAudit, verifyAuditChain } from "./audit.service";

const run = promisify(execFile);
let node: TestNode;
const vault = () => signingServicesFor(node.services.config).vault;
beforeAll(async () => {
  node = await createTestNode();
  await createUser(node, { username: "county_admin", unitCode: "330102-EDU", roles: ["system_admin"] });
  await createUser(node, { username: "city_admin", unitCode: "330100-EDU", roles: ["system_admin"] });
  await createUser(node, { username: "sibling_admin", unitCode: "330106-EDU", roles: ["system_admin"] });
});
afterAll(() => node.close());

describe("audit trail", () => {
  it("chains entries and verifies an intact chain", async () => {
    for (let i = 0; i < 5; i++) {
      await recordAudit(node.services.db, {
        actor: node.system.actor,
        action: "test.write",
        module: "orgs",
        detail: { i },
      });
    }
    const result = await verifyAuditChain(node.services.db, vault(), 2);
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThanOrEqual(5);
  });

  it("masks identity and phone numbers in diffs", () => {
    const diff = diffFields(
      { identityNumber: "11010519491231002X", phone: "13812345678", name: "张三" },
      { identityNumber: "110105194912310037", phone: "13812345678", name: "张三丰" },
    );
    expect(diff).toEqual({
      // The masking policy keeps the address code only: the entry says that the number changed.
      identityNumber: { before: "110105************", after: "110105************" },
      name: { before: "张三", after: "张三丰" },
    });
  });

  it("masks personal numbers in the stored detail of any entry", async () => {
    const id = await recordAudit(node.services.db, {
      actor: node.system.actor,
      action: "test.personal",
      module: "students",
      detail: { after: { identity_number: "11010519491231002X", guardianPhone: "13900001111" } },
    });
    const row = await node.services.db
      .selectFrom("audit_log")
      .select("detail")
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row.detail)).not.toContain("11010519491231002X");
    expect(JSON.stringify(row.detail)).not.toContain("13900001111");
  });

  it("detects a modified entry and names it", async () => {
    const victim = await recordAudit(node.services.db, {
      actor: node.system.actor,
      action: "test.victim",
      module: "orgs",
    });
    await recordAudit(node.services.db, { actor: node.system.actor, action: "test.after", module: "orgs" });
    await sql`UPDATE audit_log SET action = 'test.forged' WHERE id = ${victim}`.execute(node.services.db);
    expect(await verifyAuditChain(node.services.db, vault())).toMatchObject({
      ok: false,
      firstBroken: { id: victim, reason: "hash_mismatch" },
    });
    await sql`UPDATE audit_log SET action = 'test.victim' WHERE id = ${victim}`.execute(node.services.db);
    expect((await verifyAuditChain(node.services.db, vault())).ok).toBe(true);
  });

  it("detects a deleted entry at the entry that follows it", async () => {
    const deleted = await recordAudit(node.services.db, {
      actor: node.system.actor,
      action: "test.deleted",
      module: "orgs",
    });
    const next = await recordAudit(node.services.db, {
      actor: node.system.actor,
      action: "test.next",
      module: "orgs",
    });
    const saved = await node.services.db
      .selectFrom("audit_log")
      .selectAll()
      .where("id", "=", deleted)
      .executeTakeFirstOrThrow();
    await node.services.db.deleteFrom("audit_log").where("id", "=", deleted).execute();
    expect(await verifyAuditChain(node.services.db, vault())).toMatchObject({
      ok: false,
      firstBroken: { id: next, reason: "link_broken" },
    });
    await node.services.db
      .insertInto("audit_log")
      .values({ ...saved, detail: JSON.stringify(saved.detail) })
      .execute();
    expect((await verifyAuditChain(node.services.db, vault())).ok).toBe(true);
  });

  it("keeps concurrent writers on one unbroken chain", async () => {
    await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        node.services.db.transaction().execute((trx) =>
          recordAudit(trx, {
            actor: node.system.actor,
            action: "test.concurrent",
            module: "orgs",
            detail: { i },
          }),
        ),
      ),
    );
    expect((await verifyAuditChain(node.services.db, vault())).ok).toBe(true);
  });
});

describe("audit search", () => {
  it("shows a county its own entries, hides them from a sibling, and shows them to the city above", async () => {
    const county = await signIn(node, "county_admin");
    const dept = (
      await node.services.db
        .selectFrom("org_unit")
        .select("id")
        .where("code", "=", "330102-EDU")
        .executeTakeFirstOrThrow()
    ).id;
    expect(
      (
        await county.send("PUT", `/api/v1/units/${dept}/responsible-persons/students/leader`, {
          name: "王五",
          phone: "13800000009",
        })
      ).statusCode,
    ).toBe(200);
    const mine = await county.get("/api/v1/audit?action=responsible.assign");
    expect(mine.json().items.length).toBe(1);
    expect(mine.json().items[0].actorUsername).toBe("county_admin");
    const city = await signIn(node, "city_admin");
    expect((await city.get("/api/v1/audit?action=responsible.assign")).json().items.length).toBe(1);
    const sibling = await signIn(node, "sibling_admin");
    expect((await sibling.get("/api/v1/audit?action=responsible.assign")).json().items.length).toBe(0);
    await signIn(node, "county_admin");
    const logins = await county.get("/api/v1/audit?action=auth.login&limit=1");
    expect(logins.json().items).toHaveLength(1);
    expect(logins.json().nextBeforeId).not.toBeNull();
  });
});

describe("edumis audit verify (CLI)", () => {
  it("reports an intact chain, then names the first broken entry after tampering", async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), "edumis-audit-"));
    const env = { ...process.env, EDUMIS_DATA_DIR: dataDir, DATABASE_URL: "" };
    const cli = (...args: string[]) =>
      run(process.execPath, [path.join(projectRoot, "bin", "edumis.mjs"), ...args], {
        env,
        cwd: projectRoot,
      });
    try {
      await cli("seed", "demo");
      const ok = await cli("audit", "verify");
      // The demo closes no request, so nothing has anchored the chain yet: all of it is the tail.
      expect(ok.stdout).toMatch(
        /audit chain intact: (\d+) entries verified against 0 anchors; unanchored tail: \1 entries since \d{4}-/,
      );
      expect((await cli("audit", "anchor")).stdout).toMatch(/anchored entry \d+ \(anchor \d+\)/);
      expect((await cli("audit", "verify")).stdout).toMatch(
        /against 1 anchors; the newest entry is anchored/,
      );
      // Tamper with the stored database directly, as an attacker with file access would.
      const { createPglite, openDatabase } = await import("../../db/database");
      const pglite = await createPglite(dataDir);
      const database = await openDatabase({ pglite });
      const { id } = await database.db
        .selectFrom("audit_log")
        .select("id")
        .orderBy("id")
        .offset(3)
        .limit(1)
        .executeTakeFirstOrThrow();
      await sql`UPDATE audit_log SET detail = '{"forged":true}' WHERE id = ${id}`.execute(database.db);
      await database.close();
      await pglite.close();
      const broken = await cli("audit", "verify").then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => error,
      );
      expect(broken.code).toBe(1);
      expect(broken.stderr).toContain(`audit chain BROKEN at entry ${id}`);
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
