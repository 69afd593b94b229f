/** The service serves the built console: its files, and its index page for client-side routes. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../src/app";
import type { ZodApp } from "../src/http/zod-app";
import { createTestNode, type TestNode } from "./support/app";

let node: TestNode;
let app: ZodApp;
let dist: string;

beforeAll(async () => {
  node = await createTestNode();
  dist = await mkdtemp(path.join(tmpdir(), "edumis-dist-"));
  await writeFile(path.join(dist, "index.html"), "<!doctype html><title>edumis console</title>");
  await writeFile(path.join(dist, "app.js"), "console.log('app')");
  app = await buildApp({ ...node.services, config: { ...node.services.config, webDistDir: dist } });
});
afterAll(async () => {
  await app.close();
  await node.close();
  await rm(dist, { recursive: true, force: true });
});

describe("console serving", () => {
  it("serves files and the index page for client routes, and problems for unknown API routes", async () => {
    expect((await app.inject({ method: "GET", url: "/app.js" })).body).toContain("console.log");
    const page = await app.inject({ method: "GET", url: "/units/12/detail" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("edumis console");
    const api = await app.inject({ method: "GET", url: "/api/v1/does-not-exist" });
    expect(api.statusCode).toBe(404);
    expect(api.json().code).toBe("route_not_found");
    const post = await app.inject({ method: "POST", url: "/units/12" });
    expect(post.statusCode).toBe(404);
  });
});
