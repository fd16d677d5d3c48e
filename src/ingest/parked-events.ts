import { sha256, toHex, utf8 } from "../platform/bytes";
import { forgetParkedEventsBefore, type ParkedRow, type ParkedSource, storeParkedEvents } from "../storage/parked-events";

/** Where a parked event came from. */
export type IngestSource = ParkedSource;

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
  const one = events.slice(0, MAX_PARKED_ROWS_PER_REQUEST);
  const rest = events.slice(MAX_PARKED_ROWS_PER_REQUEST);
  const rows: ParkedRow[] = await Promise.all(
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
  await storeParkedEvents(db, source, rows, now);
}

/** Cron: parked events older than the retention go. */
export async function forgetOldParkedEvents(db: D1Database, now: Date): Promise<void> {
  await forgetParkedEventsBefore(db, new Date(now.getTime() - PARKED_RETENTION_MS));
}
