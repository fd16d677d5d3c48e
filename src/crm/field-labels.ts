import { failureOfStatus, parseRetryAfter, redact, type Result, withTimeout } from "../platform/failure";
import type { HubSpotAccess } from "../platform/hubspot-transport";
import type { PacedRead } from "./owners";
import { type SalesforceAuth, salesforceConnection } from "./salesforce-connection";
import { classifyHubSpotError } from "./hubspot-crm";
import { classifySalesforceError } from "./salesforce-crm";

/**
 * The labels the CRMs show for the values the console names: deal stages (HubSpot's pipelines,
 * Salesforce's StageName picklist) and lead statuses and lifecycle stages (HubSpot's property
 * options, Salesforce's Status picklist). Reads only, paced like every other call to the CRM;
 * the console caches what they answer for a day.
 */
export interface FieldLabelSet {
  objectType: string;
  property: string;
  options: { value: string; label: string }[];
}

const TIMEOUT_MS = 15_000;
/** HubSpot's dated API version for the reads below (issue 27: new calls use 2026-09). */
const HUBSPOT_VERSION = "2026-09";
/** The enumeration properties of HubSpot people the console shows by label. */
const HUBSPOT_PERSON_ENUMS = ["hs_lead_status", "lifecyclestage"];

interface Pipeline {
  id: string;
  label: string;
  stages: { id: string; label: string; displayOrder?: number }[];
}

async function hubSpotGet<T>(options: HubSpotAccess & PacedRead, path: string): Promise<T> {
  await options.beforeCall?.();
  const response = await withTimeout(
    fetch(`${options.basePath.replace(/\/$/, "")}${path}`, {
      headers: { authorization: `Bearer ${options.accessToken}`, accept: "application/json" },
    }),
    options.timeoutMs ?? TIMEOUT_MS,
    `HubSpot GET ${path}`,
  );
  const body = (await response.json().catch(() => ({}))) as T & { message?: string };
  if (!response.ok) {
    const now = (options.now ?? Date.now)();
    throw Object.assign(new Error(redact(`HubSpot ${response.status}: ${body.message ?? response.statusText}`)), {
      code: response.status,
      body,
      headers: { "retry-after": response.headers.get("retry-after") ?? "" },
      retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), now),
    });
  }
  return body;
}

/** Deal stages from the pipelines (named "Pipeline: Stage" when the portal has several), lead statuses and lifecycle stages from their properties. */
export async function readHubSpotLabels(options: HubSpotAccess & PacedRead): Promise<Result<FieldLabelSet[]>> {
  try {
    const { results: pipelines } = await hubSpotGet<{ results: Pipeline[] }>(options, `/crm/pipelines/${HUBSPOT_VERSION}/deals`);
    const several = pipelines.length > 1;
    const sets: FieldLabelSet[] = [
      {
        objectType: "deal",
        property: "dealstage",
        options: pipelines.flatMap((p) =>
          [...p.stages]
            .sort((a, b) => (a.displayOrder ?? 0) - (b.displayOrder ?? 0))
            .map((s) => ({ value: s.id, label: several ? `${p.label}: ${s.label}` : s.label })),
        ),
      },
      { objectType: "deal", property: "pipeline", options: pipelines.map((p) => ({ value: p.id, label: p.label })) },
    ];
    for (const property of HUBSPOT_PERSON_ENUMS) {
      const definition = await hubSpotGet<{ options?: { value: string; label: string }[] }>(
        options,
        `/crm/properties/${HUBSPOT_VERSION}/contacts/${property}`,
      );
      sets.push({ objectType: "contact", property, options: (definition.options ?? []).map(({ value, label }) => ({ value, label })) });
    }
    return { ok: true, value: sets };
  } catch (error) {
    const e = error as { code?: number; message?: string; retryAfterMs?: number };
    if (typeof e.code === "number") return { ok: false, failure: failureOfStatus(e.code, e.message ?? "HubSpot error", e.retryAfterMs) };
    return { ok: false, failure: classifyHubSpotError(error, (options.now ?? Date.now)()) };
  }
}

/** The picklists Salesforce names stages and statuses by: Opportunity.StageName, Lead.Status, their labels as the org set them. */
export async function readSalesforceLabels(options: PacedRead & { instanceUrl: string; auth: SalesforceAuth }): Promise<Result<FieldLabelSet[]>> {
  const now = options.now ?? Date.now;
  const session = salesforceConnection(options.instanceUrl, options.auth, now);
  const started = now();
  const wanted: [sobject: string, objectType: string, field: string][] = [
    ["Opportunity", "opportunity", "StageName"],
    ["Lead", "lead", "Status"],
  ];
  try {
    await session.signIn();
    const sets: FieldLabelSet[] = [];
    for (const [sobject, objectType, field] of wanted) {
      await options.beforeCall?.();
      const described = await withTimeout(
        Promise.resolve(session.conn.sobject(sobject).describe()),
        options.timeoutMs ?? TIMEOUT_MS,
        `Salesforce describe ${sobject}`,
      );
      const picklist = described.fields.find((f) => f.name === field)?.picklistValues ?? [];
      sets.push({
        objectType,
        property: field,
        options: picklist.filter((v) => v.active).map((v) => ({ value: v.value, label: v.label ?? v.value })),
      });
    }
    return { ok: true, value: sets };
  } catch (error) {
    return { ok: false, failure: session.renewalFailureSince(started) ?? classifySalesforceError(error) };
  }
}
