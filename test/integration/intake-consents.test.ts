import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type Withdrawal, withdrawConsents } from "../../src/storage/intake-consents";
import { loadSubmission, waitingSubmissions } from "../../src/storage/intake-submissions";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { resendWaitingSubmissions } from "../../src/intake/submission-queue";
import entry from "../../src/index";
import { adminHeaders, DEMO, intakeHarness } from "../support/intake";
import { ORIGIN } from "../support/requests";

/** The withdrawn rows a call appended (not those an earlier call with the same reference did). */
const appendedRows = async (withdrawal: Withdrawal) => (await withdrawConsents(env.DB, withdrawal)).filter((w) => w.appended).map((w) => w.row);

const sha256Hex = async (text: string) =>
  [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))].map((b) => b.toString(16).padStart(2, "0")).join("");
const texts = Object.fromEntries(DEFAULT_POLICY.forms![0]!.consents!.map((c) => [c.id, c.versions[0]!.text]));

describe("consent that can be proven", () => {
  it("one append-only row per consent given: who, when, the exact text and its hash, form, page, IP, user agent, purpose, legal basis", async () => {
    const harness = intakeHarness({ now: () => new Date("2026-03-10T15:00:00Z") });
    const response = await harness.post(
      "demo",
      { ...DEMO, email: "Consent.Giver+demo@Northwind.example", consent_marketing: "on", page_url: "https://www.example.com/demo" },
      { headers: { "cf-connecting-ip": "203.0.113.50", "user-agent": "Mozilla/5.0 (consent test)" } },
    );
    const { submissionId } = (await response.json()) as { submissionId: string };
    // Any spelling of the address finds the person.
    const listed = await harness.fetch(
      new Request(`${ORIGIN}/admin/consents?email=${encodeURIComponent("CONSENT.GIVER@northwind.example")}`, { headers: adminHeaders }),
    );
    const body = (await listed.json()) as any;
    expect(body.email).toBe("consent.giver@northwind.example");
    expect(body.records).toEqual([
      {
        id: `${submissionId}:privacy`,
        email: "consent.giver@northwind.example",
        address: "consent.giver+demo@northwind.example",
        action: "given",
        consentId: "privacy",
        purpose: "Answer this demo request and arrange the demo",
        legalBasis: "contract",
        text: texts.privacy,
        textVersion: "2026-01",
        textHash: await sha256Hex(texts.privacy!),
        formKey: "demo",
        pageUrl: "https://www.example.com/demo",
        submissionId,
        ip: "203.0.113.50",
        userAgent: "Mozilla/5.0 (consent test)",
        source: "form",
        recordedAt: "2026-03-10T15:00:00.000Z",
      },
      expect.objectContaining({ consentId: "marketing", legalBasis: "consent", text: texts.marketing, textHash: await sha256Hex(texts.marketing!) }),
    ]);
    expect(body.current).toEqual({
      privacy: { action: "given", at: "2026-03-10T15:00:00.000Z", textVersion: "2026-01" },
      marketing: { action: "given", at: "2026-03-10T15:00:00.000Z", textVersion: "2026-01" },
    });
  });

  it("rows are never changed or removed: the database refuses it", async () => {
    await intakeHarness().post("demo", { ...DEMO, email: "immutable@northwind.example" });
    await expect(
      env.DB.prepare("UPDATE intake_consents SET text = 'something else' WHERE email = ?").bind("immutable@northwind.example").run(),
    ).rejects.toThrow(/append-only/);
    await expect(env.DB.prepare("DELETE FROM intake_consents WHERE email = ?").bind("immutable@northwind.example").run()).rejects.toThrow(
      /append-only/,
    );
  });

  it("a withdrawal (an unsubscribe) is recorded the same way; the same reference records nothing twice", async () => {
    const harness = intakeHarness({ now: () => new Date("2026-03-10T15:00:00Z") });
    const email = "withdraws@northwind.example";
    await harness.post("demo", { ...DEMO, email, consent_marketing: "2026-01" });
    const withdrawal = {
      email,
      consentIds: ["marketing"],
      source: "unsubscribe",
      reference: "hubspot:62515:contact:9:hs_email_optout",
      at: new Date("2026-03-12T09:00:00Z"),
    };
    const rows = await appendedRows(withdrawal);
    expect(rows).toEqual([
      expect.objectContaining({
        action: "withdrawn",
        consentId: "marketing",
        purpose: "Product news and offers by email",
        legalBasis: "consent",
        source: "unsubscribe",
        recordedAt: "2026-03-12T09:00:00.000Z",
      }),
    ]);
    expect(await appendedRows(withdrawal)).toEqual([]);
    // Asked again (a retried run), it still answers the withdrawal it stands for, appended before, with the consent it withdraws.
    expect(await withdrawConsents(env.DB, withdrawal)).toEqual([
      { row: rows[0], given: expect.objectContaining({ action: "given", consentId: "marketing", formKey: "demo" }), appended: false },
    ]);
    const everything = await appendedRows({
      email,
      source: "admin",
      reference: "ticket-42",
      at: new Date("2026-03-13T09:00:00Z"),
    });
    expect(everything.map((r) => r.consentId)).toEqual(["privacy"]);
    const body = (await (await harness.fetch(new Request(`${ORIGIN}/admin/consents?email=${email}`, { headers: adminHeaders }))).json()) as any;
    expect(body.records.map((r: { action: string; consentId: string }) => `${r.action} ${r.consentId}`)).toEqual([
      "given privacy",
      "given marketing",
      "withdrawn marketing",
      "withdrawn privacy",
    ]);
    expect(body.current).toMatchObject({ marketing: { action: "withdrawn" }, privacy: { action: "withdrawn" } });
  });

  it("GET /admin/consents needs an address", async () => {
    const response = await intakeHarness().fetch(new Request(`${ORIGIN}/admin/consents?email=nobody`, { headers: adminHeaders }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ issues: [{ path: "email" }] });
  });
});

