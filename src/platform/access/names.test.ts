/**
 * Account display names and responsible persons follow the platform's name rule
 * (platform/identifiers/person-name.ts): stored normalised, hostile text refused (issue 13, 9).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Client,
  createTestNode,
  createUser,
  signIn,
  type TestNode,
  unitIdByCode,
} from "../../../test/support/app";

let node: TestNode;
let admin: Client;
let unitId: number;

beforeAll(async () => {
  node = await createTestNode();
  await createUser(node, { username: "names_admin", unitCode: "330102-EDU", roles: ["system_admin"] });
  admin = await signIn(node, "names_admin");
  unitId = await unitIdByCode(node, "330102-EDU");
});
afterAll(() => node.close());

describe("display names of accounts", () => {
  it("are stored without invisible characters and refused when hostile", async () => {
    const created = await admin.send("POST", "/api/v1/users", {
      username: "names.user",
      displayName: "学籍\u200b管理员（二中）",
      unitId,
      roles: [],
    });
    expect(created.statusCode).toBe(201);
    const stored = await node.services.db
      .selectFrom("app_user")
      .select("display_name")
      .where("username", "=", "names.user")
      .executeTakeFirstOrThrow();
    expect(stored.display_name).toBe("学籍管理员(二中)");
    for (const [displayName, code] of [
      ["<img src=x onerror=alert(1)>", "person_name.markup"],
      ["=cmd|' /C calc'!A0", "person_name.formula"],
      ["管理员\u202e", "person_name.bidi_control"],
    ]) {
      const refused = await admin.send("POST", "/api/v1/users", {
        username: "names.bad",
        displayName,
        unitId,
        roles: [],
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().errors).toEqual([expect.objectContaining({ path: "displayName", code })]);
      const update = await admin.send("PATCH", `/api/v1/users/${created.json().id}`, { displayName });
      expect(update.statusCode).toBe(422);
    }
  });
});

describe("responsible persons", () => {
  it("are stored without invisible characters and refused when hostile", async () => {
    const put = (name: string) =>
      admin.send("PUT", `/api/v1/units/${unitId}/responsible-persons/students/leader`, {
        name,
        phone: "13800001234",
      });
    expect((await put("王\u200b局长")).statusCode).toBe(200);
    const stored = await node.services.db
      .selectFrom("responsible_person")
      .select("name")
      .where("unit_id", "=", unitId)
      .executeTakeFirstOrThrow();
    expect(stored.name).toBe("王局长");
    const refused = await put('=HYPERLINK("http://x")');
    expect(refused.statusCode).toBe(422);
    expect(refused.json().errors).toEqual([
      expect.objectContaining({ path: "name", code: "person_name.formula" }),
    ]);
  });
});
