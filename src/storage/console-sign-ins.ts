/*
 * Console sign-ins refused for a wrong admin token, counted per minute (migration 0015), for the
 * "sign-ins refused" alert. A count, not a log: one row per minute however many arrive, deleted
 * after a day. Throttled attempts are not counted here (they would turn a flood into D1 writes);
 * the attempts the limits let through are, and a guesser makes those first.
 */
import { and, gte, lt, lte, sql, sum } from "drizzle-orm";
import { orm } from "./orm";
import { consoleSignInFailures } from "./schema";

const failures = consoleSignInFailures;

const minuteOf = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();

export async function countSignInFailure(db: D1Database, at: Date): Promise<void> {
  await orm(db)
    .insert(failures)
    .values({ minute: minuteOf(at), failures: 1 })
    .onConflictDoUpdate({ target: failures.minute, set: { failures: sql`${failures.failures} + 1` } });
}

/** Failed sign-ins in the minutes from `since`'s (its minute included) up to `until`. */
export async function signInFailuresBetween(db: D1Database, since: Date, until: Date): Promise<number> {
  const [row] = await orm(db)
    .select({ n: sum(failures.failures).mapWith(Number) })
    .from(failures)
    .where(and(gte(failures.minute, minuteOf(since)), lte(failures.minute, until.toISOString())));
  return row?.n ?? 0;
}

/** Cron: the alert looks back minutes, not days. */
export async function forgetOldSignInFailures(db: D1Database, now: Date): Promise<void> {
  await orm(db)
    .delete(failures)
    .where(lt(failures.minute, new Date(now.getTime() - 86_400_000).toISOString()));
}