describe("the submissions queue", () => {
  const worker = entry as unknown as Required<Pick<ExportedHandler<Env>, "queue">>;

  it("paused (PAUSE_INTAKE_PROCESSING), the form is still answered and its submission waits as received", async () => {
    const harness = intakeHarness();
    const { submissionId } = (await (await harness.post("demo", { ...DEMO, email: "paused@northwind.example" })).json()) as { submissionId: string };
    const paused = { ...env, PAUSE_INTAKE_PROCESSING: "true" };
    const batch = createMessageBatch("lead-follow-up-submissions", [{ id: "p1", timestamp: new Date(), attempts: 1, body: { submissionId } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, paused, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result).toMatchObject({ ackAll: true, retryBatch: { retry: false } });
    const waiting = await loadSubmission(env.DB, submissionId);
    expect(waiting?.status).toBe("received");
    expect(waiting?.steps.map((s) => s.step)).not.toContain("matched");
    // Once the pause ends, the cron's resend (two minutes after receipt) picks it up again.
    expect(await waitingSubmissions(env.DB, new Date(Date.now() + 1_000))).toContain(submissionId);
  });

  it("a dead letter marks its submission dead, with the step saying so; an admin sends it again", async () => {
    const harness = intakeHarness();
    const { submissionId } = (await (await harness.post("demo", { ...DEMO, email: "dead@northwind.example" })).json()) as { submissionId: string };
    const batch = createMessageBatch("lead-follow-up-submissions-dlq", [{ id: "d1", timestamp: new Date(), attempts: 11, body: { submissionId } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["d1"]);
    const dead = await loadSubmission(env.DB, submissionId);
    expect(dead?.status).toBe("dead");
    expect(dead?.steps.at(-1)).toMatchObject({
      step: "dead-lettered",
      detail: { attempts: 11, retry: `POST /admin/submissions/${submissionId}/retry` },
    });

    const retry = await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${submissionId}/retry`, { method: "POST", headers: adminHeaders }));
    expect(await retry.json()).toEqual({ submissionId, status: "received", queued: true });
    expect(harness.sent).toEqual([submissionId, submissionId]);
    expect((await loadSubmission(env.DB, submissionId))?.status).toBe("received");
    const again = await harness.fetch(new Request(`${ORIGIN}/admin/submissions/${submissionId}/retry`, { method: "POST", headers: adminHeaders }));
    expect(again.status).toBe(409);
  });

  it("the cron sends again the ids of submissions still waiting after two minutes (a lost message, a failed send)", async () => {
    let now = Date.parse("2026-04-01T10:00:00Z");
    const harness = intakeHarness({ now: () => new Date(now) });
    const { submissionId } = (await (await harness.post("demo", { ...DEMO, email: "waiting-cron@northwind.example" })).json()) as {
      submissionId: string;
    };
    const sent: string[] = [];
    const queue = {
      sendBatch: async (messages: { body: { submissionId: string } }[]) => void sent.push(...messages.map((m) => m.body.submissionId)),
    } as unknown as Queue;
    await resendWaitingSubmissions({ DB: env.DB, SUBMISSIONS: queue }, new Date(now + 60_000));
    expect(sent).not.toContain(submissionId);
    now += 3 * 60_000;
    await resendWaitingSubmissions({ DB: env.DB, SUBMISSIONS: queue }, new Date(now));
    expect(sent).toContain(submissionId);
  });
});
