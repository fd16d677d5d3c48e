import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PRODUCT_FIELDS, type ProductFields } from "../../src/core/model/product-fields.ts";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy.ts";
import { Policy } from "../../src/core/policy/policy.ts";
import { deploymentNeeds, policyNeeds } from "../../src/core/policy/policy-needs.ts";
import { hubspotSubscriptions, HUBSPOT_WEBHOOKS_FILE } from "../../scripts/kit/hubspot-webhooks.ts";
import { KIT_OBJECT_TYPES, uncoveredObjectTypes } from "../../scripts/kit/kit-objects.ts";
import { apexSources, customFields, fieldPermissions, REPO, text } from "./kit/salesforce-project.ts";

/**
 * The kit against what the code uses: the default policy's needs (policyNeeds) and the fields the
 * product writes (PRODUCT_FIELDS); the task keys (crm-port.ts) are checked in workerd
 * (test/integration/kit-contract.test.ts), whose compiler settings src/crm needs. A rule, a policy
 * or a field that starts needing something the kit does not deliver or define fails here, naming it.
 */
const policy = Policy.parse(DEFAULT_POLICY);
const ruleObjectTypes = [policy.rules.staleLead, policy.rules.stageGates, policy.rules.cadences].flatMap((r) => (r?.enabled ? r.objectTypes : []));
const webhooks = JSON.parse(readFileSync(join(REPO, HUBSPOT_WEBHOOKS_FILE), "utf8"));
const subscribed = webhooks.config.subscriptions.crmObjects as {
  subscriptionType: string;
  objectType: string;
  propertyName?: string;
  active: boolean;
}[];
const definedFields = customFields();
const fls = fieldPermissions();
const isCustom = (field: string) => field.endsWith("__c");

describe("the kit covers what the code uses", () => {
  it("every record type the rules follow is delivered by a CRM's kit", () => {
    expect(uncoveredObjectTypes(ruleObjectTypes)).toEqual([]);
  });

  it("HubSpot: the app subscribes to every record event and property change the rules and the console's search need, and to nothing else", () => {
    const needed = deploymentNeeds(policy, "hubspot")
      .filter((n) => n.objectType in KIT_OBJECT_TYPES.hubspot)
      .flatMap((n) => {
        const type = KIT_OBJECT_TYPES.hubspot[n.objectType]!;
        return [...n.events.map((e) => `${type} object.${e}`), ...n.propertyChanges.map((p) => `${type} object.propertyChange ${p}`)];
      });
    const have = subscribed.filter((s) => s.active).map((s) => [s.objectType, s.subscriptionType, s.propertyName].filter(Boolean).join(" "));
    expect(
      needed.filter((n) => !have.includes(n)),
      `missing from ${HUBSPOT_WEBHOOKS_FILE}: run npm run kit:hubspot`,
    ).toEqual([]);
    expect(
      have.filter((h) => !needed.includes(h)),
      `not needed by the rules: run npm run kit:hubspot`,
    ).toEqual([]);
  });

  it("HubSpot: a contact's email and name and a deal's name reach the console's search (their changes are subscribed)", () => {
    const have = subscribed.filter((s) => s.active && s.subscriptionType === "object.propertyChange").map((s) => `${s.objectType}.${s.propertyName}`);
    expect(have).toEqual(expect.arrayContaining(["contact.email", "contact.firstname", "contact.lastname", "deal.dealname"]));
  });

  it("HubSpot: the webhooks file is exactly what npm run kit:hubspot generates", () => {
    expect(subscribed).toEqual(hubspotSubscriptions(policy));
  });

  it("Salesforce: every record type with needs has a change event trigger", () => {
    const triggered = apexSources()
      .filter((a) => a.kind === "trigger")
      .map((t) => t.on);
    for (const need of policyNeeds(policy, "salesforce").filter((n) => n.objectType in KIT_OBJECT_TYPES.salesforce)) {
      expect(triggered, need.objectType).toContain(`${KIT_OBJECT_TYPES.salesforce[need.objectType]}ChangeEvent`);
    }
  });

  it("Salesforce: every custom field the rules read or watch is defined in salesforce/ and readable by the integration user", () => {
    for (const need of policyNeeds(policy, "salesforce").filter((n) => n.objectType in KIT_OBJECT_TYPES.salesforce)) {
      const sobject = KIT_OBJECT_TYPES.salesforce[need.objectType]!;
      for (const field of new Set([...need.reads, ...need.propertyChanges].filter(isCustom))) {
        expect(
          definedFields.some((f) => f.sobject === sobject && f.name === field),
          `${sobject}.${field} is not defined in salesforce/`,
        ).toBe(true);
        expect(fls.get(`${sobject}.${field}`)?.readable, `${sobject}.${field} is not readable in the permission set`).toBe(true);
      }
    }
  });

  const FIELD_SHAPES: Record<keyof ProductFields, (body: Record<string, unknown[]>) => unknown> = {
    score: (b) => [text(b, "type"), text(b, "precision"), text(b, "scale")],
    tier: (b) => {
      const set = b.valueSet?.[0] as { restricted: string[]; valueSetDefinition: { value: { fullName: string[] }[] }[] };
      return [text(b, "type"), set.restricted[0], set.valueSetDefinition[0]!.value.map((v) => v.fullName[0])];
    },
    reasons: (b) => text(b, "type"),
    model: (b) => text(b, "type"),
    routingReason: (b) => text(b, "type"),
  };
  const EXPECTED_SHAPES: Record<keyof ProductFields, unknown> = {
    score: ["Number", "3", "0"],
    tier: ["Picklist", "true", ["cold", "warm", "hot"]],
    reasons: "LongTextArea",
    model: "Text",
    routingReason: "LongTextArea",
  };

  it("Salesforce: the product's fields exist on Lead and Contact, typed as the product writes them, and editable", () => {
    for (const sobject of ["Lead", "Contact"]) {
      for (const [key, field] of Object.entries(PRODUCT_FIELDS.salesforce) as [keyof ProductFields, string][]) {
        const defined = definedFields.find((f) => f.sobject === sobject && f.name === field);
        expect(defined, `${sobject}.${field} is not defined in salesforce/`).toBeDefined();
        expect([`${sobject}.${field}`, FIELD_SHAPES[key](defined!.body)]).toEqual([`${sobject}.${field}`, EXPECTED_SHAPES[key]]);
        expect(fls.get(`${sobject}.${field}`), `${sobject}.${field} in the permission set`).toEqual({ readable: true, editable: true });
      }
    }
  });
});
