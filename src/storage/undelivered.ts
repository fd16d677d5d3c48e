import { asc, count, inArray, min } from "drizzle-orm";
import type { RecordEventsMessage } from "../core/model/record-events-message";
import { orm } from "./orm";
import { undeliveredRecordEvents } from "./schema";

export async function parkUndelivered(db: D1Database, messages: { id: string; body: RecordEventsMessage }[], at: Date) {
  if (messages.length === 0) return;
  const d1 = orm(db);
  const inserts = messages.map((m) =>
    d1
      .insert(undeliveredRecordEvents)
      .values({ messageId: m.id, recordKey: m.body.recordKey, eventsJson: JSON.stringify(m.body.events), deadAt: at.toISOString() })
      .onConflictDoNothing(),
  );
  await d1.batch([inserts[0]!, ...inserts.slice(1)]);
}

export async function listUndelivered(db: D1Database, limit: number) {
  return orm(db).select().from(undeliveredRecordEvents).orderBy(asc(undeliveredRecordEvents.deadAt)).limit(limit);
}

/** How many messages are parked and since when: the console's health page. */
export async function undeliveredSummary(db: D1Database): Promise<{ n: number; oldest: string | null }> {
  const [row] = await orm(db)
    .select({ n: count(), oldest: min(undeliveredRecordEvents.deadAt) })
    .from(undeliveredRecordEvents);
  return row ?? { n: 0, oldest: null };
}

/** D1 binds at most 100 parameters per statement. */
const IDS_PER_STATEMENT = 90;

export async function forgetUndelivered(db: D1Database, messageIds: string[]) {
  const d1 = orm(db);
  for (let i = 0; i < messageIds.length; i += IDS_PER_STATEMENT) {
    await d1.delete(undeliveredRecordEvents).where(inArray(undeliveredRecordEvents.messageId, messageIds.slice(i, i + IDS_PER_STATEMENT)));
  }
}
