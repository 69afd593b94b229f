/**
 * Starting the demo where signing cannot work (PostgreSQL without EDUMIS_SIGNING_KEY) used to
 * load schools, accounts and students, then fail at the first signed approval, and a second
 * start never finished the rest (students existed, so they were skipped). The key is now
 * checked before anything is written, with a clear error, and a start with the key then loads
 * everything (issue 13, item 11). The engine is the test database's, PGlite or PostgreSQL;
 * only the vault is told it runs on PostgreSQL.
 */
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "../src/demo/seed-demo";
import { createTestNode, type TestNode } from "./support/app";

let node: TestNode;
beforeAll(async () => {
  node = await createTestNode();
});
afterAll(() => node.close());

async function counts() {
  const { rows } = await sql<{ schools: number; users: number; students: number; requests: number }>`
    SELECT (SELECT count(*)::int FROM school) AS schools, (SELECT count(*)::int FROM app_user) AS users,
      (SELECT count(*)::int FROM student) AS students, (SELECT count(*)::int FROM workflow_request) AS requests`.execute(
    node.services.db,
  );
  return rows[0]!;
}

describe("the demo without a signing key", () => {
  it("writes nothing and says why; a start with the key then loads all of it", async () => {
    const before = await counts();
    const withoutKey = {
      ...node.services,
      config: { ...node.services.config, signingKey: undefined, databaseUrl: "postgres://signing-key-unset" },
    };
    await expect(seedDemo(withoutKey)).rejects.toThrow(/EDUMIS_SIGNING_KEY/);
    expect(await counts()).toEqual(before);

    const loaded = await seedDemo(node.services);
    expect(loaded).toMatchObject({ schoolsCreated: 40, usersCreated: 13, studentsCreated: 25 });
    const { rows } = await sql<{ status: string; step: number }>`
      SELECT status, current_step_no AS step FROM workflow_request`.execute(node.services.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.status).toBe("in_progress");
  });
});
