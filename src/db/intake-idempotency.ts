import type { IdempotencyRecord, StoredAnswer } from "../domain/idempotency";

/*
 * Claims on idempotency keys (table intake_idempotency). A claim is one upsert, so of two requests
 * with the same key exactly one holds it; the other learns who does from the same statement. A
 * claim left in progress by a request that died is taken over once it is older than STALE_CLAIM_MS.
 */

/** Longer than any request spends between claiming and storing (a Turnstile check has a 5 s timeout). */
export const STALE_CLAIM_MS = 60_000;

/** A key may be taken when its last claim expired, or was left in progress longer than STALE_CLAIM_MS. */
const TAKEABLE = `(intake_idempotency.expires_at <= excluded.claimed_at
  OR (intake_idempotency.state = 'in_progress' AND intake_idempotency.claimed_at <= ?7))`;
const keepOrTake = (column: string) => `${column} = CASE WHEN ${TAKEABLE} THEN excluded.${column} ELSE intake_idempotency.${column} END`;

/*
 * One statement claims the key or reads who holds it: a key that cannot be taken is "updated" to
 * what it was, so RETURNING always gives the holder's row, ours exactly when it carries our id.
 * (A claim and a separate read of the holder would be two round trips on every submission.)
 */
const CLAIM = `
  INSERT INTO intake_idempotency (form_key, key, fingerprint, submission_id, state, answer_json, claimed_at, expires_at)
  VALUES (?1, ?2, ?3, ?4, 'in_progress', NULL, ?5, ?6)
  ON CONFLICT (form_key, key) DO UPDATE SET
    ${["fingerprint", "submission_id", "state", "answer_json", "claimed_at", "expires_at"].map(keepOrTake).join(",\n    ")}
  RETURNING submission_id, fingerprint, state, answer_json`;

export interface Claim {
  formKey: string;
  key: string;
  fingerprint: string;
  /** The id the submission will be stored under; it also identifies the claim. */
  submissionId: string;
}

export type ClaimOutcome = { claimed: true } | { claimed: false; record: IdempotencyRecord };

/** The statement that claims the key (see CLAIM), for a batch; claimOutcome reads its result. */
export function claimStatement(db: D1Database, claim: Claim, now: Date, ttlMs: number): D1PreparedStatement {
  return db
    .prepare(CLAIM)
    .bind(
      claim.formKey,
      claim.key,
      claim.fingerprint,
      claim.submissionId,
      now.toISOString(),
      new Date(now.getTime() + ttlMs).toISOString(),
      new Date(now.getTime() - STALE_CLAIM_MS).toISOString(),
    );
}

type ClaimRow = { submission_id: string; fingerprint: string; state: "in_progress" | "done"; answer_json: string | null };

/** What the claim statement's result says: claimed, or the holder's record. */
export function claimOutcome(claim: Claim, result: D1Result): ClaimOutcome {
  const row = result.results[0] as ClaimRow | undefined;
  if (!row) throw new Error(`idempotency claim of ${claim.key} (form ${claim.formKey}) returned no row`);
  if (row.submission_id === claim.submissionId) return { claimed: true };
  return {
    claimed: false,
    record: {
      fingerprint: row.fingerprint,
      state: row.state,
      ...(row.answer_json ? { answer: JSON.parse(row.answer_json) as StoredAnswer } : {}),
    },
  };
}

/** Marks the claim done with its answer; part of the batch that stores the submission. */
export function finishClaimStatement(db: D1Database, claim: Claim, answer: StoredAnswer): D1PreparedStatement {
  return db
    .prepare(
      "UPDATE intake_idempotency SET state = 'done', answer_json = ? WHERE form_key = ? AND key = ? AND submission_id = ? AND state = 'in_progress'",
    )
    .bind(JSON.stringify(answer), claim.formKey, claim.key, claim.submissionId);
}

/** Gives the key back when nothing was stored (a refused Turnstile token, an outage): the client may retry with it. */
export async function releaseClaim(db: D1Database, claim: Claim): Promise<void> {
  await db
    .prepare("DELETE FROM intake_idempotency WHERE form_key = ? AND key = ? AND submission_id = ? AND state = 'in_progress'")
    .bind(claim.formKey, claim.key, claim.submissionId)
    .run();
}

/** Cron: drops expired keys (a key past its expiry is claimed afresh anyway; this keeps the table small). */
export async function forgetExpiredIdempotencyKeys(db: D1Database, now: Date): Promise<void> {
  await db.prepare("DELETE FROM intake_idempotency WHERE expires_at <= ?").bind(now.toISOString()).run();
}
