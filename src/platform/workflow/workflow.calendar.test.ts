import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import chineseDays from "chinese-days";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestNode, type TestNode } from "../../../test/support/app";
import {
  addDays,
  addWorkingDays,
  syncCalendar,
  WorkingCalendar,
  workingDaysBetween,
} from "./workflow.calendar";

let node: TestNode;
const work = mkdtempSync(path.join(tmpdir(), "edumis-calendar-"));

beforeAll(async () => {
  node = await createTestNode();
});
afterAll(async () => {
  await node.close();
  rmSync(work, { recursive: true, force: true });
});

describe("working-day calendar (chinese-days loaded at migrate time)", () => {
  it("counts 10 working days across the National Day week 2025 with its adjusted working days", async () => {
    // 10-01..08 are off; Sunday 09-28 and Saturday 10-11 are adjusted working days.
    const due = await addWorkingDays(node.services.db, "2025-09-30", 10);
    expect(due).toBe("2025-10-21");
    expect(due).toBe(chineseDays.findWorkday(10, "2025-09-30"));
    expect(await addWorkingDays(node.services.db, "2025-09-30", 1)).toBe("2025-10-09");
    expect(await addWorkingDays(node.services.db, "2025-09-26", 1)).toBe("2025-09-28");
    expect(await workingDaysBetween(node.services.db, "2025-09-30", "2025-10-12")).toBe(3);
  });

  it("agrees with chinese-days on every day of 2024 and 2025", async () => {
    const calendar = await WorkingCalendar.load(node.services.db, "2024-01-01", "2025-12-31");
    const disagreements: string[] = [];
    for (let day = "2024-01-01"; day <= "2025-12-31"; day = addDays(day, 1)) {
      if (calendar.isWorkingDay(day) !== chineseDays.isWorkday(day)) disagreements.push(day);
    }
    expect(disagreements).toEqual([]);
  });

  it("lets the overrides file correct a day, and keeps manual edits over both", async () => {
    const db = node.services.db;
    const overrides = path.join(work, "overrides.json");
    writeFileSync(
      overrides,
      JSON.stringify({ days: [{ day: "2025-10-13", isWorking: false, name: "测试停课" }] }),
    );
    await syncCalendar(db, overrides);
    expect(await addWorkingDays(db, "2025-10-10", 2)).toBe("2025-10-14");
    // An administrator makes 2025-10-14 a day off directly in the table.
    await db
      .insertInto("calendar_day")
      .values({ day: "2025-10-14", is_working: false, name: "人工调整", source: "manual" })
      .execute();
    writeFileSync(overrides, JSON.stringify({ days: [{ day: "2025-10-14", isWorking: true, name: "x" }] }));
    await syncCalendar(db, overrides);
    const row = await db
      .selectFrom("calendar_day")
      .selectAll()
      .where("day", "=", "2025-10-14")
      .executeTakeFirst();
    expect(row).toMatchObject({ is_working: false, source: "manual" });
    // The override of 10-13 is gone from the file: the package's view (a Monday, working) returns.
    const earlier = await db
      .selectFrom("calendar_day")
      .selectAll()
      .where("day", "=", "2025-10-13")
      .executeTakeFirst();
    expect(earlier).toBeUndefined();
    expect(await addWorkingDays(db, "2025-10-10", 2)).toBe("2025-10-13");
    expect(await addWorkingDays(db, "2025-10-10", 3)).toBe("2025-10-15");
  });
});
