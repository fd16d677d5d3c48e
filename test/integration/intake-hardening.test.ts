import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { savePolicy } from "../../src/storage/policies";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { issueToken, STAND_IN_SECRET, TEST_SECRETS, TOKEN_LIFE_MS, turnstileClock } from "../emulators/turnstile/siteverify";
import { adminHeaders, DEMO, intakeCounts, intakeHarness } from "../support/intake";
import { ORIGIN } from "../support/requests";

/*
 * What an attacker or a careless page can send to a form (issue 23, intake): each answer is the
 * one a person filling in the form should get, and nothing is stored that the form does not hold.
 */

const idOf = async (response: Response) => ((await response.json()) as { submissionId: string }).submissionId;
const submissionsOf = async (email: string) =>
  (
    await env.DB.prepare("SELECT id, status, raw_json, submission_json FROM intake_submissions WHERE email = ? ORDER BY received_at, rowid")
      .bind(email)
      .all<{ id: string; status: string; raw_json: string; submission_json: string }>()
  ).results;
const stored = async (harness: ReturnType<typeof intakeHarness>, id: string) =>
  (await (await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${id}`, { headers: adminHeaders }))).json()) as any;

describe("a spam verdict never swallows the person's real retry", () => {
  it("too fast, then the same fields at a human pace: the second is a submission of its own, sent on", async () => {
    const harness = intakeHarness();
    const email = "spam-then-real@northwind.example";
    const spam = await harness.post("demo", { ...DEMO, email, _fill_ms: "800" });
    expect(spam.status).toBe(202);
    const spamId = await idOf(spam);
    const real = await harness.post("demo", { ...DEMO, email, _fill_ms: "12000" });
    expect(real.status).toBe(202);
    const realId = await idOf(real);
    expect(realId).not.toBe(spamId);
    expect((await submissionsOf(email)).map((s) => [s.id, s.status])).toEqual([
      [spamId, "spam"],
      [realId, "received"],
    ]);
    expect(harness.sent).toEqual([realId]);
    // The real one holds the claim now: a double click on it gets its answer, and another fast post changes nothing.
    expect(await idOf(await harness.post("demo", { ...DEMO, email, _fill_ms: "12500" }))).toBe(realId);
    expect(await idOf(await harness.post("demo", { ...DEMO, email, _fill_ms: "700" }))).toBe(realId);
    expect(await submissionsOf(email)).toHaveLength(2);
  });

  it("with an Idempotency-Key: the honeypot filled in, then the retry without it, same key: a submission of its own", async () => {
    const harness = intakeHarness();
    const email = "spam-key@northwind.example";
    const headers = { "idempotency-key": '"spam-then-real-1"' };
    const spamId = await idOf(await harness.post("demo", { ...DEMO, email, _fill_ms: "800" }, { headers }));
    const realId = await idOf(await harness.post("demo", { ...DEMO, email, _fill_ms: "12000" }, { headers }));
    expect(realId).not.toBe(spamId);
    expect((await submissionsOf(email)).map((s) => s.status)).toEqual(["spam", "received"]);
    expect(harness.sent).toEqual([realId]);
  });
});

describe("a spam verdict never swallows the person's real retry, even with a spent token", () => {
  it("judged spam, then the same fields with its token once it is spent: refused, not the spam one's id; a fresh token is a submission", async () => {
    const harness = intakeHarness({ bindings: { TURNSTILE_SECRET_KEY: STAND_IN_SECRET } });
    const email = "spam-spent-token@northwind.example";
    const token = issueToken({ hostname: "www.example.com" });
    const spamId = await idOf(await harness.post("demo", { ...DEMO, email, _fill_ms: "800", "cf-turnstile-response": token }));
    const clock = turnstileClock.now;
    const issuedAt = Date.now();
    turnstileClock.now = () => issuedAt + TOKEN_LIFE_MS + 30_000;
    try {
      // The spam one's own retry, spent token and all, gets its answer; the real one does not.
      expect(await idOf(await harness.post("demo", { ...DEMO, email, _fill_ms: "700", "cf-turnstile-response": token }))).toBe(spamId);
      const real = await harness.post("demo", { ...DEMO, email, _fill_ms: "12000", "cf-turnstile-response": token });
      expect(real.status).toBe(403);
      expect(await real.text()).not.toContain(spamId);
      const fresh = await harness.post("demo", {
        ...DEMO,
        email,
        _fill_ms: "12000",
        "cf-turnstile-response": issueToken({ hostname: "www.example.com" }),
      });
      const realId = await idOf(fresh);
      expect(realId).not.toBe(spamId);
      expect(harness.sent).toEqual([realId]);
    } finally {
      turnstileClock.now = clock;
    }
  });
});

describe("junk is bounded and expires", () => {
  const junk = (n: number, size: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x_junk_${i}`, "j".repeat(size)]));

  it("honeypot posts with 20,000-character unknown fields: stored small, the unknown fields by name only", async () => {
    const harness = intakeHarness();
    const email = "honeypot-junk@northwind.example";
    const response = await harness.post("demo", { ...DEMO, email, website: "w".repeat(20_000), ...junk(2, 20_000) });
    expect(response.status).toBe(202);
    const [row] = await submissionsOf(email);
    expect(row!.status).toBe("spam");
    // Three posts like this grew raw_json by 180 KB before.
    expect(row!.raw_json.length + row!.submission_json.length).toBeLessThan(3_000);
    const body = await stored(harness, row!.id);
    expect(Object.keys(body.raw)).not.toContain("x_junk_0");
    expect(body.raw.website).toHaveLength(200);
    expect(body.submission.ignoredFields).toEqual(["x_junk_0", "x_junk_1"]);
    expect(body.submission.consents).toEqual([]);
  });

  it("a real submission with many unknown fields keeps at most 20 of their names and none of their values", async () => {
    const harness = intakeHarness();
    const email = "many-junk@northwind.example";
    const response = await harness.post("demo", { ...DEMO, email, ...junk(150, 300) });
    expect(response.status).toBe(202);
    const [row] = await submissionsOf(email);
    expect(row!.status).toBe("received");
    const body = await stored(harness, row!.id);
    expect(body.submission.ignoredFields).toHaveLength(20);
    expect(body.submission.warnings).toContain("150 fields the form does not have were ignored; the first 20 are listed");
    expect(JSON.stringify(body.raw)).not.toContain("jjjj");
    expect(row!.raw_json.length).toBeLessThan(1_000);
  });
});

