import type { IntakeSubmission, RawFields } from "../core/intake/intake-submission";
import { and, asc, count, desc, eq, inArray, lt, max, sql } from "drizzle-orm";
import { conditionName, rowsWhen, type SqlCondition } from "./conditional-insert";
import { compiledShapes, orm } from "./orm";
import { intakeLeadTouches, intakeSubmissionSteps, intakeSubmissions } from "./schema";

/*
 * Form submissions (tables intake_submissions and intake_submission_steps). A submission is
 * written before the form is answered; the processing pipeline reads it by id, moves its status on
 * and appends its steps. The statements the intake route batches are compiled once (orm.ts).
 */

const submissions = intakeSubmissions;
const steps = intakeSubmissionSteps;
const ph = sql.placeholder;

/** received: waiting for (or in) processing; spam: stored, never sent on. The pipeline sets the others. */
export type SubmissionStatus = (typeof intakeSubmissions.$inferSelect)["status"];

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
const touches = intakeLeadTouches;
const CONTEXT_WITH_PREVIOUS = sql`json_patch(${ph("context")}, coalesce(
  (select json_object('previousSubmissionAt', ${touches.lastAt}, 'previousSubmissions', ${touches.submissions}) from ${touches} where ${touches.email} = ${ph("email")}), '{}'))`;

const insertSubmission = compiledShapes(
  (shape: { when?: SqlCondition; withPreviousTouches: boolean }) => `${conditionName(shape.when)}:${shape.withPreviousTouches}`,
  (q, { when, withPreviousTouches }) =>
    q.insert(submissions).select(
      rowsWhen(
        submissions,
        [
          {
            id: ph("id"),
            formKey: ph("formKey"),
            status: ph("status"),
            email: ph("email"),
            rawJson: ph("rawJson"),
            submissionJson: ph("submissionJson"),
            contextJson: withPreviousTouches ? CONTEXT_WITH_PREVIOUS : ph("context"),
            spamReason: ph("spamReason"),
            receivedAt: ph("at"),
            updatedAt: ph("at"),
          },
        ],
        when,
      ),
    ),
);

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
  const values = {
    id: row.id,
    formKey: row.submission.formKey,
    status: row.status,
    email: row.submission.email.canonical,
    rawJson: JSON.stringify(row.raw),
    submissionJson: JSON.stringify(row.submission),
    context: JSON.stringify(row.context),
    spamReason: row.spamReason ?? null,
    at: row.submission.receivedAt,
  };
  return [insertSubmission(db, { when, withPreviousTouches }, values, when?.values), ...stepStatements(db, row.id, row.steps, when)];
}

/** D1 binds at most 100 parameters per statement: 20 steps of four, and a condition's. */
const STEPS_PER_STATEMENT = 20;

/** Placeholders of the i-th step of a statement. */
const stepRow = (i: number) => ({ submissionId: ph("id"), step: ph(`step${i}`), at: ph(`at${i}`), detailJson: ph(`detail${i}`) });

/** A step already logged keeps its first time (INSERT … DO NOTHING): a redelivered message logs nothing twice. */
const insertSteps = compiledShapes(
  (shape: { rows: number; when?: SqlCondition }) => `${shape.rows}:${conditionName(shape.when)}`,
  (q, { rows, when }) =>
    q
      .insert(steps)
      .select(
        rowsWhen(
          steps,
          Array.from({ length: rows }, (_, i) => stepRow(i)),
          when,
        ),
      )
      .onConflictDoNothing(),
);

