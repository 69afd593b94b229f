/**
 * Counting failed sign-ins so that guessing is bounded even when the guesses arrive at once.
 *
 * Every attempt first RESERVES a failure with one atomic statement (an UPSERT or UPDATE …
 * failures + 1 … RETURNING) and only then looks at the count and the lock; the password is
 * checked only when the reserved count is within the limit, and a success gives the
 * reservation back. So N parallel requests make at most `limit` password checks, whatever their
 * interleaving: the database, not a value read earlier, decides.
 *
 * Three counters (settings in data/access/security.json):
 *   - per client address (`a:<address>`): any names, unknown ones too — password spraying;
 *     over the limit the address is blocked from signing in (429 login_throttled);
 *   - per (client address, account) (`u:<id>:<address>`): over the limit THAT address is locked
 *     out of THAT account (423 account_locked); the owner signing in from another address is
 *     not, so nobody can lock anyone out by typing their name;
 *   - per account, from all addresses together (app_user.failed_attempts): a high backstop
 *     against guessing from many addresses, which locks the account for everyone.
 * The client address is request.ip: the socket's address, as the app does not trust proxy
 * headers (trustProxy is off in src/app.ts).
 */
import { isIPv6 } from "node:net";
import { sql } from "kysely";
import type { Executor } from "../../db/database";
import { securityPolicy } from "./security-policy";

export interface Reservation {
  key: string;
  failures: number;
  lockedUntil: Date | null;
}

function minutesAfter(now: Date, minutes: number): Date {
  return new Date(now.getTime() + minutes * 60_000);
}

/** Expands an IPv6 address to its eight groups. */
function ipv6Groups(address: string): string[] {
  const [head = "", tail] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4 and the like) counts as two groups.
  const last = right.length > 0 ? right : left;
  const v4 = last.at(-1)?.includes(".") ? last.pop()!.split(".").map(Number) : undefined;
  if (v4) last.push(((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
  const fill = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...fill, ...right].map((g) => g.padStart(4, "0").toLowerCase());
}

/**
 * The counting key of a client address: an IPv4 address as it is (also when IPv4-mapped), an
 * IPv6 address by its network prefix, since one subscriber usually holds a whole /64.
 */
export function clientAddressKey(ip: string | undefined): string {
  if (!ip) return "unknown";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (!isIPv6(ip)) return ip;
  const groups = ipv6Groups(ip.split("%")[0]!);
  const bits = securityPolicy.addressThrottle.ipv6PrefixBits;
  const kept = groups.slice(0, Math.ceil(bits / 16));
  return `${kept.join(":")}::/${bits}`;
}

/**
 * Reserves one failure under the key, atomically: a new window starts when the previous one (or
 * its lock) has passed. Returns the count including this attempt and the lock, if any.
 */
export async function reserve(
  db: Executor,
  key: string,
  userId: number | null,
  windowMinutes: number,
  now: Date,
): Promise<Reservation> {
  const windowStart = new Date(now.getTime() - windowMinutes * 60_000);
  const counting = sql`(t.locked_until > ${now} OR (t.locked_until IS NULL AND t.window_started_at > ${windowStart}))`;
  const { rows } = await sql<{ failures: number; locked_until: Date | string | null }>`
    INSERT INTO login_throttle AS t (key, user_id, failures, window_started_at, locked_until)
    VALUES (${key}, ${userId}, 1, ${now}, NULL)
    ON CONFLICT (key) DO UPDATE SET
      failures = CASE WHEN ${counting} THEN t.failures + 1 ELSE 1 END,
      window_started_at = CASE WHEN ${counting} THEN t.window_started_at ELSE ${now} END,
      locked_until = CASE WHEN t.locked_until > ${now} THEN t.locked_until ELSE NULL END
    RETURNING failures, locked_until`.execute(db);
  const row = rows[0]!;
  return {
    key,
    failures: Number(row.failures),
    lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
  };
}

/** Reserves one failure on the account itself (all addresses together). */
export async function reserveOnAccount(db: Executor, userId: number, now: Date): Promise<Reservation> {
  const { rows } = await sql<{ failed_attempts: number; locked_until: Date | string | null }>`
    UPDATE app_user SET
      failed_attempts = CASE WHEN locked_until <= ${now} THEN 1 ELSE failed_attempts + 1 END,
      locked_until = CASE WHEN locked_until <= ${now} THEN NULL ELSE locked_until END
    WHERE id = ${userId}
    RETURNING failed_attempts, locked_until`.execute(db);
  const row = rows[0]!;
  return {
    key: `account:${userId}`,
    failures: Number(row.failed_attempts),
    lockedUntil: row.locked_until === null ? null : new Date(row.locked_until),
  };
}

/** Whether the reservation lets the password be checked: not locked, and within the limit. */
export function admits(reservation: Reservation, limit: number, now: Date): boolean {
  return (
    (reservation.lockedUntil === null || reservation.lockedUntil <= now) && reservation.failures <= limit
  );
}

/** Minutes until the reservation's lock ends (at least 1), or the full lock when none is set yet. */
export function minutesLeft(reservation: Reservation, lockMinutes: number, now: Date): number {
  if (!reservation.lockedUntil || reservation.lockedUntil <= now) return lockMinutes;
  return Math.max(1, Math.ceil((reservation.lockedUntil.getTime() - now.getTime()) / 60_000));
}

/** After a wrong password: locks what reached its limit; returns whether it did. */
export async function settleFailure(
  db: Executor,
  reservation: Reservation,
  limit: number,
  lockMinutes: number,
  now: Date,
): Promise<boolean> {
  if (reservation.failures < limit) return false;
  const until = minutesAfter(now, lockMinutes);
  if (reservation.key.startsWith("account:")) {
    await db
      .updateTable("app_user")
      .set({ locked_until: until })
      .where("id", "=", Number(reservation.key.slice("account:".length)))
      .execute();
  } else {
    await db
      .updateTable("login_throttle")
      .set({ locked_until: until })
      .where("key", "=", reservation.key)
      .execute();
  }
  return true;
}

/** After a right password: the account's counters start again and the address gets its attempt back. */
export async function settleSuccess(db: Executor, userId: number, addressKey: string, now: Date) {
  await db.deleteFrom("login_throttle").where("key", "=", accountKey(userId, addressKey)).execute();
  await db
    .updateTable("login_throttle")
    .set({ failures: sql`greatest(failures - 1, 0)` })
    .where("key", "=", `a:${addressKey}`)
    .execute();
  // Rows whose window and lock have long passed are of no further use.
  const stale = new Date(now.getTime() - 2 * 86_400_000);
  await db
    .deleteFrom("login_throttle")
    .where("window_started_at", "<", stale)
    .where((eb) => eb.or([eb("locked_until", "is", null), eb("locked_until", "<", now)]))
    .execute();
}

export function accountKey(userId: number, addressKey: string): string {
  return `u:${userId}:${addressKey}`;
}

/** An administrator's unlock or password reset clears every address's count for the account. */
export async function clearLoginThrottle(db: Executor, userId: number): Promise<void> {
  await db.deleteFrom("login_throttle").where("user_id", "=", userId).execute();
}
