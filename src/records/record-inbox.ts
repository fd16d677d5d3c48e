import { forgetLargeEventsBefore, largeEventsOf, storeLargeEvents } from "../storage/large-record-events";
import { forgetUndelivered, listUndelivered, parkUndelivered } from "../storage/undelivered";
import { type CrmEvent, groupByRecord } from "../core/model/crm-event";
import type { RecordEventsMessage } from "../core/model/record-events-message";

export interface IngestResult {
  received: number;
  records: number;
}

/** Queue limits: 100 messages and 256 KB per sendBatch, 128 KB per message (all in bytes). */
const MAX_MESSAGES_PER_SEND = 100;
const MAX_SEND_BYTES = 200_000;
const MAX_MESSAGE_BYTES = 100_000;
/** Large events stay in D1 this long: beyond the queue's retention, and dead letters are parked whole. */
const LARGE_EVENT_RETENTION_MS = 7 * 86_400_000;

/**
 * Bytes of `text` in UTF-8, which is what the queue counts: a string's length counts UTF-16
 * units, so text in a multibyte script would be undercounted up to threefold.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4; // a surrogate pair: one character of four bytes
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/**
 * The webhook path ends here. Once the queue has accepted the events they are durable (retried,
 * then dead-lettered into D1 and re-forwarded), so the CRM can be acknowledged; nothing waits
 * for the records or their rules. Duplicates are dropped by the records, which remember every
 * dedupe key: a re-delivered event changes nothing.
 */
export async function acceptEvents(env: Env, events: CrmEvent[]): Promise<IngestResult> {
  await enqueueForRecords(env, events);
  return { received: events.length, records: groupByRecord(events).size };
}

type Queues = Pick<Env, "RECORD_EVENTS" | "DB">;

export async function enqueueForRecords(env: Queues, events: readonly CrmEvent[]): Promise<void> {
  const messages: { body: RecordEventsMessage; size: number }[] = [];
  const large: CrmEvent[] = [];
  for (const [recordKey, group] of groupByRecord(events)) {
    // A record with a very large burst is split so each message stays under the size limit;
    // an event too large for any message waits in D1 and the message names it.
    let part: CrmEvent[] = [];
    let stored: string[] = [];
    let size = 0;
    const flush = () => {
      if (part.length > 0 || stored.length > 0) {
        messages.push({ body: stored.length > 0 ? { recordKey, events: part, stored } : { recordKey, events: part }, size });
      }
      part = [];
      stored = [];
      size = 0;
    };
    for (const event of group) {
      let eventSize = utf8Length(JSON.stringify(event));
      const tooLarge = eventSize > MAX_MESSAGE_BYTES;
      if (tooLarge) {
        large.push(event);
        eventSize = utf8Length(JSON.stringify(event.dedupeKey));
      }
      if (size > 0 && size + eventSize > MAX_MESSAGE_BYTES) flush();
      if (tooLarge) stored.push(event.dedupeKey);
      else part.push(event);
      size += eventSize;
    }
    flush();
  }
  // Stored before any message that names them is sent.
  if (large.length > 0) await storeLargeEvents(env.DB, large, new Date());
  let batch: typeof messages = [];
  let bytes = 0;
  const send = async () => {
    if (batch.length > 0) await env.RECORD_EVENTS.sendBatch(batch.map((m) => ({ body: m.body, contentType: "json" as const })));
    batch = [];
    bytes = 0;
  };
  for (const message of messages) {
    if (batch.length === MAX_MESSAGES_PER_SEND || bytes + message.size > MAX_SEND_BYTES) await send();
    batch.push(message);
    bytes += message.size;
  }
  await send();
}

/**
 * The message's events, with the large ones read back from D1. A missing one fails a delivery
 * (it is retried); a dead letter is parked with what there is (`partial`), logged.
 */
async function eventsOf(db: D1Database, message: RecordEventsMessage, partial = false): Promise<CrmEvent[]> {
  if (!message.stored?.length) return message.events;
  const keys = message.stored;
  const stored = await largeEventsOf(db, message.recordKey, keys);
  const missing = new Set(keys).size - stored.length;
  if (missing > 0) {
    const problem = `${missing} stored events of ${message.recordKey} are missing from D1`;
    if (!partial) throw new Error(problem);
    console.error(problem);
  }
  return [...message.events, ...stored];
}

/** Cron: large events kept past any message that could still name them go. */
export async function forgetOldLargeEvents(db: D1Database, now: Date): Promise<void> {
  await forgetLargeEventsBefore(db, new Date(now.getTime() - LARGE_EVENT_RETENTION_MS));
}

const PAUSED_RETRY_DELAY_S = 60;

/** Exponential backoff for redelivering to a record object that failed: 2 s, 4 s … 5 min. */
export const retryDelaySeconds = (attempts: number) => Math.min(300, 2 ** Math.min(attempts, 9));

/**
 * Queue consumer: hands each message to its record's Durable Object. A failed message is
 * retried on its own, with backoff; the others are acknowledged.
 */
export async function deliverToRecords(batch: MessageBatch<RecordEventsMessage>, env: Env, paused: boolean): Promise<void> {
  if (paused) {
    batch.retryAll({ delaySeconds: PAUSED_RETRY_DELAY_S });
    return;
  }
  await Promise.all(
    batch.messages.map(async (message) => {
      const { recordKey } = message.body;
      try {
        const events = await eventsOf(env.DB, message.body);
        await env.RECORDS.getByName(recordKey).record(events, message.timestamp.toISOString());
        message.ack();
      } catch (error) {
        const count = message.body.events.length + (message.body.stored?.length ?? 0);
        console.error(`delivering ${count} events to ${recordKey} failed (attempt ${message.attempts})`, error);
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

/** Dead-letter consumer: parks what could not be delivered in D1, where admins can see it. */
export async function parkDeadLetters(batch: MessageBatch<RecordEventsMessage>, env: Env, now: Date): Promise<void> {
  // Parked whole: the large events' bodies go with them, so a replay needs nothing else.
  const messages = await Promise.all(
    batch.messages.map(async (m) => ({ id: m.id, body: { recordKey: m.body.recordKey, events: await eventsOf(env.DB, m.body, true) } })),
  );
  await parkUndelivered(env.DB, messages, now);
  console.error(`${batch.messages.length} record-event messages exhausted their retries; parked in D1`);
  batch.ackAll();
}

const REPLAY_LIMIT = 500;

/** Cron: gives parked messages another full round of retries. */
export async function replayUndelivered(env: Env): Promise<number> {
  const parked = await listUndelivered(env.DB, REPLAY_LIMIT);
  if (parked.length === 0) return 0;
  await enqueueForRecords(
    env,
    parked.flatMap((row) => JSON.parse(row.eventsJson) as CrmEvent[]),
  );
  await forgetUndelivered(
    env.DB,
    parked.map((row) => row.messageId),
  );
  return parked.length;
}
