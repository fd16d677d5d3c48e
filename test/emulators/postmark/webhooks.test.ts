import { afterEach, describe, expect, it } from "vitest";
import { parsePostmarkInbound } from "../../../src/ingest/inbound-email.ts";
import { verifyBasicAuth } from "../../../src/platform/signatures/basic-auth.ts";
import { manualClock, startReceiver } from "../mail/test-support.ts";
import { createPostmarkEmulator, DEFAULT_SERVER_TOKEN, type PostmarkEmulator, type PostmarkEmulatorOptions } from "./index.ts";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function start(options: PostmarkEmulatorOptions = {}) {
  const emulator: PostmarkEmulator = createPostmarkEmulator(options);
  open.push(emulator);
  const url = await emulator.server.listen(0);
  const send = async (message: Record<string, unknown> = {}) => {
    const response = await fetch(`${url}/email`, {
      method: "POST",
      headers: { accept: "application/json", "content-type": "application/json", "x-postmark-server-token": DEFAULT_SERVER_TOKEN },
      body: JSON.stringify({
        From: "Rep One <rep.one@send.example.com>",
        To: "Jane Doe <jane@example.com>",
        Subject: "Your demo request",
        TextBody: "Hi Jane,\nThanks for asking for a demo.",
        ReplyTo: "reply@inbound.example.com",
        Tag: "step-1",
        Metadata: { lead: "42" },
        Headers: [{ Name: "Message-ID", Value: "<step-1.lead-42@send.example.com>" }],
        ...message,
      }),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const control = async (path: string, body?: unknown, method = "POST") => {
    const response = await fetch(url + path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const drain = async () => (await fetch(`${url}/_emulator/webhooks`)).json() as Promise<any[]>;
  return { emulator, url, send, control, drain };
}

describe("Postmark emulator: webhooks", () => {
  it("POSTs each event alone to the webhook URL, with the URL's credentials as basic auth and the configured headers", async () => {
    const app = await startReceiver();
    open.push(app);
    const { send } = await start({
      webhookUrl: `http://hook-user:s3cret%21@127.0.0.1:${app.port}/webhooks/postmark`,
      webhookHttpHeaders: [{ Name: "X-Webhook-Token", Value: "abc123" }],
    });
    await send({ Cc: "boss@example.com" });
    const [first, second] = await app.waitFor(2);
    expect(first!.path).toBe("/webhooks/postmark");
    expect(first!.headers["content-type"]).toBe("application/json");
    expect(first!.headers["x-webhook-token"]).toBe("abc123");
    // Postmark does not sign webhooks: basic auth is what the product checks.
    expect(verifyBasicAuth(first!.headers.authorization, { username: "hook-user", password: "s3cret!" })).toEqual({ ok: true, scheme: "basic-auth" });
    expect(verifyBasicAuth(first!.headers.authorization, { username: "hook-user", password: "other" }).ok).toBe(false);
    expect(JSON.parse(first!.body)).toMatchObject({ RecordType: "Delivery", Recipient: "jane@example.com" });
    expect(JSON.parse(second!.body)).toMatchObject({ RecordType: "Delivery", Recipient: "boss@example.com" });
  });

  it("uses the webhook's HttpAuth when configured, and logs what the app answered", async () => {
    const app = await startReceiver(() => 200);
    open.push(app);
    const { send, url } = await start({ webhookUrl: `${app.url}/hook`, webhookHttpAuth: { Username: "pm", Password: "pw" } });
    await send();
    const [request] = await app.waitFor(1);
    expect(verifyBasicAuth(request!.headers.authorization, { username: "pm", password: "pw" }).ok).toBe(true);
    const deliveries = await (await fetch(`${url}/_emulator/webhooks/deliveries`)).json();
    expect(deliveries).toEqual([expect.objectContaining({ kind: "Delivery", url: `${app.url}/hook`, status: 200 })]);
  });

  it("bounces a delivered message in Postmark's Bounce shape, suppresses the address and says so with a SubscriptionChange", async () => {
    const clock = manualClock();
    const { send, control, drain } = await start({ now: clock.now });
    const sent = await send();
    await drain();
    clock.advance(60_000);
    const bounced = await control(`/_emulator/messages/${sent.body.MessageID}/bounce`, { type: "HardBounce" });
    expect(bounced.status).toBe(200);
    const [bounce, change] = await drain();
    expect(bounce.payload).toEqual({
      RecordType: "Bounce",
      MessageStream: "outbound",
      ID: expect.any(Number),
      Type: "HardBounce",
      TypeCode: 1,
      Name: "Hard bounce",
      Tag: "step-1",
      MessageID: sent.body.MessageID,
      Metadata: { lead: "42" },
      ServerID: 23,
      Description: "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
      Details: expect.any(String),
      Email: "jane@example.com",
      From: "rep.one@send.example.com",
      BouncedAt: new Date(clock.now()).toISOString(),
      DumpAvailable: false,
      Inactive: true,
      CanActivate: true,
      Subject: "Your demo request",
    });
    expect(change.payload).toEqual({
      RecordType: "SubscriptionChange",
      MessageID: sent.body.MessageID,
      ServerID: 23,
      MessageStream: "outbound",
      ChangedAt: new Date(clock.now()).toISOString(),
      Recipient: "jane@example.com",
      Origin: "Recipient",
      SuppressSending: true,
      SuppressionReason: "HardBounce",
      Tag: "step-1",
      Metadata: { lead: "42" },
    });
    expect((await control(`/_emulator/messages/${sent.body.MessageID}`, undefined, "GET")).body.status).toBe("bounced");
    expect((await send()).body.ErrorCode).toBe(406);
    expect((await control("/_emulator/suppressions?stream=outbound", undefined, "GET")).body.Suppressions).toEqual([
      { EmailAddress: "jane@example.com", SuppressionReason: "HardBounce", Origin: "Recipient", CreatedAt: new Date(clock.now()).toISOString() },
    ]);
  });

  it("sends a soft bounce without suppressing the address", async () => {
    const { send, control, drain } = await start();
    const sent = await send();
    await drain();
    await control(`/_emulator/messages/${sent.body.MessageID}/bounce`, { type: "SoftBounce" });
    const webhooks = await drain();
    expect(webhooks.map((w) => [w.payload.RecordType, w.payload.Type, w.payload.TypeCode, w.payload.Inactive])).toEqual([
      ["Bounce", "SoftBounce", 4096, false],
    ]);
    expect((await send()).status).toBe(200);
    expect((await control(`/_emulator/messages/${sent.body.MessageID}/bounce`, { type: "Bogus" })).status).toBe(400);
  });

  it("turns a spam complaint into a SpamComplaint record and a suppression that cannot be reactivated by the sender", async () => {
    const { send, control, drain } = await start();
    const sent = await send();
    await drain();
    await control(`/_emulator/messages/${sent.body.MessageID}/complain`, {});
    const [complaint, change] = await drain();
    expect(complaint.payload).toMatchObject({
      RecordType: "SpamComplaint",
      Type: "SpamComplaint",
      TypeCode: 100001,
      Name: "Spam complaint",
      Email: "jane@example.com",
      MessageID: sent.body.MessageID,
      Inactive: true,
      CanActivate: false,
    });
    expect(change.payload).toMatchObject({ RecordType: "SubscriptionChange", SuppressSending: true, SuppressionReason: "SpamComplaint" });
    expect((await send()).body.ErrorCode).toBe(406);
  });

  it("records an unsubscribe as a manual suppression, and a reactivation as SuppressSending false", async () => {
    const { send, control, drain } = await start();
    const sent = await send();
    await drain();
    await control(`/_emulator/messages/${sent.body.MessageID}/unsubscribe`, {});
    expect((await drain()).map((w) => w.payload)).toEqual([
      expect.objectContaining({
        RecordType: "SubscriptionChange",
        Origin: "Recipient",
        SuppressSending: true,
        SuppressionReason: "ManualSuppression",
      }),
    ]);
    expect((await send()).status).toBe(422);
    expect((await control("/_emulator/suppressions/jane@example.com", undefined, "DELETE")).status).toBe(200);
    expect((await drain()).map((w) => w.payload)).toEqual([
      expect.objectContaining({ RecordType: "SubscriptionChange", Origin: "Customer", SuppressSending: false, SuppressionReason: null }),
    ]);
    expect((await send()).status).toBe(200);
  });

  it("posts only the triggers that are switched on", async () => {
    const { send, control, drain } = await start({ triggers: { Delivery: false, SubscriptionChange: false } });
    const sent = await send();
    await control(`/_emulator/messages/${sent.body.MessageID}/bounce`, {});
    expect((await drain()).map((w) => w.kind)).toEqual(["Bounce"]);
  });

  it("answers a reply in Postmark's inbound shape, threaded to the original, posted with the inbound URL's basic auth", async () => {
    const app = await startReceiver();
    open.push(app);
    const clock = manualClock(Date.UTC(2026, 2, 3, 14, 30, 0));
    const { send, control } = await start({ now: clock.now, inboundUrl: `http://inbound:pa55@127.0.0.1:${app.port}/inbound/postmark` });
    const first = await send();
    const second = await send({
      Subject: "Re: Your demo request",
      Headers: [
        { Name: "Message-ID", Value: "<step-2.lead-42@send.example.com>" },
        { Name: "In-Reply-To", Value: "<step-1.lead-42@send.example.com>" },
        { Name: "References", Value: "<step-1.lead-42@send.example.com>" },
      ],
    });
    const replied = await control(`/_emulator/messages/${second.body.MessageID}/reply`, { text: "Tuesday works for me." });
    expect(replied.status).toBe(200);
    const [request] = await app.waitFor(1);
    expect(request!.path).toBe("/inbound/postmark");
    expect(verifyBasicAuth(request!.headers.authorization, { username: "inbound", password: "pa55" }).ok).toBe(true);
    const payload = JSON.parse(request!.body);
    expect(payload).toMatchObject({
      FromName: "Jane Doe",
      MessageStream: "inbound",
      From: "jane@example.com",
      FromFull: { Email: "jane@example.com", Name: "Jane Doe", MailboxHash: "" },
      To: "reply@inbound.example.com",
      ToFull: [{ Email: "reply@inbound.example.com", Name: "", MailboxHash: "" }],
      OriginalRecipient: "reply@inbound.example.com",
      Subject: "Re: Your demo request",
      MessageID: expect.stringMatching(/^[0-9a-f-]{36}$/),
      Date: "Tue, 3 Mar 2026 14:30:00 +0000",
      StrippedTextReply: "Tuesday works for me.",
      Attachments: [],
    });
    expect(payload.TextBody).toContain(
      "Tuesday works for me.\n\nOn Tue, 3 Mar 2026 14:30:00 +0000, Rep One <rep.one@send.example.com> wrote:\n> Hi Jane,",
    );
    const header = (name: string) => payload.Headers.find((h: any) => h.Name === name)?.Value;
    expect(header("In-Reply-To")).toBe("<step-2.lead-42@send.example.com>");
    expect(header("References")).toBe("<step-1.lead-42@send.example.com> <step-2.lead-42@send.example.com>");
    expect(header("Message-ID")).toMatch(/^<[0-9a-f]+@mail\.example\.com>$/);

    // The product's own parser reads it as a reply to the second message.
    const parsed = parsePostmarkInbound(payload, new Date(clock.now()).toISOString());
    expect(parsed).toEqual({
      ok: true,
      email: expect.objectContaining({
        provider: "postmark",
        messageId: header("Message-ID"),
        from: "jane@example.com",
        fromName: "Jane Doe",
        to: ["reply@inbound.example.com"],
        subject: "Re: Your demo request",
        receivedAt: "2026-03-03T14:30:00.000Z",
        inReplyTo: "<step-2.lead-42@send.example.com>",
        snippet: "Tuesday works for me.",
        automatic: false,
      }),
    });
    const original = (await control(`/_emulator/messages/${second.body.MessageID}`, undefined, "GET")).body;
    expect(original.replies).toEqual([payload.MessageID]);
    expect(original.events.map((e: any) => e.type)).toEqual(["delivered", "replied"]);
    expect(first.status).toBe(200);
  });

  it("marks an out-of-office reply as automatic when the caller adds the auto-responder's headers", async () => {
    const { send, control, drain } = await start();
    const sent = await send();
    await drain();
    await control(`/_emulator/messages/${sent.body.MessageID}/reply`, {
      text: "I am out of the office until Monday.",
      subject: "Automatic reply: Your demo request",
      headers: [{ Name: "Auto-Submitted", Value: "auto-replied" }],
    });
    const [inbound] = await drain();
    expect(inbound.kind).toBe("Inbound");
    const parsed = parsePostmarkInbound(inbound.payload, "2026-03-02T09:00:00.000Z");
    expect(parsed.ok && parsed.email.automatic).toBe(true);
    expect((await control(`/_emulator/messages/${sent.body.MessageID}/reply`, { headers: "x" })).status).toBe(400);
  });

  it("refuses actions on unknown messages, unknown recipients and unknown actions", async () => {
    const { send, control } = await start();
    const sent = await send();
    expect((await control("/_emulator/messages/nope/bounce", {})).status).toBe(404);
    expect((await control(`/_emulator/messages/${sent.body.MessageID}/bounce`, { recipient: "x@example.com" })).status).toBe(400);
    expect((await control(`/_emulator/messages/${sent.body.MessageID}/explode`, {})).status).toBe(404);
  });

  it("changes its webhook settings at runtime and restores them on reset", async () => {
    const { control, url } = await start({ webhookUrl: "http://127.0.0.1:1/hook" });
    const changed = await control(
      "/_emulator/config",
      { url: null, inboundUrl: "http://u:p@127.0.0.1:2/in", triggers: { Delivery: false }, autoDeliver: false },
      "PUT",
    );
    expect(changed.body).toMatchObject({ inboundUrl: "http://u:p@127.0.0.1:2/in", autoDeliver: false, triggers: { Delivery: false, Bounce: true } });
    expect(changed.body.url).toBeUndefined();
    expect((await control("/_emulator/config", { url: "not a url" }, "PUT")).status).toBe(400);
    await fetch(`${url}/_emulator/reset`, { method: "POST" });
    expect((await control("/_emulator/config", undefined, "GET")).body).toEqual({
      url: "http://127.0.0.1:1/hook",
      triggers: { Delivery: true, Bounce: true, SpamComplaint: true, SubscriptionChange: true },
      autoDeliver: true,
    });
  });
});

describe("Postmark emulator: the mailbox page", () => {
  it("shows sender, recipient, subject, status and threading in HTML for a browser, escaping what the message says", async () => {
    const { send, url, control } = await start();
    const first = await send({ Subject: "Demo <script>alert(1)</script>" });
    await send({
      Subject: "Re: Demo",
      Headers: [
        { Name: "Message-ID", Value: "<step-2@send.example.com>" },
        { Name: "In-Reply-To", Value: "<step-1.lead-42@send.example.com>" },
      ],
    });
    await control(`/_emulator/messages/${first.body.MessageID}/bounce`, {});
    const list = await fetch(`${url}/_emulator/messages`, { headers: { accept: "text/html" } });
    expect(list.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const html = await list.text();
    expect(html).toContain("Rep One &lt;rep.one@send.example.com&gt;");
    expect(html).toContain("Jane Doe &lt;jane@example.com&gt;");
    expect(html).toContain("Demo &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect(html).toContain('class="status bounced"');
    expect(html).toContain(`re: <a href="/_emulator/messages/${first.body.MessageID}">`);

    const page = await (await fetch(`${url}/_emulator/messages/${first.body.MessageID}`, { headers: { accept: "text/html" } })).text();
    expect(page).toContain("Hi Jane,\nThanks for asking for a demo.");
    expect(page).toContain("&lt;step-1.lead-42@send.example.com&gt;");
    expect(page).toContain("HardBounce");
  });

  it("empties the mailbox on DELETE and on reset", async () => {
    const { send, url } = await start();
    await send();
    await fetch(`${url}/_emulator/messages`, { method: "DELETE" });
    expect(await (await fetch(`${url}/_emulator/messages`)).json()).toEqual([]);
    await send();
    await fetch(`${url}/_emulator/reset`, { method: "POST" });
    expect(await (await fetch(`${url}/_emulator/messages`)).json()).toEqual([]);
    expect(await (await fetch(`${url}/_emulator/webhooks`)).json()).toEqual([]);
  });
});
