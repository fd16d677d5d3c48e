import { afterEach, describe, expect, it } from "vitest";
import { mailgunSignatureFields, parseMailgunInbound } from "../../../src/ingest/inbound-email.ts";
import { verifyMailgunSignature } from "../../../src/platform/signatures/mailgun-signature.ts";
import { manualClock, startReceiver } from "../mail/test-support.ts";
import { createMailgunEmulator, DEFAULT_API_KEY, DEFAULT_SIGNING_KEY, type MailgunEmulator, type MailgunEmulatorOptions } from "./index.ts";

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const basic = (key: string) => `Basic ${Buffer.from(`api:${key}`).toString("base64")}`;

async function start(options: MailgunEmulatorOptions = {}) {
  const emulator: MailgunEmulator = createMailgunEmulator(options);
  open.push(emulator);
  const url = await emulator.server.listen(0);
  const send = async (fields: Record<string, string | string[]>, init: { key?: string | null; domain?: string; multipart?: boolean } = {}) => {
    const params = new URLSearchParams();
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) {
      for (const value of Array.isArray(v) ? v : [v]) {
        params.append(k, value);
        form.append(k, value);
      }
    }
    const key = init.key === undefined ? DEFAULT_API_KEY : init.key;
    const response = await fetch(`${url}/v3/${init.domain ?? "mg.example.com"}/messages`, {
      method: "POST",
      headers: key === null ? {} : { authorization: basic(key) },
      body: init.multipart ? form : params,
    });
    const text = await response.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* plain text */
    }
    return { status: response.status, headers: response.headers, body };
  };
  const control = async (path: string, body?: unknown, method = "POST") => {
    const response = await fetch(url + path, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: response.status, body: (await response.json()) as any };
  };
  const drain = async () => (await fetch(`${url}/_emulator/webhooks`)).json() as Promise<any[]>;
  return { emulator, url, send, control, drain };
}

const MESSAGE = {
  from: "Rep One <rep.one@mg.example.com>",
  to: "Jane Doe <jane@example.com>",
  subject: "Your demo request",
  text: "Hi Jane,\nThanks for asking for a demo.",
  html: "<p>Hi Jane,</p>",
  "h:Reply-To": "reply@inbound.example.com",
  "h:Message-Id": "<step-1.lead-42@mg.example.com>",
  "h:List-Unsubscribe": "<https://app.example.com/unsubscribe/abc>",
  "h:List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
  "o:tag": ["cadence", "step-1"],
  "v:lead": '{"id": 42}',
  "v:step": "1",
};

