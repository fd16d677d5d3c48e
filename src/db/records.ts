import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { RecordState } from "../domain/record-state";
import { records } from "./schema";

/** Writes the record's read-model row; returns the rows D1 reports written. */
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
  const result = await drizzle(db).insert(records).values(row).onConflictDoUpdate({ target: records.recordKey, set: changes }).run();
  return result.meta.rows_written ?? 0;
}

/** Up to `limit` accounts (HubSpot portals, Salesforce orgs) of a CRM whose records the service follows. */
export async function accountsSeen(db: D1Database, crm: "hubspot" | "salesforce", limit = 2): Promise<string[]> {
  const rows = await drizzle(db).selectDistinct({ accountId: records.accountId }).from(records).where(eq(records.crm, crm)).limit(limit);
  return rows.map((r) => r.accountId);
}
