import { createExecutionContext, createMessageBatch, createScheduledController, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/core/model/crm-event";
import entry from "../../src/index";
import { recordWithEvents } from "../support/requests";

function event(objectId: number): CrmEvent {
  return {
    kind: "propertyChanged",
    dedupeKey: `test:${objectId}`,
    recordKey: `hubspot:62515:contact:${objectId}`,
    crm: "hubspot",
    accountId: "62515",
    objectType: "contact",
    objectId: String(objectId),
    occurredAt: "2026-11-23T09:00:00.000Z",
    changedBy: { source: "CRM_UI" },
    fromThisIntegration: false,
    via: "hubspot-webhook",
    properties: { hs_lead_status: "NEW" },
    snapshot: false,
  };
}

const worker = entry as unknown as Required<Pick<ExportedHandler<Env>, "queue" | "scheduled">>;
const parked = async () => (await env.DB.prepare("SELECT message_id, record_key FROM undelivered_record_events").all()).results;

describe("delivery from the queue to the records", () => {
  it("acknowledges what its record took and retries only what failed", async () => {
    const good = event(800001);
    const batch = createMessageBatch("lead-follow-up-record-events", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: { recordKey: good.recordKey, events: [good] } },
      { id: "m2", timestamp: new Date(), attempts: 3, body: { recordKey: "hubspot:62515:contact:800002", events: [{ broken: true }] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["m1"]);
    expect(result.retryMessages).toMatchObject([{ msgId: "m2" }]);
    expect((await recordWithEvents(good.recordKey, 1)).body.events).toHaveLength(1);
  });

  it("parks dead letters in D1 and the cron forwards them again", async () => {
    const lost = event(800003);
    const dead = createMessageBatch("lead-follow-up-record-events-dlq", [
      { id: "dead-1", timestamp: new Date(), attempts: 1, body: { recordKey: lost.recordKey, events: [lost] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(dead, env, ctx);
    expect((await getQueueResult(dead, ctx)).explicitAcks).toEqual([]);
    expect(await parked()).toEqual([{ message_id: "dead-1", record_key: lost.recordKey }]);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, createExecutionContext());
    expect(await parked()).toEqual([]);
    expect((await recordWithEvents(lost.recordKey, 1)).body.events[0].dedupeKey).toBe(lost.dedupeKey);
  });

  it("reads large events back from D1; one missing fails the delivery, which is retried", async () => {
    const big = { ...event(800005), properties: { Description: "x".repeat(150_000) } };
    const missing = event(800006);
    await env.DB.prepare("INSERT INTO large_record_events (record_key, dedupe_key, body, stored_at) VALUES (?, ?, ?, ?)")
      .bind(big.recordKey, big.dedupeKey, JSON.stringify(big), new Date().toISOString())
      .run();
    const batch = createMessageBatch("lead-follow-up-record-events", [
      { id: "big", timestamp: new Date(), attempts: 1, body: { recordKey: big.recordKey, events: [], stored: [big.dedupeKey] } },
      { id: "gone", timestamp: new Date(), attempts: 1, body: { recordKey: missing.recordKey, events: [], stored: [missing.dedupeKey] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["big"]);
    expect(result.retryMessages).toMatchObject([{ msgId: "gone" }]);
    expect((await recordWithEvents(big.recordKey, 1)).body.state.properties.Description.value).toHaveLength(150_000);
  });

  it("parks a dead letter whole, its large events' bodies with it, and the cron forwards them again", async () => {
    const big = { ...event(800004), properties: { Description: "y".repeat(150_000) } };
    await env.DB.prepare("INSERT INTO large_record_events (record_key, dedupe_key, body, stored_at) VALUES (?, ?, ?, ?)")
      .bind(big.recordKey, big.dedupeKey, JSON.stringify(big), new Date().toISOString())
      .run();
    const dead = createMessageBatch("lead-follow-up-record-events-dlq", [
      { id: "dead-big", timestamp: new Date(), attempts: 1, body: { recordKey: big.recordKey, events: [], stored: [big.dedupeKey] } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(dead, env, ctx);
    await getQueueResult(dead, ctx);
    const row = await env.DB.prepare("SELECT events_json FROM undelivered_record_events WHERE message_id = 'dead-big'").first<{
      events_json: string;
    }>();
    expect(JSON.parse(row!.events_json)[0].properties.Description).toHaveLength(150_000);

    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, createExecutionContext());
    expect((await recordWithEvents(big.recordKey, 1)).body.state.properties.Description.value).toHaveLength(150_000);
  });
});
