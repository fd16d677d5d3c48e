import { createExecutionContext, createScheduledController } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import entry from "../../src/index";
import { withdrawConsents } from "../../src/storage/intake-consents";
import { setSubmissionStatus } from "../../src/storage/intake-submissions";
import { DEMO, intakeHarness } from "../support/intake";

/*
 * Nothing intake keeps is kept without limit (issue 23, intake 3): each table's retention
 * (src/intake/intake-retention.ts, docs/intake.md), run by the cron.
 */

const idOf = async (response: Response) => ((await response.json()) as { submissionId: string }).submissionId;

describe("every intake table has a retention, enforced by the cron", () => {
  const worker = entry as unknown as Required<Pick<ExportedHandler<Env>, "scheduled">>;
  const DAY = 86_400_000;
  /** A submission made `daysAgo` days ago, not sent on (its status is the test's to set). */
  async function madeAgo(daysAgo: number | Date, email: string, fields: Record<string, string> = {}) {
    const at = daysAgo instanceof Date ? daysAgo : new Date(Date.now() - daysAgo * DAY);
    const quiet = intakeHarness({ now: () => at, bindings: { SUBMISSIONS: { send: async () => {}, sendBatch: async () => {} } } });
    const response = await quiet.post("demo", { ...DEMO, email, ...fields });
    expect(response.status).toBe(202);
    return idOf(response);
  }
  const exists = async (table: string, column: string, value: string) =>
    ((await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${column} = ?`).bind(value).first<{ n: number }>())?.n ?? 0) > 0;

  it("spam a week, processed a quarter, dead a year; touches two years; a withdrawn consent six years; expired keys", async () => {
    const spamOld = await madeAgo(8, "ret-spam-old@northwind.example", { _fill_ms: "800" });
    const spamNew = await madeAgo(6, "ret-spam-new@northwind.example", { _fill_ms: "800" });
    const processedOld = await madeAgo(100, "ret-processed-old@northwind.example");
    const processedNew = await madeAgo(80, "ret-processed-new@northwind.example");
    const deadOld = await madeAgo(400, "ret-dead-old@northwind.example");
    for (const [id, status] of [
      [processedOld, "processed"],
      [processedNew, "processed"],
      [deadOld, "dead"],
    ] as const)
      await setSubmissionStatus(env.DB, id, status, new Date(), { from: ["received"] });
    // Consents: one withdrawn seven years ago, one given then and standing, one withdrawn two years ago.
    const given = new Date("2019-03-01T10:00:00Z");
    await madeAgo(given, "ret-withdrawn-old@northwind.example");
    await withdrawConsents(env.DB, {
      email: "ret-withdrawn-old@northwind.example",
      source: "admin",
      reference: "ret-1",
      at: new Date("2019-06-01T10:00:00Z"),
    });
    await madeAgo(given, "ret-standing@northwind.example");
    await madeAgo(given, "ret-withdrawn-new@northwind.example");
    await withdrawConsents(env.DB, {
      email: "ret-withdrawn-new@northwind.example",
      source: "admin",
      reference: "ret-2",
      at: new Date(Date.now() - 2 * 365 * DAY),
    });
    await madeAgo(300, "ret-touch-recent@northwind.example");

    // The daily part runs from the cron of 03:00 UTC.
    const at = new Date();
    at.setUTCHours(3, 1, 0, 0);
    if (at.getTime() > Date.now()) at.setUTCDate(at.getUTCDate() - 1);
    await worker.scheduled(createScheduledController({ scheduledTime: at.getTime(), cron: "*/5 * * * *" }), env, createExecutionContext());

    for (const id of [spamOld, processedOld, deadOld]) {
      expect(await exists("intake_submissions", "id", id), id).toBe(false);
      expect(await exists("intake_submission_steps", "submission_id", id), id).toBe(false);
    }
    for (const id of [spamNew, processedNew]) expect(await exists("intake_submissions", "id", id), id).toBe(true);
    expect(await exists("intake_consents", "email", "ret-withdrawn-old@northwind.example")).toBe(false);
    expect(await exists("intake_consents", "email", "ret-standing@northwind.example")).toBe(true);
    expect(await exists("intake_consents", "email", "ret-withdrawn-new@northwind.example")).toBe(true);
    expect(await exists("intake_lead_touches", "email", "ret-standing@northwind.example")).toBe(false);
    expect(await exists("intake_lead_touches", "email", "ret-touch-recent@northwind.example")).toBe(true);
    // Keys expire with their window (five minutes), once the token they were spent with is dead too.
    const keys = await env.DB.prepare("SELECT count(*) AS n FROM intake_idempotency WHERE submission_id IN (?, ?, ?)")
      .bind(spamOld, processedOld, deadOld)
      .first<{ n: number }>();
    expect(keys?.n).toBe(0);
    // Recent evidence is still protected by the database itself.
    await expect(env.DB.prepare("DELETE FROM intake_consents WHERE email = ?").bind("ret-withdrawn-new@northwind.example").run()).rejects.toThrow(
      /append-only/,
    );
  });
});
