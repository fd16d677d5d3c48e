import { desc, eq, gte, inArray, sql } from "drizzle-orm";
import type { RecordState } from "../core/model/record-state";
import { compiled, excluded, orm } from "./orm";
import { searchableOf, upsertSearchRow } from "./record-search";
import { records } from "./schema";

const ph = sql.placeholder;

/** The record's read-model row, inserted or replaced (but its key); built once, as every record run writes it. */
const upsertRecord = compiled((q) =>
  q
    .insert(records)
    .values({
      recordKey: ph("recordKey"),
      crm: ph("crm"),
      accountId: ph("accountId"),
      objectType: ph("objectType"),
      objectId: ph("objectId"),
      status: ph("status"),
      stateJson: ph("stateJson"),
      eventCount: ph("eventCount"),
      lastEventAt: ph("lastEventAt"),
      updatedAt: ph("updatedAt"),
    })
    .onConflictDoUpdate({
      target: records.recordKey,
      set: {
        crm: excluded(records.crm),
        accountId: excluded(records.accountId),
        objectType: excluded(records.objectType),
        objectId: excluded(records.objectId),
        status: excluded(records.status),
        stateJson: excluded(records.stateJson),
        eventCount: excluded(records.eventCount),
        lastEventAt: excluded(records.lastEventAt),
        updatedAt: excluded(records.updatedAt),
      },
    }),
);

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
  const results = await db.batch([upsertRecord(db, row), upsertSearchRow(db, state.key, searchableOf(state), now)]);
  return results.reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0);
}

/**
 * Whether a record has been projected to D1 (its first events arrived about a second before).
 * Asked before waking a record's object, so looking up a key nobody has heard of creates no
 * object and no storage for it.
 */
export async function isKnownRecord(db: D1Database, recordKey: string): Promise<boolean> {
  const [row] = await orm(db).select({ one: sql`1` }).from(records).where(eq(records.recordKey, recordKey));
  return row !== undefined;
}

/** Which of these record keys (a few: D1 binds at most 100 values) have been projected to D1: the records this deployment follows. */
export async function knownRecords(db: D1Database, recordKeys: readonly string[]): Promise<Set<string>> {
  const keys = [...new Set(recordKeys)];
  if (keys.length === 0) return new Set();
  const rows = await orm(db).select({ recordKey: records.recordKey }).from(records).where(inArray(records.recordKey, keys));
  return new Set(rows.map((r) => r.recordKey));
}

/** Up to `limit` accounts (HubSpot portals, Salesforce orgs) of a CRM whose records the service follows. */
export async function accountsSeen(db: D1Database, crm: "hubspot" | "salesforce", limit = 2): Promise<string[]> {
  const rows = await orm(db).selectDistinct({ accountId: records.accountId }).from(records).where(eq(records.crm, crm)).limit(limit);
  return rows.map((r) => r.accountId);
}

/** The records with events since `since`, the most recently active first (at most `limit`). */
export async function recentlyActiveRecords(db: D1Database, since: Date, limit: number): Promise<string[]> {
  const rows = await orm(db)
    .select({ recordKey: records.recordKey })
    .from(records)
    .where(gte(records.lastEventAt, since.toISOString()))
    .orderBy(desc(records.lastEventAt))
    .limit(limit);
  return rows.map((r) => r.recordKey);
}
