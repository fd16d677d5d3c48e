import { afterEach, describe, expect, it } from "vitest";
import { createMailgunEmulator, DEFAULT_API_KEY, type MailgunEmulator } from "./index.ts";

const open: MailgunEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const auth = { authorization: `Basic ${Buffer.from(`api:${DEFAULT_API_KEY}`).toString("base64")}` };

async function start() {
  const emulator = createMailgunEmulator({ sendRate: { perSecond: 1, burst: 1 } });
  open.push(emulator);
  const url = await emulator.server.listen(0);
  const send = (messageId: string, to = "jane@example.com") =>
    fetch(`${url}/v3/mg.example.com/messages`, {
      method: "POST",
      headers: auth,
      body: new URLSearchParams({ from: "rep@mg.example.com", to, subject: "Hello", text: "Hi", "h:Message-Id": messageId, "v:effect": "e1" }),
    });
  const events = async (query: string, headers: Record<string, string> = auth, domain = "mg.example.com") => {
    const response = await fetch(`${url}/v3/${domain}/events?${query}`, { headers });
    const text = await response.text();
    return { status: response.status, body: text.startsWith("{") ? JSON.parse(text) : text };
  };
  return { emulator, send, events };
}

describe("Mailgun emulator: Events API", () => {
  it("lists a message's accepted and delivered events by the message id the sender set", async () => {
    const { send, events, emulator } = await start();
    expect((await send("<step-1.lead-42@mg.example.com>")).status).toBe(200);
    emulator.sendRate.reset();
    expect((await send("<step-2.lead-42@mg.example.com>", "joe@example.com")).status).toBe(200);

    const accepted = await events("event=accepted&message-id=step-1.lead-42@mg.example.com");
    expect(accepted.status).toBe(200);
    expect(accepted.body.items).toHaveLength(1);
    expect(accepted.body.items[0]).toMatchObject({
      event: "accepted",
      recipient: "jane@example.com",
      message: { headers: { "message-id": "step-1.lead-42@mg.example.com" } },
      "user-variables": { effect: "e1" },
    });
    expect(accepted.body.paging).toHaveProperty("next");
    const all = await events("message-id=step-1.lead-42@mg.example.com&ascending=yes");
    expect(all.body.items.map((e: any) => e.event)).toEqual(["accepted", "delivered"]);
    expect((await events("event=accepted&message-id=unknown@mg.example.com")).body.items).toEqual([]);
  });

  it("is not rate limited as a send, and refuses a bad key, an unknown domain and a bad limit", async () => {
    const { send, events } = await start();
    expect((await send("<a@mg.example.com>")).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await events("event=accepted")).status).toBe(200);
    expect((await events("event=accepted", {})).status).toBe(401);
    expect((await events("event=accepted", auth, "other.example.com")).status).toBe(404);
    expect((await events("limit=301")).status).toBe(400);
  });
});
