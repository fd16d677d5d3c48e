import type { PolicyInput } from "./policy";

/**
 * The policy a fresh deployment starts with: the process of the seed articles (no rep activity
 * for 14 days → reassign hot leads, park cold ones; no deal enters Contract Sent / Negotiation
 * without a next step; new leads get the cadence their source calls for). Its owners and Slack ids are the emulators'; replace them with yours
 * through PUT /admin/policy.
 */
export const DEFAULT_POLICY: PolicyInput = {
  timeZone: "America/New_York",
  workingHours: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" },
  holidays: ["2026-11-26", "2026-12-25", "2027-01-01"],
  reps: [
    {
      id: "alex",
      name: "Alex Rivera",
      owners: { hubspot: "84213371", salesforce: "0055g00000RepOnAAA" },
      slackUserId: "U05REPONE01",
      timeZone: "America/New_York",
      weight: 1,
      capacity: 25,
    },
    {
      id: "sam",
      name: "Sam Okafor",
      owners: { hubspot: "84213372", salesforce: "0055g00000RepTwAAA" },
      slackUserId: "U05REPTWO02",
      timeZone: "Europe/London",
      weight: 1,
      capacity: 25,
    },
  ],
  teams: [
    {
      id: "inbound",
      name: "Inbound SDRs",
      members: ["alex", "sam"],
      respectWorkingHours: false,
      capacityWindow: "P1D",
      fallbackOwners: { hubspot: "84213371", salesforce: "0055g00000IntegAAA" },
      alertChannel: "C05LEADS001",
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
        // Salesforce's standard lead statuses have no nurture value: the CRM setup names it until an admin adds it.
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
    cadences: {
      enabled: true,
      objectTypes: ["contact", "lead"],
      sourceProperty: { hubspot: "lead_source", salesforce: "LeadSource" },
      routes: [
        { source: "demo_request", cadence: "inbound-sales" },
        { source: "content_download_*", cadence: "content-nurture" },
        { source: "webinar*", cadence: "webinar" },
      ],
      defaultCadence: "triage",
      team: "inbound",
      leadZone: {
        timeZoneProperty: { hubspot: "hs_timezone" },
        phoneProperties: { hubspot: ["phone", "mobilephone"], salesforce: ["Phone", "MobilePhone"] },
        defaultCountry: "US",
      },
      firstTouchDelay: { min: "PT3M", max: "PT7M" },
      mergeFields: {
        firstName: { property: { hubspot: "firstname", salesforce: "FirstName" }, fallback: "there" },
        company: { property: { hubspot: "company", salesforce: "Company" }, fallback: "your team" },
        contentTitle: { property: { hubspot: "recent_conversion_event_name" }, fallback: "our guide" },
      },
      emailProperties: { hubspot: ["email", "hs_additional_emails", "work_email"], salesforce: ["Email"] },
      stopWhen: [
        { reason: "replied", crm: "hubspot", property: "hs_sales_email_last_replied", when: "set" },
        { reason: "meeting booked", crm: "hubspot", property: "engagements_last_meeting_booked", when: "set" },
        { reason: "unsubscribed", crm: "hubspot", property: "hs_email_optout", when: { in: ["true"] } },
        { reason: "disqualified", crm: "hubspot", property: "hs_lead_status", when: { in: ["UNQUALIFIED"] } },
        {
          reason: "stage moved on",
          crm: "hubspot",
          property: "lifecyclestage",
          when: { notIn: ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead"] },
        },
        { reason: "unsubscribed", crm: "salesforce", property: "HasOptedOutOfEmail", when: { in: ["true"] } },
        { reason: "disqualified", crm: "salesforce", property: "Status", when: { in: ["Closed - Not Converted"] } },
        { reason: "stage moved on", crm: "salesforce", property: "IsConverted", when: { in: ["true"] } },
      ],
      onStop: "complete",
      sla: {
        within: { duration: "P1D", businessHours: true },
        hot: {
          scoreProperty: { hubspot: "hubspotscore", salesforce: "Lead_Score__c" },
          scoreAtLeast: 50,
          within: { duration: "PT30M", businessHours: true },
        },
        escalateAfter: { duration: "PT2H", businessHours: true },
      },
      cadences: [
        {
          // Seed 000's inbound sequence: email first, call and LinkedIn in the middle, a clear breakup.
          id: "inbound-sales",
          name: "Inbound sales (demo request)",
          steps: [
            {
              id: "day-0-acknowledge",
              offset: 0,
              channel: "EMAIL",
              priority: "HIGH",
              nudge: true,
              subject: 'Reply to {{ firstName | fallback: "the new lead" }}\'s demo request and offer a call',
              body: 'Hi {{ firstName | fallback: "there" }},\n\nThanks for asking for a demo. I\'m {{ ownerFirstName }} and I look after {{ company }}. Would a 20-minute call this week work? Pick any time that suits you.\n\nBest,\n{{ ownerName }}',
            },
            {
              id: "day-2-resource",
              offset: 2,
              channel: "EMAIL",
              subject: 'Send {{ firstName | fallback: "the lead" }} one relevant resource',
              body: 'Hi {{ firstName | fallback: "there" }},\n\nWhile we find a time: here is the one guide teams like {{ company }} read first.\n\n{{ ownerName }}',
            },
            {
              id: "day-4-call",
              offset: 4,
              channel: "CALL",
              priority: "HIGH",
              nudge: true,
              subject: 'Call {{ firstName | fallback: "the lead" }} at {{ company }}',
              body: "High-intent lead: a demo request from {{ company }}.",
            },
            {
              id: "day-7-linkedin",
              offset: 7,
              channel: "LINKEDIN",
              subject: 'Connect with {{ firstName | fallback: "the lead" }} on LinkedIn and comment on a recent post',
            },
            {
              id: "day-11-proof",
              offset: 11,
              channel: "EMAIL",
              subject: 'Send a proof point to {{ firstName | fallback: "the lead" }}',
              body: 'Hi {{ firstName | fallback: "there" }},\n\nA team much like {{ company }} cut their lead response time from a day to minutes. Happy to show you how.\n\n{{ ownerName }}',
            },
            {
              id: "day-14-breakup",
              offset: 14,
              channel: "EMAIL",
              subject: 'Breakup email to {{ firstName | fallback: "the lead" }}',
              body: "Hi {{ firstName | fallback: \"there\" }},\n\nI haven't heard back, so I'll assume the timing isn't right. Should I close your file? If anything changes, just reply.\n\n{{ ownerName }}",
            },
          ],
        },
        {
          id: "content-nurture",
          name: "Content download nurture",
          steps: [
            {
              id: "day-0-thanks",
              offset: 0,
              channel: "EMAIL",
              subject: 'Follow up on {{ contentTitle }} with {{ firstName | fallback: "the reader" }}',
              body: 'Hi {{ firstName | fallback: "there" }},\n\nThanks for downloading {{ contentTitle }}. One question: what made you look into it now?\n\n{{ ownerName }}',
            },
            {
              id: "day-3-related",
              offset: 3,
              channel: "EMAIL",
              subject: 'Send a related resource to {{ firstName | fallback: "the reader" }}',
              body: 'Hi {{ firstName | fallback: "there" }},\n\nIf {{ contentTitle }} was useful, this short case study goes one step further.\n\n{{ ownerName }}',
            },
            {
              id: "day-7-review",
              offset: 7,
              channel: "TODO",
              subject: 'Check {{ firstName | fallback: "the reader" }}\'s engagement: sales-ready or keep nurturing?',
            },
          ],
        },
        {
          id: "webinar",
          name: "Webinar follow-up",
          steps: [
            {
              id: "day-0-thanks",
              offset: 0,
              channel: "EMAIL",
              subject: 'Thank {{ firstName | fallback: "the attendee" }} for joining {{ contentTitle | fallback: "the webinar" }}',
              body: 'Hi {{ firstName | fallback: "there" }},\n\nThanks for joining {{ contentTitle | fallback: "our webinar" }}. The recording and slides are attached. Any questions I can answer for {{ company }}?\n\n{{ ownerName }}',
            },
            {
              id: "day-2-call",
              offset: 2,
              channel: "CALL",
              nudge: true,
              subject: 'Call {{ firstName | fallback: "the attendee" }}: questions after the webinar?',
            },
            {
              id: "day-5-next",
              offset: 5,
              channel: "EMAIL",
              subject: 'Offer {{ firstName | fallback: "the attendee" }} a next step',
              body: 'Hi {{ firstName | fallback: "there" }},\n\nWould a short session tailored to {{ company }} help?\n\n{{ ownerName }}',
            },
          ],
        },
        {
          id: "triage",
          name: "Triage (any other source)",
          steps: [
            {
              id: "day-0-triage",
              offset: 0,
              channel: "TODO",
              priority: "HIGH",
              nudge: true,
              subject: 'Triage new lead {{ firstName | fallback: "(no name)" }} at {{ company }}: qualify and pick a next step',
            },
            {
              id: "day-1-check-in",
              offset: 1,
              channel: "EMAIL",
              subject: 'Short check-in with {{ firstName | fallback: "the lead" }}',
              body: 'Hi {{ firstName | fallback: "there" }},\n\nIs this still relevant for {{ company }}? Happy to help either way.\n\n{{ ownerName }}',
            },
          ],
        },
      ],
    },
  },
};
