import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { hubspotEmulator } from "../support/emulators";
import { DEMO } from "../support/intake";
import { call } from "../support/requests";
import { decisionTableCounts } from "../support/store";
import { TEST_BINDINGS } from "../support/test-bindings";

const simulate = async (body: unknown) => {
  const response = await call("/admin/simulate", {
    method: "POST",
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json" },
  });
  return { status: response.status, body: (await response.json()) as any };
};
const run = Date.now().toString(36);
const { "cf-turnstile-response": _token, ...fields } = DEMO;
const count = async (table: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
/** Everything a submission would change: the outbox, records, submissions, consents, the CRM. */
const footprint = async () => ({
  ...(await decisionTableCounts()),
  submissions: await count("intake_submissions"),
  consents: await count("intake_consents"),
  contacts: (await hubspotEmulator.objects("contacts")).length,
});

describe("POST /admin/simulate with submissions", () => {
  it("answers the score with its breakdown, the match, the route and the cadence plan, storing and sending nothing", async () => {
    const before = await footprint();
    const email = `dry.${run}@northwind.example`;
    // Saturday 02:00 in Berlin.
    const submission = { formKey: "demo", receivedAt: "2026-11-28T01:00:00.000Z", fields: { ...fields, email, time_zone: "Europe/Berlin" } };
    const first = await simulate({ policy: DEFAULT_POLICY, until: "2026-12-05T00:00:00.000Z", submissions: [submission] });
    expect(first.status).toBe(200);
    const [result] = first.body.submissions;
    expect(result).toMatchObject({
      index: 0,
      outcome: "lead",
      recordKey: "hubspot:62515:contact:new-1",
      submission: { crm: "hubspot", source: "demo_request", email: { address: email, kind: "business" }, timeZone: "Europe/Berlin" },
      match: { checked: true },
      write: { crm: "hubspot", objectType: "contact" },
    });
    expect(result.match.person).toBeUndefined();
    // The score adds up, line by line, each with its evidence.
    expect(result.score.breakdown.reduce((sum: number, line: any) => sum + (line.group === "total" ? 0 : line.points), 0)).toBeGreaterThanOrEqual(
      result.score.score,
    );
    expect(result.score.breakdown.find((l: any) => l.rule && l.evidence.includes("VP of Sales"))).toBeDefined();
    expect(result.write.properties).toMatchObject({
      email,
      lead_follow_up_score: String(result.score.score),
      lead_follow_up_tier: result.score.tier,
      lead_source: "demo_request",
    });
    expect(["84213371", "84213372"]).toContain(result.route.ownerId);
    expect(result.route.reason).toContain("weighted round robin");
    expect(result.write.properties.lead_follow_up_routing_reason).toBe(result.route.reason);

    // The cadence the written record would get, counted from the submission, in the browser's zone.
    const [plan] = first.body.cadences;
    expect(plan).toMatchObject({ recordKey: result.recordKey, cadenceId: "inbound-sales", zone: "Europe/Berlin", status: "active" });
    expect(plan.steps[0].local).toMatch(/^Mon 30 Nov, 09:\d\d \(Europe\/Berlin\)$/);
    expect(first.body.timeline.find((t: any) => t.rule === "cadence" && t.outcome === "enrolled")).toBeDefined();

    // The rotation was only looked at: the same answer again, and nothing anywhere changed.
    const again = await simulate({ policy: DEFAULT_POLICY, until: "2026-12-05T00:00:00.000Z", submissions: [submission] });
    expect(again.body.submissions[0].route).toEqual(result.route);
    expect(await footprint()).toEqual(before);
  });

  it("a returning lead keeps its owner; a bad submission and spam are said, and do not sink the good one beside them", async () => {
    const email = `dry.returning.${run}@northwind.example`;
    const existing = await hubspotEmulator.uiCreate("contacts", { email, firstname: "Ret", hubspot_owner_id: "84213372" });
    await hubspotEmulator.webhooks();
    const before = await footprint();
    const { body } = await simulate({
      submissions: [
        { formKey: "demo", fields: { ...fields, email: "not-an-address" } },
        { formKey: "demo", fields: { ...fields, email, website: "http://spam.example" } },
        { formKey: "nope", fields },
        { formKey: "demo", fields: { ...fields, email } },
      ],
    });
    expect(body.submissions.map((s: any) => s.outcome)).toEqual(["refused", "spam", "refused", "lead"]);
    expect(body.submissions[0].issues).toEqual([expect.objectContaining({ field: "email" })]);
    expect(body.submissions[1].reason).toContain("honeypot");
    expect(body.submissions[2].error).toContain("no form nope");
    expect(body.submissions[3]).toMatchObject({
      recordKey: `hubspot:62515:contact:${existing.id}`,
      match: { checked: true, person: { objectType: "contact", id: existing.id, ownerId: "84213372" } },
      route: { ownerId: "84213372" },
      write: { recordId: existing.id },
    });
    expect(body.submissions[3].route.reason).toContain("returning lead: keeps its owner");
    expect(body.submissions[3].write.properties.lead_source).toBeUndefined();
    expect(await footprint()).toEqual(before);
  });

  it("refuses a request with neither events nor submissions", async () => {
    const { status, body } = await simulate({});
    expect(status).toBe(400);
    expect(JSON.stringify(body)).toContain("give events, submissions or both");
  });
});