describe("an answer never tells a forger a submission exists", () => {
  it("someone's exact fields with a forged token and no Idempotency-Key: 403, not the earlier id", async () => {
    const harness = intakeHarness();
    const email = "forger-target@northwind.example";
    const realId = await idOf(await harness.post("demo", { ...DEMO, email }));
    const before = await intakeCounts();
    const forged = await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": "forged" });
    expect(forged.status).toBe(403);
    const text = await forged.text();
    expect(text).not.toContain(realId);
    expect(JSON.parse(text)).toMatchObject({ error: "turnstile_failed" });
    expect(await intakeCounts()).toEqual(before);
  });

  it("a token siteverify calls spent replays only the submission that very token was spent on", async () => {
    const email = "spent-elsewhere@northwind.example";
    const realId = await idOf(await intakeHarness().post("demo", { ...DEMO, email }));
    // The earlier submission's exact fields, with a spent token it was not sent with: 403, however it is asked.
    const spent = intakeHarness({ bindings: { TURNSTILE_SECRET_KEY: TEST_SECRETS.spent } });
    for (const token of ["someone-elses-spent-token", "x"]) {
      const refused = await spent.post("demo", { ...DEMO, email, "cf-turnstile-response": token });
      expect(refused.status).toBe(403);
      expect(await refused.text()).not.toContain(realId);
    }
    // The token it was sent with, spent now: the client's own retry after a lost answer gets its answer.
    expect(await idOf(await spent.post("demo", { ...DEMO, email }))).toBe(realId);
  });
});

