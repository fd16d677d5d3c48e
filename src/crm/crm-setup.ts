import { Client } from "@hubspot/api-client";
import { withRuntimeFetch } from "../platform/hubspot-transport";
import { Connection } from "jsforce";
import { HUBSPOT_TASK_KEY_PROPERTY, redact, SALESFORCE_TASK_KEY_FIELD } from "./crm-port";
import { SALESFORCE_API_VERSION } from "./salesforce-crm";

export interface SetupStep {
  ok: boolean;
  action: "exists" | "created" | "missing" | "skipped" | "failed";
  detail: string;
}

/**
 * The task key must be a unique property, or HubSpot would accept a second task with the same
 * key and a retried call could duplicate it. The API can create it, so this does.
 */
export async function ensureHubSpotTaskKey(accessToken: string, basePath: string): Promise<SetupStep> {
  const properties = withRuntimeFetch(new Client({ accessToken, basePath }).crm.properties.coreApi);
  try {
    const existing = await properties.getByName("tasks", HUBSPOT_TASK_KEY_PROPERTY).catch((error: { code?: number }) => {
      if (error.code === 404) return null;
      throw error;
    });
    if (existing) {
      return existing.hasUniqueValue
        ? { ok: true, action: "exists", detail: `tasks.${HUBSPOT_TASK_KEY_PROPERTY} exists and is unique` }
        : { ok: false, action: "failed", detail: `tasks.${HUBSPOT_TASK_KEY_PROPERTY} exists but is not unique: delete it and run setup again` };
    }
    await properties.create("tasks", {
      name: HUBSPOT_TASK_KEY_PROPERTY,
      label: "Lead follow-up key",
      description: "Set by the lead follow-up service so a retried write cannot create a second task.",
      groupName: "task_information",
      type: "string" as never,
      fieldType: "text" as never,
      hasUniqueValue: true,
    });
    return { ok: true, action: "created", detail: `created tasks.${HUBSPOT_TASK_KEY_PROPERTY} (unique)` };
  } catch (error) {
    return { ok: false, action: "failed", detail: redact(`HubSpot: ${(error as Error).message}`) };
  }
}

/**
 * Salesforce fields are metadata, created in Setup by an admin; this checks that the external-id
 * field exists and is an external id, and says what to create when it is not.
 */
export async function checkSalesforceTaskKey(accessToken: string, instanceUrl: string): Promise<SetupStep> {
  const conn = new Connection({ instanceUrl, accessToken, version: SALESFORCE_API_VERSION });
  try {
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
