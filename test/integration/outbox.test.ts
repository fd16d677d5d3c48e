import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EffectRequest } from "../../src/core/model/effects";
import { type EffectMessage, enqueueEffects, executeEffectBatch } from "../../src/outbox/effect-queue";
import { portsFor } from "../../src/ports";
import type { Fact } from "../../src/core/facts/fact";
import { insertEffects } from "../../src/storage/effects";
import { factStatements } from "../../src/storage/facts";
import { hubspotEmulator, salesforceEmulator, slackEmulator } from "../support/emulators";
import { adminGet, call, eventually } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

const admin = (path: string, init: RequestInit = {}) =>
  call(path, { ...init, headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json", ...init.headers } });

let contactId = "";
let serial = 0;

function task(n: number, overrides: Partial<EffectRequest> = {}): EffectRequest {
  return {
    idempotencyKey: `test:${++serial}:${n}`,
    leadKey: `hubspot:62515:contact:${contactId}`,
    rule: "test",
    effect: {
      type: "createTask",
      crm: "hubspot",
      accountId: "62515",
      objectType: "contact",
      objectId: contactId,
      ownerId: "84213371",
      subject: `Call ${n}`,
      body: "Ring them",
      dueAt: "2026-11-24T14:00:00.000Z",
      priority: "HIGH",
      channel: "CALL",
    },
    ...overrides,
  };
}

async function effectsOf(ids: string[]) {
  const rows = await env.DB.prepare(`SELECT id, status, attempts, last_error, external_id FROM effects WHERE id IN (${ids.map(() => "?").join(",")})`)
    .bind(...ids)
    .all();
  return rows.results as { id: string; status: string; attempts: number; last_error: string | null; external_id: string | null }[];
}

const settled = (ids: string[]) =>
  eventually(async () => {
    const rows = await effectsOf(ids);
    if (rows.some((r) => r.status === "pending" || r.status === "retrying")) throw new Error("not settled");
    return rows;
  }, 50_000);

const createCalls = async () => (await hubspotEmulator.calls()).filter((c: any) => c.path === "/crm/objects/2026-09/tasks/batch/create");
const tasksWithKeys = async (ids: string[]) =>
  (await hubspotEmulator.objects("tasks")).filter((t: any) => ids.includes(t.properties.lead_follow_up_key));

beforeAll(async () => {
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspot).toMatchObject({ ok: true });
  // The tests set both ways of signing in to Salesforce; the setup says which one it used.
  expect(setup.salesforce).toMatchObject({
    ok: true,
    detail: expect.stringContaining("client credentials (SALESFORCE_ACCESS_TOKEN is set too, and not used)"),
  });
  contactId = (await hubspotEmulator.uiCreate("contacts", { email: `outbox-${Date.now()}@example.com`, firstname: "Ada" })).id;
});

beforeEach(async () => {
  await hubspotEmulator.faults({});
  await hubspotEmulator.clearCalls();
});

describe("the outbox against the HubSpot emulator", () => {
  it("creates tasks in one batch call, associated with the record", async () => {
    const ids = await enqueueEffects(
      env,
      Array.from({ length: 30 }, (_, i) => task(i)),
      new Date(),
    );
    const rows = await settled(ids);
    expect(rows.every((r) => r.status === "done" && r.external_id)).toBe(true);
    const tasks = await tasksWithKeys(ids);
    expect(tasks).toHaveLength(30);
    expect(tasks[0]).toMatchObject({ properties: { hs_task_priority: "HIGH", hs_task_type: "CALL", hubspot_owner_id: "84213371" } });
    expect((await createCalls()).map((c: any) => c.batchSize)).toEqual([30]);
  });

  it("ignores a repeated idempotency key", async () => {
    const request = task(1);
    const first = await enqueueEffects(env, [request], new Date());
    const second = await enqueueEffects(env, [request], new Date());
    expect(first).toHaveLength(1);
    expect(second).toEqual([]);
    await settled(first);
    expect(await tasksWithKeys(first)).toHaveLength(1);
  });

  it("creates each task once when the first answer is lost", { timeout: 60_000 }, async () => {
    await hubspotEmulator.faults({ rateLostResponse: 1 });
    const ids = await enqueueEffects(
      env,
      Array.from({ length: 20 }, (_, i) => task(i)),
      new Date(),
    );
    // The emulator created the tasks but dropped the connection: we cannot know they exist.
    await eventually(async () => expect((await createCalls()).some((c: any) => c.fault === "lost-response")).toBe(true));
    await hubspotEmulator.faults({});
    const rows = await settled(ids);
    expect(rows.filter((r) => r.status !== "done")).toEqual([]);
    expect(await tasksWithKeys(ids)).toHaveLength(20);
    expect(new Set(rows.map((r) => r.external_id)).size).toBe(20);
  });

  it("waits out a 429's Retry-After before calling again", { timeout: 60_000 }, async () => {
    await hubspotEmulator.faults({ rate429: 1 });
    const ids = await enqueueEffects(
      env,
      Array.from({ length: 5 }, (_, i) => task(i)),
      new Date(),
    );
    await eventually(async () => expect((await createCalls()).some((c: any) => c.status === 429)).toBe(true));
    await hubspotEmulator.faults({});
    const rows = await settled(ids);
    // The 429 refused the call unapplied: no attempt of the effects' was spent on it.
    expect(rows.every((r) => r.status === "done" && r.attempts === 1)).toBe(true);
    const [limited, retried] = await createCalls();
    expect(limited.status).toBe(429);
    expect(retried.at - limited.at).toBeGreaterThanOrEqual(1_000); // the emulator says Retry-After: 1
  });

  it("keeps an effect refused for quota more often than its attempts allow, and counts only its own failures", async () => {
    // Stored without a message of its own: this test hands the consumer the only one.
    const [id] = await insertEffects(env.DB, [task(1)], new Date());
    const consumer = portsFor(env).consumer;
    const answers = [
      ...Array.from({ length: Number(TEST_BINDINGS.EFFECT_MAX_ATTEMPTS) + 2 }, () => "429" as const),
      "503" as const,
      "429" as const,
      "ok" as const,
    ];
    const calls: string[] = [];
    // A portal squeezed by other apps: HubSpot refuses calls for its ten-secondly limit (no
    // Retry-After wait here, so the test does not wait real seconds), and fails once.
    const busy = {
      createTasks: async (writes: { key: string }[]) => {
        const answer = answers.shift() ?? "ok";
        calls.push(answer);
        if (answer === "ok") return writes.map((w) => ({ ok: true as const, externalId: `task-of-${w.key}` }));
        const failure =
          answer === "429"
            ? { kind: "rateLimited" as const, status: 429, message: "HubSpot 429: You have reached your ten_secondly_rolling limit." }
            : { kind: "transient" as const, status: 503, message: "HubSpot 503: internal error" };
        return writes.map(() => ({ ok: false as const, failure }));
      },
    };
    const deps = { ...consumer, executors: { ...consumer.executors, crm: () => busy as never } };
    const batch = createMessageBatch<EffectMessage>("lead-follow-up-effects", [
      { id: "only", timestamp: new Date(), attempts: 1, body: { effectId: id! } },
    ]);
    await executeEffectBatch(batch, env, deps);
    expect(calls.at(-1)).toBe("ok");
    expect(calls.filter((c) => c === "429").length).toBeGreaterThan(Number(TEST_BINDINGS.EFFECT_MAX_ATTEMPTS));
    // One attempt failed (the 503), one went through.
    expect(await effectsOf([id!])).toMatchObject([{ status: "done", attempts: 2, external_id: `task-of-${id}` }]);
  });

  it("retries a failed call in the same consumer run, as soon as it is due", { timeout: 30_000 }, async () => {
    // Seeded draws: the first call fails (5xx), the second goes through.
    await hubspotEmulator.faults({ rate5xx: 0.5, seed: 8 });
    const ids = await enqueueEffects(
      env,
      Array.from({ length: 5 }, (_, i) => task(i)),
      new Date(),
    );
    const rows = await settled(ids);
    expect(rows.every((r) => r.status === "done" && r.attempts === 2)).toBe(true);
    const [failed, retried] = await createCalls();
    expect(failed.status).toBeGreaterThanOrEqual(500);
    // The backoff is at most EFFECT_RETRY_BASE_MS (50 ms) here; redelivering the message would
    // take over a second (whole-second delays, then the 1 s batch window).
    expect(retried.at - failed.at).toBeLessThan(1_000);
  });

  it("retries 5xx and timeouts until the call goes through", { timeout: 60_000 }, async () => {
    await hubspotEmulator.faults({ rate5xx: 0.5, rateTimeout: 0.3, timeoutMs: 200, seed: 5 });
    const ids = await enqueueEffects(
      env,
      Array.from({ length: 5 }, (_, i) => task(i)),
      new Date(),
    );
    await eventually(async () => expect((await createCalls()).length).toBeGreaterThanOrEqual(2), 30_000);
    await hubspotEmulator.faults({});
    const rows = await settled(ids);
    expect(rows.every((r) => r.status === "done")).toBe(true);
    expect(await tasksWithKeys(ids)).toHaveLength(5);
  });

  it("acknowledges the message of an effect that failed and then went through in the same run", async () => {
    // Stored without a message of its own: this test hands the consumer the only one.
    const [id] = await insertEffects(env.DB, [task(1)], new Date());
    // Seed 8: the first call answers 5xx, the next goes through.
    await hubspotEmulator.faults({ rate5xx: 0.5, seed: 8 });
    const batch = createMessageBatch<EffectMessage>("lead-follow-up-effects", [
      { id: "only", timestamp: new Date(), attempts: 1, body: { effectId: id! } },
    ]);
    await executeEffectBatch(batch, env, portsFor(env).consumer);
    await hubspotEmulator.faults({});
    expect(await effectsOf([id!])).toMatchObject([{ status: "done", attempts: 2 }]);
    // A message once told to retry can no longer be acknowledged: it would come back for nothing.
    expect(await getQueueResult(batch, createExecutionContext())).toMatchObject({ explicitAcks: ["only"], retryMessages: [] });
  });

  it("makes an effect dead after the configured attempts, and an admin can retry it", { timeout: 60_000 }, async () => {
    await hubspotEmulator.faults({ rate5xx: 1 });
    const [id] = await enqueueEffects(env, [task(1)], new Date());
    const [row] = await settled([id!]);
    expect(row).toMatchObject({ status: "dead", attempts: Number(TEST_BINDINGS.EFFECT_MAX_ATTEMPTS) });
    expect(row!.last_error).toMatch(/gave up after 5 attempts: HubSpot 5\d\d/);

    const listed = (await (await adminGet("/admin/effects?status=dead")).json()) as any;
    expect(listed.effects.map((e: any) => e.id)).toContain(id);

    await hubspotEmulator.faults({});
    const retried = await admin(`/admin/effects/${id}/retry`, { method: "POST" });
    expect(retried.status).toBe(202);
    const [after] = await settled([id!]);
    expect(after).toMatchObject({ status: "done" });
    expect((await admin(`/admin/effects/${id}/retry`, { method: "POST" })).status).toBe(409);
  });

  it("does not retry a validation error", async () => {
    const bad = task(1);
    (bad.effect as any).ownerId = "999999999";
    const [id] = await enqueueEffects(env, [bad], new Date());
    const [row] = await settled([id!]);
    expect(row).toMatchObject({ status: "dead", attempts: 1 });
    expect(row!.last_error).toMatch(/HubSpot 400/);
    expect(row!.last_error).not.toContain(TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN);
  });
});

describe("effects stored with statements alongside (a rule run's facts)", () => {
  const fact = (key: string): Fact => ({
    key,
    kind: "reassigned",
    at: new Date().toISOString(),
    recordKey: `hubspot:62515:contact:${contactId}`,
    crm: "hubspot",
    objectType: "contact",
    reason: "stale",
  });
  const factCount = async (key: string) =>
    (await env.DB.prepare("SELECT count(*) AS n FROM facts WHERE key = ?").bind(key).first<{ n: number }>())!.n;

  it("stores both in one transaction and returns only the effects' ids", async () => {
    const key = `alongside:${++serial}`;
    // A statement alongside that answers rows of its own: they are not taken for effects' ids.
    const answering = env.DB.prepare("SELECT 'not-an-effect' AS id");
    const ids = await insertEffects(env.DB, [task(1), task(2)], new Date(), { alongside: [...factStatements(env.DB, [fact(key)]), answering] });
    expect(ids).toHaveLength(2);
    expect(ids).not.toContain("not-an-effect");
    expect((await effectsOf(ids)).map((r) => r.status)).toEqual(["pending", "pending"]);
    expect(await factCount(key)).toBe(1);
  });

  it("stores the statements alongside when there are no effects", async () => {
    const key = `alongside:${++serial}`;
    expect(await insertEffects(env.DB, [], new Date(), { alongside: factStatements(env.DB, [fact(key)]) })).toEqual([]);
    expect(await factCount(key)).toBe(1);
  });

  it("stores neither when a statement alongside fails", async () => {
    const request = task(1);
    const broken = env.DB.prepare("INSERT INTO no_such_table VALUES (1)");
    await expect(insertEffects(env.DB, [request], new Date(), { alongside: [broken] })).rejects.toThrow(/no_such_table/);
    // The effect was not stored: the run's retry stores it, under the same key.
    expect(await insertEffects(env.DB, [request], new Date())).toHaveLength(1);
  });
});

describe("Salesforce and Slack effects", () => {
  it("upserts Salesforce tasks by the external id and posts Slack messages", async () => {
    const lead = await salesforceEmulator.uiCreate("Lead", { LastName: "Doe", Company: "Example" });
    const requests: EffectRequest[] = [
      {
        idempotencyKey: `sf:${Date.now()}`,
        leadKey: `salesforce:${TEST_BINDINGS.SALESFORCE_ORG_ID}:lead:${lead.id}`,
        rule: "test",
        effect: {
          type: "createTask",
          crm: "salesforce",
          accountId: TEST_BINDINGS.SALESFORCE_ORG_ID,
          objectType: "lead",
          objectId: lead.id,
          ownerId: "0055g00000IntegAAA",
          subject: "Call Jane",
          body: "",
          dueAt: "2026-11-24T14:00:00.000Z",
          priority: "MEDIUM",
          channel: "CALL",
        },
      },
      {
        idempotencyKey: `slack:${Date.now()}`,
        leadKey: "slack-test",
        rule: "test",
        effect: {
          type: "postSlackMessage",
          channel: "U05REPONE01",
          text: "A lead needs you",
          blocks: [{ type: "section", text: { type: "mrkdwn", text: "*A lead* needs you" } }],
        },
      },
    ];
    const ids = await enqueueEffects(env, requests, new Date());
    const rows = await settled(ids);
    expect(rows.map((r) => r.status)).toEqual(["done", "done"]);
    const tasks = (await salesforceEmulator.records("Task")).filter((t: any) => t.WhoId === lead.id);
    expect(tasks).toHaveLength(1);
    expect(tasks[0]).toMatchObject({ Priority: "Normal", Subject: "Call Jane", Status: "Not Started" });
    expect((await slackEmulator.messages()).some((m: any) => m.text === "A lead needs you")).toBe(true);
  });
});

describe("the cron", () => {
  it("queues again an effect whose message was lost", { timeout: 30_000 }, async () => {
    const { insertEffects } = await import("../../src/storage/effects");
    const worker = (await import("../../src/index")).default as unknown as Required<Pick<ExportedHandler<Env>, "scheduled">>;
    const { createExecutionContext, createScheduledController } = await import("cloudflare:test");
    // Stored 20 minutes ago, never queued: as if the queue had lost its message.
    const [id] = await insertEffects(env.DB, [task(1)], new Date(Date.now() - 20 * 60_000));
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "*/5 * * * *" }), env, createExecutionContext());
    const [row] = await settled([id!]);
    expect(row).toMatchObject({ status: "done" });
  });
});

