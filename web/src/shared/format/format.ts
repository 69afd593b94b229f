/**
 * How the console writes values. Dates are YYYY-MM-DD in every language (as in the national
 * templates clerks fill in Excel); money is kept in fen (integer) by the API and shown in yuan.
 */
import dayjs from "dayjs";

/** "2024-09-01" stays as given; a timestamp becomes the local calendar date. */
export function formatDate(value: string | null | undefined): string {
  if (!value) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const parsed = dayjs(value);
  return parsed.isValid() ? parsed.format("YYYY-MM-DD") : value;
}

export function formatDateTime(value: string | null | undefined): string {
  if (!value) return "";
  const parsed = dayjs(value);
  return parsed.isValid() ? parsed.format("YYYY-MM-DD HH:mm:ss") : value;
}

/** The registry's enrolment month "202309" (or "2023-09") as "2023-09". */
export function formatMonth(value: string | null | undefined): string {
  if (!value) return "";
  const match = /^(\d{4})-?(\d{2})$/.exec(value);
  return match ? `${match[1]}-${match[2]}` : value;
}

const grouping = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatCount(value: number): string {
  return grouping.format(value);
}

/** An amount in fen (分) as "¥1,234.56"; integer arithmetic, so no rounding drift. */
export function formatYuan(fen: number): string {
  if (!Number.isFinite(fen)) return "";
  const whole = Math.round(fen);
  const sign = whole < 0 ? "-" : "";
  const abs = Math.abs(whole);
  const yuan = Math.trunc(abs / 100);
  const cents = String(abs % 100).padStart(2, "0");
  return `${sign}¥${grouping.format(yuan)}.${cents}`;
}

/** A list total; the API stops counting at 10,000 and says so: "10000+". */
export function formatTotal(total: number, isLowerBound: boolean): string {
  return isLowerBound ? `${total}+` : formatCount(total);
}

/** A DatePicker value as the API's "YYYY-MM-DD", or undefined when left empty. */
export function toIsoDate(value: dayjs.Dayjs | null | undefined): string | undefined {
  return value ? value.format("YYYY-MM-DD") : undefined;
}
