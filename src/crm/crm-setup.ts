import * as propertiesModule from "@hubspot/api-client/lib/codegen/crm/properties/index";
import { hubSpotApi } from "../platform/hubspot-transport";
import { redact } from "../platform/failure";
import { HUBSPOT_TASK_KEY_PROPERTY, SALESFORCE_TASK_KEY_FIELD } from "./crm-port";
import { type SalesforceAuth, salesforceConnection } from "./salesforce-connection";

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
}

/** Creates a text property on a HubSpot object type unless it exists; a unique one must stay unique. */
async function ensureHubSpotProperty(accessToken: string, basePath: string, objectType: string, spec: PropertySpec): Promise<SetupStep> {
  const properties = hubSpotApi(propertiesModule, propertiesModule.CoreApi, { accessToken, basePath });
  const where = `${objectType}.${spec.name}`;
  try {
    const existing = await properties.getByName(objectType, spec.name).catch((error: { code?: number }) => {
      if (error.code === 404) return null;
      throw error;
    });
    if (existing) {
      if (!spec.unique || existing.hasUniqueValue)
        return { ok: true, action: "exists", detail: `${where} exists${spec.unique ? " and is unique" : ""}` };
      return { ok: false, action: "failed", detail: `${where} exists but is not unique: delete it and run setup again` };
    }
    await properties.create(objectType, {
      name: spec.name,
      label: spec.label,
      description: spec.description,
      groupName: spec.groupName,
      type: "string" as never,
      fieldType: "text" as never,
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
export function ensureHubSpotTaskKey(accessToken: string, basePath: string): Promise<SetupStep> {
  return ensureHubSpotProperty(accessToken, basePath, "tasks", {
    name: HUBSPOT_TASK_KEY_PROPERTY,
    label: "Lead follow-up key",
    groupName: "task_information",
    unique: true,
    description: "Set by the lead follow-up service so a retried write cannot create a second task.",
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
 * Salesforce fields are metadata, created in Setup by an admin; this checks that the external-id
 * field exists and is an external id, and says what to create when it is not.
 */
export async function checkSalesforceTaskKey(auth: SalesforceAuth, instanceUrl: string): Promise<SetupStep> {
  const { conn, signIn } = salesforceConnection(instanceUrl, auth);
  try {
    await signIn();
    const describe = await conn.sobject("Task").describe();
    const field = describe.fields.find((f) => f.name === SALESFORCE_TASK_KEY_FIELD);
    if (field?.externalId && field.unique) return { ok: true, action: "exists", detail: `Task.${SALESFORCE_TASK_KEY_FIELD} is a unique external id` };
    return {
      ok: false,
      action: "missing",
      detail: `create Activity custom field ${SALESFORCE_TASK_KEY_FIELD} (Text 64, Unique, External ID) in Setup → Object Manager → Activity, and give the integration user edit access`,
    };
  } catch (error) {
    return { ok: false, action: "failed", detail: redact(`Salesforce: ${(error as Error).message}`) };
  }
}