describe("claims", () => {
  it("tells when the next effect nobody holds is due", async () => {
    const { claimEffects, insertEffects, nextDueAt, recordOutcomes } = await import("../../src/storage/effects");
    const other = { ...task(1), effect: { ...task(1).effect, accountId: "99999" } } as EffectRequest;
    const now = new Date();
    const target = "hubspot:62515";
    // Whatever the other tests left behind for this target is settled first.
    await env.DB.prepare("UPDATE effects SET status = 'done' WHERE target = ?").bind(target).run();
    expect(await nextDueAt(env.DB, target, "createTask", now)).toBeNull();

    const [soon, later, held] = await insertEffects(env.DB, [task(1), task(2), task(3)], now);
    await insertEffects(env.DB, [other], now);
    await recordOutcomes(
      env.DB,
      [
        { id: soon!, status: "retrying", attempts: 1, error: "5xx", nextAttemptAt: new Date(now.getTime() + 2_000) },
        { id: later!, status: "retrying", attempts: 1, error: "5xx", nextAttemptAt: new Date(now.getTime() + 9_000) },
      ],
      now,
    );
    // A pending effect is due now, unless someone holds it.
    expect(await nextDueAt(env.DB, target, "createTask", now)).toEqual(now);
    await claimEffects(env.DB, [held!], now, new Date(now.getTime() + 60_000));
    expect(await nextDueAt(env.DB, target, "createTask", now)).toEqual(new Date(now.getTime() + 2_000));
    expect(await nextDueAt(env.DB, target, "assignOwner", now)).toBeNull();
    await env.DB.prepare("UPDATE effects SET status = 'done', claimed_until = NULL WHERE target = ?").bind(target).run();
  });

  it("an effect held by one consumer is not run by another at the same time", async () => {
    const { claimEffects, insertEffects } = await import("../../src/storage/effects");
    const [id] = await insertEffects(env.DB, [task(1)], new Date());
    const now = new Date();
    const first = await claimEffects(env.DB, [id!], now, new Date(now.getTime() + 60_000));
    const second = await claimEffects(env.DB, [id!], now, new Date(now.getTime() + 60_000));
    expect(first.map((r) => r.id)).toEqual([id]);
    expect(second).toEqual([]);
    // Once the claim has run out (a consumer died), the effect can be claimed again.
    const later = await claimEffects(env.DB, [id!], new Date(now.getTime() + 61_000), new Date(now.getTime() + 121_000));
    expect(later.map((r) => r.id)).toEqual([id]);
  });
});

