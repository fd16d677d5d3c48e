import { describe, expect, it } from "vitest";
import { type DescribedField, picklistProblems, salesforcePicklistUses } from "../../src/crm/salesforce-picklists";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";

/**
 * An org as Salesforce ships it: the standard lead statuses, opportunity stages and lead sources
 * (Salesforce Help, "Lead Status Picklist" and "Opportunity Stage"; describe's field shape per the
 * REST API's sObject Describe). Contacts have no Status and no IsConverted.
 */
const picklist = (name: string, values: string[]): DescribedField => ({
  name,
  type: "picklist",
  picklistValues: values.map((value) => ({ value, active: true })),
});
const STANDARD_ORG = new Map<string, DescribedField[]>([
  [
    "Lead",
    [
      picklist("Status", ["Open - Not Contacted", "Working - Contacted", "Closed - Converted", "Closed - Not Converted"]),
      picklist("LeadSource", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]),
      { name: "HasOptedOutOfEmail", type: "boolean" },
      { name: "IsConverted", type: "boolean" },
    ],
  ],
  [
    "Contact",
    [
      picklist("LeadSource", ["Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"]),
      { name: "HasOptedOutOfEmail", type: "boolean" },
    ],
  ],
  [
    "Opportunity",
    [
      picklist("StageName", [
        "Prospecting",
        "Qualification",
        "Needs Analysis",
        "Value Proposition",
        "Id. Decision Makers",
        "Perception Analysis",
        "Proposal/Price Quote",
        "Negotiation/Review",
        "Closed Won",
        "Closed Lost",
      ]),
    ],
  ],
]);
const policy = Policy.parse(DEFAULT_POLICY);
const withValues = (sobject: string, field: string, values: string[]) =>
  new Map([...STANDARD_ORG].map(([s, fields]) => [s, s === sobject ? fields.map((f) => (f.name === field ? picklist(field, values) : f)) : fields]));

describe("Salesforce picklist values the policy uses", () => {
  it("lists the default policy's writes and tests on the record types the kit follows", () => {
    const uses = salesforcePicklistUses(policy).map((u) => `${u.use} ${u.sobject}.${u.field}=${u.value}`);
    expect(uses).toEqual(
      expect.arrayContaining([
        "write Lead.Status=Nurturing",
        "test Lead.Status=Closed - Not Converted",
        "test Opportunity.StageName=Negotiation/Review",
        "test Lead.LeadSource=demo_request",
        "test Lead.LeadSource=content_download_*",
        "test Lead.IsConverted=true",
      ]),
    );
    // "deal" is HubSpot's; no Salesforce use comes of it.
    expect(salesforcePicklistUses(policy).map((u) => u.sobject)).not.toContain("deal");
  });

  it("names what a standard org lacks: the nurture status, the cadence sources, and contacts' missing fields", () => {
    const problems = picklistProblems(salesforcePicklistUses(policy), STANDARD_ORG);
    expect(problems).toEqual(
      expect.arrayContaining([
        'add to Lead.Status: "Nurturing" (rules.staleLead.hibernate.salesforce)',
        expect.stringMatching(/^add to Lead\.LeadSource: "demo_request", "content_download_\*", "webinar\*" /),
        expect.stringMatching(/^Contact has no field Status /),
        expect.stringMatching(/^Contact has no field IsConverted /),
      ]),
    );
    // Standard values are there: the disqualified status and the gated stage pass.
    expect(problems.join(" ")).not.toMatch(/Closed - Not Converted|Negotiation\/Review/);
  });

  it("accepts patterns matched by a value, compares tests in any case, and writes exactly", () => {
    const org = withValues("Lead", "LeadSource", ["demo_request", "Content_Download_Pricing", "webinar"]);
    expect(picklistProblems(salesforcePicklistUses(policy), org).join(" ")).not.toContain("Lead.LeadSource");
    const lowerNurture = withValues("Lead", "Status", ["nurturing", "Closed - Not Converted"]);
    expect(picklistProblems(salesforcePicklistUses(policy), lowerNurture)).toContain(
      'add to Lead.Status: "Nurturing" (rules.staleLead.hibernate.salesforce)',
    );
  });

  it("ignores inactive values and fields that are not picklists", () => {
    const inactive = new Map(STANDARD_ORG);
    inactive.set("Opportunity", [{ name: "StageName", type: "picklist", picklistValues: [{ value: "Negotiation/Review", active: false }] }]);
    expect(picklistProblems(salesforcePicklistUses(policy), inactive)).toContain(
      'add to Opportunity.StageName: "Negotiation/Review" (rules.stageGates.gates.1.stage)',
    );
    expect(picklistProblems(salesforcePicklistUses(policy), STANDARD_ORG).join(" ")).not.toContain("HasOptedOutOfEmail");
  });
});
