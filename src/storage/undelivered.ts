import { asc, inArray } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { RecordEventsMessage } from "../core/model/record-events-message";
import { undeliveredRecordEvents } from "./schema";

export async function parkUndelivered(db: D1Database, messages: { id: string; body: RecordEventsMessage }[], at: Date) {
  if (messages.length === 0) return;
  const d1 = drizzle(db);
  const inserts = messages.map((m) =>
    d1
      .insert(undeliveredRecordEvents)
      .values({ messageId: m.id, recordKey: m.body.recordKey, eventsJson: JSON.stringify(m.body.events), deadAt: at.toISOString() })
      .onConflictDoNothing(),
  );
  await d1.batch([inserts[0]!, ...inserts.slice(1)]);
}

export async function listUndelivered(db: D1Database, limit: number) {
  return drizzle(db).select().from(undeliveredRecordEvents).orderBy(asc(undeliveredRecordEvents.deadAt)).limit(limit);
}

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_STATEMENT = 90;

export async function forgetUndelivered(db: D1Database, messageIds: string[]) {
  const d1 = drizzle(db);
  for (let i = 0; i < messageIds.length; i += IDS_PER_STATEMENT) {
    await d1.delete(undeliveredRecordEvents).where(inArray(undeliveredRecordEvents.messageId, messageIds.slice(i, i + IDS_PER_STATEMENT)));
  }
}
