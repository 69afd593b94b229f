import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, openTestSchool, type TestNode, unitIdByCode } from "../../../test/support/app";
import { type UnitRow, unitById } from "../signing/units";
import { type PartyUnits, resolveChain } from "./workflow.chains";

let node: TestNode;
const units = new Map<string, UnitRow>();

async function unit(code: string): Promise<UnitRow> {
  const cached = units.get(code);
  if (cached) return cached;
  const found = await unitById(node.services.db, await unitIdByCode(node, code));
  if (!found) throw new Error(`no unit ${code}`);
  units.set(code, found);
  return found;
}

async function stepsOf(chain: string, parties: Record<string, string>) {
  const resolved: PartyUnits = {};
  for (const [side, code] of Object.entries(parties)) resolved[side as keyof PartyUnits] = await unit(code);
  const resolution = await resolveChain(node.services.db, chain, resolved);
  return {
    scope: resolution.chainScope,
    steps: resolution.steps.map((s) => `${s.level}:${s.side}:${s.actingUnit.code}`),
    limits: resolution.steps.map((s) => s.limitDays),
  };
}

beforeAll(async () => {
  node = await createTestNode();
  const senior = { runningType: "342", stages: ["senior"] };
  await openTestSchool(node, { schoolCode: "2133200001", divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: "2133200002", divisionCode: "330102" });
  await openTestSchool(node, { schoolCode: "2133200003", divisionCode: "330106" });
  await openTestSchool(node, { schoolCode: "3433200001", divisionCode: "330102", ...senior });
  await openTestSchool(node, { schoolCode: "3433200002", divisionCode: "330102", ...senior });
  await openTestSchool(node, { schoolCode: "2111200001", divisionCode: "110101" });
  // A city-run school hangs directly off the prefecture: there is no county above it.
  await openTestSchool(node, { schoolCode: "2133200009", divisionCode: "330102", parentCode: "330100" });
});
afterAll(() => node.close());

describe("transfer chains (national registry rules, Zhejiang's replacement)", () => {
  it("same county: receiving school → sending school → county", async () => {
    expect(await stepsOf("transfer", { receiving: "2133200001", sending: "2133200002" })).toEqual({
      scope: "33",
      steps: ["school:receiving:2133200001", "school:sending:2133200002", "county:sending:330102-EDU"],
      limits: [10, 10, 10],
    });
  });

  it("Zhejiang adds a province step (5 working days) for senior secondary schools", async () => {
    const { steps, limits } = await stepsOf("transfer", { receiving: "3433200001", sending: "3433200002" });
    expect(steps).toEqual([
      "school:receiving:3433200001",
      "school:sending:3433200002",
      "county:sending:330102-EDU",
      "province:receiving:330000-EDU",
    ]);
    expect(limits).toEqual([10, 10, 10, 5]);
  });

  it("across counties: receiving school → receiving county → sending school → sending county", async () => {
    const { steps } = await stepsOf("transfer", { receiving: "2133200003", sending: "2133200001" });
    expect(steps).toEqual([
      "school:receiving:2133200003",
      "county:receiving:330106-EDU",
      "school:sending:2133200001",
      "county:sending:330102-EDU",
    ]);
  });

  it("into Zhejiang from another province: its province step, then the national check", async () => {
    expect(await stepsOf("transfer", { receiving: "2133200001", sending: "2111200001" })).toMatchObject({
      scope: "33",
      steps: [
        "school:receiving:2133200001",
        "county:receiving:330102-EDU",
        "province:receiving:330000-EDU",
        "nation:receiving:CN-EDU",
        "school:sending:2111200001",
        "county:sending:110101-EDU",
      ],
    });
  });

  it("out of Zhejiang: the default chain, ending with Zhejiang's sending-province step", async () => {
    expect(await stepsOf("transfer", { receiving: "2111200001", sending: "2133200001" })).toMatchObject({
      scope: "default",
      steps: [
        "school:receiving:2111200001",
        "county:receiving:110101-EDU",
        "nation:receiving:CN-EDU",
        "school:sending:2133200001",
        "county:sending:330102-EDU",
        "province:sending:330000-EDU",
      ],
    });
  });

  it("needs both sides for a chain with variants", async () => {
    await expect(stepsOf("transfer", { receiving: "2133200001" })).rejects.toMatchObject({
      code: "chain_not_configured",
    });
  });
});

describe("single-sided chains", () => {
  it("a school's report goes school → county → prefecture (15-day limit for closures)", async () => {
    expect((await stepsOf("report", { subject: "2133200001" })).steps).toEqual([
      "school:subject:2133200001",
      "county:subject:330102-EDU",
      "prefecture:subject:330100-EDU",
    ]);
    expect((await stepsOf("school_closure", { subject: "2133200001" })).limits).toEqual([15, 15]);
  });

  it("a county's own report skips the school step (ifPresent)", async () => {
    expect((await stepsOf("report", { subject: "330102-EDU" })).steps).toEqual([
      "county:subject:330102-EDU",
      "prefecture:subject:330100-EDU",
    ]);
  });

  it("refuses a chain whose level does not exist above the subject (chain_level_missing)", async () => {
    await expect(stepsOf("report", { subject: "2133200009" })).rejects.toMatchObject({
      code: "chain_level_missing",
      status: 422,
      params: { chain: "report", level: "county", unit: "测试学校2133200009" },
    });
  });

  it("refuses an unknown chain (chain_not_configured)", async () => {
    await expect(stepsOf("no_such_chain", { subject: "2133200001" })).rejects.toMatchObject({
      code: "chain_not_configured",
    });
  });
});
