import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { checkSalesforcePicklists } from "../../src/crm/crm-setup";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { call } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

const auth = { accessToken: TEST_BINDINGS.SALESFORCE_ACCESS_TOKEN };
/** Only the stale-lead rule, parking Salesforce leads by writing `value` to `property`. */
const parkingIn = (property: string, value: string) =>
  Policy.parse({
    ...DEFAULT_POLICY,
    rules: {
      staleLead: {
        ...DEFAULT_POLICY.rules.staleLead!,
        objectTypes: ["lead"],
        hibernate: { hubspot: { property: "hs_lead_status", value: "BAD_TIMING" }, salesforce: { property, value } },
      },
    },
  });

describe("CRM setup: the Salesforce picklist values the policy uses (describe, against the emulator)", () => {
  it("POST /admin/crm/setup names the values and fields the org lacks for the active policy", async () => {
    const response = await call("/admin/crm/setup", { method: "POST", headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` } });
    const { salesforcePicklists } = (await response.json()) as { salesforcePicklists: { ok: boolean; action: string; detail: string } };
    expect(salesforcePicklists).toMatchObject({ ok: false, action: "missing" });
    expect(salesforcePicklists.detail).toContain('add to Lead.Status: "Nurturing"');
    expect(salesforcePicklists.detail).toContain("Contact has no field Status");
  });

  it("passes when every field the policy uses is there (values of non-picklists are not checked)", async () => {
    const step = await checkSalesforcePicklists(auth, env.SALESFORCE_INSTANCE_URL, parkingIn("HasOptedOutOfEmail", "true"));
    expect(step).toMatchObject({ ok: true, action: "exists" });
  });

  it("names a field the org does not have", async () => {
    const step = await checkSalesforcePicklists(auth, env.SALESFORCE_INSTANCE_URL, parkingIn("Nurture_Stage__c", "parked"));
    expect(step).toMatchObject({ ok: false, action: "missing" });
    expect(step.detail).toContain("Lead has no field Nurture_Stage__c (rules.staleLead.hibernate.salesforce)");
  });

  it("says why it could not check when Salesforce refuses the sign-in", async () => {
    const step = await checkSalesforcePicklists({ accessToken: "not-a-session" }, env.SALESFORCE_INSTANCE_URL, parkingIn("Status", "Nurturing"));
    expect(step).toMatchObject({ ok: false, action: "failed" });
  });
});
