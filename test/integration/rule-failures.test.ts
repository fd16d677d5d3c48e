import { afterAll, afterEach, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { salesforceEmulator } from "../support/emulators";
import { eventually, leadSnapshot, send, signedSalesforce } from "../support/requests";
import { admin, auditEntries, runDue } from "../support/rule-flows";

afterEach(async () => {
  await salesforceEmulator.faults({});
});

afterAll(async () => {
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(DEFAULT_POLICY) })).status).toBe(201);
});

/** A new Salesforce lead, delivered to its record; returns its record key. */
async function newLead(lastName: string) {
  const lead = await salesforceEmulator.uiCreate("Lead", { LastName: lastName, Company: "Nope Inc", OwnerId: "0055g00000RepOnAAA" });
  expect((await send(await signedSalesforce(await salesforceEmulator.webhooks()))).status).toBe(200);
  const key = `salesforce:00D5g000004ExmplEAA:lead:${lead.id}`;
  await eventually(async () => expect((await leadSnapshot(key)).status).toBe(200));
  return { id: lead.id as string, key };
}

const MINUTE = 60_000;

describe("a rule run the CRM refuses", () => {
  it("for good (a field the org does not have): that rule's run is recorded at once, the other rules go on", { timeout: 60_000 }, async () => {
    // Every enrolment read asks for a field the org does not have: Salesforce answers INVALID_FIELD.
    const broken = {
      ...DEFAULT_POLICY,
      rules: { ...DEFAULT_POLICY.rules, cadences: { ...DEFAULT_POLICY.rules.cadences!, sourceProperty: { salesforce: "No_Such_Field__c" } } },
    };
    expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(broken) })).status).toBe(201);
    const { id, key } = await newLead("Refused");
    const start = Date.now();
    await runDue(key, start + MINUTE);
    const {
      entries: [refused],
      body,
    } = await auditEntries(key, "refused");
    expect(refused).toMatchObject({ rule: "cadence", data: { trigger: "created", code: "INVALID_FIELD" } });
    expect(refused.reason).toMatch(/No_Such_Field__c/);
    // The stale-lead rule saw the same event and started its clock; nothing waits to be retried.
    expect(body.audit.map((a: any) => `${a.rule}: ${a.outcome}`)).toEqual(["stale-lead: clock started", "cadence: refused"]);
    expect(body.pendingWakeups.map((w: any) => w.name)).not.toContain("rules");

    // The record is not stuck: a later change is handled.
    await salesforceEmulator.uiUpdate("Lead", id, { Status: "Working - Contacted" });
    expect((await send(await signedSalesforce(await salesforceEmulator.webhooks()))).status).toBe(200);
    await runDue(key, start + 2 * MINUTE);
    await eventually(async () => {
      const { body } = await leadSnapshot(key);
      expect(body.events).toHaveLength(2);
      expect(body.audit.map((a: any) => a.outcome)).toContain("clock reset");
    });
  });

  it("for a while (an outage): retried with backoff, given up only after ten tries over an hour", { timeout: 60_000 }, async () => {
    expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(DEFAULT_POLICY) })).status).toBe(201);
    await salesforceEmulator.faults({ rate5xx: 1 });
    const { key } = await newLead("Outage");
    const rulesDue = async () => Date.parse((await leadSnapshot(key)).body.pendingWakeups.find((w: any) => w.name === "rules").dueAt);
    // The record's own alarm makes the first try as the event arrives: 30 s later, the next.
    const first = await eventually(async () => {
      const due = await rulesDue();
      expect(due).toBeGreaterThan(Date.now());
      return due;
    });
    // The wait doubles with each failure: 60 s after the second, 120 s after the third.
    await runDue(key, first);
    expect((await rulesDue()) - first).toBe(60_000);
    await runDue(key, first + MINUTE);
    expect((await rulesDue()) - (first + MINUTE)).toBe(120_000);
    // Nine failures by then (well past the hour): only the tenth gives the event up.
    const later = (n: number) => first + MINUTE + n * 16 * MINUTE;
    for (let n = 1; n <= 6; n++) await runDue(key, later(n));
    expect((await leadSnapshot(key)).body.audit.some((a: any) => a.outcome === "given up")).toBe(false);
    await runDue(key, later(7));
    const {
      entries: [givenUp],
    } = await auditEntries(key, "given up");
    expect(givenUp.reason).toMatch(/^created event .* failed 10 times over \d+ minutes: .*; the rules skipped it$/);
  });
});
