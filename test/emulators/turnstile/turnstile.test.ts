import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STAND_IN_SECRET, startTurnstileEmulator, type TurnstileEmulator, TEST_SECRETS, DUMMY_TOKEN, TOKENS_PATH } from "./index.ts";
import { TOKEN_LIFE_MS, turnstileClock } from "./siteverify.ts";

let emulator: TurnstileEmulator;
beforeAll(async () => {
  emulator = await startTurnstileEmulator();
});
afterAll(() => emulator.close());

const solve = async (page: { hostname: string; action?: string }) =>
  ((await (await fetch(emulator.url + TOKENS_PATH, { method: "POST", body: JSON.stringify(page) })).json()) as { token: string }).token;

const verify = async (fields: Record<string, string>) =>
  (await (await fetch(emulator.siteverifyUrl, { method: "POST", body: new URLSearchParams(fields) })).json()) as Record<string, unknown>;

describe("Turnstile stand-in, as siteverify answers for a real widget", () => {
  it("a token is verified once, naming the page's hostname and action; again it is timeout-or-duplicate", async () => {
    const token = await solve({ hostname: "www.example.com", action: "demo" });
    expect(await verify({ secret: STAND_IN_SECRET, response: token })).toMatchObject({
      success: true,
      hostname: "www.example.com",
      action: "demo",
      "error-codes": [],
    });
    expect(await verify({ secret: STAND_IN_SECRET, response: token })).toEqual({ success: false, "error-codes": ["timeout-or-duplicate"] });
  });

  it("the first check's idempotency_key gets its answer again; any other key is a duplicate", async () => {
    const token = await solve({ hostname: "www.example.com" });
    const first = await verify({ secret: STAND_IN_SECRET, response: token, idempotency_key: "4a1e0c3c-7a51-4a43-9b9e-5fb6e1d6a001" });
    expect(first).toMatchObject({ success: true, hostname: "www.example.com" });
    expect(await verify({ secret: STAND_IN_SECRET, response: token, idempotency_key: "4a1e0c3c-7a51-4a43-9b9e-5fb6e1d6a001" })).toEqual(first);
    expect(await verify({ secret: STAND_IN_SECRET, response: token, idempotency_key: "4a1e0c3c-7a51-4a43-9b9e-5fb6e1d6a002" })).toEqual({
      success: false,
      "error-codes": ["timeout-or-duplicate"],
    });
  });

  it("a token past its 300 s is timeout-or-duplicate; a token it never issued, or a test key's dummy token, is invalid", async () => {
    const token = await solve({ hostname: "www.example.com" });
    const now = turnstileClock.now;
    const at = Date.now();
    turnstileClock.now = () => at + TOKEN_LIFE_MS + 1_000;
    try {
      expect(await verify({ secret: STAND_IN_SECRET, response: token })).toEqual({ success: false, "error-codes": ["timeout-or-duplicate"] });
    } finally {
      turnstileClock.now = now;
    }
    expect(await verify({ secret: STAND_IN_SECRET, response: "0.forged" })).toEqual({ success: false, "error-codes": ["invalid-input-response"] });
    expect(await verify({ secret: STAND_IN_SECRET, response: DUMMY_TOKEN })).toEqual({ success: false, "error-codes": ["invalid-input-response"] });
    // The documented test keys are unchanged: the always-pass secret passes its dummy token every time.
    for (let i = 0; i < 2; i++) expect(await verify({ secret: TEST_SECRETS.pass, response: DUMMY_TOKEN })).toMatchObject({ success: true });
  });

  it("tokens are given only for a hostname", async () => {
    const response = await fetch(emulator.url + TOKENS_PATH, { method: "POST", body: JSON.stringify({ action: "demo" }) });
    expect(response.status).toBe(400);
  });
});
