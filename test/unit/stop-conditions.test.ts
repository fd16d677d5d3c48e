import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { unsubscribeIn } from "../../src/core/policy/stop-conditions";

const stopWhen = DEFAULT_POLICY.rules.cadences!.stopWhen!;

describe("unsubscribeIn: the change that withdraws consent", () => {
  it("is the policy's unsubscribed condition of the record's CRM, judged by what the change holds", () => {
    expect(unsubscribeIn(stopWhen, "hubspot", { hs_email_optout: "true" })).toEqual({ reason: "unsubscribed", evidence: "hs_email_optout = true" });
    expect(unsubscribeIn(stopWhen, "salesforce", { HasOptedOutOfEmail: "true" })).toEqual({
      reason: "unsubscribed",
      evidence: "HasOptedOutOfEmail = true",
    });
    // Opting back in, another CRM's property, an unrelated change: no withdrawal.
    expect(unsubscribeIn(stopWhen, "hubspot", { hs_email_optout: "false" })).toBeNull();
    expect(unsubscribeIn(stopWhen, "hubspot", { HasOptedOutOfEmail: "true" })).toBeNull();
    expect(unsubscribeIn(stopWhen, "hubspot", { firstname: "Uma" })).toBeNull();
  });

  it("is not another stop: a reply or a booked meeting ends a cadence but withdraws nothing", () => {
    const others = stopWhen.filter((c) => c.reason !== "unsubscribed" && c.crm === "hubspot");
    expect(others.length).toBeGreaterThan(0);
    for (const condition of others) {
      const value = condition.when === "set" ? "2026-12-01T10:00:00Z" : "in" in condition.when ? condition.when.in[0]! : "somewhere-else";
      expect(unsubscribeIn(stopWhen, "hubspot", { [condition.property]: value }), condition.property).toBeNull();
    }
  });
});