/** Steps go in as one multi-row insert: each statement in a batch costs the Worker its own share of D1's per-statement work. */
function stepStatements(db: D1Database, id: string, list: readonly SubmissionStep[], when?: SqlCondition): D1PreparedStatement[] {
  const statements: D1PreparedStatement[] = [];
  for (let i = 0; i < list.length; i += STEPS_PER_STATEMENT) {
    const chunk = list.slice(i, i + STEPS_PER_STATEMENT);
    const values: Record<string, unknown> = { id };
    chunk.forEach((s, n) => {
      values[`step${n}`] = s.step;
      values[`at${n}`] = s.at;
      values[`detail${n}`] = s.detail === undefined ? null : JSON.stringify(s.detail);
    });
    statements.push(insertSteps(db, { rows: chunk.length, when }, values, when?.values));
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

const updateStatus = compiledShapes(
  (onlyFrom: boolean) => String(onlyFrom),
  (q, onlyFrom) =>
    q
      .update(submissions)
      .set({ status: sql`${ph("status")}`, updatedAt: sql`${ph("at")}` })
      .where(
        and(eq(submissions.id, ph("id")), onlyFrom ? inArray(submissions.status, sql`(select value from json_each(${ph("from")}))`) : undefined),
      ),
);

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
  const values = { id, status, at: now.toISOString(), from: JSON.stringify(options.from ?? []) };
  const [result] = await db.batch([
    updateStatus(db, options.from !== undefined, values),
    ...(options.step ? stepStatements(db, id, [options.step]) : []),
  ]);
  return (result!.meta.changes ?? 0) > 0;
}

export async function loadSubmission(db: D1Database, id: string): Promise<StoredSubmission | null> {
  const d1 = orm(db);
  const [[found], stepRows] = await d1.batch([
    d1.select().from(submissions).where(eq(submissions.id, id)),
    d1
      .select({ step: steps.step, at: steps.at, detailJson: steps.detailJson })
      .from(steps)
      .where(eq(steps.submissionId, id))
      .orderBy(asc(steps.at), sql`rowid`),
  ]);
  if (!found) return null;
  return {
    id: found.id,
    formKey: found.formKey,
    status: found.status,
    email: found.email,
    raw: JSON.parse(found.rawJson),
    submission: JSON.parse(found.submissionJson),
    context: JSON.parse(found.contextJson),
    ...(found.spamReason ? { spamReason: found.spamReason } : {}),
    receivedAt: found.receivedAt,
    updatedAt: found.updatedAt,
    steps: stepRows.map((s) => ({
      step: s.step,
      at: s.at,
      ...(s.detailJson ? { detail: JSON.parse(s.detailJson) } : {}),
    })),
  };
}

/**
 * Submissions still `received` since before `before`: their queue message was lost, or the send
 * failed after the row was stored. The cron sends them again (the pipeline ignores duplicates).
 */
export async function waitingSubmissions(db: D1Database, before: Date, limit = 100): Promise<string[]> {
  const rows = await orm(db)
    .select({ id: submissions.id })
    .from(submissions)
    .where(and(eq(submissions.status, "received"), lt(submissions.receivedAt, before.toISOString())))
    .orderBy(asc(submissions.receivedAt))
    .limit(limit);
  return rows.map((r) => r.id);
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
  const at = before.toISOString();
  return orm(db)
    .select({ id: submissions.id, status: submissions.status, updatedAt: submissions.updatedAt })
    .from(submissions)
    .where(and(inArray(submissions.status, [...statuses]), lt(submissions.receivedAt, at), lt(submissions.updatedAt, at)))
    .orderBy(asc(submissions.receivedAt))
    .limit(limit);
}

/** How many submissions are dead, the newest's time and the ids of the newest few: what the alert tells. */
export async function deadSubmissionsSummary(db: D1Database, sample = 3): Promise<{ count: number; newestAt: string | null; newestIds: string[] }> {
  const d1 = orm(db);
  const dead = eq(submissions.status, "dead");
  const [[summary], newest] = await d1.batch([
    d1
      .select({ n: count(), newest: max(submissions.updatedAt) })
      .from(submissions)
      .where(dead),
    d1.select({ id: submissions.id }).from(submissions).where(dead).orderBy(desc(submissions.updatedAt)).limit(sample),
  ]);
  return { count: summary?.n ?? 0, newestAt: summary?.newest ?? null, newestIds: newest.map((r) => r.id) };
}

/**
 * Deletes up to `limit` submissions of `status` received before `before`, with their steps, in
 * one transaction (the same rows in both statements); returns how many submissions went.
 */
export async function forgetSubmissions(db: D1Database, status: SubmissionStatus, before: Date, limit = 500): Promise<number> {
  const d1 = orm(db);
  const chosen = d1
    .select({ id: submissions.id })
    .from(submissions)
    .where(and(eq(submissions.status, status), lt(submissions.receivedAt, before.toISOString())))
    .orderBy(asc(submissions.receivedAt))
    .limit(limit);
  const [, gone] = await d1.batch([
    d1.delete(steps).where(inArray(steps.submissionId, chosen)),
    d1.delete(submissions).where(inArray(submissions.id, chosen)),
  ]);
  return gone.meta.changes ?? 0;
}
