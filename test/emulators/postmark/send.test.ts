import { afterEach, describe, expect, it } from "vitest";
import { manualClock } from "../mail/test-support.ts";
import { createPostmarkEmulator, DEFAULT_SERVER_TOKEN, type PostmarkEmulator, type PostmarkEmulatorOptions } from "./index.ts";

const open: PostmarkEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const JSON_HEADERS = { accept: "application/json", "content-type": "application/json" };

async function start(options: PostmarkEmulatorOptions = {}) {
  const emulator = createPostmarkEmulator(options);
  open.push(emulator);
  const url = await emulator.server.listen(0);
  const post = async (
    path: string,
    body: unknown,
    headers: Record<string, string> = { ...JSON_HEADERS, "x-postmark-server-token": DEFAULT_SERVER_TOKEN },
  ) => {
    const response = await fetch(url + path, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
    const text = await response.text();
    let json: any = text;
    try {
      json = JSON.parse(text);
    } catch {
      /* plain text */
    }
    return { status: response.status, headers: response.headers, body: json };
  };
  const get = async (path: string) => (await fetch(url + path)).json() as Promise<any>;
  return { emulator, url, post, get };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const MESSAGE = {
  From: "Rep One <rep.one@send.example.com>",
  To: '"Doe, Jane" <jane@example.com>',
  Subject: "Your demo request",
  TextBody: "Hi Jane,\n\nThanks for asking for a demo.",
  HtmlBody: "<p>Hi Jane,</p><p>Thanks for asking for a demo.</p>",
  ReplyTo: "reply+lead-42@inbound.example.com",
  Tag: "cadence-step-1",
  Metadata: { lead: "42", step: "1" },
  MessageStream: "outbound",
  TrackOpens: false,
  TrackLinks: "None",
  Headers: [
    { Name: "Message-ID", Value: "<step-1.lead-42@send.example.com>" },
    { Name: "List-Unsubscribe", Value: "<https://app.example.com/unsubscribe/abc>" },
    { Name: "List-Unsubscribe-Post", Value: "List-Unsubscribe=One-Click" },
  ],
};

describe("Postmark emulator: POST /email", () => {
  it("accepts a documented message and answers To, SubmittedAt, MessageID (a UUID), ErrorCode 0, Message OK", async () => {
    const clock = manualClock();
    const { post, get } = await start({ now: clock.now });
    const sent = await post("/email", MESSAGE);
    expect(sent.status).toBe(200);
    expect(sent.body).toEqual({
      To: '"Doe, Jane" <jane@example.com>',
      SubmittedAt: new Date(clock.now()).toISOString(),
      MessageID: expect.stringMatching(UUID),
      ErrorCode: 0,
      Message: "OK",
    });

    const [stored] = await get("/_emulator/messages");
    expect(stored).toMatchObject({
      id: sent.body.MessageID,
      messageId: "<step-1.lead-42@send.example.com>",
      from: "Rep One <rep.one@send.example.com>",
      fromAddress: "rep.one@send.example.com",
      fromName: "Rep One",
      to: ['"Doe, Jane" <jane@example.com>'],
      recipients: ["jane@example.com"],
      replyTo: "reply+lead-42@inbound.example.com",
      subject: "Your demo request",
      text: MESSAGE.TextBody,
      html: MESSAGE.HtmlBody,
      tags: ["cadence-step-1"],
      metadata: { lead: "42", step: "1" },
      stream: "outbound",
      status: "delivered",
    });
    expect(stored.headers).toEqual([
      { name: "Message-ID", value: "<step-1.lead-42@send.example.com>" },
      { name: "List-Unsubscribe", value: "<https://app.example.com/unsubscribe/abc>" },
      { name: "List-Unsubscribe-Post", value: "List-Unsubscribe=One-Click" },
    ]);
  });

  it("records a follow-up's threading headers and links it to the message it answers", async () => {
    const { post, get } = await start();
    const first = await post("/email", MESSAGE);
    const second = await post("/email", {
      ...MESSAGE,
      Subject: "Re: Your demo request",
      Headers: [
        { Name: "Message-ID", Value: "<step-2.lead-42@send.example.com>" },
        { Name: "In-Reply-To", Value: "<step-1.lead-42@send.example.com>" },
        { Name: "References", Value: "<step-1.lead-42@send.example.com>" },
      ],
    });
    const followUp = await get(`/_emulator/messages/${second.body.MessageID}`);
    expect(followUp).toMatchObject({
      inReplyTo: "<step-1.lead-42@send.example.com>",
      references: ["<step-1.lead-42@send.example.com>"],
      thread: { parent: first.body.MessageID },
    });
  });

  it("writes its own Message-ID when the sender gave none", async () => {
    const { post, get } = await start();
    const sent = await post("/email", { ...MESSAGE, Headers: [] });
    expect((await get(`/_emulator/messages/${sent.body.MessageID}`)).messageId).toBe(`<${sent.body.MessageID}@mtasv.net>`);
  });

  it("queues a Delivery webhook per recipient in Postmark's shape", async () => {
    const clock = manualClock();
    const { post, get } = await start({ now: clock.now });
    const sent = await post("/email", { ...MESSAGE, Cc: "boss@example.com" });
    const webhooks = await get("/_emulator/webhooks");
    expect(webhooks.map((w: any) => w.payload)).toEqual([
      {
        RecordType: "Delivery",
        ServerID: 23,
        MessageStream: "outbound",
        MessageID: sent.body.MessageID,
        Recipient: "jane@example.com",
        Tag: "cadence-step-1",
        DeliveredAt: new Date(clock.now()).toISOString(),
        Details: "smtp;250 2.0.0 OK",
        Metadata: { lead: "42", step: "1" },
      },
      expect.objectContaining({ RecordType: "Delivery", Recipient: "boss@example.com" }),
    ]);
    expect(await get("/_emulator/webhooks")).toEqual([]);
  });

  it("leaves a message queued when autoDeliver is off, until it is delivered by hand", async () => {
    const { post, get, url } = await start({ autoDeliver: false });
    const sent = await post("/email", MESSAGE);
    expect((await get(`/_emulator/messages/${sent.body.MessageID}`)).status).toBe("queued");
    expect(await get("/_emulator/webhooks")).toEqual([]);
    await fetch(`${url}/_emulator/messages/${sent.body.MessageID}/deliver`, { method: "POST" });
    expect((await get(`/_emulator/messages/${sent.body.MessageID}`)).status).toBe("delivered");
    expect((await get("/_emulator/webhooks")).map((w: any) => w.kind)).toEqual(["Delivery"]);
  });

  it("answers 401 with ErrorCode 10 for a missing or wrong server token", async () => {
    const { post, get } = await start();
    const missing = await post("/email", MESSAGE, JSON_HEADERS);
    expect(missing.status).toBe(401);
    expect(missing.body).toEqual({ ErrorCode: 10, Message: expect.stringContaining("No Account or Server API tokens were supplied") });
    const wrong = await post("/email", MESSAGE, { ...JSON_HEADERS, "x-postmark-server-token": "nope" });
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ ErrorCode: 10, Message: expect.stringContaining("The Server Token you provided") });
    expect(await get("/_emulator/messages")).toEqual([]);
  });

  it("answers 422 with ErrorCode 409 unless Accept and Content-Type name JSON", async () => {
    const { post } = await start();
    const noAccept = await post("/email", MESSAGE, { "content-type": "application/json", "x-postmark-server-token": DEFAULT_SERVER_TOKEN });
    expect(noAccept.status).toBe(422);
    expect(noAccept.body.ErrorCode).toBe(409);
    const form = await post("/email", "From=a", {
      accept: "application/json",
      "content-type": "application/x-www-form-urlencoded",
      "x-postmark-server-token": DEFAULT_SERVER_TOKEN,
    });
    expect(form.body.ErrorCode).toBe(409);
  });

  it.each([
    ["no From", { ...MESSAGE, From: undefined }, /From/],
    ["no recipients", { ...MESSAGE, To: undefined }, /^Zero recipients specified$/],
    [
      "an address without @",
      { ...MESSAGE, To: "jane.example.com" },
      /^Error parsing 'To': Illegal email address 'jane.example.com'\. It must contain the '@' symbol\.$/,
    ],
    ["a bad domain", { ...MESSAGE, Cc: "x@bad_domain.com" }, /^Error parsing 'Cc': Illegal email domain 'bad_domain.com'/],
    ["consecutive dots", { ...MESSAGE, Bcc: "a..b@example.com" }, /^Error parsing 'Bcc'/],
    ["no body", { ...MESSAGE, TextBody: "", HtmlBody: undefined }, /TextBody or HtmlBody/],
    ["51 recipients", { ...MESSAGE, To: Array.from({ length: 51 }, (_, i) => `r${i}@example.com`).join(", ") }, /50 recipients/],
    ["a bad TrackLinks", { ...MESSAGE, TrackLinks: "Always" }, /TrackLinks/],
  ])("answers 422 with ErrorCode 300 for %s, and sends nothing", async (_, message, text) => {
    const { post, get } = await start();
    const answer = await post("/email", message);
    expect(answer.status).toBe(422);
    expect(answer.body.ErrorCode).toBe(300);
    expect(answer.body.Message).toMatch(text);
    expect(await get("/_emulator/messages")).toEqual([]);
  });

  it("answers 422 with ErrorCode 402 for a body that is not JSON and 403 for the wrong JSON", async () => {
    const { post } = await start();
    expect((await post("/email", "{not json")).body.ErrorCode).toBe(402);
    expect((await post("/email", [MESSAGE])).body.ErrorCode).toBe(403);
    expect((await post("/email", { ...MESSAGE, Headers: { "X-A": "b" } })).body.ErrorCode).toBe(403);
  });

  it("answers 422 with ErrorCode 1235 for a message stream the server does not have, 1221 for its inbound stream", async () => {
    const { post } = await start();
    const unknown = await post("/email", { ...MESSAGE, MessageStream: "newsletters" });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toEqual({ ErrorCode: 1235, Message: "The 'MessageStream' provided does not exist on this server." });
    expect((await post("/email", { ...MESSAGE, MessageStream: "inbound" })).body.ErrorCode).toBe(1221);
    expect((await post("/email", { ...MESSAGE, MessageStream: undefined })).status).toBe(200);
  });

  it("answers 422 with ErrorCode 406 when every recipient is inactive, and sends to the active ones otherwise", async () => {
    const { post, get, emulator } = await start();
    emulator.suppressions.add("outbound", "jane@example.com", "HardBounce", "Recipient", "2026-03-01T00:00:00.000Z");
    const refused = await post("/email", MESSAGE);
    expect(refused.status).toBe(422);
    expect(refused.body).toEqual({
      ErrorCode: 406,
      Message:
        "You tried to send to recipient(s) that have been marked as inactive. Found inactive addresses: jane@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression.",
    });
    expect(await get("/_emulator/messages")).toEqual([]);

    const partly = await post("/email", { ...MESSAGE, Cc: "boss@example.com" });
    expect(partly.status).toBe(200);
    expect(partly.body.ErrorCode).toBe(0);
    expect(partly.body.Message).toBe(
      "Message OK, but will not deliver to these inactive addresses: jane@example.com. Inactive recipients are ones that have generated a hard bounce or a spam complaint.",
    );
    const stored = await get(`/_emulator/messages/${partly.body.MessageID}`);
    expect(stored.recipientStatus).toEqual({ "jane@example.com": "suppressed", "boss@example.com": "delivered" });
    // The suppression list is per stream: the broadcast stream still sends to her.
    expect((await post("/email", { ...MESSAGE, MessageStream: "broadcast" })).status).toBe(200);
  });

  it("validates but neither stores nor delivers with the POSTMARK_API_TEST token", async () => {
    const { post, get } = await start();
    const answer = await post("/email", MESSAGE, { ...JSON_HEADERS, "x-postmark-server-token": "POSTMARK_API_TEST" });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ErrorCode: 0, Message: "Test job accepted", MessageID: expect.stringMatching(UUID) });
    expect(await get("/_emulator/messages")).toEqual([]);
    expect((await post("/email", { ...MESSAGE, To: "" }, { ...JSON_HEADERS, "x-postmark-server-token": "POSTMARK_API_TEST" })).body.ErrorCode).toBe(
      300,
    );
  });

  it("bounces mail to the black hole domain at once, as the local part or X-PM-Bounce-Type says", async () => {
    const { post, get } = await start();
    await post("/email", { ...MESSAGE, To: "HardBounce@bounce-testing.postmarkapp.com" });
    await post("/email", { ...MESSAGE, To: "soft_bounce@bounce-testing.postmarkapp.com" });
    await post("/email", { ...MESSAGE, To: "any@bounce-testing.postmarkapp.com", Headers: [{ Name: "X-PM-Bounce-Type", Value: "Transient" }] });
    const kinds = (await get("/_emulator/webhooks")).map((w: any) => [w.kind, w.payload.Type ?? w.payload.SuppressionReason]);
    expect(kinds).toEqual([
      ["Bounce", "HardBounce"],
      ["SubscriptionChange", "HardBounce"],
      ["Bounce", "SoftBounce"],
      ["Bounce", "Transient"],
    ]);
    // Only the hard bounce made the address inactive.
    expect((await post("/email", { ...MESSAGE, To: "hardbounce@bounce-testing.postmarkapp.com" })).body.ErrorCode).toBe(406);
  });
});

