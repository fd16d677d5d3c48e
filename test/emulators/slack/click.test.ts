import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { parseSlackInteraction } from "../../../src/slack/interaction.ts";
import { verifySlackSignature } from "../../../src/platform/signatures/slack-signature.ts";
import { createSlackEmulator, DEFAULT_BOT_TOKEN, DEFAULT_SIGNING_SECRET, type SlackEmulator, type SlackEmulatorOptions } from "./index.ts";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A stand-in for the app's interactivity endpoint: records requests, answers as told. */
async function startTarget(answer: (received: Received) => { status: number; body?: string; delayMs?: number } = () => ({ status: 200 })) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = { headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      received.push(request);
      const { status, body, delayMs = 0 } = answer(request);
      setTimeout(() => {
        res.writeHead(status, body?.startsWith("{") ? { "content-type": "application/json" } : { "content-type": "text/plain" });
        res.end(body ?? "");
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/interactions`, received };
}

async function startSlack(options: SlackEmulatorOptions = {}) {
  const emulator: SlackEmulator = createSlackEmulator(options);
  const url = await emulator.server.listen(0);
  closers.push(() => emulator.close());
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(url + path, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const postMessage = async (args: Record<string, unknown>) =>
    (await post("/api/chat.postMessage", args, { authorization: `Bearer ${DEFAULT_BOT_TOKEN}` })).body;
  const click = (body: Record<string, unknown>) => post("/_emulator/click", body);
  return { emulator, url, post, postMessage, click };
}

const LEAD_ALERT = [
  { type: "section", text: { type: "mrkdwn", text: "*New lead:* Jane Doe (Example Corp)" } },
  {
    type: "actions",
    block_id: "lead-42-actions",
    elements: [
      { type: "button", action_id: "claim", text: { type: "plain_text", text: "Claim" }, value: "lead-42", style: "primary" },
      { type: "button", action_id: "snooze", text: { type: "plain_text", text: "Snooze 1 h" }, value: "lead-42:1h" },
    ],
  },
];

describe("Slack emulator clicks", () => {
  it("sends a signed block_actions request that the app's verifier and parser accept", async () => {
    const target = await startTarget(() => ({ status: 200, body: '{"ok":true}' }));
    const { postMessage, click, url } = await startSlack({ interactivityUrl: target.url });
    const posted = await postMessage({ channel: "U05REPONE01", text: "New lead: Jane Doe", blocks: LEAD_ALERT });

    const clicked = await click({ actionId: "claim" });
    expect(clicked.status).toBe(200);
    expect(clicked.body).toMatchObject({ status: 200, body: { ok: true } });

    const [request] = target.received;
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const verified = await verifySlackSignature({
      signingSecret: DEFAULT_SIGNING_SECRET,
      timestamp: request!.headers["x-slack-request-timestamp"] as string,
      signature: request!.headers["x-slack-signature"] as string,
      rawBody: request!.body,
      nowMs: Date.now(),
    });
    expect(verified).toEqual({ ok: true, scheme: "slack-v0" });

    const parsed = parseSlackInteraction(request!.body);
    expect(parsed).toEqual({
      ok: true,
      interaction: {
        type: "block_actions",
        userId: "U05REPONE01",
        userName: "rep.one",
        teamId: "T05EMULATE",
        channelId: "D05REPONE01",
        messageTs: posted.ts,
        responseUrl: expect.stringMatching(`^${url}/response_url/`),
        triggerId: expect.stringMatching(/^\d+\.\d+\.[0-9a-f]{32}$/),
        actions: [{ actionId: "claim", blockId: "lead-42-actions", value: "lead-42", actionTs: expect.stringMatching(/^\d{10}\.\d{6}$/) }],
      },
    });

    const payload = JSON.parse(new URLSearchParams(request!.body).get("payload")!);
    expect(payload).toMatchObject({
      type: "block_actions",
      user: { id: "U05REPONE01", username: "rep.one", name: "rep.one", team_id: "T05EMULATE" },
      api_app_id: "A05LEADAPP1",
      container: { type: "message", message_ts: posted.ts, channel_id: "D05REPONE01" },
      team: { id: "T05EMULATE", domain: "emulated-workspace" },
      channel: { id: "D05REPONE01", name: "directmessage" },
      message: {
        ts: posted.ts,
        text: "New lead: Jane Doe",
        bot_id: "B05LEADBOT1",
        blocks: [{ type: "section", block_id: "emulated-block-0" }, LEAD_ALERT[1]],
      },
      actions: [
        {
          action_id: "claim",
          block_id: "lead-42-actions",
          text: { type: "plain_text", text: "Claim" },
          value: "lead-42",
          style: "primary",
          type: "button",
        },
      ],
    });
    expect(clicked.body.payload).toEqual(payload);
  });

  it("mints a working response_url for the clicked message", async () => {
    const target = await startTarget();
    const { postMessage, click, url } = await startSlack({ interactivityUrl: target.url });
    const posted = await postMessage({ channel: "C05LEADS001", text: "New lead", blocks: LEAD_ALERT });
    const { body } = await click({ actionId: "snooze" });
    expect(body).toMatchObject({ status: 200, body: "" });

    const reply = await fetch(body.payload.response_url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ replace_original: true, text: "Snoozed for 1 h by Rep One" }),
    });
    expect(reply.status).toBe(200);
    const messages = (await (await fetch(`${url}/_emulator/messages?channel=C05LEADS001`)).json()) as { ts: string; text: string }[];
    expect(messages).toEqual([expect.objectContaining({ ts: posted.ts, text: "Snoozed for 1 h by Rep One" })]);
  });

  it("clicks a section accessory in a given message, as a given user, at a URL given per click", async () => {
    const target = await startTarget(() => ({ status: 200, body: "thanks" }));
    const { postMessage, click } = await startSlack();
    const blocks = [
      {
        type: "section",
        block_id: "s1",
        text: { type: "mrkdwn", text: "Lead" },
        accessory: { type: "button", action_id: "claim", text: { type: "plain_text", text: "Claim" }, value: "first" },
      },
    ];
    const first = await postMessage({ channel: "#lead-alerts", text: "first", blocks });
    await postMessage({ channel: "#lead-alerts", text: "second", blocks: LEAD_ALERT });

    const clicked = await click({ channel: "#lead-alerts", ts: first.ts, actionId: "claim", userId: "U05REPTWO02", url: target.url });
    expect(clicked.body).toMatchObject({ status: 200, body: "thanks" });
    const payload = clicked.body.payload;
    expect(payload).toMatchObject({
      user: { id: "U05REPTWO02" },
      channel: { id: "C05LEADS001", name: "lead-alerts" },
      container: { message_ts: first.ts },
    });
    expect(payload.actions).toEqual([expect.objectContaining({ action_id: "claim", block_id: "s1", value: "first" })]);

    // Without a ts, the latest message holding the action is the one clicked.
    const latest = await click({ actionId: "claim", url: target.url });
    expect(latest.body.payload.message.text).toBe("second");
  });

  it("takes the interactivity URL and signing secret at runtime, until reset", async () => {
    const target = await startTarget();
    const { postMessage, click, post, url } = await startSlack();
    await postMessage({ channel: "C05LEADS001", text: "New lead", blocks: LEAD_ALERT });
    expect((await click({ actionId: "claim" })).body).toMatchObject({ ok: false, error: "no_interactivity_url" });

    const configured = await post("/_emulator/config", { interactivityUrl: target.url, signingSecret: "rotated-secret" });
    expect(configured.body).toEqual({ interactivityUrl: target.url, signingSecret: "rotated-secret", timeoutMs: 3000 });
    expect((await click({ actionId: "claim" })).body.status).toBe(200);
    const [request] = target.received;
    const check = (signingSecret: string) =>
      verifySlackSignature({
        signingSecret,
        timestamp: request!.headers["x-slack-request-timestamp"] as string,
        signature: request!.headers["x-slack-signature"] as string,
        rawBody: request!.body,
        nowMs: Date.now(),
      });
    expect(await check("rotated-secret")).toMatchObject({ ok: true });
    expect(await check(DEFAULT_SIGNING_SECRET)).toMatchObject({ ok: false });

    await fetch(`${url}/_emulator/reset`, { method: "POST" });
    expect(await (await fetch(`${url}/_emulator/config`)).json()).toEqual({
      interactivityUrl: null,
      signingSecret: DEFAULT_SIGNING_SECRET,
      timeoutMs: 3000,
    });
  });

  it("signs with the emulator's clock, so a fake clock yields a stale signature", async () => {
    const target = await startTarget();
    const { postMessage, click } = await startSlack({ interactivityUrl: target.url, now: () => Date.parse("2020-01-01T00:00:00Z") });
    await postMessage({ channel: "C05LEADS001", text: "New lead", blocks: LEAD_ALERT });
    await click({ actionId: "claim" });
    const [request] = target.received;
    expect(request!.headers["x-slack-request-timestamp"]).toBe("1577836800");
    expect(
      await verifySlackSignature({
        signingSecret: DEFAULT_SIGNING_SECRET,
        timestamp: "1577836800",
        signature: request!.headers["x-slack-signature"] as string,
        rawBody: request!.body,
        nowMs: Date.now(),
      }),
    ).toMatchObject({ ok: false, reason: expect.stringContaining("away from now") });
  });

  it("passes the app's error answers through and reports what it could not do", async () => {
    const failing = await startTarget(() => ({ status: 401, body: '{"error":"invalid signature"}' }));
    const slow = await startTarget(() => ({ status: 200, delayMs: 500 }));
    const { postMessage, click } = await startSlack({ interactivityUrl: failing.url, interactionTimeoutMs: 100 });
    await postMessage({
      channel: "C05LEADS001",
      text: "New lead",
      blocks: [...LEAD_ALERT, { type: "actions", elements: [{ type: "static_select", action_id: "pick", options: [] }] }],
    });

    expect((await click({ actionId: "claim" })).body).toMatchObject({ status: 401, body: { error: "invalid signature" } });
    expect(await click({ actionId: "claim", url: slow.url })).toEqual({
      status: 504,
      body: { ok: false, error: "operation_timeout", message: "no answer within 100 ms" },
    });
    expect(await click({})).toMatchObject({ status: 400, body: { error: "invalid_arguments" } });
    expect(await click({ actionId: "nope" })).toMatchObject({ status: 404, body: { error: "message_not_found" } });
    expect(await click({ actionId: "pick" })).toMatchObject({ status: 400, body: { error: "not_a_button" } });
    expect(await click({ actionId: "claim", userId: "U0NOBODY" })).toMatchObject({ status: 404, body: { error: "user_not_found" } });
    expect(await click({ channel: "C05LEADS001", ts: "1.000001", actionId: "claim" })).toMatchObject({
      status: 404,
      body: { error: "message_not_found" },
    });
    expect(await click({ actionId: "claim", url: "http://127.0.0.1:9/closed" })).toMatchObject({
      status: 502,
      body: { error: "interactivity_url_unreachable" },
    });
  });
});
