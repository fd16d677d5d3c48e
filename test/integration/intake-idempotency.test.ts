import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEMO, intakeHarness } from "../support/intake";
import { siteverifyStub, TEST_SECRETS } from "../emulators/turnstile/siteverify";
import { STALE_CLAIM_MS } from "../../src/storage/intake-idempotency";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { payloadFingerprint } from "../../src/core/intake/idempotency";

const submissionsOf = async (email: string) =>
  (await env.DB.prepare("SELECT id FROM intake_submissions WHERE email = ?").bind(email).all<{ id: string }>()).results.map((r) => r.id);
const idOf = async (response: Response) => ((await response.json()) as { submissionId: string }).submissionId;

/** A siteverify that answers only when the test lets it: a request held there is "in progress". */
function heldTurnstile() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let entered!: () => void;
  const reached = new Promise<void>((resolve) => {
    entered = resolve;
  });
  const fetch: typeof globalThis.fetch = async (input, init) => {
    entered();
    await gate;
    return siteverifyStub(input, init);
  };
  return { fetch, release, reached };
}

describe("Idempotency-Key (IETF httpapi draft)", () => {
  it("the same key and payload get the stored answer again: one submission, queued once", async () => {
    const harness = intakeHarness();
    const email = "replay@northwind.example";
    const headers = { "idempotency-key": '"8e03978e-40d5-43e8-bc93-6894a57f9324"' };
    const first = await harness.post("demo", { ...DEMO, email }, { headers });
    expect(first.status).toBe(202);
    const id = await idOf(first);
    // A retry after a lost answer carries its token again and a new fill time: still the same payload.
    const again = await harness.post("demo", { ...DEMO, email, _fill_ms: "12000" }, { headers });
    expect(again.status).toBe(202);
    expect(await idOf(again)).toBe(id);
    // Turnstile refuses the token as spent: the stored answer still stands for the token it was spent on.
    const spent = intakeHarness({ bindings: { TURNSTILE_SECRET_KEY: TEST_SECRETS.spent } });
    const refused = await spent.post("demo", { ...DEMO, email }, { headers });
    expect(refused.status).toBe(202);
    expect(await idOf(refused)).toBe(id);
    // Not for a token the submission was not sent with: whoever has the key and fields but not the token gets 403.
    expect((await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": "spent-already" }, { headers })).status).toBe(403);
    expect((await spent.post("demo", { ...DEMO, email, "cf-turnstile-response": "spent-already" }, { headers })).status).toBe(403);
    expect(await submissionsOf(email)).toEqual([id]);
    expect([...harness.sent, ...spent.sent]).toEqual([id]);
    // A new key with that token is refused, and stores nothing.
    const other = await spent.post("demo", { ...DEMO, email }, { headers: { "idempotency-key": '"another-key"' } });
    expect(other.status).toBe(403);
    expect(await submissionsOf(email)).toEqual([id]);
  });

  it("the same key with another payload is 422 and changes nothing", async () => {
    const harness = intakeHarness();
    const headers = { "idempotency-key": "reused-key-1" };
    await harness.post("demo", { ...DEMO, email: "first@northwind.example" }, { headers });
    const other = await harness.post("demo", { ...DEMO, email: "second@northwind.example" }, { headers });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({ error: "idempotency_key_reused" });
    expect(await submissionsOf("second@northwind.example")).toEqual([]);
  });

  it("a retry while the first request is still in flight: whichever stores first, both get its answer", async () => {
    const held = heldTurnstile();
    const slow = intakeHarness({ intake: { fetch: held.fetch } });
    const fast = intakeHarness();
    const email = "inflight@northwind.example";
    const headers = { "idempotency-key": '"in-flight-1"' };
    const first = slow.post("demo", { ...DEMO, email }, { headers });
    await held.reached;
    // The first has stored nothing yet (claim and store are one transaction): the retry stores.
    const retry = await fast.post("demo", { ...DEMO, email }, { headers });
    expect(retry.status).toBe(202);
    const id = await idOf(retry);
    held.release();
    const late = await first;
    expect(late.status).toBe(202);
    expect(await idOf(late)).toBe(id);
    expect(await submissionsOf(email)).toEqual([id]);
    expect([...slow.sent, ...fast.sent]).toEqual([id]);
  });

  it("a claim left in progress (by the version that claimed before verifying) is 409, and is taken over once stale", async () => {
    let now = Date.parse("2026-03-11T09:00:00Z");
    const harness = intakeHarness({ now: () => new Date(now) });
    const email = "legacy@northwind.example";
    const headers = { "idempotency-key": '"legacy-1"' };
    await env.DB.prepare(
      "INSERT INTO intake_idempotency (form_key, key, fingerprint, submission_id, state, answer_json, claimed_at, expires_at) VALUES ('demo', 'key:legacy-1', ?, 'old-id', 'in_progress', NULL, ?, ?)",
    )
      .bind(
        await payloadFingerprint("demo", { ...DEMO, email }, DEFAULT_POLICY.forms![0]!.spam!.fillTimeField!),
        new Date(now).toISOString(),
        new Date(now + 86_400_000).toISOString(),
      )
      .run();
    const during = await harness.post("demo", { ...DEMO, email }, { headers });
    expect(during.status).toBe(409);
    expect(during.headers.get("retry-after")).toBe("1");
    expect(await during.json()).toMatchObject({ error: "request_in_progress" });
    expect(await submissionsOf(email)).toEqual([]);
    now += STALE_CLAIM_MS;
    const after = await harness.post("demo", { ...DEMO, email }, { headers });
    expect(after.status).toBe(202);
    expect(await submissionsOf(email)).toEqual([await idOf(after)]);
  });

  it("concurrent requests with one key give one submission", async () => {
    const harness = intakeHarness();
    const email = "concurrent@northwind.example";
    const headers = { "idempotency-key": '"concurrent-1"' };
    const responses = await Promise.all(Array.from({ length: 8 }, () => harness.post("demo", { ...DEMO, email }, { headers })));
    const [stored] = await submissionsOf(email);
    expect(await submissionsOf(email)).toHaveLength(1);
    // Each batch runs after the one before it: the first stores, the others get its answer.
    for (const response of responses) {
      expect(response.status).toBe(202);
      expect(await idOf(response)).toBe(stored);
    }
    expect(harness.sent).toEqual([stored]);
  });
});

describe("without a key: a double click", () => {
  it("the same form, email and fields within the duplicate window are one submission; after it, a new one", async () => {
    let now = Date.parse("2026-03-10T15:00:00Z");
    const harness = intakeHarness({ now: () => new Date(now) });
    const email = "double@northwind.example";
    const id = await idOf(await harness.post("demo", { ...DEMO, email }));
    now += 60_000;
    // Another click: attribution and fill time may differ, and the address's case.
    expect(await idOf(await harness.post("demo", { ...DEMO, email: "Double@Northwind.example", _fill_ms: "9100", utm_source: "x" }))).toBe(id);
    // Something said differently is a new submission.
    const changed = await idOf(await harness.post("demo", { ...DEMO, email, message: "Another question" }));
    expect(changed).not.toBe(id);
    now += 5 * 60_000;
    const later = await idOf(await harness.post("demo", { ...DEMO, email }));
    expect(later).not.toBe(id);
    expect((await submissionsOf(email)).sort()).toEqual([id, changed, later].sort());
  });

  it("a second click while the first is still being handled gets the same answer", async () => {
    const held = heldTurnstile();
    const slow = intakeHarness({ intake: { fetch: held.fetch } });
    const other = intakeHarness();
    const email = "waiting@northwind.example";
    const first = slow.post("demo", { ...DEMO, email });
    await held.reached;
    const second = other.post("demo", { ...DEMO, email });
    setTimeout(held.release, 300);
    const [a, b] = await Promise.all([first, second]);
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(await idOf(b)).toBe(await idOf(a));
    expect(await submissionsOf(email)).toHaveLength(1);
  });

  it("parallel double clicks give one submission", async () => {
    const harness = intakeHarness();
    const email = "parallel@northwind.example";
    const responses = await Promise.all(Array.from({ length: 5 }, () => harness.post("demo", { ...DEMO, email })));
    const ids = new Set(await Promise.all(responses.map(idOf)));
    expect(ids.size).toBe(1);
    expect(await submissionsOf(email)).toEqual([...ids]);
  });
});