describe("effects in bulk", () => {
  // An account no consumer serves in these tests, so nothing here is executed meanwhile.
  const bulkTask = (n: number): EffectRequest => ({ ...task(n), effect: { ...task(n).effect, accountId: "77777" } }) as EffectRequest;

  it("stores and claims more effects in one call than D1 binds parameters, each key once", async () => {
    const { claimEffects, insertEffects, loadEffects } = await import("../../src/storage/effects");
    const now = new Date();
    const earlier = await loadEffects(env.DB, await insertEffects(env.DB, [bulkTask(0)], now));
    const requests = Array.from({ length: 1_500 }, (_, i) => bulkTask(i + 1));
    // A key already stored, and a key twice in this call: neither makes a second row.
    requests.push({ ...bulkTask(9_999), idempotencyKey: earlier[0]!.idempotencyKey }, { ...requests[0]! });
    const ids = await insertEffects(env.DB, requests, now);
    expect(ids).toHaveLength(1_500);
    const rows = await loadEffects(env.DB, ids);
    expect(rows).toHaveLength(1_500);
    const first = rows.find((r) => r.idempotencyKey === requests[0]!.idempotencyKey)!;
    expect(first).toMatchObject({
      status: "pending",
      attempts: 0,
      type: "createTask",
      target: "hubspot:77777",
      rule: "test",
      createdAt: now.toISOString(),
    });
    expect(JSON.parse(first.payload)).toEqual(requests[0]!.effect);

    const claimed = await claimEffects(env.DB, ids, now, new Date(now.getTime() + 60_000));
    expect(claimed).toHaveLength(1_500);
    expect(await claimEffects(env.DB, ids, now, new Date(now.getTime() + 60_000))).toEqual([]);
  });

  it("splits a call's rows by their size in bytes, and stores them all", async () => {
    const { insertEffects, loadEffects } = await import("../../src/storage/effects");
    // 60,000 characters of three UTF-8 bytes each: six of these are more than one bound JSON array may hold.
    const body = "跟进".repeat(30_000);
    const requests = Array.from({ length: 12 }, (_, i) => {
      const r = bulkTask(i);
      return { ...r, effect: { ...r.effect, body } } as EffectRequest;
    });
    const ids = await insertEffects(env.DB, requests, new Date());
    expect(ids).toHaveLength(12);
    const rows = await loadEffects(env.DB, ids);
    expect(rows.map((r) => (JSON.parse(r.payload) as { body: string }).body === body)).toEqual(Array(12).fill(true));
  });

  it("stores each effect under the id its key derives: the id a rule names the effect's task by", async () => {
    const { insertEffects, loadEffects } = await import("../../src/storage/effects");
    const { effectId } = await import("../../src/core/model/effect-id");
    const one = bulkTask(1);
    const [id] = await insertEffects(env.DB, [one], new Date());
    expect(id).toBe(effectId(one.idempotencyKey));
    // Fits Salesforce's Text(64) external id, and is the same in any case (Salesforce compares it case-insensitively).
    expect(id).toMatch(/^[0-9a-f]{40}$/);
    expect((await loadEffects(env.DB, [id!]))[0]).toMatchObject({ idempotencyKey: one.idempotencyKey });
  });

  it("maps a record's tasks written before ids were derived to their old ids, and nothing else", async () => {
    const { insertEffects } = await import("../../src/storage/effects");
    const { legacyTaskIds } = await import("../../src/storage/legacy-task-keys");
    const { effectId } = await import("../../src/core/model/effect-id");
    const legacy = { ...bulkTask(41), leadKey: `hubspot:77777:contact:legacy-${serial++}` };
    const oldId = crypto.randomUUID();
    const now = new Date().toISOString();
    await env.DB.prepare(
      `INSERT INTO effects (id, idempotency_key, lead_key, rule, type, target, payload, status, attempts, created_at, updated_at)
       VALUES (?, ?, ?, 'test', 'createTask', 'hubspot:77777', ?, 'retrying', 1, ?, ?)`,
    )
      .bind(oldId, legacy.idempotencyKey, legacy.leadKey, JSON.stringify(legacy.effect), now, now)
      .run();
    // A task of the same record written since has its derived id already: it is not in the map.
    await insertEffects(env.DB, [{ ...bulkTask(42), leadKey: legacy.leadKey }], new Date());
    expect(await legacyTaskIds(env.DB, [legacy.leadKey])).toEqual(new Map([[effectId(legacy.idempotencyKey), oldId]]));
    expect(await legacyTaskIds(env.DB, ["hubspot:77777:contact:nobody"])).toEqual(new Map());
  });

  it("records a batch of outcomes in one go: done keeps what it overcame, retrying keeps no stale due time", async () => {
    const { insertEffects, loadEffects, recordOutcomes } = await import("../../src/storage/effects");
    const now = new Date();
    const [a, b, c] = await insertEffects(env.DB, [bulkTask(1), bulkTask(2), bulkTask(3)], now);
    const retryAt = new Date(now.getTime() + 5_000);
    await recordOutcomes(
      env.DB,
      [
        { id: a!, status: "retrying", attempts: 1, error: "HubSpot 502", nextAttemptAt: retryAt },
        { id: b!, status: "retrying", attempts: 1, error: "HubSpot 429", nextAttemptAt: retryAt },
        { id: c!, status: "dead", attempts: 1, error: "HubSpot 400: bad owner" },
      ],
      now,
    );
    const later = new Date(now.getTime() + 6_000);
    await recordOutcomes(
      env.DB,
      [
        { id: a!, status: "done", attempts: 2, externalId: "task-1" },
        { id: b!, status: "retrying", attempts: 2, error: "timeout", nextAttemptAt: new Date(later.getTime() + 1_000) },
      ],
      later,
    );
    const byId = new Map((await loadEffects(env.DB, [a!, b!, c!])).map((r) => [r.id, r]));
    expect(byId.get(a!)).toMatchObject({
      status: "done",
      attempts: 2,
      externalId: "task-1",
      lastError: "HubSpot 502",
      nextAttemptAt: null,
      claimedUntil: null,
      updatedAt: later.toISOString(),
    });
    expect(byId.get(b!)).toMatchObject({
      status: "retrying",
      attempts: 2,
      externalId: null,
      lastError: "timeout",
      nextAttemptAt: new Date(later.getTime() + 1_000).toISOString(),
    });
    expect(byId.get(c!)).toMatchObject({
      status: "dead",
      attempts: 1,
      lastError: "HubSpot 400: bad owner",
      nextAttemptAt: null,
      updatedAt: now.toISOString(),
    });
  });
});