describe("Mailgun emulator: POST /v3/{domain}/messages", () => {
  it.each([false, true])(
    "queues a form-encoded or multipart message and answers {id, message: 'Queued. Thank you.'} (multipart: %s)",
    async (multipart) => {
      const { send, control } = await start();
      const sent = await send(MESSAGE, { multipart });
      expect(sent.status).toBe(200);
      expect(sent.body).toEqual({ id: "<step-1.lead-42@mg.example.com>", message: "Queued. Thank you." });
      const stored = (await control("/_emulator/messages/step-1.lead-42@mg.example.com", undefined, "GET")).body;
      expect(stored).toMatchObject({
        provider: "mailgun",
        id: "step-1.lead-42@mg.example.com",
        messageId: "<step-1.lead-42@mg.example.com>",
        from: "Rep One <rep.one@mg.example.com>",
        to: ["Jane Doe <jane@example.com>"],
        recipients: ["jane@example.com"],
        replyTo: "reply@inbound.example.com",
        subject: "Your demo request",
        html: MESSAGE.html,
        tags: ["cadence", "step-1"],
        metadata: { lead: { id: 42 }, step: 1 },
        stream: "mg.example.com",
        status: "delivered",
      });
      // A browser-style FormData sends line breaks as CRLF, as HTML forms do.
      expect(stored.text.replace(/\r\n/g, "\n")).toBe(MESSAGE.text);
      expect(stored.headers.map((h: any) => h.name)).toEqual(["Reply-To", "Message-Id", "List-Unsubscribe", "List-Unsubscribe-Post"]);
    },
  );

  it("makes its own id on the sending domain when none is given, and records threading headers", async () => {
    const clock = manualClock(Date.UTC(2026, 2, 2, 9, 5, 7));
    const { send, control } = await start({ now: clock.now });
    const first = await send({ ...MESSAGE, "h:Message-Id": "" });
    expect(first.body.id).toMatch(/^<20260302090507\.[0-9a-f]{16}@mg\.example\.com>$/);
    await send({
      ...MESSAGE,
      "h:Message-Id": "<step-2@mg.example.com>",
      "h:In-Reply-To": first.body.id,
      "h:References": first.body.id,
      to: ["jane@example.com", "bob@example.com, carol@example.com"],
    });
    const followUp = (await control("/_emulator/messages/step-2@mg.example.com", undefined, "GET")).body;
    expect(followUp).toMatchObject({
      inReplyTo: first.body.id,
      references: [first.body.id],
      recipients: ["jane@example.com", "bob@example.com", "carol@example.com"],
      thread: { parent: first.body.id.slice(1, -1) },
    });
  });

  it("answers 401 with a plain-text Forbidden for a missing or wrong API key", async () => {
    const { send, control } = await start();
    for (const key of [null, "wrong"]) {
      const answer = await send(MESSAGE, { key });
      expect(answer.status).toBe(401);
      expect(answer.body).toBe("Forbidden");
    }
    expect((await control("/_emulator/messages", undefined, "GET")).body).toEqual([]);
  });

  it("answers 404 with {message} for a domain the account does not have", async () => {
    const { send } = await start();
    const answer = await send(MESSAGE, { domain: "unknown.example.org" });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ message: "Domain not found: unknown.example.org" });
  });

  it.each([
    ["no from", { ...MESSAGE, from: "" }, "'from' parameter is missing"],
    ["no to", { ...MESSAGE, to: [] }, "'to' parameter is missing"],
    ["a bad from", { ...MESSAGE, from: "rep.one" }, "'from' parameter is not a valid address. please check documentation"],
    ["a bad to", { ...MESSAGE, to: "jane@" }, "'to' parameter is not a valid address. please check documentation"],
    ["a bad cc", { ...MESSAGE, cc: "a..b@example.com" }, "'cc' parameter is not a valid address. please check documentation"],
    ["no body", { ...MESSAGE, text: "", html: "" }, "Need at least one of 'text', 'html', 'amp-html' or 'template' parameters specified"],
  ])("answers 400 with {message} for %s, and queues nothing", async (_, fields, message) => {
    const { send, control } = await start();
    const answer = await send(fields as Record<string, string | string[]>);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ message });
    expect((await control("/_emulator/messages", undefined, "GET")).body).toEqual([]);
  });

  it("answers 400 for a JSON body, which Mailgun does not take", async () => {
    const { url } = await start();
    const answer = await fetch(`${url}/v3/mg.example.com/messages`, {
      method: "POST",
      headers: { authorization: basic(DEFAULT_API_KEY), "content-type": "application/json" },
      body: JSON.stringify(MESSAGE),
    });
    expect(answer.status).toBe(400);
    expect(await answer.json()).toEqual({ message: "'from' parameter is missing" });
  });

  it("answers 429 with Retry-After over the domain's messages per second", async () => {
    const clock = manualClock();
    const { send } = await start({ now: clock.now, sendRate: { perSecond: 1, burst: 2 } });
    expect((await send(MESSAGE)).status).toBe(200);
    expect((await send(MESSAGE)).status).toBe(200);
    const limited = await send(MESSAGE);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    expect(limited.body.message).toEqual(expect.any(String));
    clock.advance(1_000);
    expect((await send(MESSAGE)).status).toBe(200);
  });

  it("answers injected faults: a JSON 500, then a plain-text 503, and the 429", async () => {
    const { send, url } = await start();
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rate5xx: 1 }) });
    expect((await send(MESSAGE)).status).toBe(500);
    const second = await send(MESSAGE);
    expect(second.status).toBe(503);
    expect(second.body).toBe("Service Unavailable");
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rate429: 1 }) });
    expect((await send(MESSAGE)).status).toBe(429);
  });
});