describe("Postmark emulator: POST /email/batch", () => {
  it("answers 200 with one result per message, in order, each succeeding or failing on its own", async () => {
    const { post, get, emulator } = await start();
    emulator.suppressions.add("outbound", "gone@example.com", "SpamComplaint", "Recipient", "2026-03-01T00:00:00.000Z");
    const answer = await post("/email/batch", [
      MESSAGE,
      { ...MESSAGE, To: "nobody" },
      { ...MESSAGE, To: "gone@example.com" },
      { ...MESSAGE, To: "bob@example.com" },
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual([
      expect.objectContaining({ ErrorCode: 0, Message: "OK", MessageID: expect.stringMatching(UUID) }),
      { ErrorCode: 300, Message: expect.stringContaining("Illegal email address 'nobody'") },
      {
        ErrorCode: 406,
        Message:
          "You tried to send to a recipient that has been marked as inactive. Found inactive addresses: gone@example.com. Inactive recipients are ones that have generated a hard bounce, a spam complaint, or a manual suppression. ",
      },
      expect.objectContaining({ ErrorCode: 0, To: "bob@example.com" }),
    ]);
    expect((await get("/_emulator/messages")).map((m: any) => m.recipients[0])).toEqual(["jane@example.com", "bob@example.com"]);
  });

  it("answers 422 with ErrorCode 410 for more than 500 messages", async () => {
    const { post } = await start({ sendRate: { enabled: false } });
    const answer = await post(
      "/email/batch",
      Array.from({ length: 501 }, () => MESSAGE),
    );
    expect(answer.status).toBe(422);
    expect(answer.body.ErrorCode).toBe(410);
  });
});

describe("Postmark emulator: send rate and faults", () => {
  it("answers 429 (ErrorCode 429, Retry-After) over the configured messages per second, and takes sends again as the bucket refills", async () => {
    const clock = manualClock();
    const { post, get } = await start({ now: clock.now, sendRate: { perSecond: 2, burst: 2 } });
    expect((await post("/email", MESSAGE)).status).toBe(200);
    expect((await post("/email", MESSAGE)).status).toBe(200);
    const limited = await post("/email", MESSAGE);
    expect(limited.status).toBe(429);
    expect(limited.body.ErrorCode).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(await get("/_emulator/messages")).toHaveLength(2);
    clock.advance(500);
    expect((await post("/email", MESSAGE)).status).toBe(200);
    expect((await post("/email", MESSAGE)).status).toBe(429);
  });

  it("counts every message of a batch, and lets a batch bigger than the burst borrow against the next seconds", async () => {
    const clock = manualClock();
    const { post, url } = await start({ now: clock.now, sendRate: { perSecond: 10, burst: 10 } });
    expect(
      (
        await post(
          "/email/batch",
          Array.from({ length: 25 }, () => MESSAGE),
        )
      ).status,
    ).toBe(200);
    // 25 taken from a bucket of 10: nothing more for 1.5 s, then one message per 100 ms.
    clock.advance(1_400);
    expect((await post("/email", MESSAGE)).status).toBe(429);
    clock.advance(200);
    expect((await post("/email", MESSAGE)).status).toBe(200);
    // The plan can change at runtime, like the other emulators' limits.
    const plan = await fetch(`${url}/_emulator/send_rate`, { method: "PUT", body: JSON.stringify({ enabled: false }) });
    expect(await plan.json()).toEqual({ enabled: false, perSecond: 10, burst: 10 });
    expect(
      (
        await post(
          "/email/batch",
          Array.from({ length: 100 }, () => MESSAGE),
        )
      ).status,
    ).toBe(200);
  });

  it("sends the message and drops the connection on a lost-response fault, so the caller cannot know it went", async () => {
    const { post, url, get } = await start();
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rateLostResponse: 1 }) });
    await expect(post("/email", MESSAGE)).rejects.toThrow();
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({}) });
    const [stored] = await get("/_emulator/messages");
    expect(stored).toMatchObject({ messageId: "<step-1.lead-42@send.example.com>", status: "delivered" });
    expect((await get("/_emulator/calls")).map((c: any) => [c.status, c.fault])).toEqual([[200, "lost-response"]]);
  });

  it("answers injected faults as Postmark: 500, then a 503 in maintenance (ErrorCode 100), and the 429", async () => {
    const { post, url, get } = await start();
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rate5xx: 1 }) });
    const first = await post("/email", MESSAGE);
    expect(first.status).toBe(500);
    const second = await post("/email", MESSAGE);
    expect(second.status).toBe(503);
    expect(second.body.ErrorCode).toBe(100);
    expect(await get("/_emulator/messages")).toEqual([]);
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rate429: 1 }) });
    const limited = await post("/email", MESSAGE);
    expect(limited.status).toBe(429);
    expect(limited.body.ErrorCode).toBe(429);
  });
});
