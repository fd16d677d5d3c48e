import { env } from "cloudflare:workers";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { EffectOf, EffectRequest, TaskAction } from "../../src/core/model/effects";
import { HubSpotCrm } from "../../src/crm/hubspot-crm";
import { insertEffects } from "../../src/storage/effects";
import { effectId } from "../../src/core/model/effect-id";
import { enqueueEffects, sendEffectMessages } from "../../src/outbox/effect-queue";
import { hubspotEmulator, salesforceEmulator, slackEmulator } from "../support/emulators";
import { call, eventually } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * updateTasks and respondInSlack effects through the real queue, D1 and rate limiter, against
 * the emulators: what a cadence does when a lead converts, and what a button click answers.
 */

let serial = 0;
const run = Date.now().toString(36);
const request = (leadKey: string, effect: EffectRequest["effect"]): EffectRequest => ({
  idempotencyKey: `task-updates:${run}:${++serial}`,
  leadKey,
  rule: "test",
  effect,
});

async function effectsOf(ids: string[]) {
  const rows = await env.DB.prepare(`SELECT id, status, attempts, last_error, external_id FROM effects WHERE id IN (${ids.map(() => "?").join(",")})`)
    .bind(...ids)
    .all();
  const byId = new Map(
    (rows.results as { id: string; status: string; attempts: number; last_error: string | null; external_id: string | null }[]).map((r) => [r.id, r]),
  );
  return ids.map((id) => byId.get(id)!);
}

const settled = (ids: string[]) =>
  eventually(async () => {
    const rows = await effectsOf(ids);
    if (rows.some((r) => r.status === "pending" || r.status === "retrying")) throw new Error("not settled");
    return rows;
  }, 50_000);

/** Runs effects through the queue and returns their rows once they are done or dead. */
const execute = async (requests: EffectRequest[]) => settled(await enqueueEffects(env, requests, new Date()));

