import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, type TestNode } from "./support/app";

let node: TestNode;
beforeAll(async () => {
  node = await createTestNode();
});
afterAll(() => node.close());

describe("OpenAPI document", () => {
  it("is generated from the route schemas and lists every declared API route", async () => {
    const response = await node.app.inject({ method: "GET", url: "/api/docs/json" });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toBe("3.1.0");
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    for (const route of node.app.declaredRoutes.filter((r) => r.url.startsWith("/api/v1/"))) {
      const path = route.url.replace(/:(\w+)/g, "{$1}");
      expect(documented, `${route.method} ${route.url}`).toContain(`${route.method} ${path}`);
    }
    const login = document.paths["/api/v1/auth/login"].post;
    expect(login.requestBody.content["application/json"].schema.required).toEqual(["login", "password"]);
  });

  it("serves the browsable documentation page", async () => {
    const response = await node.app.inject({ method: "GET", url: "/api/docs" });
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain("swagger");
  });

  it("answers health and readiness probes without signing in", async () => {
    expect((await node.app.inject({ method: "GET", url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await node.app.inject({ method: "GET", url: "/readyz" })).json()).toMatchObject({
      status: "ready",
    });
  });
});
