import { Client } from "@hubspot/api-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, sdkError, startHubSpot, type Running } from "./test-support.ts";

let clock = 1_763_805_600_000;
let run: Running;
beforeAll(async () => {
  run = await startHubSpot({ accessTokens: ["hubspot-dev-token", "other-token"], now: () => clock });
});
afterAll(async () => {
  await run.close();
});
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
});

const RATE_LIMIT_BODY = {
  status: "error",
  message: "You have reached your ten_secondly_rolling limit.",
  errorType: "RATE_LIMIT",
  correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/),
  policyName: "TEN_SECONDLY_ROLLING",
};

describe("HubSpot emulator: rate limit", () => {
  it("answers the 101st request in the window with HubSpot's 429, per token", async () => {
    const first = await http(run.url, "GET", "/crm/v3/objects/contacts");
    expect(first.headers.get("x-hubspot-ratelimit-max")).toBe("100");
    expect(first.headers.get("x-hubspot-ratelimit-remaining")).toBe("99");
    expect(first.headers.get("x-hubspot-ratelimit-interval-milliseconds")).toBe("10000");
    for (let i = 1; i < 100; i++) expect((await http(run.url, "GET", "/crm/v3/objects/contacts")).status).toBe(200);

    clock += 2_500;
    const error = await sdkError(run.client.crm.contacts.basicApi.getPage());
    expect(error.code).toBe(429);
    expect(error.body).toEqual(RATE_LIMIT_BODY);
    expect(error.headers["x-hubspot-ratelimit-max"]).toBe("100");
    expect(error.headers["x-hubspot-ratelimit-remaining"]).toBe("0");
    expect(error.headers["x-hubspot-ratelimit-interval-milliseconds"]).toBe("10000");
    expect(error.headers["retry-after"]).toBe("8");

    // Another token has its own window; the first one's reopens once the window has rolled.
    expect((await http(run.url, "GET", "/crm/v3/objects/contacts", undefined, "other-token")).status).toBe(200);
    clock += 7_500;
    expect((await http(run.url, "GET", "/crm/v3/objects/contacts")).status).toBe(200);
  });
});

describe("HubSpot emulator: injected faults", () => {
  const setFaults = (plan: Record<string, number>) => http(run.url, "PUT", "/_emulator/faults", plan);
  const contacts = async () =>
    (await http(run.url, "GET", "/_emulator/objects/contacts")).body as { id: string; properties: Record<string, string> }[];

  it("injects a 429 with the same body and headers", async () => {
    await setFaults({ rate429: 1 });
    const error = await sdkError(run.client.crm.contacts.basicApi.create({ properties: { email: "x@example.com" }, associations: [] }));
    expect(error.code).toBe(429);
    expect(error.body).toEqual(RATE_LIMIT_BODY);
    expect(error.headers["x-hubspot-ratelimit-remaining"]).toBe("0");
    expect(await contacts()).toEqual([]);
  });

  it("injects 502/503/500 with HubSpot's error body, doing nothing", async () => {
    await setFaults({ rate5xx: 1 });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      const error = await sdkError(run.client.crm.contacts.basicApi.create({ properties: {}, associations: [] }));
      codes.push(error.code);
      expect(error.body).toMatchObject({ status: "error", message: "internal error", category: "INTERNAL_ERROR" });
    }
    expect(codes).toEqual([502, 503, 500]);
    expect(await contacts()).toEqual([]);
  });

  it("times out without doing the work", async () => {
    await setFaults({ rateTimeout: 1, timeoutMs: 20 });
    await expect(run.client.crm.contacts.basicApi.create({ properties: { email: "slow@example.com" }, associations: [] })).rejects.toThrow();
    expect(await contacts()).toEqual([]);
    expect(run.hs.server.calls.at(-1)).toMatchObject({ fault: "timeout", status: -1 });
  });

  it("loses the response after doing the work: the client fails, the contact exists", async () => {
    await setFaults({ rateLostResponse: 1 });
    await expect(run.client.crm.contacts.basicApi.create({ properties: { email: "lost@example.com" }, associations: [] })).rejects.toThrow();
    const stored = await contacts();
    expect(stored.map((c) => c.properties.email)).toEqual(["lost@example.com"]);
    expect(run.hs.server.calls.at(-1)).toMatchObject({ fault: "lost-response", status: 201 });
    // A naive retry runs into the uniqueness the first attempt already claimed.
    await setFaults({});
    const retry = await sdkError(run.client.crm.contacts.basicApi.create({ properties: { email: "lost@example.com" }, associations: [] }));
    expect(retry.code).toBe(409);
    // The webhooks for the lost write still fire (the creation, and the subscribed email property).
    expect((await http(run.url, "GET", "/_emulator/webhooks")).body.map((e: { subscriptionType: string }) => e.subscriptionType)).toEqual([
      "contact.creation",
      "contact.propertyChange",
    ]);
  });

  it("lets an unauthenticated call fail with 401 before any fault is drawn", async () => {
    await setFaults({ rate5xx: 1 });
    const client = new Client({ accessToken: "revoked", basePath: run.url });
    expect((await sdkError(client.crm.contacts.basicApi.getPage())).code).toBe(401);
  });
});
