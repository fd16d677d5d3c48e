import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { EffectRequest } from "../../src/core/model/effects";
import { enqueueEffects } from "../../src/outbox/effect-queue";
import { SlackNotifier } from "../../src/slack/slack-notifier";
import { hubspotEmulator, slackEmulator } from "../support/emulators";
import { eventually } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

// Slack's chat.postMessage refuses an app posting faster than about one message per second per
// channel with HTTP 200 {"ok":false,"error":"rate_limited"}; the emulator's post_limits say so.
const LEADS = "C05LEADS001";
const GENERAL = "C05GENERAL1";

const notifier = () => new SlackNotifier({ botToken: TEST_BINDINGS.SLACK_BOT_TOKEN, apiBase: env.SLACK_API_BASE });
const message = (channel: string, text: string) => ({ type: "postSlackMessage" as const, channel, text });
const postsOf = async (text: string) =>
  ((await slackEmulator.calls()) as any[]).filter((c) => c.path === "/api/chat.postMessage" && c.requestBody?.text === text);
const postedTexts = async () => ((await slackEmulator.messages()) as any[]).map((m) => m.text);

afterEach(async () => {
  await slackEmulator.faults({});
  await slackEmulator.postLimits({});
});

describe("the Slack notifier and chat.postMessage's rate_limited", () => {
  it("takes a 200 rate_limited for a rate limit, waiting what its Retry-After says", async () => {
    // One message per channel at once, then one every 4 s: the second post waits 4 s.
    await slackEmulator.postLimits({ answer: "rate_limited", perChannelBurst: 1, perChannelPerSecond: 0.25 });
    const slack = notifier();
    expect(await slack.post(message(LEADS, "first"))).toMatchObject({ ok: true });
    expect(await slack.post(message(LEADS, "second"))).toEqual({
      ok: false,
      failure: { kind: "rateLimited", message: "Slack chat.postMessage: rate_limited", retryAfterMs: 4_000, status: 200, code: "rate_limited" },
    });
    expect((await postsOf("second")).map((c) => [c.status, c.responseBody])).toEqual([[200, { ok: false, error: "rate_limited" }]]);
    expect(await postedTexts()).not.toContain("second");
  });

  it("waits about a second when the answer names no Retry-After", async () => {
    await slackEmulator.postLimits({ answer: "rate_limited" });
    await slackEmulator.faults({ rate429: 1 });
    expect(await notifier().post(message(LEADS, "no header"))).toEqual({
      ok: false,
      failure: { kind: "rateLimited", message: "Slack chat.postMessage: rate_limited", retryAfterMs: 1_000, status: 200, code: "rate_limited" },
    });
  });

  it("still takes the HTTP 429 form for a rate limit, and other refusals as before", async () => {
    await slackEmulator.postLimits({ answer: "429", perChannelBurst: 1, perChannelPerSecond: 0.5 });
    const slack = notifier();
    await slack.post(message(GENERAL, "fills the channel"));
    expect(await slack.post(message(GENERAL, "over"))).toEqual({
      ok: false,
      failure: { kind: "rateLimited", message: "Slack chat.postMessage: 429 ratelimited", retryAfterMs: 2_000, status: 429 },
    });
    expect(await slack.post(message("C0NOWHERE1", "lost"))).toMatchObject({ ok: false, failure: { kind: "permanent", code: "channel_not_found" } });
  });
});

