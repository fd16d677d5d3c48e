import type { IntakeSubmission, RawFields } from "../core/intake/intake-submission";
import { conditionParams, insertWhenSql, type SqlCondition } from "./conditional-insert";

/*
 * Form submissions (tables intake_submissions and intake_submission_steps). A submission is
 * written before the form is answered; the processing pipeline reads it by id, moves its status on
 * and appends its steps. Plain D1 statements.
 */

/** received: waiting for (or in) processing; spam: stored, never sent on. The pipeline sets the others. */
export type SubmissionStatus = "received" | "spam" | "processing" | "processed" | "failed" | "dead";

export interface SubmissionStep {
  step: string;
  at: string;
  detail?: unknown;
}

/** The request a submission came with. */
export interface SubmissionContext {
  ip?: string;
  userAgent?: string;
  origin?: string;
  referer?: string;
  /** cf.country of the request. */
  requestCountry?: string;
  idempotencyKey?: string;
  /** The same person's previous submission (before this one), for "returning" in the score. */
  previousSubmissionAt?: string;
  /** How many submissions the person made before this one. */
  previousSubmissions?: number;
}

export interface StoredSubmission {
  id: string;
  formKey: string;
  status: SubmissionStatus;
  email: string;
  raw: RawFields;
  submission: IntakeSubmission;
  context: SubmissionContext;
  spamReason?: string;
  receivedAt: string;
  updatedAt: string;
  /** Oldest first. */
  steps: SubmissionStep[];
}

export interface NewSubmission {
  id: string;
  status: "received" | "spam";
  raw: RawFields;
  submission: IntakeSubmission;
  context: SubmissionContext;
  spamReason?: string;
  steps: SubmissionStep[];
}

/**
 * The person's touches as they stand when the row goes in, merged into its context (see
 * SubmissionContext.previousSubmissionAt): read in the same statement, not in a round trip before.
 */
const CONTEXT_WITH_PREVIOUS = `json_patch(?, coalesce(
  (SELECT json_object('previousSubmissionAt', last_at, 'previousSubmissions', submissions) FROM intake_lead_touches WHERE email = ?), '{}'))`;

/**
 * The statements that store a new submission and its first steps, when `when` holds; the route
 * runs them in one batch, before the statement that records this submission's touch.
 * `withPreviousTouches` adds the person's earlier submissions to the stored context.
 */
export function storeSubmissionStatements(
  db: D1Database,
  row: NewSubmission,
  options: { when?: SqlCondition; withPreviousTouches?: boolean } = {},
): D1PreparedStatement[] {
  const { when, withPreviousTouches = false } = options;
  const at = row.submission.receivedAt;
  const email = row.submission.email.canonical;
  return [
    db
      .prepare(
        insertWhenSql(
          "INSERT INTO intake_submissions (id, form_key, status, email, raw_json, submission_json, context_json, spam_reason, received_at, updated_at)",
          `(?, ?, ?, ?, ?, ?, ${withPreviousTouches ? CONTEXT_WITH_PREVIOUS : "?"}, ?, ?, ?)`,
          when,
        ),
      )
      .bind(
        row.id,
        row.submission.formKey,
        row.status,
        email,
        JSON.stringify(row.raw),
        JSON.stringify(row.submission),
        JSON.stringify(row.context),
        ...(withPreviousTouches ? [email] : []),
        row.spamReason ?? null,
        at,
        at,
        ...conditionParams(when),
      ),
    ...stepStatements(db, row.id, row.steps, when),
  ];
}

/** D1 binds at most 100 parameters per statement: 20 steps of four, and a condition's. */
const STEPS_PER_STATEMENT = 20;

/** Steps go in as one multi-row insert: each statement in a batch costs the Worker its own share of D1's per-statement work. */
function stepStatements(db: D1Database, id: string, steps: readonly SubmissionStep[], when?: SqlCondition): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < steps.length; i += STEPS_PER_STATEMENT) {
    const chunk = steps.slice(i, i + STEPS_PER_STATEMENT);
    const rows = chunk.map(() => "(?, ?, ?, ?)").join(", ");
    statements.push(
      db
        .prepare(insertWhenSql("INSERT OR IGNORE INTO intake_submission_steps (submission_id, step, at, detail_json)", rows, when))
        .bind(...chunk.flatMap((s) => [id, s.step, s.at, s.detail === undefined ? null : JSON.stringify(s.detail)]), ...conditionParams(when)),
    );
  }
  return statements;
}

/**
 * Appends steps to a submission's log. A step already logged keeps its first time (a redelivered
 * message logs nothing twice). Returns how many were new.
 */
export async function appendSubmissionSteps(db: D1Database, id: string, steps: readonly SubmissionStep[]): Promise<number> {
  if (steps.length === 0) return 0;
  const results = await db.batch(stepStatements(db, id, steps));
  return results.reduce((sum, r) => sum + (r.meta.changes ?? 0), 0);
}

/**
 * Moves a submission to `status`, only from one of `from` when given (and logs `step`, when given,
 * in the same batch). True when the status changed.
 */
