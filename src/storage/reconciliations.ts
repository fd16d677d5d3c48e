import { and, asc, desc, eq, isNull, lt, lte, ne, or, type SQL, sql } from "drizzle-orm";
import { orm } from "./orm";
import { reconciliations } from "./schema";

/*
 * Reconciliations (table reconciliations): Salesforce reads of "records of this object changed,
 * unsaid which", page by page, with the cursor kept here so a restart resumes them. Started, run
 * and retried by the ingest feature (src/ingest/reconciliations.ts, reconciliation-run.ts).
 */

const t = reconciliations;

export type ReconciliationStatus = (typeof t.$inferSelect)["status"];

/** A reconciliation's row, named as its columns are. */
export interface ReconciliationRow {
  id: string;
  crm: string;
  account_id: string;
  object_type: string;
  sobject: string;
  since: string;
  reason: string;
  status: ReconciliationStatus;
  fields: string | null;
  cursor: string | null;
  resume_from: string | null;
  pages: number;
  records: number;
  attempts: number;
  last_error: string | null;
  claimed_until: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** The selection that reads a ReconciliationRow. */
const ROW = {
  id: t.id,
  crm: t.crm,
  account_id: t.accountId,
  object_type: t.objectType,
  sobject: t.sobject,
  since: t.since,
  reason: t.reason,
  status: t.status,
  fields: t.fields,
  cursor: t.cursor,
  resume_from: t.resumeFrom,
  pages: t.pages,
  records: t.records,
  attempts: t.attempts,
  last_error: t.lastError,
  claimed_until: t.claimedUntil,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
  finished_at: t.finishedAt,
} satisfies { [K in keyof ReconciliationRow]: unknown };

/** A reconciliation to record, under the id derived from the event that asked. */
export interface NewReconciliation {
  id: string;
  crm: string;
  accountId: string;
  objectType: string;
  sobject: string;
  since: string;
  reason: string;
}

/** Records them, running; a known id is left as it is. */
export async function insertReconciliations(db: D1Database, rows: readonly NewReconciliation[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  const d1 = orm(db);
  const at = now.toISOString();
  const inserts = rows.map((r) =>
    d1
      .insert(t)
      .values({ ...r, status: "running", createdAt: at, updatedAt: at })
      .onConflictDoNothing(),
  );
  await d1.batch([inserts[0]!, ...inserts.slice(1)]);
}

export async function loadReconciliation(db: D1Database, id: string): Promise<ReconciliationRow | null> {
  const [row] = await orm(db).select(ROW).from(t).where(eq(t.id, id));
  return row ?? null;
}

/** Nobody holds it at `at`. */
const unclaimed = (at: string) => or(isNull(t.claimedUntil), lte(t.claimedUntil, at));

/** A running reconciliation that nobody holds: taken for `leaseMs`. Null when finished or held. */
export async function claimReconciliation(db: D1Database, id: string, now: Date, leaseMs: number): Promise<ReconciliationRow | null> {
  const [row] = await orm(db)
    .update(t)
    .set({ claimedUntil: new Date(now.getTime() + leaseMs).toISOString() })
    .where(and(eq(t.id, id), eq(t.status, "running"), unclaimed(now.toISOString())))
    .returning(ROW);
  return row ?? null;
}

type Progress = Partial<
  Pick<ReconciliationRow, "status" | "fields" | "cursor" | "resume_from" | "attempts" | "last_error" | "claimed_until" | "finished_at">
> & {
  addPages?: number;
  addRecords?: number;
};

/** Writes what a run did: its cursor before anything else relies on it. A column named with no value is set to null. */
export async function recordProgress(db: D1Database, id: string, progress: Progress, now: Date): Promise<void> {
  const { addPages = 0, addRecords = 0, ...columns } = progress;
  const given = <K extends keyof typeof columns>(name: K) => (name in columns ? (columns[name] ?? null) : undefined);
  await orm(db)
    .update(t)
    .set({
      status: given("status") as ReconciliationStatus | undefined,
      fields: given("fields"),
      cursor: given("cursor"),
      resumeFrom: given("resume_from"),
      attempts: given("attempts") as number | undefined,
      lastError: given("last_error"),
      claimedUntil: given("claimed_until"),
      finishedAt: given("finished_at"),
      pages: sql`${t.pages} + ${addPages}`,
      records: sql`${t.records} + ${addRecords}`,
      updatedAt: now.toISOString(),
    })
    .where(eq(t.id, id));
}

/** Running reconciliations nobody holds at `now` and nothing moved since `quietSince`, the quietest first (at most 100). */
export async function stalledReconciliationIds(db: D1Database, now: Date, quietSince: Date): Promise<string[]> {
  const rows = await orm(db)
    .select({ id: t.id })
    .from(t)
    .where(and(eq(t.status, "running"), unclaimed(now.toISOString()), lte(t.updatedAt, quietSince.toISOString())))
    .orderBy(asc(t.updatedAt))
    .limit(100);
  return rows.map((r) => r.id);
}

/** A failed reconciliation gets a fresh set of attempts, running again; false unless it had failed. */
export async function reviveFailedReconciliation(db: D1Database, id: string, now: Date): Promise<boolean> {
  const revived = await orm(db)
    .update(t)
    .set({ status: "running", attempts: 0, claimedUntil: null, finishedAt: null, updatedAt: now.toISOString() })
    .where(and(eq(t.id, id), eq(t.status, "failed")))
    .returning({ id: t.id });
  return revived.length > 0;
}

/** Newest first. */
export async function listReconciliations(db: D1Database, query: { status?: ReconciliationStatus; limit: number }): Promise<ReconciliationRow[]> {
  const where: SQL | undefined = query.status ? eq(t.status, query.status) : undefined;
  return orm(db).select(ROW).from(t).where(where).orderBy(desc(t.createdAt), desc(t.id)).limit(query.limit);
}

/** Deletes the finished reconciliations that finished before `before`. */
export async function forgetReconciliationsFinishedBefore(db: D1Database, before: Date): Promise<void> {
  await orm(db)
    .delete(t)
    .where(and(ne(t.status, "running"), lt(t.finishedAt, before.toISOString())));
}
