import { forgetExpiredIdempotencyKeys } from "../storage/intake-idempotency";
import { forgetWithdrawnConsents } from "../storage/intake-consents";
import { forgetSubmissions } from "../storage/intake-submissions";
import { forgetTouches } from "../storage/intake-touches";

/*
 * How long intake keeps what it stores: every intake table has a retention, enforced by the cron
 * (src/index.ts) and stated in docs/intake.md (Retention). Submissions hold a person's data
 * (fields, address, IP, user agent) for what intake does with them, not for good: once the lead
 * is in the CRM, the CRM is where it lives. Consent records are the exception: they are the
 * evidence that the person agreed (GDPR art. 7(1): the controller must be able to demonstrate
 * consent), needed for as long as the consent is relied on and for as long as a claim or a
 * regulator's inquiry about it can come (six years: the longest common limitation period, e.g.
 * the UK's Limitation Act 1980 s. 5).
 */
const DAY_MS = 86_400_000;
export const RETENTION = {
  /** Spam is kept a week, for an admin to look at a false positive, and is small (src/core/intake/intake-submission.ts keptRawFields). */
  spamSubmissionDays: 7,
  /** A processed submission: a quarter, to answer "where did this lead come from?" beside the CRM. */
  processedSubmissionDays: 90,
  /** A dead one is a lead not written: a year, alerted about until an admin retries it. */
  deadSubmissionDays: 365,
  /** First and last touch of a person: two years after their last submission (attribution over a long sales cycle). */
  touchDays: 730,
  /** A consent's rows: while it stands, and six years after it is withdrawn. */
  withdrawnConsentYears: 6,
} as const;

/**
 * The tables without an index on their age (touches, consents) are looked through once a day,
 * by the run in the first five minutes after 03:00 UTC (the cron runs every five): a scan every
 * five minutes would cost more than what it keeps small.
 */
export const isDailyRun = (at: Date): boolean => at.getUTCHours() === 3 && at.getUTCMinutes() < 5;

/** Cron: forgets what intake keeps no longer. Each step is bounded per run; a backlog goes over the next runs. */
export async function forgetOldIntake(db: D1Database, now: Date, options: { daily?: boolean } = {}): Promise<Record<string, number>> {
  const ago = (days: number) => new Date(now.getTime() - days * DAY_MS);
  const forgotten: Record<string, number> = {
    idempotencyKeys: await forgetExpiredIdempotencyKeys(db, now),
    spamSubmissions: await forgetSubmissions(db, "spam", ago(RETENTION.spamSubmissionDays)),
    processedSubmissions: await forgetSubmissions(db, "processed", ago(RETENTION.processedSubmissionDays)),
    deadSubmissions: await forgetSubmissions(db, "dead", ago(RETENTION.deadSubmissionDays)),
  };
  if (options.daily ?? isDailyRun(now)) {
    forgotten.touches = await forgetTouches(db, ago(RETENTION.touchDays));
    const sixYearsAgo = new Date(now);
    sixYearsAgo.setUTCFullYear(sixYearsAgo.getUTCFullYear() - RETENTION.withdrawnConsentYears);
    forgotten.consents = await forgetWithdrawnConsents(db, sixYearsAgo);
  }
  return forgotten;
}
