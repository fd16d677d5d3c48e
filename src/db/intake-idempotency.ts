import type { IdempotencyRecord, StoredAnswer } from "../domain/idempotency";

/*
 * Claims on idempotency keys (table intake_idempotency). A claim is one upsert, so of two requests
 * with the same key exactly one holds it; the other reads who does. A claim left in progress by a
 * request that died is taken over once it is older than STALE_CLAIM_MS.
 */

/** Longer than any request spends between claiming and storing (a Turnstile check has a 5 s timeout). */
export const STALE_CLAIM_MS = 60_000;

const CLAIM = `
  INSERT INTO intake_idempotency (form_key, key, fingerprint, submission_id, state, answer_json, claimed_at, expires_at)
  VALUES (?1, ?2, ?3, ?4, 'in_progress', NULL, ?5, ?6)
  ON CONFLICT (form_key, key) DO UPDATE SET
    fingerprint = excluded.fingerprint, submission_id = excluded.submission_id, state = 'in_progress',
    answer_json = NULL, claimed_at = excluded.claimed_at, expires_at = excluded.expires_at
  WHERE intake_idempotency.expires_at <= excluded.claimed_at
     OR (intake_idempotency.state = 'in_progress' AND intake_idempotency.claimed_at <= ?7)
  RETURNING submission_id`;

export interface Claim {
  formKey: string;
  key: string;
  fingerprint: string;
  /** The id the submission will be stored under; it also identifies the claim. */
  submissionId: string;
}

/** Claims the key, or says who holds it. */
export async function claimKey(
  db: D1Database,
  claim: Claim,
  now: Date,
  ttlMs: number,
): Promise<{ claimed: true } | { claimed: false; record: IdempotencyRecord }> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const row = await db
      .prepare(CLAIM)
      .bind(
        claim.formKey,
        claim.key,
        claim.fingerprint,
        claim.submissionId,
        now.toISOString(),
        new Date(now.getTime() + ttlMs).toISOString(),
        new Date(now.getTime() - STALE_CLAIM_MS).toISOString(),
      )
      .first<{ submission_id: string }>();
    if (row) return { claimed: true };
    const held = await db
      .prepare("SELECT fingerprint, state, answer_json FROM intake_idempotency WHERE form_key = ? AND key = ?")
      .bind(claim.formKey, claim.key)
      .first<{ fingerprint: string; state: "in_progress" | "done"; answer_json: string | null }>();
    // Released between the two statements: claim again.
    if (!held) continue;
    return {
      claimed: false,
      record: {
        fingerprint: held.fingerprint,
        state: held.state,
        ...(held.answer_json ? { answer: JSON.parse(held.answer_json) as StoredAnswer } : {}),
      },
    };
  }
  throw new Error(`idempotency key ${claim.key} of form ${claim.formKey} keeps changing hands`);
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
