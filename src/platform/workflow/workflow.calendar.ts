/**
 * The working-day calendar behind step deadlines. China's public holidays and adjusted working
 * weekends (调休) come from the npm package chinese-days, loaded into calendar_day by
 * `edumis migrate`; data/calendar/overrides.json adds or corrects days, and a row marked
 * "manual" (edited in the table) survives every reload. A day without a row is a working day
 * from Monday to Friday.
 */
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { sql } from "kysely";
import { z } from "zod";
import { projectRoot } from "../../config";
import type { Executor } from "../../db/database";

const require = createRequire(import.meta.url);

interface CalendarRow {
  day: string;
  is_working: boolean;
  name: string;
}

const overridesSchema = z.object({
  days: z.array(
    z.object({
      day: z.iso.date(),
      isWorking: z.boolean(),
      name: z.string().default(""),
    }),
  ),
});

/** "National Day,国庆节,3" → "国庆节". */
function chineseName(entry: string): string {
  return entry.split(",")[1] ?? entry;
}

function packageDays(): CalendarRow[] {
  const data = require("chinese-days/dist/chinese-days.json") as {
    holidays: Record<string, string>;
    workdays: Record<string, string>;
  };
  return [
    ...Object.entries(data.holidays).map(([day, entry]) => ({
      day,
      is_working: false,
      name: chineseName(entry),
    })),
    ...Object.entries(data.workdays).map(([day, entry]) => ({
      day,
      is_working: true,
      name: `${chineseName(entry)}调休上班`,
    })),
  ];
}

async function overrideDays(file: string): Promise<CalendarRow[]> {
  const parsed = overridesSchema.parse(JSON.parse(await readFile(file, "utf8")));
  return parsed.days.map((d) => ({ day: d.day, is_working: d.isWorking, name: d.name }));
}

async function upsertDays(db: Executor, rows: CalendarRow[], source: "chinese-days" | "override") {
  for (let i = 0; i < rows.length; i += 500) {
    await db
      .insertInto("calendar_day")
      .values(rows.slice(i, i + 500).map((r) => ({ ...r, source })))
      .onConflict((oc) =>
        oc
          .column("day")
          .doUpdateSet((eb) => ({
            is_working: eb.ref("excluded.is_working"),
            name: eb.ref("excluded.name"),
            source: eb.ref("excluded.source"),
            updated_at: sql`now()`,
          }))
          // Precedence: manual edits > the overrides file > the package.
          .where(
            "calendar_day.source",
            source === "override" ? "!=" : "=",
            source === "override" ? "manual" : source,
          ),
      )
      .execute();
  }
}

async function removeStale(db: Executor, source: "chinese-days" | "override", keep: CalendarRow[]) {
  let query = db.deleteFrom("calendar_day").where("source", "=", source);
  if (keep.length > 0)
    query = query.where(
      "day",
      "not in",
      keep.map((r) => r.day),
    );
  await query.execute();
}

export interface CalendarReport {
  packageDays: number;
  overrides: number;
}

export async function syncCalendar(
  db: Executor,
  overridesFile = path.join(projectRoot, "data", "calendar", "overrides.json"),
): Promise<CalendarReport> {
  const fromPackage = packageDays();
  const overrides = await overrideDays(overridesFile);
  // A day the package or the file no longer lists (a corrected announcement) must not linger.
  await removeStale(db, "chinese-days", fromPackage);
  await removeStale(db, "override", overrides);
  await upsertDays(db, fromPackage, "chinese-days");
  if (overrides.length > 0) await upsertDays(db, overrides, "override");
  return { packageDays: fromPackage.length, overrides: overrides.length };
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

function isWeekday(isoDate: string): boolean {
  const weekday = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/** The calendar's exceptions between two dates (inclusive). */
async function exceptionsBetween(db: Executor, from: string, to: string): Promise<Map<string, boolean>> {
  const rows = await db
    .selectFrom("calendar_day")
    .select(["day", "is_working"])
    .where("day", ">=", from)
    .where("day", "<=", to)
    .execute();
  return new Map(rows.map((r) => [r.day, r.is_working]));
}

export class WorkingCalendar {
  private constructor(
    private readonly exceptions: Map<string, boolean>,
    readonly from: string,
    readonly to: string,
  ) {}

  static async load(db: Executor, from: string, to: string): Promise<WorkingCalendar> {
    return new WorkingCalendar(await exceptionsBetween(db, from, to), from, to);
  }

  isWorkingDay(isoDate: string): boolean {
    return this.exceptions.get(isoDate) ?? isWeekday(isoDate);
  }

  /** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
  countWorkingDays(from: string, to: string): number {
    let count = 0;
    for (let day = addDays(from, 1); day <= to; day = addDays(day, 1)) {
      if (this.isWorkingDay(day)) count++;
    }
    return count;
  }
}

/**
 * The deadline of a step started on `start` with `days` working days: the date of the
 * days-th working day after the start date (the start day itself does not count).
 */
export async function addWorkingDays(db: Executor, start: string, days: number): Promise<string> {
  // Even the Spring Festival leaves far more than a third of the days working.
  const horizon = addDays(start, days * 3 + 30);
  const calendar = await WorkingCalendar.load(db, start, horizon);
  let day = start;
  for (let counted = 0; counted < days; ) {
    day = addDays(day, 1);
    if (day > horizon) return addWorkingDays(db, addDays(day, -1), days - counted);
    if (calendar.isWorkingDay(day)) counted++;
  }
  return day;
}

/** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
export async function workingDaysBetween(db: Executor, from: string, to: string): Promise<number> {
  if (to <= from) return 0;
  return (await WorkingCalendar.load(db, from, to)).countWorkingDays(from, to);
}

export function listCalendarDays(db: Executor, from: string, to: string) {
  return db
    .selectFrom("calendar_day")
    .select(["day", "is_working", "name", "source"])
    .where("day", ">=", from)
    .where("day", "<=", to)
    .orderBy("day")
    .execute();
}
