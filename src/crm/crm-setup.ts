import { HubSpotClient } from "../platform/hubspot-transport";
import { HubSpotApi } from "./hubspot-api";
import { redact } from "../platform/failure";
import { HUBSPOT_TASK_KEY_PROPERTY, SALESFORCE_TASK_KEY_FIELD } from "./crm-port";
import { PRODUCT_FIELDS } from "../core/model/product-fields";
import type { Policy } from "../core/policy/policy";
import type { Connection } from "jsforce/browser/core";
import { type SalesforceAuth, salesforceConnection } from "./salesforce-connection";
import { salesforceConsentProblems, salesforceConsentUses } from "./salesforce-consent-setup";
import { type DescribedField, picklistProblems, salesforcePicklistUses } from "./salesforce-picklists";
import { soqlString } from "./soql";

export interface SetupStep {
  ok: boolean;
  action: "exists" | "created" | "missing" | "skipped" | "failed";
  detail: string;
}

interface PropertySpec {
  name: string;
  label: string;
  description: string;
  groupName: string;
  unique: boolean;
  /** A number or multi-line text instead of a one-line text. */
  kind?: "number" | "textarea";
}

/** Creates a text property on a HubSpot object type unless it exists; a unique one must stay unique. */
async function ensureHubSpotProperty(accessToken: string, basePath: string, objectType: string, spec: PropertySpec): Promise<SetupStep> {
  const properties = new HubSpotApi(new HubSpotClient({ accessToken, basePath }));
  const where = `${objectType}.${spec.name}`;
  try {
    const existing = await properties.getProperty(objectType, spec.name).catch((error: { code?: number }) => {
      if (error.code === 404) return null;
      throw error;
    });
    if (existing) {
      if (!spec.unique || existing.hasUniqueValue)
        return { ok: true, action: "exists", detail: `${where} exists${spec.unique ? " and is unique" : ""}` };
      return { ok: false, action: "failed", detail: `${where} exists but is not unique: delete it and run setup again` };
    }
    await properties.createProperty(objectType, {
      name: spec.name,
      label: spec.label,
      description: spec.description,
      groupName: spec.groupName,
      type: spec.kind === "number" ? "number" : "string",
      fieldType: spec.kind ?? "text",
      hasUniqueValue: spec.unique,
    });
    return { ok: true, action: "created", detail: `created ${where}${spec.unique ? " (unique)" : ""}` };
  } catch (error) {
    return { ok: false, action: "failed", detail: redact(`HubSpot: ${(error as Error).message}`) };
  }
}

/**
 * The task key must be a unique property, or HubSpot would accept a second task with the same
 * key and a retried call could duplicate it. The API can create it, so this does.
 */
export async function ensureHubSpotTaskKey(accessToken: string, basePath: string): Promise<SetupStep> {
  const tasks = await ensureHubSpotProperty(accessToken, basePath, "tasks", {
    name: HUBSPOT_TASK_KEY_PROPERTY,
    label: "Lead follow-up key",
    groupName: "task_information",
    unique: true,
    description: "Set by the lead follow-up service so a retried write cannot create a second task.",
  });
  if (!tasks.ok) return tasks;
  // The same key on the email engagements that log cadence emails: a retried log writes one.
  const emails = await ensureHubSpotProperty(accessToken, basePath, "emails", {
    name: HUBSPOT_TASK_KEY_PROPERTY,
    label: "Lead follow-up key",
    groupName: "email_information",
    unique: true,
    description: "Set by the lead follow-up service so a retried write cannot log an email twice.",
  });
  return {
    ok: emails.ok,
    action: !emails.ok ? "failed" : tasks.action === "created" || emails.action === "created" ? "created" : "exists",
    detail: `${tasks.detail}; ${emails.detail}`,
  };
}

/**
 * Meetings booked on the spot carry the booking's id in the same unique key property on meeting
 * engagements, so a retried or moved meeting finds the one already logged (docs/booking.md).
 */
export function ensureHubSpotMeetingKey(accessToken: string, basePath: string): Promise<SetupStep> {
  return ensureHubSpotProperty(accessToken, basePath, "meetings", {
    name: HUBSPOT_TASK_KEY_PROPERTY,
    label: "Lead follow-up key",
    groupName: "meeting",
    unique: true,
    description: "Set by the lead follow-up service on meetings booked on the spot: a retried write updates the meeting instead of logging another.",
  });
}

/**
 * The contact property whose value chooses a lead's cadence. HubSpot has no standard "lead
 * source" with values like demo_request, so the policy names one and setup creates it when absent
 * (forms then set it with a hidden field).
 */
