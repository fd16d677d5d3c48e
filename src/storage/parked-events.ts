import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import { orm } from "./orm";
import { parkedEvents } from "./schema";

/*
 * Events of an authentic request that the Worker could not use (table parked_events), kept with
 * the reason. What is parked and for how long is the ingest feature's (src/ingest/parked-events.ts).
 */

const parked = parkedEvents;

/** Where a parked event came from. */
export type ParkedSource = (typeof parked.$inferSelect)["source"];

/** A row to park: the raw event already cut to what is kept. */
export interface ParkedRow {
  id: string;
  accountId: string | null;
  index: number | null;
  reason: string;
  raw: { text: string; bytes: number; truncated: boolean };
}

/** Stores the rows; a row parked before (its id) is left as it is. */
export async function storeParkedEvents(db: D1Database, source: ParkedSource, rows: readonly ParkedRow[], now: Date): Promise<void> {
  if (rows.length === 0) return;
  const d1 = orm(db);
  const at = now.toISOString();
  const inserts = rows.map((r) =>
    d1
      .insert(parked)
      .values({
        id: r.id,
        source,
        accountId: r.accountId,
        eventIndex: r.index,
        reason: r.reason,
        raw: r.raw.text,
        rawBytes: r.raw.bytes,
        rawTruncated: r.raw.truncated,
        parkedAt: at,
      })
      .onConflictDoNothing(),
  );
  await d1.batch([inserts[0]!, ...inserts.slice(1)]);
}

export interface ParkedEventRow {
  id: string;
  source: ParkedSource;
  accountId: string | null;
  index: number | null;
  reason: string;
  raw: string;
  rawBytes: number;
  rawTruncated: boolean;
  parkedAt: string;
}

interface ParkedQuery {
  source?: ParkedSource;
  limit: number;
  /** The `next` of the previous page: rows parked before it. */
  cursor?: { parkedAt: string; id: string };
}

/** Newest first, keyset-paged (parked_at, id), optionally of one source. */
export async function listParkedEvents(db: D1Database, query: ParkedQuery): Promise<{ events: ParkedEventRow[]; next: string | null }> {
  const where: (SQL | undefined)[] = [];
  if (query.source) where.push(eq(parked.source, query.source));
  if (query.cursor) {
    where.push(or(lt(parked.parkedAt, query.cursor.parkedAt), and(eq(parked.parkedAt, query.cursor.parkedAt), lt(parked.id, query.cursor.id))));
  }
  const rows = await orm(db)
    .select({
      id: parked.id,
      source: parked.source,
      accountId: parked.accountId,
      index: parked.eventIndex,
      reason: parked.reason,
      raw: parked.raw,
      rawBytes: parked.rawBytes,
      rawTruncated: parked.rawTruncated,
      parkedAt: parked.parkedAt,
    })
    .from(parked)
    .where(and(...where))
    .orderBy(desc(parked.parkedAt), desc(parked.id))
    .limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return { events: page, next: rows.length > query.limit && last ? `${last.parkedAt}~${last.id}` : null };
}

/** Deletes the events parked before `before`. */
export async function forgetParkedEventsBefore(db: D1Database, before: Date): Promise<void> {
  await orm(db).delete(parked).where(lt(parked.parkedAt, before.toISOString()));
}
