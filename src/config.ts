import { z } from "zod";
import type { SalesforceAuth } from "./crm/salesforce-connection";
import { SalesforceOrgId, SalesforceRecordId } from "./domain/salesforce-id";
import { SITEVERIFY_URL } from "./intake/turnstile";
import { parseQuota } from "./outbox/quota";
import { decodeWebhookSecret } from "./verify/standard-webhooks";

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();
function quota(fallback: string) {
  return z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        return parseQuota(text);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    });
}
const flag = z
  .enum(["true", "false", ""])
  .optional()
  .transform((v) => v === "true");
const blankToUndefined = (v: string | undefined) => v?.trim() || undefined;

/**
 * Secrets and vars, validated once per isolate. A source whose secret is unset is switched off
 * (its route answers 503 and says which secret is missing) rather than accepting unsigned calls.
 */
const ConfigSchema = z
  .object({
    ADMIN_TOKEN: z.string().min(16, "ADMIN_TOKEN must be at least 16 characters"),
    HUBSPOT_CLIENT_SECRET: optionalText,
    HUBSPOT_APP_ID: z
      .string()
      .trim()
      .regex(/^\d*$/, "HUBSPOT_APP_ID must be numeric")
      .optional()
      .transform((v) => v || undefined),
    /** The one HubSpot portal this deployment serves. */
    HUBSPOT_PORTAL_ID: z
      .string()
      .trim()
      .regex(/^\d*$/, "HUBSPOT_PORTAL_ID must be numeric")
      .optional()
      .transform((v) => v || undefined),
    HUBSPOT_ACCEPT_LEGACY_SIGNATURES: flag,
    SALESFORCE_WEBHOOK_SECRET: optionalText.refine(
      (v) => v === undefined || decodeWebhookSecret(v) !== null,
      "SALESFORCE_WEBHOOK_SECRET must be whsec_<base64>",
    ),
    SALESFORCE_OUTBOUND_TOKEN: optionalText.refine(
      (v) => v === undefined || v.length >= 16,
      "SALESFORCE_OUTBOUND_TOKEN must be at least 16 characters",
    ),
    SALESFORCE_ORG_ID: z.string().optional().transform(blankToUndefined).pipe(SalesforceOrgId.optional()),
    SALESFORCE_INTEGRATION_USER_ID: z.string().optional().transform(blankToUndefined).pipe(SalesforceRecordId.optional()),
    PUBLIC_BASE_URL: z
      .union([z.literal(""), z.url()])
      .optional()
      .transform((v) => v?.replace(/\/$/, "") || undefined),
    HUBSPOT_ACCESS_TOKEN: optionalText,
    HUBSPOT_API_BASE: z
      .url()
      .default("https://api.hubapi.com")
      .transform((v) => v.replace(/\/$/, "")),
    SALESFORCE_ACCESS_TOKEN: optionalText,
    SALESFORCE_CLIENT_ID: optionalText,
    SALESFORCE_CLIENT_SECRET: optionalText,
    SALESFORCE_INSTANCE_URL: z
      .union([z.literal(""), z.url()])
      .optional()
      .transform((v) => v?.replace(/\/$/, "") || undefined),
    SLACK_BOT_TOKEN: optionalText,
    SLACK_SIGNING_SECRET: optionalText,
    POSTMARK_INBOUND_USERNAME: optionalText,
    POSTMARK_INBOUND_PASSWORD: optionalText.refine(
      (v) => v === undefined || v.length >= 16,
      "POSTMARK_INBOUND_PASSWORD must be at least 16 characters",
    ),
    MAILGUN_SIGNING_KEY: optionalText,
    SLACK_API_BASE: z
      .url()
      .default("https://slack.com")
      .transform((v) => v.replace(/\/$/, "")),
    HUBSPOT_RATE_LIMIT: quota("100/10s"),
    SALESFORCE_RATE_LIMIT: quota("25/1s"),
    SLACK_RATE_LIMIT: quota("20/20s"),
    EFFECT_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
    EFFECT_RETRY_BASE_MS: z.coerce.number().int().min(0).max(600_000).default(1_000),
    ENABLE_BENCH_ROUTES: flag,
    PAUSE_RECORD_DELIVERY: flag,
    TURNSTILE_SECRET_KEY: optionalText,
    TURNSTILE_SITEVERIFY_URL: z
      .url()
      .default(SITEVERIFY_URL)
      .transform((v) => v.replace(/\/$/, "")),
    ENABLE_EXAMPLE_FORMS: flag,
    DISABLE_INTAKE_RATE_LIMITS: flag,
    /** Cloudflare Access in front of /console: the team's domain and the application's audience tag. */
    ACCESS_TEAM_DOMAIN: optionalText.refine(
      (v) => v === undefined || /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(v),
      "ACCESS_TEAM_DOMAIN must be a host name like myteam.cloudflareaccess.com",
    ),
    ACCESS_AUD: optionalText,
    /** Where the console's alerts go in Slack (a channel id). */
    ALERTS_SLACK_CHANNEL: optionalText.refine(
      (v) => v === undefined || /^[CG][A-Z0-9]+$/.test(v),
      "ALERTS_SLACK_CHANNEL must be a Slack channel id (C…)",
    ),
  })
  .refine((c) => !c.ACCESS_TEAM_DOMAIN === !c.ACCESS_AUD, {
    path: ["ACCESS_AUD"],
    message: "ACCESS_TEAM_DOMAIN and ACCESS_AUD go together",
  })
  .refine((c) => !c.SALESFORCE_CLIENT_ID === !c.SALESFORCE_CLIENT_SECRET, {
    path: ["SALESFORCE_CLIENT_SECRET"],
    message: "SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET go together",
  });
export type Config = z.infer<typeof ConfigSchema>;

/** How to sign in to Salesforce: the app's client credentials when given (sessions renew), else a fixed token. */
export function salesforceAuth(config: Config): SalesforceAuth | undefined {
  if (config.SALESFORCE_CLIENT_ID && config.SALESFORCE_CLIENT_SECRET) {
    return { clientId: config.SALESFORCE_CLIENT_ID, clientSecret: config.SALESFORCE_CLIENT_SECRET };
  }
  return config.SALESFORCE_ACCESS_TOKEN ? { accessToken: config.SALESFORCE_ACCESS_TOKEN } : undefined;
}

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