export function ensureHubSpotLeadSource(accessToken: string, basePath: string, name: string): Promise<SetupStep> {
  return ensureHubSpotProperty(accessToken, basePath, "contacts", {
    name,
    label: "Lead source (follow-up)",
    groupName: "contactinformation",
    unique: false,
    description: "Where the lead came from (demo_request, content_download_…, webinar…): chooses the follow-up cadence.",
  });
}

/**
 * The contact properties the product writes from intake: its score, tier, reasons and model, and
 * why the lead has its owner. Sales reads them on the contact itself.
 */
export async function ensureHubSpotProductProperties(accessToken: string, basePath: string): Promise<SetupStep> {
  const fields = PRODUCT_FIELDS.hubspot;
  const specs: PropertySpec[] = (
    [
      {
        name: fields.score,
        label: "Lead score (follow-up)",
        kind: "number" as const,
        description: "0–100, from the follow-up service's scoring model: see the reasons.",
      },
      { name: fields.tier, label: "Lead tier (follow-up)", description: "cold, warm or hot, from the score (data quality can cap it)." },
      {
        name: fields.reasons,
        label: "Lead score reasons",
        kind: "textarea" as const,
        description: "The rules that counted most, with their points and evidence.",
      },
      { name: fields.model, label: "Lead scoring model", description: "The scoring model's version that made the score." },
      {
        name: fields.routingReason,
        label: "Routing reason",
        kind: "textarea" as const,
        description: "Why the lead has its owner: the rule, team and rep.",
      },
    ] as Omit<PropertySpec, "groupName" | "unique">[]
  ).map((spec) => ({ ...spec, groupName: "contactinformation", unique: false }));
  const steps = [];
  for (const spec of specs) steps.push(await ensureHubSpotProperty(accessToken, basePath, "contacts", spec));
  return {
    ok: steps.every((s) => s.ok),
    action: steps.some((s) => s.action === "created") ? "created" : steps.every((s) => s.ok) ? "exists" : "failed",
    detail: steps.map((s) => s.detail).join("; "),
  };
}

/** The properties the product writes, by HubSpot object type id, whose validation rules can refuse its writes. */
function hubspotWrittenProperties(policy: Policy): Record<string, { label: string; properties: string[] }> {
  const source = policy.rules.cadences?.sourceProperty.hubspot;
  return {
    "0-1": {
      label: "contacts",
      properties: [...Object.values(PRODUCT_FIELDS.hubspot), "hubspot_owner_id", "hs_lead_status", "lifecyclestage", ...(source ? [source] : [])],
    },
    "0-3": { label: "deals", properties: ["dealstage", "hubspot_owner_id"] },
    "0-27": {
      label: "tasks",
      properties: [
        HUBSPOT_TASK_KEY_PROPERTY,
        "hs_timestamp",
        "hs_task_subject",
        "hs_task_body",
        "hs_task_status",
        "hs_task_priority",
        "hs_task_type",
        "hubspot_owner_id",
      ],
    },
  };
}

/**
 * From the 2026-09 API HubSpot enforces the portal's validation rules on every API write: this
 * reads the property validation rules of the object types the product writes and names those on
 * properties it writes, so an admin sees them before a task or an owner change is refused. (Rules
 * that make a property conditionally required have no read API: a refusal by one is told when it
 * happens, as a dead effect and an alert.)
 */
export async function checkHubSpotValidationRules(accessToken: string, basePath: string, policy: Policy): Promise<SetupStep> {
  const api = new HubSpotApi(new HubSpotClient({ accessToken, basePath }));
  const warnings: string[] = [];
  try {
    for (const [typeId, { label, properties }] of Object.entries(hubspotWrittenProperties(policy))) {
      const { results } = await api.validationRules(typeId);
      for (const { propertyName, propertyValidationRules } of results) {
        if (!properties.includes(propertyName)) continue;
        for (const rule of propertyValidationRules) warnings.push(`${label}.${propertyName}: ${rule.ruleType}(${rule.ruleArguments.join(", ")})`);
      }
    }
  } catch (error) {
    return { ok: false, action: "failed", detail: redact(`HubSpot: ${(error as Error).message}`) };
  }
  if (warnings.length === 0) return { ok: true, action: "exists", detail: "no validation rule on a property the product writes" };
  return {
    ok: false,
    action: "missing",
    detail: `validation rules on properties the product writes may refuse its writes: ${warnings.join("; ")}; relax them for the integration or change the policy`,
  };
}

