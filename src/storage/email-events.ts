import { eq, lt, sql } from "drizzle-orm";
import { compiled, orm } from "./orm";
import { emailEvents } from "./schema";

const seen = compiled<{ id: string }>((q) =>
  q
    .select({ id: emailEvents.id })
    .from(emailEvents)
    .where(eq(emailEvents.id, sql.placeholder("id"))),
);

/*
 * Provider events seen (table email_events, owned by outreach): the same webhook delivered twice
 * is recognised by its event id and changes nothing the second time.
 */

export async function eventSeen(db: D1Database, id: string): Promise<boolean> {
  return (await seen(db, { id }).first()) !== null;
}

/** Records the event; false when it was seen before. */
export async function firstSighting(
  db: D1Database,
  event: { id: string; provider: string; kind: string; messageId?: string; recipient?: string },
  at: Date,
): Promise<boolean> {
  const result = await orm(db)
    .insert(emailEvents)
    .values({
      id: event.id,
      provider: event.provider,
      kind: event.kind,
      messageId: event.messageId ?? null,
      recipient: event.recipient ?? null,
      receivedAt: at.toISOString(),
    })
    .onConflictDoNothing()
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** Cron: events older than 30 days are forgotten (providers retry for hours, not weeks). */
export async function forgetOldEmailEvents(db: D1Database, now: Date): Promise<void> {
  await orm(db)
    .delete(emailEvents)
    .where(lt(emailEvents.receivedAt, new Date(now.getTime() - 30 * 86_400_000).toISOString()))
    .run();
}
