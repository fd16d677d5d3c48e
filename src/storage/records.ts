import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { RecordState } from "../core/model/record-state";
import { searchableOf, upsertSearchRow } from "./record-search";
import { records } from "./schema";

/** Writes the record's read-model row and its search row (one batch); returns the rows D1 reports written. */
export async function upsertRecordRow(db: D1Database, state: RecordState, now: Date): Promise<number> {
  const row = {
    recordKey: state.key,
    crm: state.crm,
    accountId: state.accountId,
    objectType: state.objectType,
    objectId: state.objectId,
    status: state.status,
    stateJson: JSON.stringify(state),
    eventCount: state.eventCount,
    lastEventAt: state.lastEventAt,
    updatedAt: now.toISOString(),
  };
  const { recordKey: _key, ...changes } = row;
  const upsert = drizzle(db).insert(records).values(row).onConflictDoUpdate({ target: records.recordKey, set: changes }).toSQL();
  const results = await db.batch([db.prepare(upsert.sql).bind(...upsert.params), upsertSearchRow(db, state.key, searchableOf(state), now)]);
  return results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0);
}

/**
 * Whether a record has been projected to D1 (its first events arrived about a second before).
 * Asked before waking a record's object, so looking up a key nobody has heard of creates no
 * object and no storage for it.
 */
export async function isKnownRecord(db: D1Database, recordKey: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 FROM records WHERE record_key = ?").bind(recordKey).first()) !== null;
}

/** Which of these record keys (a few: D1 binds at most 100 values) have been projected to D1: the records this deployment follows. */
export async function knownRecords(db: D1Database, recordKeys: readonly string[]): Promise<Set<string>> {
  const keys = [...new Set(recordKeys)];
  if (keys.length === 0) return new Set();
  const { results } = await db
    .prepare(`SELECT record_key FROM records WHERE record_key IN (${keys.map(() => "?").join(", ")})`)
    .bind(...keys)
    .all<{ record_key: string }>();
  return new Set(results.map((r) => r.record_key));
}

/** Up to `limit` accounts (HubSpot portals, Salesforce orgs) of a CRM whose records the service follows. */
export async function accountsSeen(db: D1Database, crm: "hubspot" | "salesforce", limit = 2): Promise<string[]> {
  const rows = await drizzle(db).selectDistinct({ accountId: records.accountId }).from(records).where(eq(records.crm, crm)).limit(limit);
  return rows.map((r) => r.accountId);
}

/** The records whose last event came at or after `since`, most recent first: the dry run's sample. */
export async function recentlyActiveRecords(db: D1Database, since: string, limit: number): Promise<string[]> {
  const { results } = await db
    .prepare("select record_key from records where last_event_at >= ?1 order by last_event_at desc limit ?2")
    .bind(since, limit)
    .all<{ record_key: string }>();
  return results.map((r) => r.record_key);
}
