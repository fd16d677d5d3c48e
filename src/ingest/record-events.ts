import { type CrmEvent, groupByRecord } from "../domain/crm-event";

export interface IngestResult {
  received: number;
  recorded: number;
  duplicates: number;
  records: number;
}

/**
 * Hands every event to its record's Durable Object and resolves once all of them have committed
 * their writes: only then may the CRM be acknowledged. Rules run later, from each object's alarm.
 * If any object fails, this rejects and the CRM's retry re-sends the batch; the objects that did
 * record it see duplicates and change nothing.
 */
export async function recordEvents(namespace: Env["LEAD"], events: CrmEvent[], receivedAt: Date): Promise<IngestResult> {
  const groups = groupByRecord(events);
  const results = await Promise.all(
    [...groups].map(([key, group]) => namespace.getByName(key).record(group, receivedAt.toISOString())),
  );
  return {
    received: events.length,
    recorded: results.reduce((n, r) => n + r.recorded, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    records: groups.size,
  };
}
