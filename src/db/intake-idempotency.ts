import type { IdempotencyRecord, StoredAnswer } from "../domain/idempotency";
import { conditionParams, insertWhenSql, type SqlCondition } from "./conditional-insert";

/*
 * Idempotency keys (table intake_idempotency). A submission's key is claimed in the same batch (one
 * transaction) that stores the submission: the claim's upsert comes first, and every write after it
 * is guarded by the claim being ours (claimGuard). Of two requests with the same key exactly one
 * stores; the other learns from the same statement who holds the key, and answers with the holder's
 * stored answer (or 422). So a submission costs one D1 round trip, not two: locally each cost the
 * Worker's thread about four milliseconds (measured by leaving one out).
 *
 * Claims are written done. A claim in progress is what the version before this one wrote while it
 * verified Turnstile between claim and store; such a row is answered 409 (the draft's "still in
 * progress") until it is taken over, once older than STALE_CLAIM_MS.
 */

/** Longer than any request of the earlier version spent between claiming and storing (a Turnstile check has a 5 s timeout). */
export const STALE_CLAIM_MS = 60_000;

/** A key may be taken when its last claim expired, or was left in progress longer than STALE_CLAIM_MS. */
const TAKEABLE = `(intake_idempotency.expires_at <= excluded.claimed_at
  OR (intake_idempotency.state = 'in_progress' AND intake_idempotency.claimed_at <= ?7))`;
const keepOrTake = (column: string) => `${column} = CASE WHEN ${TAKEABLE} THEN excluded.${column} ELSE intake_idempotency.${column} END`;

/*
 * A key that cannot be taken is "updated" to what it was, so RETURNING always gives the holder's
 * row: ours exactly when it carries our submission id.
 */
const CLAIM_HEAD = "INSERT INTO intake_idempotency (form_key, key, fingerprint, submission_id, state, answer_json, claimed_at, expires_at)";
const CLAIM_ROW = "(?1, ?2, ?3, ?4, 'done', ?8, ?5, ?6)";
const CLAIM_TAIL = `
  ON CONFLICT (form_key, key) DO UPDATE SET
    ${["fingerprint", "submission_id", "state", "answer_json", "claimed_at", "expires_at"].map(keepOrTake).join(",\n    ")}
  RETURNING submission_id, fingerprint, state, answer_json`;

const HOLDER = `
  SELECT submission_id, fingerprint, state, answer_json FROM intake_idempotency
  WHERE form_key = ?1 AND key = ?2 AND NOT (expires_at <= ?3 OR (state = 'in_progress' AND claimed_at <= ?4))`;

export interface Claim {
  formKey: string;
  key: string;
  fingerprint: string;
  /** The id the submission will be stored under; it also identifies the claim. */
  submissionId: string;
}

export type ClaimResult = { claimed: true } | { claimed: false; record: IdempotencyRecord };

/** Reads who holds the key now (when Turnstile refused a retry); holderOf reads the result (undefined: the key is free). */
export function holderStatement(db: D1Database, claim: Claim, now: Date): D1PreparedStatement {
  return db.prepare(HOLDER).bind(claim.formKey, claim.key, now.toISOString(), new Date(now.getTime() - STALE_CLAIM_MS).toISOString());
}

type ClaimRow = { submission_id: string; fingerprint: string; state: "in_progress" | "done"; answer_json: string | null };

const recordOf = (row: ClaimRow): IdempotencyRecord => ({
  fingerprint: row.fingerprint,
  state: row.state,
  ...(row.answer_json ? { answer: JSON.parse(row.answer_json) as StoredAnswer } : {}),
});

export function holderOf(result: D1Result): IdempotencyRecord | undefined {
  const row = result.results[0] as ClaimRow | undefined;
  return row && recordOf(row);
}

/**
 * The statement that claims the key, done with `answer`, when `when` holds (the policy the
 * submission was read with is still the active one); first in the batch that stores the submission.
 * It returns no row when `when` did not hold.
 */
export function claimStatement(
  db: D1Database,
  claim: Claim,
  answer: StoredAnswer,
  now: Date,
  ttlMs: number,
  when?: SqlCondition,
): D1PreparedStatement {
  return db
    .prepare(insertWhenSql(CLAIM_HEAD, CLAIM_ROW, when, CLAIM_TAIL))
    .bind(
      claim.formKey,
      claim.key,
      claim.fingerprint,
      claim.submissionId,
      now.toISOString(),
      new Date(now.getTime() + ttlMs).toISOString(),
      new Date(now.getTime() - STALE_CLAIM_MS).toISOString(),
      JSON.stringify(answer),
      ...conditionParams(when),
    );
}

/** The condition every write after the claim carries: the claim is ours. */
export function claimGuard(claim: Claim): SqlCondition {
  return {
    sql: "EXISTS (SELECT 1 FROM intake_idempotency WHERE form_key = ? AND key = ? AND submission_id = ?)",
    params: [claim.formKey, claim.key, claim.submissionId],
  };
}

/** What the claim statement's result says: claimed, or the holder's record (or, when its condition did not hold, neither). */
export function claimOutcome(claim: Claim, result: D1Result): ClaimResult | undefined {
  const row = result.results[0] as ClaimRow | undefined;
  if (!row) return undefined;
  return row.submission_id === claim.submissionId ? { claimed: true } : { claimed: false, record: recordOf(row) };
}

/** Cron: drops expired keys (a key past its expiry is claimed afresh anyway; this keeps the table small). */
export async function forgetExpiredIdempotencyKeys(db: D1Database, now: Date): Promise<void> {
  await db.prepare("DELETE FROM intake_idempotency WHERE expires_at <= ?").bind(now.toISOString()).run();
}
