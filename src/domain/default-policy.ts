import type { PolicyInput } from "./policy";

/**
 * The policy a fresh deployment starts with: the process of the seed articles (no rep activity
 * for 14 days → reassign hot leads, park cold ones; no deal enters Contract Sent / Negotiation
 * without a next step). Its owners and Slack ids are the emulators'; replace them with yours
 * through PUT /admin/policy.
 */
export const DEFAULT_POLICY: PolicyInput = {
  timeZone: "America/New_York",
  workingHours: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" },
  holidays: ["2026-11-26", "2026-12-25", "2027-01-01"],
  reps: [
    {
      id: "alex", name: "Alex Rivera", owners: { hubspot: "84213371", salesforce: "0055g00000RepOnAAA" },
      slackUserId: "U05REPONE01", timeZone: "America/New_York", weight: 1, capacity: 25,
    },
    {
      id: "sam", name: "Sam Okafor", owners: { hubspot: "84213372", salesforce: "0055g00000RepTwAAA" },
      slackUserId: "U05REPTWO02", timeZone: "Europe/London", weight: 1, capacity: 25,
    },
  ],
  teams: [
    {
      id: "inbound", name: "Inbound SDRs", members: ["alex", "sam"], respectWorkingHours: false, capacityWindow: "P1D",
      fallbackOwners: { hubspot: "84213371", salesforce: "0055g00000IntegAAA" }, alertChannel: "C05LEADS001",
    },
  ],
  rules: {
    staleLead: {
      enabled: true,
      objectTypes: ["contact", "lead"],
      threshold: "P14D",
      activityProperties: {
        hubspot: ["hubspot_owner_id", "hs_lead_status", "notes_last_updated", "hs_last_sales_activity_timestamp"],
        salesforce: ["OwnerId", "Status", "LastActivityDate"],
      },
      scoreProperty: { hubspot: "hubspotscore", salesforce: "Lead_Score__c" },
      scoreThreshold: 50,
      targetTeam: "inbound",
      task: { subject: "Reassigned stale lead: call today", body: "Nobody worked this lead for 14 days. It is yours now.", dueIn: "PT4H" },
      hibernate: {
        hubspot: { property: "hs_lead_status", value: "BAD_TIMING" },
        salesforce: { property: "Status", value: "Nurturing" },
      },
    },
    stageGates: {
      enabled: true,
      objectTypes: ["deal", "opportunity"],
      stageProperty: { hubspot: "dealstage", salesforce: "StageName" },
      gates: [
        { crm: "hubspot", stage: "contractsent", required: ["hs_next_step", "amount"] },
        { crm: "salesforce", stage: "Negotiation/Review", required: ["NextStep", "Amount"] },
      ],
      gracePeriod: { duration: "PT4H", businessHours: true },
      revert: true,
      recordUrl: {
        hubspot: "https://app.hubspot.com/contacts/{accountId}/record/0-3/{objectId}",
        salesforce: "https://login.salesforce.com/{objectId}",
      },
    },
  },
};
