import { afterEach, describe, expect, it } from "vitest";
import { createPostmarkEmulator, DEFAULT_SERVER_TOKEN, type PostmarkEmulator } from "./index.ts";

const open: PostmarkEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

const TOKEN = { "x-postmark-server-token": DEFAULT_SERVER_TOKEN };

async function start() {
  const emulator = createPostmarkEmulator({ sendRate: { perSecond: 1, burst: 1 } });
  open.push(emulator);
  const url = await emulator.server.listen(0);
  const send = (metadata: Record<string, string>, to = "jane@example.com") =>
    fetch(`${url}/email`, {
      method: "POST",
      headers: { ...TOKEN, accept: "application/json", "content-type": "application/json" },
      body: JSON.stringify({ From: "rep@mail.example.com", To: to, Subject: "Hello", TextBody: "Hi", Metadata: metadata, Tag: "cadence" }),
    });
  const search = async (query: string, headers: Record<string, string> = { ...TOKEN, accept: "application/json" }) => {
    const response = await fetch(`${url}/messages/outbound?${query}`, { headers });
    return { status: response.status, body: (await response.json()) as any };
  };
  return { emulator, send, search };
}

describe("Postmark emulator: outbound message search", () => {
  it("finds a sent message by one metadata field, newest first, with Postmark's summary fields", async () => {
    const { send, search, emulator } = await start();
    expect((await send({ effect: "a1" })).status).toBe(200);
    emulator.sendRate.reset();
    expect((await send({ effect: "b2" }, "joe@example.com")).status).toBe(200);

    const found = await search("count=10&offset=0&metadata_effect=a1");
    expect(found.status).toBe(200);
    expect(found.body.TotalCount).toBe(1);
    expect(found.body.Messages[0]).toMatchObject({
      Recipients: ["jane@example.com"],
      Subject: "Hello",
      Tag: "cadence",
      Metadata: { effect: "a1" },
      Status: "Sent",
      MessageStream: "outbound",
    });
    expect((await search("count=10&offset=0&metadata_effect=nope")).body).toEqual({ TotalCount: 0, Messages: [] });
    expect((await search("count=10&offset=0")).body.Messages.map((m: any) => m.Metadata.effect)).toEqual(["b2", "a1"]);
    expect((await search("count=10&offset=0&recipient=JOE@example.com")).body.TotalCount).toBe(1);
  });

  it("does not count searches against the send rate, and refuses what Postmark refuses", async () => {
    const { send, search } = await start();
    expect((await send({ effect: "a1" })).status).toBe(200);
    // The bucket (1 message, 1 a second) is empty: searches still answer.
    for (let i = 0; i < 3; i++) expect((await search("count=1&offset=0")).status).toBe(200);
    expect((await send({ effect: "a2" })).status).toBe(429);
    expect((await search("offset=0")).status).toBe(422);
    expect((await search("count=501&offset=0")).status).toBe(422);
    expect((await search("count=500&offset=9600")).status).toBe(422);
    expect((await search("count=1&offset=0&metadata_a=1&metadata_b=2")).status).toBe(422);
    expect((await search("count=1&offset=0", { accept: "application/json" })).status).toBe(401);
    expect((await search("count=1&offset=0", { ...TOKEN, accept: "text/html" })).body.ErrorCode).toBe(409);
  });
});
