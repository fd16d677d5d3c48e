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
      // Cadence emails sent as Alex come from this address (EMAIL_SENDING_DOMAIN is mail.example.com locally).
      sender: { address: "alex@mail.example.com" },
      weight: 1,
      capacity: 25,
      // Booking: Alex's Google Workspace calendar (the Google Calendar emulator locally).
      calendar: { provider: "google", id: "alex.rivera@example.com" },
    },
    {
      id: "sam",
      name: "Sam Chen",
      owners: { hubspot: "84213372", salesforce: "0055g00000RepTwAAA" },
      slackUserId: "U05REPTWO02",
      timeZone: "Europe/London",
      sender: { address: "sam@mail.example.com" },
      weight: 1,
      capacity: 25,
      // Booking: Sam's Microsoft 365 calendar (the Microsoft Graph emulator locally).
      calendar: { provider: "microsoft", id: "sam.chen@example.com" },
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
  forms: [
    {
      // The example form of `npm run dev` (/forms/demo): a demo request, written to HubSpot.
      key: "demo",
      name: "Request a demo",
      crm: "hubspot",
      source: "demo_request",
      fields: [
        { name: "email", type: "email", label: "Work email", required: true, crm: { hubspot: "email", salesforce: "Email" } },
        {
          name: "firstName",
          type: "text",
          label: "First name",
          required: true,
          maxLength: 80,
          crm: { hubspot: "firstname", salesforce: "FirstName" },
        },
        { name: "lastName", type: "text", label: "Last name", required: true, maxLength: 80, crm: { hubspot: "lastname", salesforce: "LastName" } },
        { name: "company", type: "text", label: "Company", required: true, maxLength: 120, crm: { hubspot: "company", salesforce: "Company" } },
        { name: "jobTitle", type: "text", label: "Job title", maxLength: 120, crm: { hubspot: "jobtitle", salesforce: "Title" } },
        { name: "phone", type: "phone", label: "Phone", crm: { hubspot: "phone", salesforce: "Phone" } },
        {
          name: "message",
          type: "longText",
          label: "What would you like to see?",
          maxLength: 2000,
          crm: { hubspot: "message", salesforce: "Description" },
        },
      ],
      consents: [
        {
          id: "privacy",
          purpose: "Answer this demo request and arrange the demo",
          legalBasis: "contract",
          required: true,
          versions: [
            {
              version: "2026-01",
              text: "I agree that my details are used to answer this demo request and arrange the demo, as the privacy policy describes.",
            },
          ],
        },
        {
          id: "marketing",
          purpose: "Product news and offers by email",
          legalBasis: "consent",
          versions: [{ version: "2026-01", text: "Yes, send me product news and offers by email. I can unsubscribe at any time." }],
        },
      ],
      // Your site's pages; the Worker's own origin (the example form) is always allowed.
      allowedOrigins: ["https://www.example.com"],
      spam: {
        // Cloudflare's test site key, which always passes: replace it with your widget's key.
        turnstile: { enabled: true, siteKey: "1x00000000000000000000AA" },
        honeypotField: "website",
        minFillTime: "PT3S",
        fillTimeField: "_fill_ms",
      },
      defaultCountry: "US",
      duplicateWindow: "PT5M",
    },
  ],
  // The demo form offers a meeting with the rep it was routed to, right after the submission (docs/booking.md).
  booking: {
    forms: [{ form: "demo", offer: "routedRep" }],
    calendar: "google",
    meetingLength: "PT30M",
    bufferBefore: "PT0S",
    bufferAfter: "PT10M",
    minimumNotice: "PT2H",
    horizon: "P14D",
    slotStep: "PT15M",
    maxPerDay: 6,
    maxSlots: 60,
    linkLifetime: "PT2H",
  },
  scoring: {
    id: "default",
    thresholds: { warm: 40, hot: 70 },
    topReasons: 3,
    groups: {
      fit: {
        cap: 40,
        rules: [
          {
            id: "role-c-level",
            label: "Executive",
            factor: "role",
            points: 20,
            when: {
              kind: "fieldHasWord",
              field: "jobTitle",
              words: ["ceo", "cto", "cfo", "coo", "cmo", "cro", "chief", "founder", "cofounder", "co founder", "owner", "president"],
            },
          },
          {
            id: "role-vp",
            label: "Senior role",
            factor: "role",
            points: 18,
            when: { kind: "fieldHasWord", field: "jobTitle", words: ["vp", "svp", "evp", "vice president", "head of", "head"] },
          },
          {
            id: "role-director",
            label: "Director",
            factor: "role",
            points: 15,
            when: { kind: "fieldHasWord", field: "jobTitle", words: ["director"] },
          },
          {
            id: "role-manager",
            label: "Manager",
            factor: "role",
            points: 8,
            when: { kind: "fieldHasWord", field: "jobTitle", words: ["manager", "lead", "principal"] },
          },
          {
            id: "size-large",
            label: "Large company",
            factor: "size",
            points: 12,
            when: { kind: "fieldIn", field: "companySize", values: ["201-1000", "1001-5000", "5000+"] },
          },
          {
            id: "size-mid",
            label: "Mid-size company",
            factor: "size",
            points: 8,
            when: { kind: "fieldIn", field: "companySize", values: ["51-200"] },
          },
          { id: "size-small", label: "Small company", factor: "size", points: 3, when: { kind: "fieldIn", field: "companySize", values: ["11-50"] } },
          {
            id: "industry-target",
            label: "Target industry",
            points: 8,
            when: { kind: "fieldIn", field: "industry", values: ["Software", "SaaS", "Financial services", "Professional services"] },
          },
          {
            id: "country-core",
            label: "Core market",
            points: 5,
            when: { kind: "country", countries: ["US", "CA", "GB", "IE", "DE", "AT", "CH", "NL", "FR", "AU"] },
          },
        ],
      },
      intent: {
        cap: 40,
        rules: [
          { id: "form-demo", label: "Demo request", factor: "form", points: 30, when: { kind: "form", forms: ["demo"] } },
          {
            id: "product-interest",
            label: "Named a product",
            points: 8,
            when: { kind: "fieldIn", field: "productInterest", values: ["Platform", "Analytics", "Integrations"] },
          },
          {
            id: "urgency-timeline",
            label: "Buying soon",
            factor: "urgency",
            points: 10,
            when: { kind: "fieldIn", field: "timeline", values: ["This month", "This quarter"] },
          },
          {
            id: "urgency-message",
            label: "Urgent",
            factor: "urgency",
            points: 8,
            when: {
              kind: "fieldHasWord",
              field: "message",
              words: ["asap", "urgent", "urgently", "this week", "this month", "pricing", "quote", "budget"],
            },
          },
        ],
      },
      behaviour: {
        cap: 15,
        rules: [{ id: "returning-7d", label: "Came back", points: 15, when: { kind: "returningWithin", within: "P7D" } }],
      },
      dataQuality: {
        cap: 30,
        rules: [
          { id: "email-business", label: "Business email", points: 5, when: { kind: "emailKind", kinds: ["business"] } },
          { id: "email-disposable", label: "Disposable email", points: -30, maxTier: "cold", when: { kind: "emailKind", kinds: ["disposable"] } },
          { id: "email-free", label: "Free email", points: -10, when: { kind: "emailKind", kinds: ["free"] } },
          { id: "phone-valid", label: "Valid phone", points: 5, when: { kind: "phone", is: "valid" } },
          { id: "phone-invalid", label: "Invalid phone", points: -10, maxTier: "warm", when: { kind: "phone", is: "invalid" } },
        ],
      },
    },
  },
  // Cadence emails (docs/email.md). The steps below stay tasks until a step says `send: "auto"`
  // (and `purpose`); these are what such a step may be sent for, and how many a day.
  email: {
    maxEmailsPerDay: 1,
    senderDailyCap: 200,
    purposes: [
      {
        // Answering the person's own request: the privacy consent the demo form asks for, or
        // legitimate interest for a lead who reached out another way.
        id: "sales-follow-up",
        description: "Answer the person's own request (a demo, a download) and follow it up",
        consents: ["privacy", "marketing"],
        legitimateInterest: true,
      },
      { id: "marketing", description: "Product news and offers", consents: ["marketing"] },
    ],
    // The emulators' "One to One" subscription type; your portal's ids are in Settings → Marketing → Email → Subscriptions.
    hubspotOptOutSubscriptions: ["7006"],
  },
  routing: {
    // One team ships with the default policy; add teams and rules like
    // { id: "emea-hot", when: { regions: ["emea"], tiers: ["hot"] }, team: "emea-sales" }.
    regions: {
      amer: ["US", "CA", "MX", "BR", "AR", "CL", "CO"],
      emea: ["GB", "IE", "DE", "AT", "CH", "NL", "BE", "FR", "ES", "IT", "PT", "SE", "NO", "DK", "FI", "PL", "AE", "ZA"],
      apac: ["AU", "NZ", "JP", "SG", "IN", "KR", "HK"],
    },
    rules: [{ id: "hot-inbound", when: { tiers: ["hot"] }, team: "inbound" }],
    defaultTeam: "inbound",
  },
  rules: {
    staleLead: {
      enabled: true,
      objectTypes: ["contact", "lead"],
      threshold: "P14D",
      activityProperties: {
        hubspot: ["hubspot_owner_id", "hs_lead_status", "notes_last_updated", "hs_last_sales_activity_timestamp"],
        salesforce: ["OwnerId", "Status", "LastActivityDate"],
      },
      scoreProperty: { hubspot: "lead_follow_up_score", salesforce: "Lead_Score__c" },
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
          scoreProperty: { hubspot: "lead_follow_up_score", salesforce: "Lead_Score__c" },
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
