import { sha256, toHex, utf8 } from "../platform/bytes";
import {
  forgetReconciliationsFinishedBefore,
  insertReconciliations,
  reviveFailedReconciliation,
  stalledReconciliationIds,
} from "../storage/reconciliations";

/**
 * A reconciliation: Salesforce said records of one object changed without saying which (an
 * overflow event, or a wildcard record id such as 00Q*), so they are read back from Salesforce
 * (src/ingest/reconciliation-run.ts) and fed to their records as snapshots.
 */
export interface ReconciliationRequest {
  crm: "salesforce";
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
  await insertReconciliations(
    env.DB,
    requests.map(({ key: _key, ...r }, i) => ({ ...r, id: ids[i]! })),
    now,
  );
  // Also for known ones: a message too many is harmless (a lease decides who runs it), one too few is healed by the cron.
  await env.RECONCILIATIONS.sendBatch(
    [...new Set(ids)].map((id) => ({ body: { id } satisfies ReconciliationMessage, contentType: "json" as const })),
  );
  return ids;
}

/** Cron: running reconciliations nobody holds and nothing moved for a while get their message again. */
export async function resumeStalledReconciliations(env: Pick<Env, "DB" | "RECONCILIATIONS">, now: Date, quietMs = 2 * 60_000): Promise<number> {
  const ids = await stalledReconciliationIds(env.DB, now, new Date(now.getTime() - quietMs));
  if (ids.length > 0)
    await env.RECONCILIATIONS.sendBatch(ids.map((id) => ({ body: { id } satisfies ReconciliationMessage, contentType: "json" as const })));
  return ids.length;
}

/** A failed reconciliation gets a fresh set of attempts (an admin fixed what failed it); false unless it had failed. */
export async function retryReconciliation(env: Pick<Env, "DB" | "RECONCILIATIONS">, id: string, now: Date): Promise<boolean> {
  if (!(await reviveFailedReconciliation(env.DB, id, now))) return false;
  await env.RECONCILIATIONS.send({ id } satisfies ReconciliationMessage, { contentType: "json" });
  return true;
}

/** Finished reconciliations are kept this long for admins to look at. */
const FINISHED_RETENTION_MS = 30 * 86_400_000;

export async function forgetOldReconciliations(db: D1Database, now: Date): Promise<void> {
  await forgetReconciliationsFinishedBefore(db, new Date(now.getTime() - FINISHED_RETENTION_MS));
}
