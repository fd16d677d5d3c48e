import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { hubspotEmulator } from "../support/emulators";
import { call } from "../support/requests";
import { admin, auditEntries, deliverHubSpotWebhooks } from "../support/rule-flows";

/** The pattern that pinned workerd at 100% CPU through a backtracking RegExp (issue 23, finding 10). */
const PATHOLOGICAL = `${"*a".repeat(18)}*b`;

const cadences = DEFAULT_POLICY.rules.cadences!;
const POLICY = {
  ...DEFAULT_POLICY,
  rules: { cadences: { ...cadences, routes: [{ source: PATHOLOGICAL, cadence: "inbound-sales" }, ...(cadences.routes ?? [])] } },
};

beforeAll(async () => {
  const put = await admin("/admin/policy", { method: "PUT", body: JSON.stringify(POLICY) });
  expect(put.status).toBe(201);
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspotLeadSource.ok).toBe(true);
  await hubspotEmulator.webhooks();
});

describe("a policy cannot hang the Worker", () => {
  it('a route "*a" × 18 + "*b" and a lead whose source is 100 a\'s: the lead gets the default cadence and /health answers', {
    timeout: 60_000,
  }, async () => {
    const contact = await hubspotEmulator.uiCreate("contacts", {
      email: `stars.${Date.now()}@example.com`,
      firstname: "Ada",
      lead_source: "a".repeat(100),
    });
    await deliverHubSpotWebhooks();
    const key = `hubspot:62515:contact:${contact.id}`;
    // The record's rules ran with the pattern: not matched, so the default cadence.
    const {
      entries: [enrolled],
    } = await auditEntries(key, "enrolled");
    expect(enrolled.data).toMatchObject({ cadence: cadences.defaultCadence, source: "a".repeat(100) });
    const started = performance.now();
    const health = await call("/health");
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true, service: "lead-follow-up" });
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it("a stale threshold of P300000Y or PT0S, or a zero grace period, is refused with its range and changes nothing", async () => {
    const before = (await (await admin("/admin/policy")).json()) as any;
    const stale = DEFAULT_POLICY.rules.staleLead!;
    const gate = DEFAULT_POLICY.rules.stageGates!;
    for (const [rules, path, value, range] of [
      [{ staleLead: { ...stale, threshold: "P300000Y" } }, "rules.staleLead.threshold", "P300000Y", "PT10S to P90D"],
      [{ staleLead: { ...stale, threshold: "PT0S" } }, "rules.staleLead.threshold", "PT0S", "PT10S to P90D"],
      [{ stageGates: { ...gate, gracePeriod: "PT0S" } }, "rules.stageGates.gracePeriod", "PT0S", "PT10S to P30D"],
    ] as const) {
      const put = await admin("/admin/policy", { method: "PUT", body: JSON.stringify({ ...DEFAULT_POLICY, rules }) });
      expect(put.status).toBe(400);
      const body = (await put.json()) as any;
      expect(body.issues).toContainEqual({ path, message: expect.stringContaining(`"${value}" is outside ${range}`) });
    }
    expect(((await (await admin("/admin/policy")).json()) as any).version).toBe(before.version);
  });
});
