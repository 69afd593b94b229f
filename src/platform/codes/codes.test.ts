import { readdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, createUser, signIn, type TestNode } from "../../../test/support/app";
import { loadConfig } from "../../config";
import { readCodeSetFiles } from "./codes.files";

let node: TestNode;
beforeAll(async () => {
  node = await createTestNode();
  await createUser(node, { username: "reader", unitCode: "330102-EDU", roles: ["auditor"] });
});
afterAll(() => node.close());

describe("code sets as data", () => {
  it("loads every data file into the tables with its items in order", async () => {
    const files = await readCodeSetFiles(loadConfig().codesDir);
    expect(files.length).toBe(
      (await readdir(loadConfig().codesDir)).filter((f) => f.endsWith(".json")).length,
    );
    for (const file of files) {
      expect(node.services.codes.hasSet(file.name)).toBe(true);
      expect(node.services.codes.items(file.name).map((i) => i.code)).toEqual(file.items.map((i) => i.code));
    }
  });

  it("has the code sets the foundation requires", () => {
    const required = [
      "sex",
      "ethnicity",
      "id_document_type",
      "overseas_status",
      "school_running_type",
      "student_category",
      "student_status",
      "registry_change_type",
      "household_type",
      "enrolment_mode",
      "attendance_mode",
      "school_type",
    ];
    for (const name of required) expect(node.services.codes.hasSet(name), name).toBe(true);
    expect(node.services.codes.items("ethnicity")).toHaveLength(58);
    expect(node.services.codes.label("sex", "2", "zh-CN")).toBe("女");
  });

  it("does not accept group headings or unknown codes as values", () => {
    expect(node.services.codes.isValid("school_running_type", "211")).toBe(true);
    expect(node.services.codes.isValid("school_running_type", "21")).toBe(false);
    expect(node.services.codes.isValid("sex", "3")).toBe(false);
    expect(node.services.codes.resolve("sex", "男")).toBe("1");
  });

  it("lists code sets and one set over HTTP, and answers 404 for an unknown set", async () => {
    const client = await signIn(node, "reader");
    const list = await client.get("/api/v1/code-sets");
    expect(list.statusCode).toBe(200);
    expect(list.json().items.find((s: { name: string }) => s.name === "sex").itemCount).toBe(4);
    const sex = await client.get("/api/v1/code-sets/sex");
    expect(sex.json().items.map((i: { code: string }) => i.code)).toEqual(["0", "1", "2", "9"]);
    const missing = await client.get("/api/v1/code-sets/no_such_set", { "accept-language": "en" });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers["content-type"]).toContain("application/problem+json");
    expect(missing.json()).toMatchObject({
      code: "code_set_not_found",
      detail: "Code set no_such_set does not exist",
    });
  });
});
