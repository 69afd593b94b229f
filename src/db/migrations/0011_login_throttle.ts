/**
 * Failed sign-ins counted per client address and per (client address, account), so that one
 * address that guesses is slowed and then blocked without locking the account's owner out from
 * another address (login-throttle.ts). A row is reused when its window or lock has passed;
 * rows of an account go with it.
 */
import { type Kysely, sql } from "kysely";

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE login_throttle (
      key text PRIMARY KEY,
      user_id bigint REFERENCES app_user(id) ON DELETE CASCADE,
      failures integer NOT NULL,
      window_started_at timestamptz NOT NULL,
      locked_until timestamptz
    )`.execute(db);
  await sql`CREATE INDEX login_throttle_user_idx ON login_throttle (user_id) WHERE user_id IS NOT NULL`.execute(
    db,
  );
  await sql`CREATE INDEX login_throttle_window_idx ON login_throttle (window_started_at)`.execute(db);
}