/** A setup step against the org: signed in first; a failure is the step's answer (redacted), not thrown. */
async function salesforceStep(auth: SalesforceAuth, instanceUrl: string, run: (conn: Connection) => Promise<SetupStep>): Promise<SetupStep> {
  const { conn, signIn } = salesforceConnection(instanceUrl, auth);
  try {
    await signIn();
    return await run(conn);
  } catch (error) {
    return { ok: false, action: "failed", detail: redact(`Salesforce: ${(error as Error).message}`) };
  }
}

/**
 * Salesforce fields are metadata, created in Setup by an admin; this checks that the external-id
 * field exists and is an external id, and says what to create when it is not.
 */
export async function checkSalesforceTaskKey(auth: SalesforceAuth, instanceUrl: string): Promise<SetupStep> {
  return salesforceStep(auth, instanceUrl, async (conn) => {
    const describe = await conn.sobject("Task").describe();
    const field = describe.fields.find((f) => f.name === SALESFORCE_TASK_KEY_FIELD);
    if (field?.externalId && field.unique) return { ok: true, action: "exists", detail: `Task.${SALESFORCE_TASK_KEY_FIELD} is a unique external id` };
    return {
      ok: false,
      action: "missing",
      detail: `create Activity custom field ${SALESFORCE_TASK_KEY_FIELD} (Text 64, Unique, External ID) in Setup → Object Manager → Activity, and give the integration user edit access`,
    };
  });
}

/**
 * Salesforce picklists are the admin's: the policy's nurture status, disqualifying statuses,
 * gated stages and cadence sources must be values the org offers, or writes fail and conditions
 * never match. This reads each record type's fields (describe) and names whatever is missing.
 */
export async function checkSalesforcePicklists(auth: SalesforceAuth, instanceUrl: string, policy: Policy): Promise<SetupStep> {
  const uses = salesforcePicklistUses(policy);
  if (uses.length === 0) return { ok: true, action: "skipped", detail: "the policy writes and tests no Salesforce picklist values" };
  return salesforceStep(auth, instanceUrl, async (conn) => {
    const fieldsBySObject = new Map<string, DescribedField[]>();
    for (const sobject of new Set(uses.map((u) => u.sobject))) {
      fieldsBySObject.set(sobject, (await conn.sobject(sobject).describe()).fields as DescribedField[]);
    }
    const problems = picklistProblems(uses, fieldsBySObject);
    if (problems.length === 0) {
      return { ok: true, action: "exists", detail: `every picklist value the policy uses exists (${uses.length} checked)` };
    }
    return { ok: false, action: "missing", detail: `${problems.join("; ")}: add them in Setup → Object Manager, or change the policy` };
  });
}

/**
 * The fields and objects the policy's Salesforce consent mappings write: a checkbox (and date)
 * field on Lead and Contact, or the Consent objects and the named Data Use Purpose. Fields are
 * metadata the admin creates in Setup (their names are the policy's, so the salesforce/ project
 * cannot ship them); this says what is missing before a consent goes dead on it.
 */
export async function checkSalesforceConsents(auth: SalesforceAuth, instanceUrl: string, policy: Policy): Promise<SetupStep> {
  const uses = salesforceConsentUses(policy);
  if (uses.length === 0) return { ok: true, action: "skipped", detail: "no consent of a Salesforce form is mapped to the org" };
  return salesforceStep(auth, instanceUrl, async (conn) => {
    const fields = new Map<"Lead" | "Contact", DescribedField[]>();
    for (const sobject of ["Lead", "Contact"] as const) fields.set(sobject, (await conn.sobject(sobject).describe()).fields as DescribedField[]);
    const purposeIds = [...new Set(uses.flatMap((u) => (u.mapping.dataUsePurposeId ? [u.mapping.dataUsePurposeId] : [])))];
    let consentObjects = false;
    const purposes = new Set<string>();
    if (purposeIds.length > 0) {
      // Without Data Protection and Privacy the org does not know the object at all.
      consentObjects = await conn
        .sobject("ContactPointTypeConsent")
        .describe()
        .then(
          () => true,
          (error: { errorCode?: string }) => {
            if (error.errorCode === "NOT_FOUND" || error.errorCode === "INVALID_TYPE") return false;
            throw error;
          },
        );
      if (consentObjects) {
        const found = await conn.query<{ Id: string }>(`SELECT Id FROM DataUsePurpose WHERE Id IN (${purposeIds.map(soqlString).join(", ")})`);
        for (const row of found.records) purposes.add(row.Id.slice(0, 15));
      }
    }
    const problems = salesforceConsentProblems(uses, { fields, consentObjects, purposes });
    if (problems.length === 0) return { ok: true, action: "exists", detail: `the org has what the ${uses.length} consent mappings write` };
    return { ok: false, action: "missing", detail: problems.join("; ") };
  });
}