describe("updateTasks on HubSpot", () => {
  const portal = "62515";
  let contacts: string[] = [];
  const leadKey = (contact: string) => `hubspot:${portal}:contact:${contact}`;
  const createTask = (contact: string, n: number): EffectOf<"createTask"> => ({
    type: "createTask",
    crm: "hubspot",
    accountId: portal,
    objectType: "contact",
    objectId: contact,
    ownerId: "84213371",
    subject: `Step ${n}`,
    body: "",
    dueAt: "2026-11-24T14:00:00.000Z",
    priority: "MEDIUM",
    channel: "CALL",
  });
  const updateTasks = (contact: string, taskKeys: string[], action: TaskAction): EffectOf<"updateTasks"> => ({
    type: "updateTasks",
    crm: "hubspot",
    accountId: portal,
    objectType: "contact",
    objectId: contact,
    taskKeys,
    action,
  });
  const tasksWithKeys = async (keys: string[]) =>
    ((await hubspotEmulator.objects("tasks")) as any[]).filter((t) => keys.includes(t.properties.lead_follow_up_key));
  /** A cadence of `count` tasks for the contact, created through the outbox: their effect ids are the keys. */
  const cadence = async (contact: string, count: number) => {
    const rows = await execute(Array.from({ length: count }, (_, i) => request(leadKey(contact), createTask(contact, i))));
    expect(rows.map((r) => r.status)).toEqual(Array(count).fill("done"));
    return { keys: rows.map((r) => r.id), taskIds: rows.map((r) => r.external_id!) };
  };

  beforeAll(async () => {
    const setup = (await (
      await call("/admin/crm/setup", { method: "POST", headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` } })
    ).json()) as any;
    expect(setup.hubspot).toMatchObject({ ok: true });
    contacts = [];
    for (let i = 0; i < 2; i++)
      contacts.push((await hubspotEmulator.uiCreate("contacts", { email: `task-updates-${run}-${i}@example.com`, firstname: "Ada" })).id);
  });

  beforeEach(async () => {
    await hubspotEmulator.faults({});
    await hubspotEmulator.clearCalls();
  });

  it("deletes the open tasks of two leads, keeps the one a rep completed, and reports keys with no task", { timeout: 60_000 }, async () => {
    const first = await cadence(contacts[0]!, 3);
    const second = await cadence(contacts[1]!, 2);
    await hubspotEmulator.uiUpdate("tasks", first.taskIds[1]!, { hs_task_status: "COMPLETED" });
    const neverCreated = crypto.randomUUID();

    const rows = await execute([
      request(leadKey(contacts[0]!), updateTasks(contacts[0]!, [...first.keys, neverCreated], { kind: "delete" })),
      request(leadKey(contacts[1]!), updateTasks(contacts[1]!, second.keys, { kind: "delete" })),
    ]);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["done", 1],
      ["done", 1],
    ]);
    expect(rows[0]!.external_id).toBe(
      `deleted ${first.taskIds[0]},${first.taskIds[2]}; kept (completed by a rep) ${first.taskIds[1]}; no task for 1 key`,
    );
    expect(rows[1]!.external_id).toBe(`deleted ${second.taskIds.join(",")}`);

    const left = (await tasksWithKeys([...first.keys, ...second.keys])).filter((t) => !t.archived);
    expect(left.map((t) => [t.id, t.properties.hs_task_status])).toEqual([[first.taskIds[1], "COMPLETED"]]);
  });

  it("completes and reschedules open tasks, and the same update again changes nothing", { timeout: 60_000 }, async () => {
    const { keys, taskIds } = await cadence(contacts[0]!, 3);
    const dueAt = "2026-12-02T15:00:00.000Z";
    const [moved] = await execute([request(leadKey(contacts[0]!), updateTasks(contacts[0]!, keys.slice(0, 2), { kind: "reschedule", dueAt }))]);
    expect(moved).toMatchObject({ status: "done", external_id: `rescheduled ${taskIds[0]},${taskIds[1]}` });
    const [completed] = await execute([request(leadKey(contacts[0]!), updateTasks(contacts[0]!, keys, { kind: "complete" }))]);
    expect(completed).toMatchObject({ status: "done", external_id: `completed ${taskIds.join(",")}` });

    const tasks = await tasksWithKeys(keys);
    expect(tasks.map((t) => t.properties.hs_task_status)).toEqual(["COMPLETED", "COMPLETED", "COMPLETED"]);
    expect(tasks.map((t) => Date.parse(t.properties.hs_timestamp))).toEqual([
      Date.parse(dueAt),
      Date.parse(dueAt),
      Date.parse("2026-11-24T14:00:00.000Z"),
    ]);

    await hubspotEmulator.clearCalls();
    const [again] = await execute([request(leadKey(contacts[0]!), updateTasks(contacts[0]!, keys, { kind: "complete" }))]);
    expect(again).toMatchObject({ status: "done", external_id: `already completed ${taskIds.join(",")}` });
    expect((await hubspotEmulator.calls()).map((c: any) => c.path)).toEqual(["/crm/objects/2026-09/tasks/batch/read"]);
  });

  it("waits, without spending attempts, while the task it completes is still being created", { timeout: 60_000 }, async () => {
    // The creation is stored but not yet executed (its queue message not sent): the completion
    // queued behind it must not find "no task" and report success, leaving the task to appear
    // open afterwards.
    const [createId] = await insertEffects(env.DB, [request(leadKey(contacts[0]!), createTask(contacts[0]!, 99))], new Date());
    const [updateId] = await enqueueEffects(
      env,
      [request(leadKey(contacts[0]!), updateTasks(contacts[0]!, [createId!], { kind: "complete" }))],
      new Date(),
    );
    await eventually(
      async () =>
        expect((await effectsOf([updateId!]))[0]).toMatchObject({
          status: "retrying",
          attempts: 0,
          last_error: expect.stringContaining("has not been created yet"),
        }),
      20_000,
    );
    expect(await tasksWithKeys([createId!])).toEqual([]);

    await sendEffectMessages(env.EFFECTS, [createId!]);
    const [created] = await settled([createId!]);
    // Its next look is a minute away; here its message is sent again to look now.
    await sendEffectMessages(env.EFFECTS, [updateId!]);
    const [completed] = await settled([updateId!]);
    expect(created!.status).toBe("done");
    expect(completed).toMatchObject({ status: "done", attempts: 1, external_id: `completed ${created!.external_id}` });
    expect((await tasksWithKeys([createId!]))[0].properties.hs_task_status).toBe("COMPLETED");
  });

  it("a reassignment the lead's next change of hands replaces is not run after it: the tasks stay with the newest owner", {
    timeout: 60_000,
  }, async () => {
    const { keys, taskIds } = await cadence(contacts[1]!, 2);
    // Stored in this order (the lead went to 84213372, then back to 84213371), executed in any order.
    const [older, newer] = await execute([
      request(leadKey(contacts[1]!), updateTasks(contacts[1]!, keys, { kind: "reassign", ownerId: "84213372" })),
      request(leadKey(contacts[1]!), updateTasks(contacts[1]!, keys, { kind: "reassign", ownerId: "84213371" })),
    ]);
    expect(older).toMatchObject({ status: "done", external_id: "superseded: the lead changed hands again since" });
    expect(newer).toMatchObject({ status: "done", external_id: `already the owner's ${taskIds.join(",")}` });
    expect((await tasksWithKeys(keys)).map((t) => t.properties.hubspot_owner_id)).toEqual(["84213371", "84213371"]);
  });

  it("finds a task written before ids were derived from keys under its old id, and completes it", { timeout: 60_000 }, async () => {
    // As the outbox stored it before ids were derived: a random id, which the CRM task carries as its key.
    const legacy = request(leadKey(contacts[0]!), createTask(contacts[0]!, 7));
    const oldId = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO effects (id, idempotency_key, lead_key, rule, type, target, payload, status, attempts, created_at, updated_at)
       VALUES (?, ?, ?, 'test', 'createTask', 'hubspot:62515', ?, 'done', 1, ?, ?)`,
    )
      .bind(oldId, legacy.idempotencyKey, legacy.leadKey, JSON.stringify(legacy.effect), new Date().toISOString(), new Date().toISOString())
      .run();
    const crm = new HubSpotCrm({ accessToken: TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN, basePath: env.HUBSPOT_API_BASE });
    const [created] = await crm.createTasks([{ key: oldId, task: legacy.effect as EffectOf<"createTask"> }]);
    expect(created).toMatchObject({ ok: true });

    // A rule now names the task by the id its key derives; the outbox finds it under the old one.
    const [completed] = await execute([
      request(leadKey(contacts[0]!), updateTasks(contacts[0]!, [effectId(legacy.idempotencyKey)], { kind: "complete" })),
    ]);
    expect(completed).toMatchObject({ status: "done", external_id: `completed ${(created as { externalId: string }).externalId}` });
    expect((await tasksWithKeys([oldId]))[0].properties.hs_task_status).toBe("COMPLETED");
  });

  it("retries after a 429 and then applies the update once", { timeout: 60_000 }, async () => {
    const { keys, taskIds } = await cadence(contacts[1]!, 2);
    await hubspotEmulator.clearCalls();
    // Seed 35: the first call answers 429 and the eleven after it go through, however soon the retry comes.
    await hubspotEmulator.faults({ rate429: 0.2, seed: 35 });
    const ids = await enqueueEffects(env, [request(leadKey(contacts[1]!), updateTasks(contacts[1]!, keys, { kind: "complete" }))], new Date());
    const [row] = await settled(ids);
    await hubspotEmulator.faults({});
    // The 429 refused the call unapplied and spent no attempt: one attempt, the one that applied it.
    expect(row).toMatchObject({ status: "done", attempts: 1, external_id: `completed ${taskIds.join(",")}` });
    const [first, ...rest] = ((await hubspotEmulator.calls()) as any[]).map((c) => c.status);
    expect(first).toBe(429);
    expect(rest.every((status) => status < 300)).toBe(true);
  });
});

describe("updateTasks on Salesforce", () => {
  const org = TEST_BINDINGS.SALESFORCE_ORG_ID;

  it("completes open tasks and moves the due date of the rest, date and reminder together", { timeout: 60_000 }, async () => {
    const lead = (await salesforceEmulator.uiCreate("Lead", { LastName: `Updates ${run}`, Company: "Example" })).id as string;
    const leadKey = `salesforce:${org}:lead:${lead}`;
    const target = { crm: "salesforce", accountId: org, objectType: "lead", objectId: lead } as const;
    const created = await execute(
      Array.from({ length: 3 }, (_, i) =>
        request(leadKey, {
          type: "createTask",
          ...target,
          ownerId: "0055g00000IntegAAA",
          subject: `Step ${i}`,
          body: "",
          dueAt: "2026-11-24T14:00:00.000Z",
          priority: "HIGH",
          channel: "EMAIL",
        }),
      ),
    );
    const [keys, taskIds] = [created.map((r) => r.id), created.map((r) => r.external_id!)];
    await salesforceEmulator.uiUpdate("Task", taskIds[2]!, { Status: "Completed" });

    // 01:30 UTC on the 4th is 20:30 on the 3rd for an owner in New York: the date field shows the owner's day.
    const dueAt = "2026-12-04T01:30:00.000Z";
    const move = { kind: "reschedule", dueAt, dueDate: "2026-12-03" } as const;
    const [moved] = await execute([request(leadKey, { type: "updateTasks", ...target, taskKeys: keys, action: move })]);
    expect(moved).toMatchObject({ status: "done", external_id: `rescheduled ${taskIds[0]},${taskIds[1]}; kept (completed by a rep) ${taskIds[2]}` });
    const [again] = await execute([request(leadKey, { type: "updateTasks", ...target, taskKeys: keys.slice(1, 2), action: move })]);
    expect(again).toMatchObject({ status: "done", external_id: `already due then ${taskIds[1]}` });
    const [completed] = await execute([
      request(leadKey, { type: "updateTasks", ...target, taskKeys: keys.slice(0, 1), action: { kind: "complete" } }),
    ]);
    expect(completed).toMatchObject({ status: "done", external_id: `completed ${taskIds[0]}` });

    const tasks = ((await salesforceEmulator.records("Task")) as any[]).filter((t) => keys.includes(t.Idempotency_Key__c));
    const byId = new Map(tasks.map((t) => [t.Id, t]));
    expect(taskIds.map((id) => [byId.get(id).Status, byId.get(id).ActivityDate, Date.parse(byId.get(id).ReminderDateTime)])).toEqual([
      ["Completed", "2026-12-03", Date.parse(dueAt)],
      ["Not Started", "2026-12-03", Date.parse(dueAt)],
      ["Completed", "2026-11-24", Date.parse("2026-11-24T14:00:00.000Z")],
    ]);
  });
});

describe("reassigning tasks on Salesforce", () => {
  it("moves the due day to the new owner's calendar with the owner", { timeout: 60_000 }, async () => {
    const org = TEST_BINDINGS.SALESFORCE_ORG_ID;
    const lead = (await salesforceEmulator.uiCreate("Lead", { LastName: `Reassign ${run}`, Company: "Example" })).id as string;
    const leadKey = `salesforce:${org}:lead:${lead}`;
    const target = { crm: "salesforce", accountId: org, objectType: "lead", objectId: lead } as const;
    // 02:00 UTC on the 24th: the 24th for the first owner (London), still the 23rd for the next one (New York).
    const [created] = await execute([
      request(leadKey, {
        type: "createTask",
        ...target,
        ownerId: "0055g00000RepTwAAA",
        subject: "Call",
        body: "",
        dueAt: "2026-11-24T02:00:00.000Z",
        dueDate: "2026-11-24",
        priority: "HIGH",
        channel: "CALL",
      }),
    ]);
    const key = created!.id;
    const [moved] = await execute([
      request(leadKey, {
        type: "updateTasks",
        ...target,
        taskKeys: [key],
        action: { kind: "reassign", ownerId: "0055g00000RepOnAAA", dueDates: { [key]: "2026-11-23" } },
      }),
    ]);
    expect(moved).toMatchObject({ status: "done", external_id: `reassigned ${created!.external_id}` });
    const task = ((await salesforceEmulator.records("Task")) as any[]).find((t) => t.Idempotency_Key__c === key);
    expect([task.OwnerId, task.ActivityDate, Date.parse(task.ReminderDateTime)]).toEqual([
      "0055g00000RepOnAAA",
      "2026-11-23",
      Date.parse("2026-11-24T02:00:00.000Z"),
    ]);
  });
});

describe("respondInSlack", () => {
  /** A message the bot posted (through the outbox), as a rep would click a button on it. */
  async function postedMessage(text: string, threadTs?: string) {
    const [row] = await execute([
      request("slack-test", { type: "postSlackMessage", channel: "C05LEADS001", text, ...(threadTs ? { threadTs } : {}) }),
    ]);
    expect(row!.status).toBe("done");
    const [channel, ts] = row!.external_id!.split("/");
    return { channel: channel!, ts: ts! };
  }
  const respond = (responseUrl: string, text: string, extra: Partial<EffectOf<"respondInSlack">> = {}): EffectOf<"respondInSlack"> => ({
    type: "respondInSlack",
    responseUrl,
    text,
    replaceOriginal: true,
    ...extra,
  });
  const messageAt = async (channel: string, ts: string) =>
    ((await slackEmulator.messages()) as any[]).find((m) => m.channel === channel && m.ts === ts);

  beforeEach(async () => {
    await slackEmulator.faults({});
  });

  it("replaces the clicked message through its response_url", { timeout: 60_000 }, async () => {
    const original = await postedMessage(`Lead ${run} needs a call`);
    const responseUrl = await slackEmulator.responseUrl(original.channel, original.ts);
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "*Done*: task completed" } }];
    const [row] = await execute([request("slack-test", respond(responseUrl, "Done: task completed", { blocks }))]);
    expect(row).toMatchObject({ status: "done", attempts: 1 });

    expect(await messageAt(original.channel, original.ts)).toMatchObject({ text: "Done: task completed", blocks, edited: expect.any(String) });
    const responses = ((await slackEmulator.responses()) as any[]).filter((r) => r.messageTs === original.ts);
    expect(responses).toEqual([expect.objectContaining({ replace_original: true, text: "Done: task completed" })]);
    const path = new URL(responseUrl).pathname;
    const sent = ((await slackEmulator.calls()) as any[]).filter((c) => c.path === path);
    expect(sent).toHaveLength(1);
  });

  it("posts a thread reply under a message when threadTs is given", { timeout: 30_000 }, async () => {
    const parent = await postedMessage(`Thread ${run}`);
    const reply = await postedMessage(`Reply ${run}`, parent.ts);
    expect(await messageAt(reply.channel, reply.ts)).toMatchObject({ thread_ts: parent.ts });
  });

  it("retries a 5xx answer, and the reply is made once", { timeout: 60_000 }, async () => {
    const original = await postedMessage(`Retry ${run}`);
    const responseUrl = await slackEmulator.responseUrl(original.channel, original.ts);
    // Seed 8: the first call answers 5xx and the next goes through, however soon the retry comes.
    await slackEmulator.faults({ rate5xx: 0.5, seed: 8 });
    const ids = await enqueueEffects(env, [request("slack-test", respond(responseUrl, "Snoozed"))], new Date());
    const [row] = await settled(ids);
    await slackEmulator.faults({});
    expect(row).toMatchObject({ status: "done", attempts: 2 });
    const path = new URL(responseUrl).pathname;
    expect(((await slackEmulator.calls()) as any[]).filter((c) => c.path === path).map((c) => c.status >= 500)).toEqual([true, false]);
    expect(((await slackEmulator.responses()) as any[]).filter((r) => r.messageTs === original.ts)).toHaveLength(1);
  });

  it("gives up at once on an expired or used-up URL, and never calls a URL outside Slack", { timeout: 60_000 }, async () => {
    const callsBefore = ((await slackEmulator.calls()) as any[]).length;
    const rows = await execute([
      request("slack-test", respond(`${env.SLACK_API_BASE}/response_url/no-such-url`, "Too late")),
      request("slack-test", respond("https://attacker.example.com/response_url/1", "Phish")),
      request("slack-test", respond("https://hooks.slack.com.attacker.example.com/actions/T1/2/x", "Phish")),
    ]);
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["dead", 1],
      ["dead", 1],
      ["dead", 1],
    ]);
    expect(rows[0]!.last_error).toBe("Slack response_url 404: expired_url");
    expect(rows[1]!.last_error).toBe("Slack response_url: not a Slack response URL");
    expect(rows[1]!.last_error).not.toContain("attacker");
    const calls = ((await slackEmulator.calls()) as any[]).slice(callsBefore);
    expect(calls.map((c) => c.path)).toEqual(["/response_url/no-such-url"]);
  });
});
