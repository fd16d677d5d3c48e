/*
 * Console sign-ins refused for a wrong admin token, counted per minute (migration 0015), for the
 * "sign-ins refused" alert. A count, not a log: one row per minute however many arrive, deleted
 * after a day. Throttled attempts are not counted here (they would turn a flood into D1 writes);
 * the attempts the limits let through are, and a guesser makes those first.
 */

const minuteOf = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();

export async function countSignInFailure(db: D1Database, at: Date): Promise<void> {
  await db
    .prepare("INSERT INTO console_sign_in_failures (minute, failures) VALUES (?1, 1) ON CONFLICT (minute) DO UPDATE SET failures = failures + 1")
    .bind(minuteOf(at))
    .run();
}

/** Failed sign-ins in the minutes from `since`'s (its minute included) up to `until`. */
export async function signInFailuresBetween(db: D1Database, since: Date, until: Date): Promise<number> {
  const row = await db
    .prepare("SELECT coalesce(sum(failures), 0) AS n FROM console_sign_in_failures WHERE minute >= ?1 AND minute <= ?2")
    .bind(minuteOf(since), until.toISOString())
    .first<{ n: number }>();
  return Number(row?.n ?? 0);
}

/** Cron: the alert looks back minutes, not days. */
export async function forgetOldSignInFailures(db: D1Database, now: Date): Promise<void> {
  await db
    .prepare("DELETE FROM console_sign_in_failures WHERE minute < ?1")
    .bind(new Date(now.getTime() - 86_400_000).toISOString())
    .run();
}
