import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/domain/default-policy";
import { salesforceEmulator } from "../support/emulators";
import { eventually, leadSnapshot, send, signedSalesforce } from "../support/requests";
import { admin, auditEntries, runDue } from "../support/rule-flows";

afterAll(async () => {
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(DEFAULT_POLICY) })).status).toBe(201);
});

describe("a rule run the CRM keeps refusing", () => {
  it("is retried for an hour, then given up with its error in the audit, and later events still run", { timeout: 60_000 }, async () => {
    // The org has no such field: every enrollment read is refused (INVALID_FIELD).
    const broken = {
      ...DEFAULT_POLICY,
      rules: { cadences: { ...DEFAULT_POLICY.rules.cadences!, sourceProperty: { salesforce: "No_Such_Field__c" } } },
    };
    expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(broken) })).status).toBe(201);
    const lead = await salesforceEmulator.uiCreate("Lead", { LastName: "Refused", Company: "Nope Inc", OwnerId: "0055g00000RepOnAAA" });
    expect((await send(await signedSalesforce(await salesforceEmulator.webhooks()))).status).toBe(200);
    const key = `salesforce:00D5g000004ExmplEAA:lead:${lead.id}`;
    await eventually(async () => expect((await leadSnapshot(key)).status).toBe(200));

    // Retries every 7 minutes (past each lease): an hour of failures, then it is given up.
    const start = Date.now();
    for (let i = 1; i <= 5; i++) await runDue(key, start + i * 7 * 60_000);
    expect((await leadSnapshot(key)).body.audit.some((a: any) => a.outcome === "given up")).toBe(false);
    for (let i = 6; i <= 12; i++) await runDue(key, start + i * 7 * 60_000);
    const {
      entries: [givenUp],
    } = await auditEntries(key, "given up");
    expect(givenUp.rule).toBe("rules");
    expect(givenUp.reason).toMatch(/^created event .* failed 10 times over \d+ minutes; the rules skipped it: .*No_Such_Field__c/);

    // The record is not stuck: a later change is handled (an opt-out would stop a cadence; here
    // there is none, so the rules simply see it without failing).
    await salesforceEmulator.uiUpdate("Lead", lead.id, { Status: "Working - Contacted" });
    expect((await send(await signedSalesforce(await salesforceEmulator.webhooks()))).status).toBe(200);
    await runDue(key, start + 13 * 7 * 60_000);
    await eventually(async () => {
      const { body } = await leadSnapshot(key);
      expect(body.events).toHaveLength(2);
      expect(body.audit.filter((a: any) => a.outcome === "given up")).toHaveLength(1);
    });
  });
});