describe("a Turnstile token is accepted once, on the form's own pages", () => {
  const standIn = () => intakeHarness({ bindings: { TURNSTILE_SECRET_KEY: STAND_IN_SECRET } });
  const clock = turnstileClock.now;
  afterEach(async () => {
    turnstileClock.now = clock;
    await savePolicy(env.DB, Policy.parse(DEFAULT_POLICY), new Date());
  });

  it("one solved token passes one submission: another submission with it is refused as spent", async () => {
    const harness = standIn();
    const token = issueToken({ hostname: "www.example.com" });
    const first = await harness.post("demo", { ...DEMO, email: "token-once-a@northwind.example", "cf-turnstile-response": token });
    expect(first.status).toBe(202);
    const before = await intakeCounts();
    for (const email of ["token-once-b@northwind.example", "token-once-c@northwind.example"]) {
      const replayed = await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": token });
      expect(replayed.status).toBe(403);
      expect(await replayed.json()).toMatchObject({
        error: "turnstile_failed",
        issues: [{ field: "cf-turnstile-response", message: "timeout-or-duplicate" }],
      });
    }
    expect(await intakeCounts()).toEqual(before);
  });

  it("the same submission sent again with its token (a double click, a lost answer) gets its answer, within the token's life and after", async () => {
    const harness = standIn();
    const email = "token-retry@northwind.example";
    const token = issueToken({ hostname: "www.example.com" });
    const id = await idOf(await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": token }));
    expect(await idOf(await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": token }))).toBe(id);
    const issuedAt = Date.now();
    turnstileClock.now = () => issuedAt + TOKEN_LIFE_MS + 30_000;
    expect(await idOf(await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": token }))).toBe(id);
    expect(await submissionsOf(email)).toHaveLength(1);
    expect(harness.sent).toEqual([id]);
  });

  it("a submission sent again with its token after its duplicate window, while the token lives: its answer, not a second submission", async () => {
    const demo = DEFAULT_POLICY.forms!.find((f) => f.key === "demo")!;
    await savePolicy(env.DB, Policy.parse({ ...DEFAULT_POLICY, forms: [{ ...demo, duplicateWindow: "PT1M" }] }), new Date());
    let now = Date.now();
    const harness = intakeHarness({ now: () => new Date(now), bindings: { TURNSTILE_SECRET_KEY: STAND_IN_SECRET } });
    const email = "token-window@northwind.example";
    const token = issueToken({ hostname: "www.example.com" });
    const id = await idOf(await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": token }));
    now += 2 * 60_000;
    expect(await idOf(await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": token }))).toBe(id);
    // With a token of its own, the same fields after the window are a new submission, as the window says.
    const fresh = await idOf(await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": issueToken({ hostname: "www.example.com" }) }));
    expect(fresh).not.toBe(id);
    expect(await submissionsOf(email)).toHaveLength(2);
  });

  it("a token solved on another site's page is refused; on the form's allowed origin or the Worker's own page it passes", async () => {
    const harness = standIn();
    const elsewhere = await harness.post("demo", {
      ...DEMO,
      email: "token-host@northwind.example",
      "cf-turnstile-response": issueToken({ hostname: "attacker.example" }),
    });
    expect(elsewhere.status).toBe(403);
    expect(await elsewhere.json()).toMatchObject({ error: "turnstile_failed", issues: [{ message: "hostname-mismatch" }] });
    for (const [email, hostname] of [
      ["token-host-1@northwind.example", "www.example.com"],
      ["token-host-2@northwind.example", new URL(ORIGIN).hostname],
    ] as const) {
      expect((await harness.post("demo", { ...DEMO, email, "cf-turnstile-response": issueToken({ hostname }) })).status).toBe(202);
    }
  });

  it("a form that sets its widget's action refuses a token solved on another widget", async () => {
    const demo = DEFAULT_POLICY.forms!.find((f) => f.key === "demo")!;
    const withAction = { ...demo, spam: { ...demo.spam, turnstile: { ...demo.spam!.turnstile!, action: "demo-request" } } };
    await savePolicy(env.DB, Policy.parse({ ...DEFAULT_POLICY, forms: [withAction] }), new Date());
    const harness = standIn();
    const login = await harness.post("demo", {
      ...DEMO,
      email: "token-action@northwind.example",
      "cf-turnstile-response": issueToken({ hostname: "www.example.com", action: "login" }),
    });
    expect(login.status).toBe(403);
    expect(await login.json()).toMatchObject({ issues: [{ message: "action-mismatch" }] });
    const own = issueToken({ hostname: "www.example.com", action: "demo-request" });
    expect((await harness.post("demo", { ...DEMO, email: "token-action@northwind.example", "cf-turnstile-response": own })).status).toBe(202);
  });
});

describe("line breaks and broken UTF-8", () => {
  it("a line break in a single-line field is 400 naming the field; a message may have them", async () => {
    const harness = intakeHarness();
    const before = await intakeCounts();
    for (const firstName of ["Maya\r\nX-Injected: 1", "Maya\nBcc: x@evil.example", "Maya\u2028X", "Ma\u0085ya"]) {
      const response = await harness.post("demo", { ...DEMO, email: "crlf@northwind.example", firstName });
      expect(response.status, JSON.stringify(firstName)).toBe(400);
      expect(await response.json()).toMatchObject({ error: "invalid_submission", issues: [{ field: "firstName" }] });
    }
    const form = await harness.post("demo", { ...DEMO, email: "crlf@northwind.example", firstName: "Maya\r\nX-Injected: 1" }, { form: true });
    expect(form.status).toBe(400);
    expect(await intakeCounts()).toEqual(before);
    const message = await harness.post("demo", { ...DEMO, email: "crlf-message@northwind.example", message: "Line one.\r\nLine two." });
    expect(message.status).toBe(202);
  });

  it("percent-encoded bytes that are not UTF-8 are 400 naming the field, as the raw bytes are", async () => {
    const harness = intakeHarness();
    const before = await intakeCounts();
    const body = (firstName: string) =>
      `${new URLSearchParams({ ...DEMO, email: "bytes@northwind.example", firstName: "placeholder" }).toString().replace("firstName=placeholder", `firstName=${firstName}`)}`;
    const post = (payload: string | Uint8Array) =>
      harness.fetch(
        new Request(`${ORIGIN}/intake/demo`, { method: "POST", body: payload, headers: { "content-type": "application/x-www-form-urlencoded" } }),
      );
    const encoded = await post(body("Ma%FF%FEya"));
    expect(encoded.status).toBe(400);
    expect(await encoded.json()).toMatchObject({ error: "invalid_payload", issues: [{ field: "firstName" }] });
    const text = body("MaXXya");
    const bytes = new TextEncoder().encode(text);
    const at = text.indexOf("MaXXya") + 2;
    bytes[at] = 0xff;
    bytes[at + 1] = 0xfe;
    expect((await post(bytes)).status).toBe(400);
    // A lone surrogate is JSON's broken UTF-8.
    const surrogate = await harness.fetch(
      new Request(`${ORIGIN}/intake/demo`, {
        method: "POST",
        body: JSON.stringify({ ...DEMO, email: "bytes@northwind.example" }).replace('"Jane"', '"Ja\\ud800ne"'),
        headers: { "content-type": "application/json" },
      }),
    );
    expect(surrogate.status).toBe(400);
    expect(await surrogate.json()).toMatchObject({ issues: [{ field: "firstName" }] });
    expect(await intakeCounts()).toEqual(before);
    // Valid UTF-8, percent-encoded or not, is taken: a name with an accent, and a typed U+FFFD.
    const accented = await post(body("Ma%C3%AFa%EF%BF%BD"));
    expect(accented.status).toBe(202);
    expect((await stored(harness, await idOf(accented))).submission.fields.firstName).toBe("Maïa\uFFFD");
  });
});
