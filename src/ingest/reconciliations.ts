import { sha256, toHex, utf8 } from "../platform/bytes";

/**
 * A reconciliation: Salesforce said records of one object changed without saying which (an
 * overflow event, or a wildcard record id such as 00Q*), so they are read back from Salesforce
 * (src/ingest/reconciliation-run.ts) and fed to their records as snapshots.
 */
export interface ReconciliationRequest {
  /** Salesforce reads records back; HubSpot reads its webhooks journal (src/ingest/journal-backfill.ts). */
  crm: "salesforce" | "hubspot";
  accountId: string;
  /** As in record keys (lead) … */
  objectType: string;
  /** … and as Salesforce names it (Lead). */
  sobject: string;
  /** Records last modified at or after this (ISO) are read. */
  since: string;
  /** GAP_OVERFLOW, or the wildcard id. */
  reason: string;
  /** The identity of the event that asked: its re-delivery starts nothing new. */
  key: string;
}

export type ReconciliationStatus = "running" | "done" | "failed";

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

/** The queue message that runs (a part of) one reconciliation. */
export interface ReconciliationMessage {
  id: string;
}

const idOf = async (key: string) => `rec_${toHex(await sha256(utf8(key))).slice(0, 32)}`;

/** Records them (a known one is left as it is) and queues their work; returns their ids in order. */
export async function startReconciliations(
  env: Pick<Env, "DB" | "RECONCILIATIONS">,
  requests: readonly ReconciliationRequest[],
  now: Date,
): Promise<string[]> {
  if (requests.length === 0) return [];
  const ids = await Promise.all(requests.map((r) => idOf(r.key)));
  const at = now.toISOString();
  const insert = env.DB.prepare(
    "INSERT INTO reconciliations (id, crm, account_id, object_type, sobject, since, reason, status, created_at, updated_at) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?) ON CONFLICT (id) DO NOTHING",
  );
  await env.DB.batch(requests.map((r, i) => insert.bind(ids[i]!, r.crm, r.accountId, r.objectType, r.sobject, r.since, r.reason, at, at)));
  // Also for known ones: a message too many is harmless (a lease decides who runs it), one too few is healed by the cron.
  await env.RECONCILIATIONS.sendBatch(
    [...new Set(ids)].map((id) => ({ body: { id } satisfies ReconciliationMessage, contentType: "json" as const })),
  );
  return ids;
}

export async function loadReconciliation(db: D1Database, id: string): Promise<ReconciliationRow | null> {
  return db.prepare("SELECT * FROM reconciliations WHERE id = ?").bind(id).first<ReconciliationRow>();
}

/** A running reconciliation that nobody holds: taken for `leaseMs`. Null when finished or held. */
export async function claimReconciliation(db: D1Database, id: string, now: Date, leaseMs: number): Promise<ReconciliationRow | null> {
  return db
    .prepare(
      "UPDATE reconciliations SET claimed_until = ? WHERE id = ? AND status = 'running' AND (claimed_until IS NULL OR claimed_until <= ?) RETURNING *",
    )
    .bind(new Date(now.getTime() + leaseMs).toISOString(), id, now.toISOString())
    .first<ReconciliationRow>();
}

type Progress = Partial<
  Pick<ReconciliationRow, "status" | "fields" | "cursor" | "resume_from" | "attempts" | "last_error" | "claimed_until" | "finished_at">
> & {
  addPages?: number;
  addRecords?: number;
};

/** Writes what a run did: its cursor before anything else relies on it. */
export async function recordProgress(db: D1Database, id: string, progress: Progress, now: Date): Promise<void> {
  const { addPages = 0, addRecords = 0, ...columns } = progress;
  const names = Object.keys(columns) as (keyof typeof columns)[];
  const sets = [...names.map((n) => `${n} = ?`), "pages = pages + ?", "records = records + ?", "updated_at = ?"];
  await db
    .prepare(`UPDATE reconciliations SET ${sets.join(", ")} WHERE id = ?`)
    .bind(...names.map((n) => columns[n] ?? null), addPages, addRecords, now.toISOString(), id)
    .run();
}

/** Cron: running reconciliations nobody holds and nothing moved for a while get their message again. */
export async function resumeStalledReconciliations(env: Pick<Env, "DB" | "RECONCILIATIONS">, now: Date, quietMs = 2 * 60_000): Promise<number> {
  const { results } = await env.DB.prepare(
    "SELECT id FROM reconciliations WHERE status = 'running' AND (claimed_until IS NULL OR claimed_until <= ?) AND updated_at <= ? ORDER BY updated_at LIMIT 100",
  )
    .bind(now.toISOString(), new Date(now.getTime() - quietMs).toISOString())
    .all<{ id: string }>();
  if (results.length > 0)
    await env.RECONCILIATIONS.sendBatch(results.map((r) => ({ body: { id: r.id } satisfies ReconciliationMessage, contentType: "json" as const })));
  return results.length;
}

/** A failed reconciliation gets a fresh set of attempts (an admin fixed what failed it); false unless it had failed. */
export async function retryReconciliation(env: Pick<Env, "DB" | "RECONCILIATIONS">, id: string, now: Date): Promise<boolean> {
  const revived = await env.DB.prepare(
    "UPDATE reconciliations SET status = 'running', attempts = 0, claimed_until = NULL, finished_at = NULL, updated_at = ? WHERE id = ? AND status = 'failed' RETURNING id",
  )
    .bind(now.toISOString(), id)
    .first();
  if (!revived) return false;
  await env.RECONCILIATIONS.send({ id } satisfies ReconciliationMessage, { contentType: "json" });
  return true;
}

/** Newest first. */
export async function listReconciliations(db: D1Database, query: { status?: ReconciliationStatus; limit: number }): Promise<ReconciliationRow[]> {
  const { results } = await db
    .prepare(`SELECT * FROM reconciliations${query.status ? " WHERE status = ?" : ""} ORDER BY created_at DESC, id DESC LIMIT ?`)
    .bind(...(query.status ? [query.status] : []), query.limit)
    .all<ReconciliationRow>();
  return results;
}

/** Finished reconciliations are kept this long for admins to look at. */
const FINISHED_RETENTION_MS = 30 * 86_400_000;

export async function forgetOldReconciliations(db: D1Database, now: Date): Promise<void> {
  await db
    .prepare("DELETE FROM reconciliations WHERE status != 'running' AND finished_at < ?")
    .bind(new Date(now.getTime() - FINISHED_RETENTION_MS).toISOString())
    .run();
}
