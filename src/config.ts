import { z } from "zod";
import { SalesforceOrgId, SalesforceRecordId } from "./domain/salesforce-id";
import { decodeWebhookSecret } from "./verify/standard-webhooks";

const optionalText = z.string().trim().transform((v) => (v === "" ? undefined : v)).optional();
const flag = z.enum(["true", "false", ""]).optional().transform((v) => v === "true");
const blankToUndefined = (v: string | undefined) => v?.trim() || undefined;

/**
 * Secrets and vars, validated once per isolate. A source whose secret is unset is switched off
 * (its route answers 503 and says which secret is missing) rather than accepting unsigned calls.
 */
const ConfigSchema = z.object({
  ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be at least 16 characters"),
  HUBSPOT_CLIENT_SECRET: optionalText,
  HUBSPOT_APP_ID: z.string().trim().regex(/^\d*$/, "HUBSPOT_APP_ID must be numeric").optional()
    .transform((v) => v || undefined),
  HUBSPOT_ACCEPT_LEGACY_SIGNATURES: flag,
  SALESFORCE_WEBHOOK_SECRET: optionalText.refine(
    (v) => v === undefined || decodeWebhookSecret(v) !== null, "SALESFORCE_WEBHOOK_SECRET must be whsec_<base64>",
  ),
  SALESFORCE_OUTBOUND_TOKEN: optionalText.refine((v) => v === undefined || v.length >= 16, "SALESFORCE_OUTBOUND_TOKEN must be at least 16 characters"),
  SALESFORCE_ORG_ID: z.string().optional().transform(blankToUndefined).pipe(SalesforceOrgId.optional()),
  SALESFORCE_INTEGRATION_USER_ID: z.string().optional().transform(blankToUndefined).pipe(SalesforceRecordId.optional()),
  PUBLIC_BASE_URL: z.union([z.literal(""), z.url()]).optional().transform((v) => v?.replace(/\/$/, "") || undefined),
  ENABLE_BENCH_ROUTES: flag,
  PAUSE_RECORD_DELIVERY: flag,
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

const cache = new WeakMap<object, Config>();

export function loadConfig(env: Env): Config {
  let config = cache.get(env);
  if (!config) {
    const parsed = ConfigSchema.safeParse(env);
    if (!parsed.success) {
      // Names and rules only: the values are secrets and must not reach a log.
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new ConfigError(`invalid configuration: ${problems}`);
    }
    config = parsed.data;
    cache.set(env, config);
  }
  return config;
}
