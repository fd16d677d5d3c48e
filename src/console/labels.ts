import type { Config } from "../env/config";
import { salesforceAuth } from "../env/config";
import { type FieldLabelSet, readHubSpotLabels, readSalesforceLabels } from "../crm/field-labels";
import { pacer } from "../pacing/pacer";
import type { Result } from "../platform/failure";
import { claimLabelRead, readLabels, storeLabels } from "../storage/crm-labels";
import type { FieldLabels } from "./people";

/** Labels change rarely (an admin renames a stage): read once a day, and served from D1 between. */
const LABELS_TTL_MS = 24 * 3_600_000;
/** An isolate reads the cached labels from D1 at most this often. */
const ISOLATE_TTL_MS = 60_000;

let cached: { at: number; labels: Map<string, string> } | undefined;
const keyOf = (crm: string, objectType: string, property: string, value: string) => `${crm}\u0000${objectType}\u0000${property}\u0000${value}`;

/** The cached labels as a lookup; a value nobody has a label for is named by itself. */
export async function labelsFor(db: D1Database, now = Date.now()): Promise<FieldLabels> {
  if (!cached || now - cached.at > ISOLATE_TTL_MS || now < cached.at) {
    const rows = await readLabels(db);
    cached = { at: now, labels: new Map(rows.map((r) => [keyOf(r.crm, r.objectType, r.property, r.value), r.label])) };
  }
  const labels = cached.labels;
  return (crm, objectType, property, value) => labels.get(keyOf(crm, objectType, property, value));
}

/** The stage order a CRM gives, for listing stages as the pipeline runs. */
export async function stageOrder(db: D1Database): Promise<Map<string, number>> {
  return new Map((await readLabels(db)).map((r) => [keyOf(r.crm, r.objectType, r.property, r.value), r.position]));
}
export const stageKey = keyOf;

interface LabelSource {
  crm: "hubspot" | "salesforce";
  accountId: string;
  read: () => Promise<Result<FieldLabelSet[]>>;
}

function sources(env: Env, config: Config): LabelSource[] {
  const out: LabelSource[] = [];
  if (config.HUBSPOT_ACCESS_TOKEN && config.HUBSPOT_PORTAL_ID) {
    out.push({
      crm: "hubspot",
      accountId: config.HUBSPOT_PORTAL_ID,
      read: () =>
        readHubSpotLabels({
          accessToken: config.HUBSPOT_ACCESS_TOKEN!,
          basePath: config.HUBSPOT_API_BASE,
          beforeCall: pacer(env.RATE_LIMITER.getByName(`hubspot:${config.HUBSPOT_PORTAL_ID}`), config.HUBSPOT_RATE_LIMIT),
        }),
    });
  }
  const auth = salesforceAuth(config);
  if (auth && config.SALESFORCE_INSTANCE_URL && config.SALESFORCE_ORG_ID) {
    out.push({
      crm: "salesforce",
      accountId: config.SALESFORCE_ORG_ID,
      read: () =>
        readSalesforceLabels({
          instanceUrl: config.SALESFORCE_INSTANCE_URL!,
          auth,
          beforeCall: pacer(env.RATE_LIMITER.getByName(`salesforce:${config.SALESFORCE_ORG_ID}`), config.SALESFORCE_RATE_LIMIT),
        }),
    });
  }
  return out;
}

/**
 * Reads each CRM's labels again when the last read is a day old (or `force`, from the health
 * page's connection check). One caller reads at a time (a claim in D1); a CRM that cannot answer
 * keeps the labels it gave before, and the console names values by themselves until it can.
 */
export async function refreshLabels(env: Env, config: Config, now: Date, force = false): Promise<string[]> {
  const notes: string[] = [];
  for (const source of sources(env, config)) {
    const target = `${source.crm}:${source.accountId}`;
    const staleBefore = force ? now : new Date(now.getTime() - LABELS_TTL_MS);
    if (!(await claimLabelRead(env.DB, target, now, new Date(staleBefore.getTime() + (force ? 1 : 0))))) continue;
    const read = await source.read();
    if (!read.ok) {
      notes.push(`${target}: ${read.failure.message}`);
      continue;
    }
    await storeLabels(env.DB, source.crm, source.accountId, read.value, now);
    cached = undefined;
  }
  return notes;
}
