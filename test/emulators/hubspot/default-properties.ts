import type { PropertyInput } from "./properties-store.ts";

/** Options as [internal value, label] (HubSpot's defaults have labels of their own), or values labelled as themselves. */
const enumeration = (name: string, values: (string | [string, string])[], extra: Partial<PropertyInput> = {}): PropertyInput => ({
  name,
  type: "enumeration",
  fieldType: "select",
  options: values.map((v) => (typeof v === "string" ? { label: v, value: v } : { label: v[1], value: v[0] })),
  ...extra,
});
const text = (name: string, extra: Partial<PropertyInput> = {}): PropertyInput => ({ name, type: "string", fieldType: "text", ...extra });
const datetime = (name: string, extra: Partial<PropertyInput> = {}): PropertyInput => ({ name, type: "datetime", fieldType: "date", ...extra });
const readOnly = { readOnlyValue: true } as const;

/** Every object carries these; HubSpot always returns them whatever `properties` asks for. */
const SYSTEM: PropertyInput[] = [
  { name: "hs_object_id", type: "number", fieldType: "number", ...readOnly },
  datetime("createdate"),
  datetime("hs_lastmodifieddate", readOnly),
];

// Owners are validated against /crm/v3/owners, not a static option list.
const owner = (): PropertyInput => ({
  name: "hubspot_owner_id",
  type: "enumeration",
  fieldType: "select",
  referencedObjectType: "OWNER",
  externalOptions: true,
});

export const DEFAULT_PROPERTIES: Record<string, PropertyInput[]> = {
  contacts: [
    ...SYSTEM,
    datetime("lastmodifieddate", readOnly),
    // HubSpot enforces unique contact emails without flagging the property; flagging it lets
    // batch upsert use idProperty=email the way HubSpot allows.
    text("email", { hasUniqueValue: true }),
    text("firstname"),
    text("lastname"),
    text("phone"),
    text("company"),
    text("jobtitle"),
    // HubSpot's default contact property for what a form's visitor wrote.
    text("message"),
    text("website"),
    text("mobilephone"),
    text("hs_additional_emails"),
    text("recent_conversion_event_name", readOnly),
    datetime("engagements_last_meeting_booked", readOnly),
    owner(),
    // HubSpot's default lead statuses and lifecycle stages, with the labels its UI shows.
    enumeration(
      "hs_lead_status",
      [
        ["NEW", "New"],
        ["OPEN", "Open"],
        ["IN_PROGRESS", "In Progress"],
        ["OPEN_DEAL", "Open Deal"],
        ["UNQUALIFIED", "Unqualified"],
        ["ATTEMPTED_TO_CONTACT", "Attempted to Contact"],
        ["CONNECTED", "Connected"],
        ["BAD_TIMING", "Bad Timing"],
      ],
      { fieldType: "radio" },
    ),
    enumeration(
      "lifecyclestage",
      [
        ["subscriber", "Subscriber"],
        ["lead", "Lead"],
        ["marketingqualifiedlead", "Marketing Qualified Lead"],
        ["salesqualifiedlead", "Sales Qualified Lead"],
        ["opportunity", "Opportunity"],
        ["customer", "Customer"],
        ["evangelist", "Evangelist"],
        ["other", "Other"],
      ],
      { fieldType: "radio" },
    ),
    datetime("hs_sales_email_last_replied", readOnly),
    enumeration("hs_email_optout", ["true", "false"], { type: "bool", fieldType: "booleancheckbox" }),
    datetime("notes_last_updated"),
    datetime("hs_last_sales_activity_timestamp"),
    // HubSpot's lead score (calculated in HubSpot; writable here so tests can set it).
    { name: "hubspotscore", type: "number", fieldType: "number" },
    text("hs_analytics_source"),
  ],
  companies: [...SYSTEM, text("name"), text("domain"), text("phone"), text("website"), owner()],
  deals: [
    ...SYSTEM,
    text("dealname"),
    { name: "amount", type: "number", fieldType: "number" },
    datetime("closedate"),
    enumeration("pipeline", [["default", "Sales Pipeline"]]),
    // The default pipeline's stages, with their labels (GET /crm/pipelines/{version}/deals answers from these).
    enumeration(
      "dealstage",
      [
        ["appointmentscheduled", "Appointment Scheduled"],
        ["qualifiedtobuy", "Qualified To Buy"],
        ["presentationscheduled", "Presentation Scheduled"],
        ["decisionmakerboughtin", "Decision Maker Bought-In"],
        ["contractsent", "Contract Sent"],
        ["closedwon", "Closed Won"],
        ["closedlost", "Closed Lost"],
      ],
      { fieldType: "radio" },
    ),
    owner(),
    text("hs_next_step"),
    datetime("notes_last_updated"),
    datetime("hs_last_sales_activity_timestamp"),
  ],
  tasks: [
    ...SYSTEM,
    datetime("hs_createdate", readOnly),
    datetime("hs_timestamp", { required: true }),
    text("hs_task_subject"),
    text("hs_task_body", { fieldType: "textarea" }),
    enumeration("hs_task_status", ["NOT_STARTED", "IN_PROGRESS", "WAITING", "COMPLETED", "DEFERRED"]),
    enumeration("hs_task_priority", ["NONE", "LOW", "MEDIUM", "HIGH"]),
    enumeration("hs_task_type", ["EMAIL", "CALL", "TODO"]),
    text("hs_task_reminders"),
    owner(),
  ],
  // The meeting engagement's properties the meetings scheduler writes (HubSpot's meetings API).
  meetings: [
    ...SYSTEM,
    datetime("hs_timestamp", { required: true }),
    text("hs_meeting_title"),
    text("hs_meeting_body", { fieldType: "textarea" }),
    text("hs_internal_meeting_notes", { fieldType: "textarea" }),
    text("hs_meeting_external_url"),
    text("hs_meeting_location"),
    datetime("hs_meeting_start_time"),
    datetime("hs_meeting_end_time"),
    enumeration("hs_meeting_outcome", ["SCHEDULED", "COMPLETED", "RESCHEDULED", "NO_SHOW", "CANCELED"]),
    text("hs_activity_type"),
    // Where the meeting came from; the scheduler's bookings say MEETINGS_PUBLIC.
    text("hs_meeting_source", readOnly),
    owner(),
  ],
};

export function defaultPropertiesFor(type: string): PropertyInput[] {
  return DEFAULT_PROPERTIES[type] ?? SYSTEM;
}

/** What GET returns when the caller names no properties (HubSpot's per-type default set). */
export const DEFAULT_READ: Record<string, string[]> = {
  contacts: ["createdate", "email", "firstname", "hs_lastmodifieddate", "hs_object_id", "lastmodifieddate", "lastname"],
  companies: ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
  deals: ["amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate", "hs_object_id", "pipeline"],
  tasks: ["createdate", "hs_createdate", "hs_lastmodifieddate", "hs_object_id"],
  meetings: ["createdate", "hs_lastmodifieddate", "hs_object_id"],
};

/** Returned even when `properties` names others. */
export const ALWAYS_READ: Record<string, string[]> = {
  contacts: ["createdate", "hs_lastmodifieddate", "hs_object_id", "lastmodifieddate"],
};
export const ALWAYS_READ_DEFAULT = ["createdate", "hs_lastmodifieddate", "hs_object_id"];
