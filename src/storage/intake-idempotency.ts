import { type IdempotencyRecord, SPENT_TOKEN_MEMORY_MS, type StoredAnswer } from "../core/intake/idempotency";
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
 *
 * A claim remembers the Turnstile token it was accepted with (its SHA-256), so that a token is
 * accepted for one claim only: a claim past its expiry is not taken over by the same token (that
 * is the same request again, and gets its answer), and a token siteverify calls spent is answered
 * with the claim it was spent on, and no other (spentTokenStatement). A claim held by spam is
 * taken over by a submission that passes the checks: a person's real retry is never folded into
 * a submission judged spam.
 */

/** Longer than any request of the earlier version spent between claiming and storing (a Turnstile check has a 5 s timeout). */
export const STALE_CLAIM_MS = 60_000;

/**
 * A key may be taken when its last claim expired (unless by the token that claim was accepted
 * with, while that token could still be verified), was left in progress longer than
 * STALE_CLAIM_MS, or is held by spam and this submission is not.
 */
const TAKEABLE = `((intake_idempotency.expires_at <= excluded.claimed_at
    AND (intake_idempotency.token_hash IS NULL OR excluded.token_hash IS NULL OR intake_idempotency.token_hash <> excluded.token_hash
      OR intake_idempotency.claimed_at <= strftime('%Y-%m-%dT%H:%M:%fZ', excluded.claimed_at, '-${SPENT_TOKEN_MEMORY_MS / 1000} seconds')))
  OR (intake_idempotency.state = 'in_progress' AND intake_idempotency.claimed_at <= ?7)
  OR (intake_idempotency.spam = 1 AND excluded.spam = 0))`;
const keepOrTake = (column: string) => `${column} = CASE WHEN ${TAKEABLE} THEN excluded.${column} ELSE intake_idempotency.${column} END`;

/*
 * A key that cannot be taken is "updated" to what it was, so RETURNING always gives the holder's
 * row: ours exactly when it carries our submission id.
 */
const CLAIM_HEAD =
  "INSERT INTO intake_idempotency (form_key, key, fingerprint, submission_id, state, answer_json, claimed_at, expires_at, token_hash, spam)";
const CLAIM_ROW = "(?1, ?2, ?3, ?4, 'done', ?8, ?5, ?6, ?9, ?10)";
const CLAIM_TAIL = `
  ON CONFLICT (form_key, key) DO UPDATE SET
    ${["fingerprint", "submission_id", "state", "answer_json", "claimed_at", "expires_at", "token_hash", "spam"].map(keepOrTake).join(",\n    ")}
  RETURNING submission_id, fingerprint, state, answer_json`;

/** The claim a token was accepted with; only the client holding the token can name its hash. */
const SPENT_ON = `
  SELECT submission_id, fingerprint, state, answer_json, spam FROM intake_idempotency
  WHERE form_key = ?1 AND key = ?2 AND token_hash = ?3`;

export interface Claim {
  formKey: string;
  key: string;
  fingerprint: string;
  /** The id the submission will be stored under; it also identifies the claim. */
  submissionId: string;
  /** SHA-256 (hex) of the Turnstile token the submission came with, on forms that ask for one. */
  tokenHash?: string;
  /** The submission was judged spam: a submission that passes the checks may take the claim over. */
  spam?: boolean;
}

export type ClaimResult = { claimed: true } | { claimed: false; record: IdempotencyRecord };

/**
 * Reads the claim of this key that was accepted with this very token (when siteverify calls the
 * token spent: a retry after a lost answer); holderOf reads the result (undefined: none was).
 */
export function spentTokenStatement(db: D1Database, claim: Claim, tokenHash: string): D1PreparedStatement {
  return db.prepare(SPENT_ON).bind(claim.formKey, claim.key, tokenHash);
}

type ClaimRow = { submission_id: string; fingerprint: string; state: "in_progress" | "done"; answer_json: string | null; spam?: number };

const recordOf = (row: ClaimRow): IdempotencyRecord => ({
  fingerprint: row.fingerprint,
  state: row.state,
  ...(row.spam ? { spam: true } : {}),
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
      claim.tokenHash ?? null,
      claim.spam ? 1 : 0,
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

/**
 * Cron: drops expired keys (a key past its expiry is claimed afresh anyway; this keeps the table
 * small), once the token they were accepted with can no longer be verified either.
 */
export async function forgetExpiredIdempotencyKeys(db: D1Database, now: Date): Promise<number> {
  const { meta } = await db
    .prepare("DELETE FROM intake_idempotency WHERE expires_at <= ?1 AND claimed_at <= ?2")
    .bind(now.toISOString(), new Date(now.getTime() - SPENT_TOKEN_MEMORY_MS).toISOString())
    .run();
  return meta.changes ?? 0;
}
