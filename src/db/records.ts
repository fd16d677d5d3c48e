import { drizzle } from "drizzle-orm/d1";
import type { RecordState } from "../domain/record-state";
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