describe("a Slack effect answered rate_limited, through the outbox", () => {
  const effects = (...requests: [string, string][]): EffectRequest[] =>
    requests.map(([channel, text]) => ({
      idempotencyKey: `slack-limit:${text}`,
      leadKey: "slack-rate-limits",
      rule: "test",
      effect: message(channel, text),
    }));
  const settled = (ids: string[]) =>
    eventually(async () => {
      const rows = (
        await env.DB.prepare(`SELECT id, status, attempts, last_error FROM effects WHERE id IN (${ids.map(() => "?").join(",")}) ORDER BY created_at`)
          .bind(...ids)
          .all()
      ).results as { id: string; status: string; attempts: number; last_error: string | null }[];
      if (rows.some((r) => r.status === "pending" || r.status === "retrying")) throw new Error("not settled");
      return rows;
    }, 50_000);

  it("is retried after the limit and done, and holds Slack's other posts back meanwhile", { timeout: 60_000 }, async () => {
    const run = Date.now();
    const limitedText = `limited ${run}`;
    const otherText = `other channel ${run}`;
    // The leads channel takes one message, then one every 5 s; the first post fills it.
    await slackEmulator.postLimits({ answer: "rate_limited", perChannelBurst: 1, perChannelPerSecond: 0.2 });
    expect(await notifier().post(message(LEADS, `fills ${run}`))).toMatchObject({ ok: true });

    const [limitedId] = await enqueueEffects(env, effects([LEADS, limitedText]), new Date());
    await eventually(async () => expect((await postsOf(limitedText)).map((c) => c.responseBody.error)).toEqual(["rate_limited"]), 20_000);
    // Recorded as retrying: by then the outbox has paused Slack's limiter (it does so first).
    await eventually(async () => {
      const row = await env.DB.prepare("SELECT status FROM effects WHERE id = ?").bind(limitedId).first<{ status: string }>();
      expect(row?.status).toBe("retrying");
    }, 20_000);
    // A post to another channel, which its own bucket would let through at once, waits out the pause too.
    const [otherId] = await enqueueEffects(env, effects([GENERAL, otherText]), new Date());

    const rows = await settled([limitedId!, otherId!]);
    // The refusal for Slack's limit spent no attempt: one attempt each, the one that went through.
    expect(rows.map((r) => [r.status, r.attempts])).toEqual([
      ["done", 1],
      ["done", 1],
    ]);
    const [fill] = await postsOf(`fills ${run}`);
    const [limited, retried] = await postsOf(limitedText);
    const [other] = await postsOf(otherText);
    expect([limited.status, limited.responseBody, retried.responseBody.ok]).toEqual([200, { ok: false, error: "rate_limited" }, true]);
    // The channel's next token comes 5 s after the fill; Retry-After said when, rounded up to a
    // second. Both posts waited for it (timestamps are the emulator's, on one clock); without the
    // pause the other channel's post would have gone about a second after the refusal.
    expect(retried.at - fill.at).toBeGreaterThanOrEqual(4_950);
    expect(other.at - fill.at).toBeGreaterThanOrEqual(4_950);
    expect((await postedTexts()).filter((t) => t === limitedText || t === otherText).sort()).toEqual([limitedText, otherText].sort());
  });

  it("holds up no HubSpot write while it waits out its channel's limit", { timeout: 60_000 }, async () => {
    const run = Date.now();
    const limitedText = `waits ${run}`;
    await slackEmulator.postLimits({ answer: "rate_limited", perChannelBurst: 1, perChannelPerSecond: 0.2 });
    expect(await notifier().post(message(LEADS, `fills ${run}`))).toMatchObject({ ok: true });
    const [limitedId] = await enqueueEffects(env, effects([LEADS, limitedText]), new Date());
    await eventually(async () => {
      const row = await env.DB.prepare("SELECT status FROM effects WHERE id = ?").bind(limitedId).first<{ status: string }>();
      expect(row?.status).toBe("retrying");
    }, 20_000);

    // The consumer that took the Slack post waits for it to come due again; a HubSpot write
    // queued meanwhile goes at once, not after that wait.
    const contact = (await hubspotEmulator.uiCreate("contacts", { email: `slack-wait-${run}@example.com` })) as { id: string };
    const [writeId] = await enqueueEffects(
      env,
      [
        {
          idempotencyKey: `slack-wait:${run}`,
          leadKey: `hubspot:62515:contact:${contact.id}`,
          rule: "test",
          effect: {
            type: "updateProperties",
            crm: "hubspot",
            accountId: "62515",
            objectType: "contact",
            objectId: contact.id,
            properties: { lastname: "Unblocked" },
          },
        },
      ],
      new Date(),
    );
    const rows = await settled([limitedId!, writeId!]);
    expect(rows.map((r) => r.status)).toEqual(["done", "done"]);
    const [, retried] = await postsOf(limitedText);
    const update = ((await hubspotEmulator.calls()) as any[]).find(
      (c) => c.path === `/crm/objects/2026-09/contacts/batch/update` && JSON.stringify(c.requestBody).includes("Unblocked"),
    );
    expect(update, "the HubSpot write").toBeDefined();
    expect(update.at).toBeLessThan(retried.at);
  });
});
