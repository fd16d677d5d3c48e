import { type IdempotencyRecord, SPENT_TOKEN_MEMORY_MS, type StoredAnswer } from "../core/intake/idempotency";
import { type AnyColumn, and, eq, lte, sql } from "drizzle-orm";
import { conditionName, rowsWhen, type SqlCondition } from "./conditional-insert";
import { compiled, compiledShapes, excluded, orm } from "./orm";
import { intakeIdempotency } from "./schema";

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

const t = intakeIdempotency;
const ph = sql.placeholder;

/** The instant `ms` before the claim being made, spelt as claimed_at is (the SQL of new Date(now - ms).toISOString()). */
const before = (ms: number) => sql`strftime('%Y-%m-%dT%H:%M:%fZ', ${excluded(t.claimedAt)}, ${sql.raw(`'-${ms / 1000} seconds'`)})`;

/**
 * A key may be taken when its last claim expired (unless by the token that claim was accepted
 * with, while that token could still be verified), was left in progress longer than
 * STALE_CLAIM_MS, or is held by spam and this submission is not.
 */
const TAKEABLE = sql`((${t.expiresAt} <= ${excluded(t.claimedAt)}
    and (${t.tokenHash} is null or ${excluded(t.tokenHash)} is null or ${t.tokenHash} <> ${excluded(t.tokenHash)}
      or ${t.claimedAt} <= ${before(SPENT_TOKEN_MEMORY_MS)}))
  or (${t.state} = 'in_progress' and ${t.claimedAt} <= ${before(STALE_CLAIM_MS)})
  or (${t.spam} = 1 and ${excluded(t.spam)} = 0))`;
const keepOrTake = (column: AnyColumn) => sql`case when ${TAKEABLE} then ${excluded(column)} else ${column} end`;

/*
 * A key that cannot be taken is "updated" to what it was, so RETURNING always gives the holder's
 * row: ours exactly when it carries our submission id.
 */
const claimStatementOf = compiledShapes(conditionName, (q, when: SqlCondition | undefined) =>
  q
    .insert(t)
    .select(
      rowsWhen(
        t,
        [
          {
            formKey: ph("formKey"),
            key: ph("key"),
            fingerprint: ph("fingerprint"),
            submissionId: ph("submissionId"),
            state: sql`'done'`,
            answerJson: ph("answerJson"),
            claimedAt: ph("claimedAt"),
            expiresAt: ph("expiresAt"),
            tokenHash: ph("tokenHash"),
            spam: ph("spam"),
          },
        ],
        when,
      ),
    )
    .onConflictDoUpdate({
      target: [t.formKey, t.key],
      set: {
        fingerprint: keepOrTake(t.fingerprint),
        submissionId: keepOrTake(t.submissionId),
        state: keepOrTake(t.state),
        answerJson: keepOrTake(t.answerJson),
        claimedAt: keepOrTake(t.claimedAt),
        expiresAt: keepOrTake(t.expiresAt),
        tokenHash: keepOrTake(t.tokenHash),
        spam: keepOrTake(t.spam),
      },
    })
    .returning({ submissionId: t.submissionId, fingerprint: t.fingerprint, state: t.state, answerJson: t.answerJson }),
);

/** The claim a token was accepted with; only the client holding the token can name its hash. */
const spentOn = compiled<{ formKey: string; key: string; tokenHash: string }>((q) =>
  q
    .select({ submissionId: t.submissionId, fingerprint: t.fingerprint, state: t.state, answerJson: t.answerJson, spam: t.spam })
    .from(t)
    .where(and(eq(t.formKey, ph("formKey")), eq(t.key, ph("key")), eq(t.tokenHash, ph("tokenHash")))),
);

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
  return spentOn(db, { formKey: claim.formKey, key: claim.key, tokenHash });
}

/** A claim as the claim and spent-token statements return it: D1's rows, keyed by the columns' names. */
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
  return claimStatementOf(
    db,
    when,
    {
      formKey: claim.formKey,
      key: claim.key,
      fingerprint: claim.fingerprint,
      submissionId: claim.submissionId,
      answerJson: JSON.stringify(answer),
      claimedAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + ttlMs).toISOString(),
      tokenHash: claim.tokenHash ?? null,
      spam: claim.spam ?? false,
    },
    when?.values,
  );
}

const CLAIM_IS_OURS = sql`exists (select 1 from ${t} where ${t.formKey} = ${ph("ours.formKey")} and ${t.key} = ${ph("ours.key")} and ${t.submissionId} = ${ph("ours.submissionId")})`;

/** The condition every write after the claim carries: the claim is ours. */
export function claimGuard(claim: Claim): SqlCondition {
  return {
    name: "claimIsOurs",
    sql: CLAIM_IS_OURS,
    values: { "ours.formKey": claim.formKey, "ours.key": claim.key, "ours.submissionId": claim.submissionId },
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
  const { meta } = await orm(db)
    .delete(t)
    .where(and(lte(t.expiresAt, now.toISOString()), lte(t.claimedAt, new Date(now.getTime() - SPENT_TOKEN_MEMORY_MS).toISOString())));
  return meta.changes ?? 0;
}
