import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SalesforceCrm } from "../../src/crm/salesforce-crm";
import { salesforceEmulator } from "../support/emulators";
import { TEST_BINDINGS } from "../support/test-bindings";

const crm = () =>
  new SalesforceCrm({
    instanceUrl: env.SALESFORCE_INSTANCE_URL,
    auth: { clientId: TEST_BINDINGS.SALESFORCE_CLIENT_ID, clientSecret: TEST_BINDINGS.SALESFORCE_CLIENT_SECRET },
  });

describe("fresh reads of Salesforce people with one policy for leads and contacts", () => {
  it("reads a contact with the policy's lead fields: those only leads have are empty, the rest are read", async () => {
    const { id } = await salesforceEmulator.uiCreate("Contact", { LastName: "Reads", Email: "reads@globex.example", OwnerId: "0055g00000RepOnAAA" });
    const read = await crm().getRecord("contact", id, ["OwnerId", "Email", "Status", "Company", "IsConverted"]);
    expect(read).toEqual({
      ok: true,
      value: { id, properties: { OwnerId: "0055g00000RepOnAAA", Email: "reads@globex.example", Status: null, Company: null, IsConverted: null } },
    });
  });

  it("a field neither object has is the policy's mistake: a permanent failure naming it", async () => {
    const { id } = await salesforceEmulator.uiCreate("Contact", { LastName: "Typo" });
    const read = await crm().getRecord("contact", id, ["OwnerId", "Lead_Scroe__c"]);
    expect(read).toMatchObject({ ok: false, failure: { kind: "permanent", code: "INVALID_FIELD" } });
    expect(!read.ok && read.failure.message).toContain("Lead_Scroe__c");
  });
});
