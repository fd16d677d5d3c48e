import { sha256, toHex, utf8 } from "../platform/bytes";

/** Where a parked event came from. */
export type IngestSource = "hubspot-webhook" | "salesforce-cdc" | "salesforce-outbound";

export interface EventToPark {
  index: number;
  reason: string;
  /** The event as sent (re-serialised JSON; an Outbound Message notification as parsed). */
  raw: string;
  accountId?: string;
}

/**
 * What one request may park one by one. An authentic sender that sends garbage (a bug, or a
 * leaked secret) must not be able to fill D1: past this, the rest of the request's malformed
 * events share one row holding their indexes and reasons, without their raw bodies.
 */
export const MAX_PARKED_ROWS_PER_REQUEST = 20;
/** Raw bytes kept per parked event: enough to see what was wrong with any real CRM event. */
export const MAX_PARKED_RAW_BYTES = 8 * 1024;
/**
 * How long parked events are kept. The vendors stop re-sending within a day (HubSpot retries
 * over 24 h, Outbound Messages for 24 h); parked events are for a person to notice, fix the
 * sender or the mapping, and re-send from the CRM. Two weeks covers an absence; the daily
 * growth is bounded by the per-request cap, so the table cannot grow without bound.
 */
export const PARKED_RETENTION_MS = 14 * 86_400_000;

const decoder = new TextDecoder();

/** Cuts text to at most `max` UTF-8 bytes, never inside a character. */
function cutUtf8(text: string, max: number): { text: string; bytes: number; truncated: boolean } {
  const bytes = utf8(text);
  if (bytes.length <= max) return { text, bytes: bytes.length, truncated: false };
  let end = max;
  // A byte 10xxxxxx continues the character before it: the cut moves to that character's start.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: decoder.decode(bytes.subarray(0, end)), bytes: bytes.length, truncated: true };
}

const rowId = async (source: IngestSource, raw: string) => toHex(await sha256(utf8(`${source}\u0000${raw}`))).slice(0, 40);

/**
 * Stores the events a request could not use. Each is keyed by its content, so the same event
 * parked again (a re-delivery) is one row; what the request sent beyond the cap is one row more.
 */
export async function parkEvents(db: D1Database, source: IngestSource, events: readonly EventToPark[], now: Date): Promise<void> {
  if (events.length === 0) return;
  const at = now.toISOString();
  const one = events.slice(0, MAX_PARKED_ROWS_PER_REQUEST);
  const rest = events.slice(MAX_PARKED_ROWS_PER_REQUEST);
  const rows: { id: string; accountId: string | null; index: number | null; reason: string; raw: ReturnType<typeof cutUtf8> }[] = await Promise.all(
    one.map(async (e) => {
      const raw = cutUtf8(e.raw, MAX_PARKED_RAW_BYTES);
      return { id: await rowId(source, e.raw), accountId: e.accountId ?? null, index: e.index, reason: e.reason, raw };
    }),
  );
  if (rest.length > 0) {
    const summary = JSON.stringify(rest.map((e) => ({ index: e.index, reason: e.reason })));
    const raw = cutUtf8(summary, MAX_PARKED_RAW_BYTES);
    rows.push({
      id: await rowId(source, `overflow\u0000${rest.map((e) => e.raw).join("\u0000")}`),
      accountId: rest[0]!.accountId ?? null,
      index: null,
      reason: `${rest.length} more malformed events of this request, past the ${MAX_PARKED_ROWS_PER_REQUEST} parked one by one: their indexes and reasons are in raw; their bodies were not kept`,
      raw,
    });
  }
  const insert = db.prepare(
    "INSERT INTO parked_events (id, source, account_id, event_index, reason, raw, raw_bytes, raw_truncated, parked_at) " +
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
  );
  await db.batch(rows.map((r) => insert.bind(r.id, source, r.accountId, r.index, r.reason, r.raw.text, r.raw.bytes, r.raw.truncated ? 1 : 0, at)));
}

export interface ParkedEventRow {
  id: string;
  source: IngestSource;
  accountId: string | null;
  index: number | null;
  reason: string;
  raw: string;
  rawBytes: number;
  rawTruncated: boolean;
  parkedAt: string;
}

interface ParkedQuery {
  source?: IngestSource;
  limit: number;
  /** The `next` of the previous page: rows parked before it. */
  cursor?: { parkedAt: string; id: string };
}

/** Newest first, keyset-paged (parked_at, id), optionally of one source. */
export async function listParkedEvents(db: D1Database, query: ParkedQuery): Promise<{ events: ParkedEventRow[]; next: string | null }> {
  const where: string[] = [];
  const binds: unknown[] = [];
  if (query.source) {
    where.push("source = ?");
    binds.push(query.source);
  }
  if (query.cursor) {
    where.push("(parked_at < ? OR (parked_at = ? AND id < ?))");
    binds.push(query.cursor.parkedAt, query.cursor.parkedAt, query.cursor.id);
  }
  const sql =
    "SELECT id, source, account_id, event_index, reason, raw, raw_bytes, raw_truncated, parked_at FROM parked_events" +
    (where.length > 0 ? ` WHERE ${where.join(" AND ")}` : "") +
    " ORDER BY parked_at DESC, id DESC LIMIT ?";
  const { results } = await db
    .prepare(sql)
    .bind(...binds, query.limit + 1)
    .all<{
      id: string;
      source: IngestSource;
      account_id: string | null;
      event_index: number | null;
      reason: string;
      raw: string;
      raw_bytes: number;
      raw_truncated: number;
      parked_at: string;
    }>();
  const page = results.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    events: page.map((r) => ({
      id: r.id,
      source: r.source,
      accountId: r.account_id,
      index: r.event_index,
      reason: r.reason,
      raw: r.raw,
      rawBytes: r.raw_bytes,
      rawTruncated: r.raw_truncated === 1,
      parkedAt: r.parked_at,
    })),
    next: results.length > query.limit && last ? `${last.parked_at}~${last.id}` : null,
  };
}

/** Cron: parked events older than the retention go. */
export async function forgetOldParkedEvents(db: D1Database, now: Date): Promise<void> {
  await db
    .prepare("DELETE FROM parked_events WHERE parked_at < ?")
    .bind(new Date(now.getTime() - PARKED_RETENTION_MS).toISOString())
    .run();
}
