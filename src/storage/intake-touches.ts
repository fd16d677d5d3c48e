import type { LeadTouches, Touch } from "../core/intake/touch";
import { conditionParams, insertWhenSql, type SqlCondition } from "./conditional-insert";

/*
 * First and last touch per person (table intake_lead_touches), updated with every submission that
 * is not spam. The statement is mergeTouches (src/core/intake/touch.ts) in SQL, so two submissions of
 * one person at once cannot lose either: the first touch is the oldest, the last the newest.
 */

const UPSERT_TAIL = `
  ON CONFLICT (email) DO UPDATE SET
    first_touch_json = CASE WHEN excluded.first_at < first_at THEN excluded.first_touch_json ELSE first_touch_json END,
    first_submission_id = CASE WHEN excluded.first_at < first_at THEN excluded.first_submission_id ELSE first_submission_id END,
    first_at = min(first_at, excluded.first_at),
    last_touch_json = CASE WHEN excluded.last_at >= last_at THEN excluded.last_touch_json ELSE last_touch_json END,
    last_submission_id = CASE WHEN excluded.last_at >= last_at THEN excluded.last_submission_id ELSE last_submission_id END,
    last_at = max(last_at, excluded.last_at),
    submissions = submissions + 1`;

/** Records a submission's touch, when `when` holds (in the route's batch: the claim is ours). */
export function touchStatement(db: D1Database, email: string, touch: Touch, submissionId: string, when?: SqlCondition): D1PreparedStatement {
  const sql = insertWhenSql(
    "INSERT INTO intake_lead_touches (email, first_touch_json, first_submission_id, first_at, last_touch_json, last_submission_id, last_at, submissions)",
    "(?1, ?2, ?3, ?4, ?2, ?3, ?4, 1)",
    when,
    UPSERT_TAIL,
  );
  return db.prepare(sql).bind(email, JSON.stringify(touch), submissionId, touch.at, ...conditionParams(when));
}

/** A person's touches, or null before their first submission. */
export async function leadTouches(db: D1Database, email: string): Promise<LeadTouches | null> {
  const row = await db
    .prepare(
      "SELECT first_touch_json, first_submission_id, last_touch_json, last_submission_id, submissions FROM intake_lead_touches WHERE email = ?",
    )
    .bind(email)
    .first<{ first_touch_json: string; first_submission_id: string; last_touch_json: string; last_submission_id: string; submissions: number }>();
  if (!row) return null;
  return {
    first: { ...(JSON.parse(row.first_touch_json) as Touch), submissionId: row.first_submission_id },
    last: { ...(JSON.parse(row.last_touch_json) as Touch), submissionId: row.last_submission_id },
    submissions: row.submissions,
  };
}

/** Deletes up to `limit` people's touches whose last submission was before `before`; returns how many. */
export async function forgetTouches(db: D1Database, before: Date, limit = 1_000): Promise<number> {
  const { meta } = await db
    .prepare("DELETE FROM intake_lead_touches WHERE email IN (SELECT email FROM intake_lead_touches WHERE last_at < ?1 LIMIT ?2)")
    .bind(before.toISOString(), limit)
    .run();
  return meta.changes ?? 0;
}
