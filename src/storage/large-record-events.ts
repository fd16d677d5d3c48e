import { and, eq, inArray, lt } from "drizzle-orm";
import type { CrmEvent } from "../core/model/crm-event";
import { anyOf, excluded, orm } from "./orm";
import { largeRecordEvents } from "./schema";

/*
 * Events too large for one queue message (table large_record_events): the body waits here and the
 * message names it by its dedupe key. Written and read by the records' inbox (src/records/record-inbox.ts).
 */

const large = largeRecordEvents;

/** Stores the events (before any message that names them is sent); an event stored before is kept, with the new time. */
export async function storeLargeEvents(db: D1Database, events: readonly CrmEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  const d1 = orm(db);
  const at = now.toISOString();
  const inserts = events.map((e) =>
    d1
      .insert(large)
      .values({ recordKey: e.recordKey, dedupeKey: e.dedupeKey, body: JSON.stringify(e), storedAt: at })
      .onConflictDoUpdate({ target: [large.recordKey, large.dedupeKey], set: { storedAt: excluded(large.storedAt) } }),
  );
  await d1.batch([inserts[0]!, ...inserts.slice(1)]);
}

/** The stored events of a record with these dedupe keys (those stored: a missing one is left out). */
export async function largeEventsOf(db: D1Database, recordKey: string, dedupeKeys: readonly string[]): Promise<CrmEvent[]> {
  const rows = await orm(db)
    .select({ body: large.body })
    .from(large)
    .where(and(eq(large.recordKey, recordKey), inArray(large.dedupeKey, anyOf(dedupeKeys))));
  return rows.map((r) => JSON.parse(r.body) as CrmEvent);
}

/** Deletes the events stored before `before`. */
export async function forgetLargeEventsBefore(db: D1Database, before: Date): Promise<void> {
  await orm(db).delete(large).where(lt(large.storedAt, before.toISOString()));
}