describe("Mailgun emulator: event webhooks", () => {
  it("signs each event so the product's verifier accepts it, and no other key does", async () => {
    const clock = manualClock();
    const { send, drain } = await start({ now: clock.now });
    await send(MESSAGE);
    const [delivered] = await drain();
    expect(delivered.kind).toBe("delivered");
    expect(delivered.headers["content-type"]).toBe("application/json");
    const { signature } = JSON.parse(delivered.body);
    expect(signature).toEqual({
      timestamp: String(Math.floor(clock.now() / 1000)),
      token: expect.stringMatching(/^[0-9a-f]{50}$/),
      signature: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const verify = (signingKey: string, nowMs = clock.now()) => verifyMailgunSignature({ signingKey, ...signature, nowMs });
    expect(await verify(DEFAULT_SIGNING_KEY)).toEqual({ ok: true, scheme: "mailgun-hmac-sha256" });
    expect((await verify("another-key")).ok).toBe(false);
    expect((await verify(DEFAULT_SIGNING_KEY, clock.now() + 10 * 60_000)).ok).toBe(false);
  });

  it("sends delivered in Mailgun's event-data shape", async () => {
    const clock = manualClock();
    const { send, drain } = await start({ now: clock.now });
    await send(MESSAGE);
    const [delivered] = await drain();
    expect(delivered.payload["event-data"]).toMatchObject({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      timestamp: clock.now() / 1000,
      "log-level": "info",
      event: "delivered",
      recipient: "jane@example.com",
      "recipient-domain": "example.com",
      envelope: { targets: "jane@example.com", transport: "smtp" },
      message: {
        headers: {
          to: "Jane Doe <jane@example.com>",
          "message-id": "step-1.lead-42@mg.example.com",
          from: "Rep One <rep.one@mg.example.com>",
          subject: "Your demo request",
        },
      },
      tags: ["cadence", "step-1"],
      "user-variables": { lead: { id: 42 }, step: 1 },
      "delivery-status": { code: 250, message: "OK", "attempt-no": 1 },
    });
  });

  it("fails permanently (severity permanent, delivery-status 550), suppresses the address, and drops later mail to it as suppress-bounce", async () => {
    const { send, control, drain } = await start();
    const sent = await send(MESSAGE);
    await drain();
    await control(`/_emulator/messages/${sent.body.id.slice(1, -1)}/bounce`, {});
    const [failed] = await drain();
    expect(failed.kind).toBe("permanent_fail");
    expect(failed.payload["event-data"]).toMatchObject({
      event: "failed",
      "log-level": "error",
      severity: "permanent",
      reason: "bounce",
      recipient: "jane@example.com",
      "delivery-status": { code: 550, message: expect.stringContaining("does not exist"), "attempt-no": 1 },
    });
    expect((await control("/_emulator/suppressions/mg.example.com", undefined, "GET")).body.bounces).toEqual(["jane@example.com"]);

    const again = await send({ ...MESSAGE, "h:Message-Id": "<step-2@mg.example.com>" });
    expect(again.status).toBe(200);
    const [dropped] = await drain();
    expect(dropped.payload["event-data"]).toMatchObject({
      event: "failed",
      severity: "permanent",
      reason: "suppress-bounce",
      "delivery-status": { code: 605, description: "Not delivering to previously bounced address", "session-seconds": 0 },
    });
    expect((await control("/_emulator/messages/step-2@mg.example.com", undefined, "GET")).body.status).toBe("suppressed");
  });

  it("fails temporarily (severity temporary, retry-seconds) without suppressing", async () => {
    const { send, control, drain } = await start();
    const sent = await send(MESSAGE);
    await drain();
    await control(`/_emulator/messages/${sent.body.id.slice(1, -1)}/bounce`, {
      severity: "temporary",
      code: 421,
      message: "4.4.2 Connection timed out",
    });
    const [failed] = await drain();
    expect(failed.kind).toBe("temporary_fail");
    expect(failed.payload["event-data"]).toMatchObject({
      severity: "temporary",
      "log-level": "warn",
      "delivery-status": { code: 421, message: "4.4.2 Connection timed out", "retry-seconds": 600 },
    });
    expect((await control("/_emulator/suppressions/mg.example.com", undefined, "GET")).body.bounces).toEqual([]);
    expect((await control(`/_emulator/messages/${sent.body.id.slice(1, -1)}/bounce`, { severity: "soft" })).status).toBe(400);
  });

  it("sends complained and unsubscribed, each adding the address to its suppression list", async () => {
    const { send, control, drain } = await start();
    const sent = await send({ ...MESSAGE, to: ["jane@example.com", "bob@example.com"] });
    await drain();
    const id = sent.body.id.slice(1, -1);
    await control(`/_emulator/messages/${id}/complain`, { recipient: "jane@example.com" });
    await control(`/_emulator/messages/${id}/unsubscribe`, { recipient: "bob@example.com" });
    const events = (await drain()).map((w) => [w.kind, w.payload["event-data"].event, w.payload["event-data"].recipient]);
    expect(events).toEqual([
      ["complained", "complained", "jane@example.com"],
      ["unsubscribed", "unsubscribed", "bob@example.com"],
    ]);
    expect((await control("/_emulator/suppressions/mg.example.com", undefined, "GET")).body).toEqual({
      bounces: [],
      unsubscribes: ["bob@example.com"],
      complaints: ["jane@example.com"],
    });
    await send({ ...MESSAGE, "h:Message-Id": "", to: ["jane@example.com", "bob@example.com"] });
    expect((await drain()).map((w) => w.payload["event-data"].reason)).toEqual(["suppress-complaint", "suppress-unsubscribe"]);
  });

  it("POSTs events to the webhook URL, one per request; a 406 from the app ends that delivery (Mailgun does not retry it)", async () => {
    const app = await startReceiver((_, i) => (i === 0 ? 406 : 200));
    open.push(app);
    const { send, url } = await start({ webhookUrl: `${app.url}/webhooks/mailgun` });
    await send({ ...MESSAGE, to: ["jane@example.com", "bob@example.com"] });
    const requests = await app.waitFor(2);
    expect(requests.map((r) => JSON.parse(r.body)["event-data"].recipient)).toEqual(["jane@example.com", "bob@example.com"]);
    const deliveries = (await (await fetch(`${url}/_emulator/webhooks/deliveries`)).json()) as any[];
    expect(deliveries.map((d: any) => d.status)).toEqual([406, 200]);
  });
});

describe("Mailgun emulator: route forward of a reply", () => {
  it("posts a signed form the product verifies and reads as a reply to the original", async () => {
    const app = await startReceiver();
    open.push(app);
    const clock = manualClock(Date.UTC(2026, 2, 3, 14, 30, 0));
    const { send, control } = await start({ now: clock.now, routeUrl: `${app.url}/inbound/mailgun` });
    const sent = await send(MESSAGE);
    await control(`/_emulator/messages/${sent.body.id.slice(1, -1)}/reply`, { text: "Tuesday works for me." });
    const [request] = await app.waitFor(1);
    expect(request!.path).toBe("/inbound/mailgun");
    expect(request!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    const fields = new URLSearchParams(request!.body);
    expect(Object.fromEntries(fields)).toMatchObject({
      recipient: "reply@inbound.example.com",
      sender: "jane@example.com",
      from: "Jane Doe <jane@example.com>",
      subject: "Re: Your demo request",
      "stripped-text": "Tuesday works for me.",
      "attachment-count": "0",
      "In-Reply-To": "<step-1.lead-42@mg.example.com>",
      References: "<step-1.lead-42@mg.example.com>",
    });
    expect(fields.get("body-plain")).toContain("> Hi Jane,");
    expect(JSON.parse(fields.get("message-headers")!)).toContainEqual(["In-Reply-To", "<step-1.lead-42@mg.example.com>"]);

    const signed = mailgunSignatureFields(fields);
    expect(
      await verifyMailgunSignature({
        signingKey: DEFAULT_SIGNING_KEY,
        timestamp: signed.timestamp,
        token: signed.token,
        signature: signed.signature,
        nowMs: clock.now(),
      }),
    ).toEqual({
      ok: true,
      scheme: "mailgun-hmac-sha256",
    });
    const parsed = parseMailgunInbound(fields, new Date(clock.now()).toISOString());
    expect(parsed).toEqual({
      ok: true,
      email: expect.objectContaining({
        provider: "mailgun",
        messageId: fields.get("Message-Id"),
        from: "jane@example.com",
        fromName: "Jane Doe",
        subject: "Re: Your demo request",
        receivedAt: "2026-03-03T14:30:00.000Z",
        inReplyTo: "<step-1.lead-42@mg.example.com>",
        snippet: "Tuesday works for me.",
        automatic: false,
      }),
    });
  });
});

describe("Mailgun emulator: the mailbox", () => {
  it("serves an HTML mailbox for a browser and empties it on reset", async () => {
    const { send, url } = await start();
    await send(MESSAGE);
    const html = await (await fetch(`${url}/_emulator/messages`, { headers: { accept: "text/html" } })).text();
    expect(html).toContain("Mailgun emulator: sent messages");
    expect(html).toContain("Your demo request");
    expect(html).toContain('class="status delivered"');
    await fetch(`${url}/_emulator/reset`, { method: "POST" });
    expect(await (await fetch(`${url}/_emulator/messages`)).json()).toEqual([]);
  });
});
