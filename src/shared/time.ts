/**
 * Calendar dates of the people at the desk. Effective dates, deadlines and the school year are
 * dates in China Standard Time (UTC+8, no daylight saving), whatever the server's zone.
 */
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Today's date in China as YYYY-MM-DD. */
export function todayIso(now: Date = new Date()): string {
  return new Date(now.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/**
 * The one reading of a calendar date the platform accepts from people and files: YYYY-MM-DD,
 * YYYYMMDD, or YYYY/MM/DD and YYYY.MM.DD, always with two-digit months and days. Returns the
 * date as YYYY-MM-DD, or undefined — also for a date that does not exist (2026-02-30 is not
 * 2 March, 2025-02-29 is nothing). Every date field, schema and import cell goes through it.
 */
export function parseCalendarDate(value: string): string | undefined {
  const iso = /^\d{8}$/.test(value)
    ? `${value.slice(0, 4)}-${value.slice(4, 6)}-${value.slice(6)}`
    : /^\d{4}([-/.])\d{2}\1\d{2}$/.test(value)
      ? value.replace(/[/.]/g, "-")
      : value;
  return isIsoDate(iso) ? iso : undefined;
}
