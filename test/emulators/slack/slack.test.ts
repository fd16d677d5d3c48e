import { afterEach, describe, expect, it } from "vitest";
import { createSlackEmulator, DEFAULT_BOT_TOKEN, type SlackEmulator, type SlackEmulatorOptions } from "./index.ts";

const open: SlackEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function start(options: SlackEmulatorOptions = {}) {
  const emulator = createSlackEmulator(options);
  open.push(emulator);
  const url = await emulator.server.listen(0);
  const call = async (method: string, args: Record<string, unknown>, token: string | undefined = DEFAULT_BOT_TOKEN) => {
    const response = await fetch(`${url}/api/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(args),
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* plain-text body */
    }
    return { status: response.status, headers: response.headers, body };
  };
  const get = async (path: string) => (await fetch(url + path)).json() as Promise<any>;
  return { emulator, url, call, get };
}

const BLOCKS = [
  { type: "section", text: { type: "mrkdwn", text: "*New lead:* Jane Doe (Example Corp)" } },
  { type: "actions", elements: [{ type: "button", action_id: "claim", text: { type: "plain_text", text: "Claim" }, value: "lead-42" }] },
];

describe("Slack emulator", () => {
  it("posts a DM with blocks to a user id, answering with the DM channel and a ts", async () => {
    const { call, get, emulator } = await start({ now: () => 1_763_805_600_123 });
    const posted = await call("chat.postMessage", { channel: "U05REPONE01", text: "New lead: Jane Doe", blocks: BLOCKS });
    expect(posted.status).toBe(200);
    expect(posted.body).toEqual({
      ok: true,
      channel: "D05REPONE01",
      ts: "1763805600.123000",
      message: expect.objectContaining({
        type: "message",
        text: "New lead: Jane Doe",
        blocks: BLOCKS,
        bot_id: emulator.identity.botId,
        ts: "1763805600.123000",
      }),
    });
    // Same millisecond: the next ts is still unique.
    const second = await call("chat.postMessage", { channel: "D05REPONE01", text: "Reminder", thread_ts: posted.body.ts });
    expect(second.body.ts).toBe("1763805600.123001");
    expect(await get("/_emulator/messages")).toEqual([
      expect.objectContaining({ channel: "D05REPONE01", text: "New lead: Jane Doe", blocks: BLOCKS, ts: "1763805600.123000" }),
      expect.objectContaining({ channel: "D05REPONE01", text: "Reminder", thread_ts: "1763805600.123000" }),
    ]);
  });

  it("accepts form-encoded calls with the token as an argument", async () => {
    const { url, get } = await start();
    const response = await fetch(`${url}/api/chat.postMessage`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: DEFAULT_BOT_TOKEN, channel: "#lead-alerts", text: "hi", blocks: JSON.stringify(BLOCKS) }),
    });
    expect(await response.json()).toMatchObject({ ok: true, channel: "C05LEADS001" });
    expect((await get("/_emulator/messages"))[0].blocks).toEqual(BLOCKS);
  });

  it("reports errors as HTTP 200 with ok:false", async () => {
    const { call } = await start({
      channels: [
        { id: "C05LEADS001", name: "lead-alerts" },
        { id: "C05PRIVATE1", name: "private", isMember: false },
      ],
    });
    const error = async (method: string, args: Record<string, unknown>, token?: string) => {
      const result = await call(method, args, token);
      expect(result.status).toBe(200);
      return result.body.error;
    };
    expect(await error("chat.postMessage", { channel: "C05LEADS001", text: "x" }, "")).toBe("not_authed");
    expect(await error("chat.postMessage", { channel: "C05LEADS001", text: "x" }, "xoxb-revoked")).toBe("invalid_auth");
    expect(await error("chat.postMessage", { channel: "C0NOWHERE", text: "x" })).toBe("channel_not_found");
    expect(await error("chat.postMessage", { channel: "C05PRIVATE1", text: "x" })).toBe("not_in_channel");
    expect(await error("chat.postMessage", { channel: "C05LEADS001" })).toBe("no_text");
    expect(await error("chat.postMessage", { channel: "C05LEADS001", text: "x", blocks: { type: "section" } })).toBe("invalid_blocks");
    expect(await error("chat.postMessage", { channel: "C05LEADS001", text: "x", blocks: [{ text: "no type" }] })).toBe("invalid_blocks");
    expect(await error("chat.update", { channel: "C05LEADS001", ts: "1.000001", text: "x" })).toBe("message_not_found");
  });

  it("rate-limits chat.postMessage per channel with 429 and Retry-After", async () => {
    let clock = 1_763_805_600_000;
    const { call, emulator } = await start({ now: () => clock });
    const post = (channel: string) => call("chat.postMessage", { channel, text: "ping" });
    for (let i = 0; i < 3; i++) expect((await post("C05LEADS001")).body.ok).toBe(true);
    const limited = await post("C05LEADS001");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.body).toEqual({ ok: false, error: "ratelimited" });
    // Other channels have their own allowance.
    expect((await post("C05GENERAL1")).body.ok).toBe(true);
    // One message per second refills; a quiet channel gets its burst back.
    clock += 1_000;
    expect((await post("C05LEADS001")).body.ok).toBe(true);
    expect((await post("C05LEADS001")).status).toBe(429);
    clock += 10_000;
    for (let i = 0; i < 3; i++) expect((await post("C05LEADS001")).body.ok).toBe(true);
    expect((await post("C05LEADS001")).status).toBe(429);
    expect(emulator.store.messages.filter((m) => m.channel === "C05LEADS001")).toHaveLength(7);
  });

  it("can answer a post over the per-channel limit as chat.postMessage's 200 rate_limited", async () => {
    let clock = 1_763_805_600_000;
    const { call, url, emulator } = await start({ now: () => clock });
    const put = async (plan: unknown) => {
      const response = await fetch(`${url}/_emulator/post_limits`, { method: "PUT", body: JSON.stringify(plan) });
      return { status: response.status, body: await response.json() };
    };
    expect(await put({ answer: "rate_limited", perChannelBurst: 1 })).toEqual({
      status: 200,
      body: { answer: "rate_limited", perChannel: true, perChannelPerSecond: 1, perChannelBurst: 1 },
    });
    const post = () => call("chat.postMessage", { channel: "C05LEADS001", text: "ping" });
    expect((await post()).body.ok).toBe(true);
    const limited = await post();
    expect([limited.status, limited.headers.get("retry-after"), limited.body]).toEqual([200, "1", { ok: false, error: "rate_limited" }]);
    clock += 1_000;
    expect((await post()).body.ok).toBe(true);
    expect(emulator.store.messages).toHaveLength(2);

    // Off: any pace goes; a malformed plan changes nothing; reset restores the options' plan.
    await put({ perChannel: false });
    for (let i = 0; i < 5; i++) expect((await post()).body.ok).toBe(true);
    expect(await put({ answer: "slow_down" })).toEqual({ status: 400, body: { ok: false, error: "invalid_arguments" } });
    expect(await put({ perChannelPerSecond: 0 })).toMatchObject({ status: 400 });
    expect(((await (await fetch(`${url}/_emulator/post_limits`)).json()) as { perChannel: boolean }).perChannel).toBe(false);
    await fetch(`${url}/_emulator/reset`, { method: "POST" });
    expect(await (await fetch(`${url}/_emulator/post_limits`)).json()).toEqual({
      answer: "429",
      perChannel: true,
      perChannelPerSecond: 1,
      perChannelBurst: 3,
    });
  });

  it("answers an injected rate-limit fault on chat.postMessage as rate_limited when so configured, other methods with 429", async () => {
    const { call, url, emulator } = await start({ rateLimitAnswer: "rate_limited" });
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rate429: 1 }) });
    const limited = await call("chat.postMessage", { channel: "C05LEADS001", text: "x" });
    // No bucket decided it, so no Retry-After: Slack documents none for this form.
    expect([limited.status, limited.headers.get("retry-after"), limited.body]).toEqual([200, null, { ok: false, error: "rate_limited" }]);
    const other = await call("auth.test", {});
    expect([other.status, other.body]).toEqual([429, { ok: false, error: "ratelimited" }]);
    expect(emulator.store.messages).toHaveLength(0);
  });

  it("updates a posted message with chat.update", async () => {
    const { call, get } = await start();
    const posted = await call("chat.postMessage", { channel: "C05LEADS001", text: "New lead", blocks: BLOCKS });
    const updated = await call("chat.update", { channel: "C05LEADS001", ts: posted.body.ts, text: "Claimed by Rep One", blocks: [BLOCKS[0]] });
    expect(updated.body).toMatchObject({ ok: true, channel: "C05LEADS001", ts: posted.body.ts, text: "Claimed by Rep One" });
    const [message] = await get("/_emulator/messages");
    expect(message).toMatchObject({ text: "Claimed by Rep One", blocks: [BLOCKS[0]], edited: expect.any(String) });
  });

  it("records response_url replies and applies replace_original, up to five uses", async () => {
    const { call, get, url } = await start();
    const posted = await call("chat.postMessage", { channel: "U05REPTWO02", text: "New lead", blocks: BLOCKS });
    const minted = (await (
      await fetch(`${url}/_emulator/response_urls`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ channel: posted.body.channel, message_ts: posted.body.ts }),
      })
    ).json()) as { response_url: string };
    const reply = (body: unknown) =>
      fetch(minted.response_url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

    expect((await reply({ replace_original: true, text: "Claimed by you" })).status).toBe(200);
    expect((await get("/_emulator/messages"))[0]).toMatchObject({ text: "Claimed by you" });
    expect((await reply({})).status).toBe(400);
    for (let i = 0; i < 4; i++) expect((await reply({ text: `ephemeral ${i}` })).status).toBe(200);
    const expired = await reply({ text: "sixth" });
    expect(expired.status).toBe(404);
    expect(await expired.json()).toEqual({ ok: false, error: "expired_url" });
    const responses = await get("/_emulator/responses");
    expect(responses.map((r: { text: string; replace_original: boolean }) => [r.text, r.replace_original])).toEqual([
      ["Claimed by you", true],
      ["ephemeral 0", false],
      ["ephemeral 1", false],
      ["ephemeral 2", false],
      ["ephemeral 3", false],
    ]);
  });

  it("answers auth.test and user lookups", async () => {
    const { call, emulator } = await start({ now: () => Date.parse("2025-07-01T12:00:00Z") });
    expect((await call("auth.test", {})).body).toMatchObject({
      ok: true,
      team_id: emulator.identity.teamId,
      user_id: emulator.identity.botUserId,
      bot_id: emulator.identity.botId,
    });
    expect((await call("users.info", { user: "U05REPONE01" })).body.user).toMatchObject({ tz: "America/New_York", tz_offset: -4 * 3600 });
    expect((await call("users.lookupByEmail", { email: "REP.TWO@example.com" })).body.user.id).toBe("U05REPTWO02");
    expect((await call("conversations.open", { users: "U05REPTWO02" })).body).toEqual({ ok: true, channel: { id: "D05REPTWO02" } });
  });

  it("lists the workspace's members in pages (limit, cursor), deleted accounts and bots included", async () => {
    const { call, url } = await start();
    const added = await fetch(`${url}/_emulator/users`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([
        { id: "U05GONE0001", name: "gone", email: "gone@example.com", deleted: true },
        { id: "U05NEW00001", name: "new.rep", realName: "New Rep", email: "new.rep@example.com", tz: "Asia/Kolkata" },
      ]),
    });
    expect(added.status).toBe(201);
    const first = await call("users.list", { limit: 3 });
    expect(first.body.members.map((m: any) => m.id)).toEqual(["U05REPONE01", "U05REPTWO02", "U05GONE0001"]);
    expect(first.body.members[2]).toMatchObject({ deleted: true, profile: { email: "gone@example.com" } });
    const cursor = first.body.response_metadata.next_cursor;
    expect(cursor).not.toBe("");
    const rest = await call("users.list", { limit: 3, cursor });
    expect(rest.body.members).toEqual([
      expect.objectContaining({
        id: "U05NEW00001",
        tz: "Asia/Kolkata",
        real_name: "New Rep",
        is_bot: false,
        profile: expect.objectContaining({ email: "new.rep@example.com" }),
      }),
      expect.objectContaining({ id: "U05LEADBOT1", is_bot: true }),
    ]);
    expect(rest.body.response_metadata.next_cursor).toBe("");
    expect((await call("users.list", {})).body.members).toHaveLength(5);
    expect((await call("users.list", { cursor: "bm9ib2R5" })).body).toEqual({ ok: false, error: "invalid_cursor" });
    await fetch(`${url}/_emulator/reset`, { method: "POST" });
    expect((await call("users.list", {})).body.members).toHaveLength(3);
  });

  it("injects faults: 429 with Retry-After, 5xx as JSON or plain text", async () => {
    const { call, url, emulator } = await start();
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rate429: 1 }) });
    const limited = await call("chat.postMessage", { channel: "C05LEADS001", text: "x" });
    expect([limited.status, limited.headers.get("retry-after"), limited.body]).toEqual([429, "1", { ok: false, error: "ratelimited" }]);
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rate5xx: 1 }) });
    expect((await call("chat.postMessage", { channel: "C05LEADS001", text: "x" })).body).toEqual({ ok: false, error: "internal_error" });
    const plain = await call("chat.postMessage", { channel: "C05LEADS001", text: "x" });
    expect([plain.status, plain.body]).toEqual([503, "Service Unavailable"]);
    expect(emulator.store.messages).toHaveLength(0);
  });
});