export async function setSubmissionStatus(
  db: D1Database,
  id: string,
  status: SubmissionStatus,
  now: Date,
  options: { step?: SubmissionStep; from?: readonly SubmissionStatus[] } = {},
): Promise<boolean> {
  const from = options.from ? ` AND status IN (SELECT value FROM json_each(?))` : "";
  const update = db.prepare(`UPDATE intake_submissions SET status = ?, updated_at = ? WHERE id = ?${from}`);
  const [result] = await db.batch([
    options.from ? update.bind(status, now.toISOString(), id, JSON.stringify(options.from)) : update.bind(status, now.toISOString(), id),
    ...(options.step ? stepStatements(db, id, [options.step]) : []),
  ]);
  return (result!.meta.changes ?? 0) > 0;
}

interface SubmissionRow {
  id: string;
  form_key: string;
  status: SubmissionStatus;
  email: string;
  raw_json: string;
  submission_json: string;
  context_json: string;
  spam_reason: string | null;
  received_at: string;
  updated_at: string;
}

export async function loadSubmission(db: D1Database, id: string): Promise<StoredSubmission | null> {
  const [row, steps] = await db.batch([
    db.prepare("SELECT * FROM intake_submissions WHERE id = ?").bind(id),
    db.prepare("SELECT step, at, detail_json FROM intake_submission_steps WHERE submission_id = ? ORDER BY at, rowid").bind(id),
  ]);
  const found = (row!.results as SubmissionRow[])[0];
  if (!found) return null;
  return {
    id: found.id,
    formKey: found.form_key,
    status: found.status,
    email: found.email,
    raw: JSON.parse(found.raw_json),
    submission: JSON.parse(found.submission_json),
    context: JSON.parse(found.context_json),
    ...(found.spam_reason ? { spamReason: found.spam_reason } : {}),
    receivedAt: found.received_at,
    updatedAt: found.updated_at,
    steps: (steps!.results as { step: string; at: string; detail_json: string | null }[]).map((s) => ({
      step: s.step,
      at: s.at,
      ...(s.detail_json ? { detail: JSON.parse(s.detail_json) } : {}),
    })),
  };
}

/**
 * Submissions still `received` since before `before`: their queue message was lost, or the send
 * failed after the row was stored. The cron sends them again (the pipeline ignores duplicates).
 */
export async function waitingSubmissions(db: D1Database, before: Date, limit = 100): Promise<string[]> {
  const { results } = await db
    .prepare("SELECT id FROM intake_submissions WHERE status = 'received' AND received_at < ? ORDER BY received_at LIMIT ?")
    .bind(before.toISOString(), limit)
    .all<{ id: string }>();
  return results.map((r) => r.id);
}

/**
 * Submissions in one of `statuses` that nothing has moved on since `before` (their last status
 * change), oldest first: the cron gives them up as dead, so that an admin sees and retries them.
 */
export async function stuckSubmissions(
  db: D1Database,
  statuses: readonly SubmissionStatus[],
  before: Date,
  limit = 100,
): Promise<{ id: string; status: SubmissionStatus; updatedAt: string }[]> {
  if (statuses.length === 0) return [];
  const { results } = await db
    .prepare(
      `SELECT id, status, updated_at FROM intake_submissions
       WHERE status IN (SELECT value FROM json_each(?1)) AND received_at < ?2 AND updated_at < ?2 ORDER BY received_at LIMIT ?3`,
    )
    .bind(JSON.stringify(statuses), before.toISOString(), limit)
    .all<{ id: string; status: SubmissionStatus; updated_at: string }>();
  return results.map((r) => ({ id: r.id, status: r.status, updatedAt: r.updated_at }));
}

/** How many submissions are dead, the newest's time and the ids of the newest few: what the alert tells. */
export async function deadSubmissionsSummary(db: D1Database, sample = 3): Promise<{ count: number; newestAt: string | null; newestIds: string[] }> {
  const [summary, newest] = await db.batch<Record<string, unknown>>([
    db.prepare("SELECT count(*) AS n, max(updated_at) AS newest FROM intake_submissions WHERE status = 'dead'"),
    db.prepare("SELECT id FROM intake_submissions WHERE status = 'dead' ORDER BY updated_at DESC LIMIT ?").bind(sample),
  ]);
  const row = summary!.results[0] as { n: number; newest: string | null } | undefined;
  return { count: Number(row?.n ?? 0), newestAt: row?.newest ?? null, newestIds: newest!.results.map((r) => String(r.id)) };
}

/**
 * Deletes up to `limit` submissions of `status` received before `before`, with their steps, in
 * one transaction (the same rows in both statements); returns how many submissions went.
 */
export async function forgetSubmissions(db: D1Database, status: SubmissionStatus, before: Date, limit = 500): Promise<number> {
  const chosen = "SELECT id FROM intake_submissions WHERE status = ?1 AND received_at < ?2 ORDER BY received_at LIMIT ?3";
  const [, submissions] = await db.batch([
    db.prepare(`DELETE FROM intake_submission_steps WHERE submission_id IN (${chosen})`).bind(status, before.toISOString(), limit),
    db.prepare(`DELETE FROM intake_submissions WHERE id IN (${chosen})`).bind(status, before.toISOString(), limit),
  ]);
  return submissions!.meta.changes ?? 0;
}
