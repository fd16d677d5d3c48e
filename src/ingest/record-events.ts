import { forgetUndelivered, listUndelivered, parkUndelivered } from "../db/undelivered";
import { type CrmEvent, groupByRecord } from "../domain/crm-event";

export interface IngestResult {
  received: number;
  records: number;
}

/** One queue message: events of one record, to be handed to that record's Durable Object. */
export interface RecordEventsMessage {
  recordKey: string;
  events: CrmEvent[];
}

/** Queue limits: 100 messages and 256 KB per sendBatch, 128 KB per message. */
const MAX_MESSAGES_PER_SEND = 100;
const MAX_SEND_BYTES = 200_000;
const MAX_MESSAGE_BYTES = 100_000;

/**
 * The webhook path ends here. Once the queue has accepted the events they are durable (retried,
 * then dead-lettered into D1 and re-forwarded), so the CRM can be acknowledged; nothing waits
 * for the records or their rules. Duplicates are dropped by the records, which remember every
 * dedupe key: a re-delivered event changes nothing.
 */
export async function acceptEvents(env: Env, events: CrmEvent[]): Promise<IngestResult> {
  await enqueueForRecords(env.RECORD_EVENTS, events);
  return { received: events.length, records: groupByRecord(events).size };
}

export async function enqueueForRecords(queue: Queue<RecordEventsMessage>, events: readonly CrmEvent[]): Promise<void> {
  const messages: { body: RecordEventsMessage; size: number }[] = [];
  for (const [recordKey, group] of groupByRecord(events)) {
    // A record with a very large burst is split so each message stays under the size limit.
    let part: CrmEvent[] = [];
    let size = 0;
    for (const event of group) {
      const eventSize = JSON.stringify(event).length;
      if (part.length > 0 && size + eventSize > MAX_MESSAGE_BYTES) {
        messages.push({ body: { recordKey, events: part }, size });
        part = [];
        size = 0;
      }
      part.push(event);
      size += eventSize;
    }
    if (part.length > 0) messages.push({ body: { recordKey, events: part }, size });
  }
  let batch: typeof messages = [];
  let bytes = 0;
  const flush = async () => {
    if (batch.length > 0) await queue.sendBatch(batch.map((m) => ({ body: m.body, contentType: "json" as const })));
    batch = [];
    bytes = 0;
  };
  for (const message of messages) {
    if (batch.length === MAX_MESSAGES_PER_SEND || bytes + message.size > MAX_SEND_BYTES) await flush();
    batch.push(message);
    bytes += message.size;
  }
  await flush();
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
      const { recordKey, events } = message.body;
      try {
        await env.RECORDS.getByName(recordKey).record(events, message.timestamp.toISOString());
        message.ack();
      } catch (error) {
        console.error(`delivering ${events.length} events to ${recordKey} failed (attempt ${message.attempts})`, error);
        message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
      }
    }),
  );
}

/** Dead-letter consumer: parks what could not be delivered in D1, where admins can see it. */
export async function parkDeadLetters(batch: MessageBatch<RecordEventsMessage>, env: Env, now: Date): Promise<void> {
  await parkUndelivered(
    env.DB,
    batch.messages.map((m) => ({ id: m.id, body: m.body })),
    now,
  );
  console.error(`${batch.messages.length} record-event messages exhausted their retries; parked in D1`);
  batch.ackAll();
}

const REPLAY_LIMIT = 500;

/** Cron: gives parked messages another full round of retries. */
export async function replayUndelivered(env: Env): Promise<number> {
  const parked = await listUndelivered(env.DB, REPLAY_LIMIT);
  if (parked.length === 0) return 0;
  await enqueueForRecords(
    env.RECORD_EVENTS,
    parked.flatMap((row) => JSON.parse(row.eventsJson) as CrmEvent[]),
  );
  await forgetUndelivered(
    env.DB,
    parked.map((row) => row.messageId),
  );
  return parked.length;
}
