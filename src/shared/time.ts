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
