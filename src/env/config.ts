import type { SalesforceAuth } from "../crm/salesforce-connection";
import { SalesforceOrgId, SalesforceRecordId } from "../core/model/salesforce-id";
import { SCRIPT_URL, SITEVERIFY_URL } from "../turnstile/turnstile";
import { parseQuota, type Quota } from "../pacing/quota";
import { decodeWebhookSecret } from "../platform/signatures/standard-webhooks";
import { parseServiceAccountKey, type ServiceAccountKey } from "../calendar/google-calendar";

/**
 * Secrets and vars, and the features they switch on. Each value is read on its own, and each
 * feature names the values it needs, so one bad value switches off only the features that need
 * it (its routes answer 503 saying what to set) while the rest keep working. `GET /health` and
 * `npm run check` report the same verdicts. Problems name values, never repeat them: they may be
 * secrets.
 */

/** Where a value is set: `wrangler secret put` (or `.dev.vars`), or `[vars]` in wrangler.toml. */
export type SettingKind = "secret" | "var";

type Read<T> = { ok: true; value: T } | { ok: false; problem: string };

interface SettingSpec<T, D extends T | undefined> {
  kind: SettingKind;
  /** What the value is, for the check's advice. */
  about: string;
  /** Reads a non-blank value. */
  read: (text: string) => Read<T>;
  /** The value when blank or unset. */
  fallback: D;
}

const ok = <T>(value: T): Read<T> => ({ ok: true, value });
const bad = (problem: string): Read<never> => ({ ok: false, problem });

function setting<T>(kind: SettingKind, about: string, read: (text: string) => Read<T>): SettingSpec<T, undefined>;
function setting<T>(kind: SettingKind, about: string, read: (text: string) => Read<T>, fallback: T): SettingSpec<T, T>;
function setting<T>(kind: SettingKind, about: string, read: (text: string) => Read<T>, fallback?: T): SettingSpec<T, T | undefined> {
  return { kind, about, read, fallback };
}

const text = (t: string) => ok(t);
const atLeast = (n: number) => (t: string) => (t.length >= n ? ok(t) : bad(`must be at least ${n} characters`));
const url = (t: string) => (URL.canParse(t) && /^https?:/.test(t) ? ok(t.replace(/\/$/, "")) : bad("not an http(s) URL"));
const flag = (t: string) => (t === "true" || t === "false" ? ok(t === "true") : bad('must be "true" or "false"'));
const integer = (min: number, max: number) => (t: string) =>
  /^\d+$/.test(t) && Number(t) >= min && Number(t) <= max ? ok(Number(t)) : bad(`must be a whole number from ${min} to ${max}`);
const fraction = (min: number, max: number) => (t: string) =>
  /^\d+(\.\d+)?$/.test(t) && Number(t) >= min && Number(t) <= max ? ok(Number(t)) : bad(`must be a number from ${min} to ${max}`);
const quota = (t: string): Read<Quota> => {
  try {
    return ok(parseQuota(t));
  } catch {
    return bad('not a quota like "100/10s" (calls, then the window in ms, s or m; both positive)');
  }
};
const matching = (schema: { safeParse(v: string): { success: boolean } }, problem: string) => (t: string) =>
  schema.safeParse(t).success ? ok(t) : bad(problem);

/** Every value the Worker reads, with what it is and how it is read. */
export const SETTINGS = {
  ADMIN_TOKEN: setting("secret", "the admin API's bearer token (16+ characters, e.g. `openssl rand -hex 24`)", atLeast(16)),
  HUBSPOT_CLIENT_SECRET: setting("secret", "your HubSpot app's client secret (it signs the webhooks)", text),
  HUBSPOT_APP_ID: setting("var", "your HubSpot app's id: webhooks from this app's own writes are recognised by it", (t) =>
    /^\d+$/.test(t) ? ok(t) : bad("must be numeric"),
  ),
  HUBSPOT_ACCEPT_LEGACY_SIGNATURES: setting("var", '"true" accepts HubSpot v1/v2 signatures (no replay protection)', flag, false),
  PUBLIC_BASE_URL: setting("var", "the URL HubSpot calls, when a proxy or tunnel changes the one the Worker sees", url),
  HUBSPOT_PORTAL_ID: setting("var", "your HubSpot account (portal) id: the one account this deployment serves", (t) =>
    /^\d+$/.test(t) ? ok(t) : bad("must be numeric"),
  ),
  HUBSPOT_ACCESS_TOKEN: setting("secret", "your HubSpot app's access token: writes tasks, owners and properties", text),
  HUBSPOT_CLIENT_ID: setting(
    "secret",
    "your HubSpot app's client id: with HUBSPOT_CLIENT_SECRET it reads the webhooks journal (project-based apps only)",
    text,
  ),
  HUBSPOT_API_BASE: setting("var", "HubSpot's API (https://api.hubapi.com; the emulator locally)", url, "https://api.hubapi.com"),
  HUBSPOT_RATE_LIMIT: setting("var", 'HubSpot calls per window, e.g. "100/10s"', quota, parseQuota("100/10s")),
  CRM_QUOTA_SHARE: setting(
    "var",
    "the share of a CRM account's API limits this product may use (0.05 to 1; the account's other apps share the rest)",
    fraction(0.05, 1),
    0.5,
  ),
  SALESFORCE_WEBHOOK_SECRET: setting("secret", "whsec_<base64>: the secret the Apex forwarder signs change events with", (t) =>
    decodeWebhookSecret(t) !== null ? ok(t) : bad("must be whsec_<base64>"),
  ),
  SALESFORCE_OUTBOUND_TOKEN: setting("secret", "the secret path segment of the Outbound Message URL (16+ characters)", atLeast(16)),
  SALESFORCE_OUTBOUND_TOKEN_PREVIOUS: setting(
    "secret",
    "during a rotation, the Outbound Message URL's previous secret segment, still accepted (16+ characters)",
    atLeast(16),
  ),
  SALESFORCE_ORG_ID: setting("var", "your Salesforce org id (Setup → Company Information)", matching(SalesforceOrgId, "not a Salesforce org id")),
  SALESFORCE_INTEGRATION_USER_ID: setting(
    "var",
    "the Salesforce user the Worker writes as: changes it commits are its own",
    matching(SalesforceRecordId, "not a 15- or 18-character Salesforce id"),
  ),
  SALESFORCE_INSTANCE_URL: setting("var", "your Salesforce My Domain URL (https://<domain>.my.salesforce.com)", url),
  SALESFORCE_CLIENT_ID: setting("secret", "the consumer key of the Salesforce app with the client credentials flow", text),
  SALESFORCE_CLIENT_SECRET: setting("secret", "the consumer secret of the Salesforce app", text),
  SALESFORCE_ACCESS_TOKEN: setting("secret", "instead of the app, for a trial: a session id of the integration user", text),
  SALESFORCE_RATE_LIMIT: setting("var", 'Salesforce calls per window, e.g. "25/1s"', quota, parseQuota("25/1s")),
  SLACK_BOT_TOKEN: setting("secret", "the Slack app's bot token (xoxb-…)", (t) =>
    /^(xoxe\.)?xoxb-/.test(t) ? ok(t) : bad("must be a bot token (xoxb-…)"),
  ),
  SLACK_API_BASE: setting("var", "Slack's API (https://slack.com; the emulator locally)", url, "https://slack.com"),
  SLACK_RATE_LIMIT: setting("var", 'Slack calls per window, e.g. "20/20s"', quota, parseQuota("20/20s")),
  SLACK_SIGNING_SECRET: setting("secret", "the Slack app's signing secret (Basic Information): verifies button clicks", text),
  POSTMARK_INBOUND_USERNAME: setting("secret", "the user name in Postmark's inbound webhook URL", text),
  POSTMARK_INBOUND_PASSWORD: setting("secret", "the password in Postmark's inbound webhook URL (16+ characters)", atLeast(16)),
  MAILGUN_SIGNING_KEY: setting("secret", "Mailgun's HTTP webhook signing key", text),
  EMAIL_PROVIDER: setting("var", 'who sends cadence emails: "postmark" or "mailgun" (docs/email.md)', (t) =>
    t === "postmark" || t === "mailgun" ? ok(t) : bad('must be "postmark" or "mailgun"'),
  ),
  EMAIL_SENDING_DOMAIN: setting("var", "the domain cadence emails are sent from (SPF, DKIM and DMARC set up for it)", (t) =>
    /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(t) ? ok(t.toLowerCase()) : bad("must be a domain like mail.example.com"),
  ),
  EMAIL_REPLY_TO: setting("var", "the Reply-To of cadence emails: the address your provider's inbound webhook receives", (t) =>
    /^[^\s@<>]+@[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(t) ? ok(t) : bad("must be an email address"),
  ),
  EMAIL_LINKS_BASE_URL: setting("var", "the Worker's public URL (https://leads.example.com): the unsubscribe links in emails point there", url),
  UNSUBSCRIBE_SIGNING_KEY: setting("secret", "signs the one-click unsubscribe links (32+ characters, e.g. `openssl rand -hex 32`)", atLeast(32)),
  POSTMARK_SERVER_TOKEN: setting("secret", "the Postmark server's API token (Servers → API Tokens)", text),
  POSTMARK_API_BASE: setting("var", "Postmark's API (https://api.postmarkapp.com; the emulator locally)", url, "https://api.postmarkapp.com"),
  POSTMARK_MESSAGE_STREAM: setting(
    "var",
    "the Postmark message stream cadence emails go out on",
    (t) => (/^[a-z0-9-]{1,30}$/i.test(t) ? ok(t) : bad("must be a message stream id")),
    "outbound",
  ),
  MAILGUN_API_KEY: setting("secret", "the Mailgun API key that sends (Sending → Domain settings → Sending API keys)", text),
  MAILGUN_DOMAIN: setting("var", "the Mailgun sending domain", (t) =>
    /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(t) ? ok(t.toLowerCase()) : bad("must be a domain"),
  ),
  MAILGUN_API_BASE: setting(
    "var",
    "Mailgun's API (https://api.mailgun.net, or api.eu.mailgun.net; the emulator locally)",
    url,
    "https://api.mailgun.net",
  ),
  EMAIL_RATE_LIMIT: setting("var", 'emails sent per window, e.g. "50/1s": within your provider\'s send rate', quota, parseQuota("50/1s")),
  DOH_URL: setting("var", "the DNS-over-HTTPS JSON endpoint addresses are verified with", url, "https://cloudflare-dns.com/dns-query"),
  EFFECT_MAX_ATTEMPTS: setting("var", "attempts before an effect is dead", integer(1, 50), 8),
  EFFECT_RETRY_BASE_MS: setting("var", "the first retry delay's ceiling in milliseconds", integer(0, 600_000), 1_000),
  CONSENT_POLL_MS: setting(
    "var",
    "how often a consent looks again, for up to 2 s, at its lead's write running beside it, in milliseconds",
    integer(1, 2_000),
    200,
  ),
  PROJECTION_DELAY_MS: setting(
    "var",
    "how long a record waits after new events before it writes its row of the D1 read model, in milliseconds (a burst is one write)",
    integer(0, 60_000),
    1_000,
  ),
  SUBMISSION_RETRY_BASE_MS: setting(
    "var",
    "the wait before a submission whose processing failed is tried again, in milliseconds; each further try waits twice as long, up to 5 minutes",
    integer(0, 300_000),
    5_000,
  ),
  PAUSE_RECORD_DELIVERY: setting("var", '"true" holds accepted events back from their records (an operator\'s pause)', flag, false),
  PAUSE_INTAKE_PROCESSING: setting(
    "var",
    '"true" holds stored submissions back from matching, scoring, routing and the CRM (an operator\'s pause)',
    flag,
    false,
  ),
  ENABLE_BENCH_ROUTES: setting(
    "var",
    '"true" exposes POST /bench/noop and POST /bench/floor for `npm run bench:ingest` and `bench:intake`',
    flag,
    false,
  ),
  TURNSTILE_SECRET_KEY: setting("secret", "the Turnstile widget's secret key: checks the token a form sends", text),
  TURNSTILE_SITEVERIFY_URL: setting("var", "Turnstile's siteverify endpoint (a stand-in locally)", url, SITEVERIFY_URL),
  TURNSTILE_SCRIPT_URL: setting("var", "the Turnstile widget script the example forms load (a stand-in locally)", url, SCRIPT_URL),
  ENABLE_EXAMPLE_FORMS: setting("var", '"true" serves an example page for each policy form at GET /forms/{key}', flag, false),
  DISABLE_INTAKE_RATE_LIMITS: setting("var", '"true" lifts the per-address and per-form limits on submissions (benchmarks only)', flag, false),
  ACCESS_TEAM_DOMAIN: setting("var", "your Cloudflare Access team domain (myteam.cloudflareaccess.com), when Access guards /console", (t) =>
    /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(t) ? ok(t) : bad("must be a host name like myteam.cloudflareaccess.com"),
  ),
  ACCESS_AUD: setting("var", "the audience tag of the Access application guarding /console", text),
  ALERTS_SLACK_CHANNEL: setting("var", "the Slack channel id (C…) the console's alerts are posted to", (t) =>
    /^[CG][A-Z0-9]+$/.test(t) ? ok(t) : bad("must be a Slack channel id (C…)"),
  ),
  // Booking on the spot (docs/booking.md).
  BOOKING_TOKEN_SECRET: setting("secret", "signs booking and manage links (32+ characters, e.g. `openssl rand -hex 32`)", atLeast(32)),
  DISABLE_BOOKING_RATE_LIMITS: setting("var", '"true" lifts the per-address limit on booking pages (benchmarks only)', flag, false),
  GOOGLE_SERVICE_ACCOUNT_KEY: setting(
    "secret",
    "the JSON key file of the Google service account with domain-wide delegation (its JSON, or base64 of it)",
    (t): Read<ServiceAccountKey> => {
      const key = parseServiceAccountKey(t);
      return key ? ok(key) : bad("not a service account key file (client_email, private_key, token_uri)");
    },
  ),
  GOOGLE_CALENDAR_API_BASE: setting(
    "var",
    "Google Calendar's API (https://www.googleapis.com; the emulator locally)",
    url,
    "https://www.googleapis.com",
  ),
  MICROSOFT_TENANT_ID: setting("var", "your Microsoft Entra tenant (directory) id or primary domain", (t) =>
    /^[A-Za-z0-9.-]{3,100}$/.test(t) ? ok(t) : bad("must be a tenant id (GUID) or domain"),
  ),
  MICROSOFT_CLIENT_ID: setting("var", "the application (client) id of the Entra app with Calendars.ReadWrite", text),
  MICROSOFT_CLIENT_SECRET: setting("secret", "a client secret of that Entra app", text),
  MICROSOFT_GRAPH_API_BASE: setting("var", "Microsoft Graph (https://graph.microsoft.com; the emulator locally)", url, "https://graph.microsoft.com"),
  MICROSOFT_LOGIN_BASE: setting(
    "var",
    "the Microsoft identity platform (https://login.microsoftonline.com; the emulator locally)",
    url,
    "https://login.microsoftonline.com",
  ),
};

export type SettingName = keyof typeof SETTINGS;
type ValueOf<S> = S extends SettingSpec<infer T, infer D> ? T | D : never;
export type Settings = { [K in SettingName]: ValueOf<(typeof SETTINGS)[K]> };

interface FeatureSpec {
  /** In words, as a subject: "HubSpot webhooks are off: …". */
  label: string;
  plural?: true;
  /** Values it cannot work without. Their being set (the secrets among them) is what says the admin means to use it. */
  needs: SettingName[];
  /** Alternatives of which one group must be set in full (Salesforce: the app's id and secret, or a session). */
  needsOneOf?: SettingName[][];
  /** Values it reads when set: an invalid one switches it off too. */
  uses?: SettingName[];
  /** Off on purpose, with the reason (an operator's pause). */
  offWhen?: (values: Settings) => string | undefined;
  /** Always meant to be on: the check refuses a deployment without it. */
  required?: boolean;
}

export const FEATURES = {
  adminApi: { label: "the admin API", needs: ["ADMIN_TOKEN"], required: true },
  hubspotWebhooks: {
    label: "HubSpot webhooks",
    plural: true,
    needs: ["HUBSPOT_CLIENT_SECRET", "HUBSPOT_APP_ID", "HUBSPOT_PORTAL_ID"],
    uses: ["HUBSPOT_ACCEPT_LEGACY_SIGNATURES", "PUBLIC_BASE_URL"],
  },
  salesforceChangeEvents: {
    label: "Salesforce change events",
    plural: true,
    needs: ["SALESFORCE_WEBHOOK_SECRET", "SALESFORCE_ORG_ID", "SALESFORCE_INTEGRATION_USER_ID"],
  },
  salesforceOutboundMessages: {
    label: "Salesforce Outbound Messages",
    plural: true,
    needs: ["SALESFORCE_OUTBOUND_TOKEN", "SALESFORCE_ORG_ID", "SALESFORCE_INTEGRATION_USER_ID"],
    uses: ["SALESFORCE_OUTBOUND_TOKEN_PREVIOUS"],
  },
  hubspotJournal: {
    label: "the HubSpot webhooks journal backfill",
    needs: ["HUBSPOT_CLIENT_ID"],
    uses: ["HUBSPOT_CLIENT_SECRET", "HUBSPOT_PORTAL_ID", "HUBSPOT_API_BASE"],
  },
  hubspotWriteBack: {
    label: "HubSpot write-back",
    needs: ["HUBSPOT_ACCESS_TOKEN", "HUBSPOT_API_BASE"],
    uses: ["HUBSPOT_RATE_LIMIT", "HUBSPOT_PORTAL_ID", "CRM_QUOTA_SHARE"],
  },
  salesforceWriteBack: {
    label: "Salesforce write-back",
    needs: ["SALESFORCE_INSTANCE_URL"],
    needsOneOf: [["SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET"], ["SALESFORCE_ACCESS_TOKEN"]],
    uses: ["SALESFORCE_RATE_LIMIT"],
  },
  slackMessages: { label: "Slack messages", plural: true, needs: ["SLACK_BOT_TOKEN", "SLACK_API_BASE"], uses: ["SLACK_RATE_LIMIT"] },
  slackButtons: { label: "Slack buttons", plural: true, needs: ["SLACK_SIGNING_SECRET"] },
  postmarkInbound: { label: "Postmark inbound email", needs: ["POSTMARK_INBOUND_USERNAME", "POSTMARK_INBOUND_PASSWORD"] },
  mailgunInbound: { label: "Mailgun inbound email", needs: ["MAILGUN_SIGNING_KEY"] },
  emailSending: {
    label: "cadence emails",
    plural: true,
    needs: ["EMAIL_SENDING_DOMAIN", "EMAIL_REPLY_TO", "EMAIL_LINKS_BASE_URL", "UNSUBSCRIBE_SIGNING_KEY"],
    needsOneOf: [["POSTMARK_SERVER_TOKEN"], ["MAILGUN_API_KEY", "MAILGUN_DOMAIN"]],
    // EMAIL_PROVIDER picks one when both are set up; without it, the one whose credentials are set.
    uses: ["EMAIL_PROVIDER", "POSTMARK_API_BASE", "POSTMARK_MESSAGE_STREAM", "MAILGUN_API_BASE", "EMAIL_RATE_LIMIT"],
  },
  emailUnsubscribe: { label: "one-click unsubscribe links", plural: true, needs: ["UNSUBSCRIBE_SIGNING_KEY"] },
  emailVerification: { label: "address verification (DNS over HTTPS)", needs: ["DOH_URL"] },
  outbox: {
    label: "the outbox (every write to a CRM or Slack)",
    needs: [],
    uses: ["EFFECT_MAX_ATTEMPTS", "EFFECT_RETRY_BASE_MS", "CONSENT_POLL_MS"],
  },
  intakeProcessing: {
    label: "submission processing",
    needs: [],
    uses: ["PAUSE_INTAKE_PROCESSING", "SUBMISSION_RETRY_BASE_MS"],
    offWhen: (v) =>
      v.PAUSE_INTAKE_PROCESSING ? "paused: PAUSE_INTAKE_PROCESSING is true (submissions are accepted and kept until it is false)" : undefined,
  },
  recordDelivery: {
    label: "record delivery",
    needs: [],
    uses: ["PAUSE_RECORD_DELIVERY", "PROJECTION_DELAY_MS"],
    offWhen: (v) => (v.PAUSE_RECORD_DELIVERY ? "paused: PAUSE_RECORD_DELIVERY is true (events are kept until it is false)" : undefined),
  },
  turnstile: { label: "Turnstile checks on forms", plural: true, needs: ["TURNSTILE_SECRET_KEY"], uses: ["TURNSTILE_SITEVERIFY_URL"] },
  exampleForms: {
    label: "the example form pages",
    plural: true,
    needs: [],
    uses: ["ENABLE_EXAMPLE_FORMS", "TURNSTILE_SCRIPT_URL"],
    offWhen: (v) => (v.ENABLE_EXAMPLE_FORMS ? undefined : "ENABLE_EXAMPLE_FORMS is not true"),
  },
  consoleAccess: { label: "Cloudflare Access in front of the console", needs: ["ACCESS_TEAM_DOMAIN", "ACCESS_AUD"] },
  slackAlerts: { label: "Slack alerts", plural: true, needs: ["ALERTS_SLACK_CHANNEL"] },
  booking: { label: "booking on the spot", needs: ["BOOKING_TOKEN_SECRET"], uses: ["DISABLE_BOOKING_RATE_LIMITS"] },
  googleCalendar: { label: "Google Calendar for booking", needs: ["GOOGLE_SERVICE_ACCOUNT_KEY"], uses: ["GOOGLE_CALENDAR_API_BASE"] },
  microsoftCalendar: {
    label: "Microsoft 365 calendars for booking",
    needs: ["MICROSOFT_TENANT_ID", "MICROSOFT_CLIENT_ID", "MICROSOFT_CLIENT_SECRET"],
    uses: ["MICROSOFT_GRAPH_API_BASE", "MICROSOFT_LOGIN_BASE"],
  },
  benchRoutes: {
    label: "the benchmark route",
    needs: [],
    uses: ["ENABLE_BENCH_ROUTES"],
    offWhen: (v) => (v.ENABLE_BENCH_ROUTES ? undefined : "ENABLE_BENCH_ROUTES is not true"),
  },
} satisfies Record<string, FeatureSpec>;

export type FeatureName = keyof typeof FEATURES;

/** What can hear the world or be asked: with none of these on, nothing can work. */
const ENTRY_POINTS: FeatureName[] = [
  "adminApi",
  "hubspotWebhooks",
  "salesforceChangeEvents",
  "salesforceOutboundMessages",
  "slackButtons",
  "postmarkInbound",
  "mailgunInbound",
];

/**
 * `on`; `off` when not set up or switched off on purpose; `broken` when meant to be on (some of
 * its values are set) but a value it needs is missing or invalid.
 */
export type FeatureStatus = { state: "on" } | { state: "off" | "broken"; reason: string; missing: SettingName[]; invalid: SettingName[] };

export interface ConfigReport {
  features: Record<FeatureName, FeatureStatus>;
  /** Why each invalid value was refused (never the value). */
  invalid: Partial<Record<SettingName, string>>;
  /** Whether anything can work: an entry point is on. */
  working: boolean;
}

/** The values the Worker runs with: those of features that are off are absent, so nothing can half-use one. */
export type Config = Settings & { report: ConfigReport };

export interface EvaluateOptions {
  /** Values known to be set whose text cannot be seen (`wrangler secret list` names only): taken as valid. */
  setButUnseen?: ReadonlySet<string>;
}

const isBlank = (v: unknown): boolean => v === undefined || v === null || (typeof v === "string" && v.trim() === "");

const describe = (name: SettingName) => `the ${name} ${SETTINGS[name].kind}`;

/** Reads every value and decides every feature: the one verdict the Worker, `/health` and `npm run check` share. */
export function evaluateConfig(raw: Record<string, unknown>, options: EvaluateOptions = {}): Config {
  const unseen = options.setButUnseen ?? new Set<string>();
  const values: Record<string, unknown> = {};
  const invalid: Partial<Record<SettingName, string>> = {};
  const present = new Set<SettingName>();
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, SettingSpec<unknown, unknown>][]) {
    const given = raw[name];
    if (unseen.has(name) && isBlank(given)) {
      present.add(name);
      values[name] = spec.fallback;
      continue;
    }
    if (isBlank(given) || typeof given !== "string") {
      values[name] = spec.fallback;
      continue;
    }
    present.add(name);
    const read = spec.read(given.trim());
    if (read.ok) values[name] = read.value;
    else {
      invalid[name] = read.problem;
      values[name] = spec.fallback;
    }
  }
  const settings = values as Settings;

  const features = {} as Record<FeatureName, FeatureStatus>;
  for (const [name, spec] of Object.entries(FEATURES) as [FeatureName, FeatureSpec][]) {
    features[name] = decide(spec, settings, present, invalid);
  }
  // A feature that is off gives up its secrets, so code reading the values cannot use it halfway;
  // a secret that a feature which is on needs too stays (the unsubscribe links' key, say).
  const kept = new Set(
    (Object.entries(FEATURES) as [FeatureName, FeatureSpec][]).flatMap(([name, spec]) => (features[name].state === "on" ? switches(spec) : [])),
  );
  for (const [name, spec] of Object.entries(FEATURES) as [FeatureName, FeatureSpec][]) {
    if (features[name].state === "on") continue;
    for (const secret of switches(spec)) if (!kept.has(secret)) (values as Record<string, unknown>)[secret] = undefined;
  }
  // An unreadable pause is read as a pause: holding events back loses nothing, delivering them might not be meant.
  if (invalid.PAUSE_RECORD_DELIVERY) settings.PAUSE_RECORD_DELIVERY = true;
  if (invalid.PAUSE_INTAKE_PROCESSING) settings.PAUSE_INTAKE_PROCESSING = true;
  const working = ENTRY_POINTS.some((f) => features[f].state === "on");
  return { ...settings, report: { features, invalid, working } };
}

/** The values whose being set says the admin means to use the feature: its secrets, or its vars when it has none. */
function switches(spec: FeatureSpec): SettingName[] {
  const needed = [...spec.needs, ...(spec.needsOneOf ?? []).flat()];
  const secrets = needed.filter((n) => SETTINGS[n].kind === "secret");
  return secrets.length > 0 ? secrets : needed;
}

function decide(spec: FeatureSpec, values: Settings, present: Set<SettingName>, invalid: Partial<Record<SettingName, string>>): FeatureStatus {
  const missing: SettingName[] = [];
  const problems: string[] = [];
  for (const name of spec.needs) {
    // A value with a fallback (an API base) is never missing.
    if (!present.has(name) && SETTINGS[name].fallback === undefined) missing.push(name);
  }
  const groups = spec.needsOneOf ?? [];
  if (groups.length > 0) {
    const complete = groups.find((g) => g.every((n) => present.has(n)));
    const partial = groups.find((g) => g.some((n) => present.has(n)) && !g.every((n) => present.has(n)));
    if (partial && !complete) {
      const absent = partial.filter((n) => !present.has(n));
      missing.push(...absent);
      problems.push(`set ${absent.map(describe).join(" and ")} (${partial.filter((n) => present.has(n)).join(" and ")} is set and goes with it)`);
    } else if (!complete) {
      missing.push(...groups.flat());
      problems.push(`set ${groups.map((g) => g.join(" and ")).join(", or ")}`);
    } else if (partial) {
      // Both ways of signing in half given: the complete one is used, the stray value is an error to fix.
      const absent = partial.filter((n) => !present.has(n));
      missing.push(...absent);
      problems.push(`set ${absent.map(describe).join(" and ")} too (${partial.filter((n) => present.has(n)).join(" and ")} is set and goes with it)`);
    }
  }
  const bad = [...spec.needs, ...groups.flat(), ...(spec.uses ?? [])].filter((n, i, all) => invalid[n] && all.indexOf(n) === i);
  const needed = spec.needs.filter((n) => missing.includes(n));
  const reasons = [...needed.map((n) => `set ${describe(n)}`), ...problems, ...bad.map((n) => `${n} is invalid: ${invalid[n]}`)];
  if (reasons.length > 0) {
    const meant = spec.needs.length === 0 || switches(spec).some((n) => present.has(n)) || bad.length > 0;
    return { state: meant || spec.required ? "broken" : "off", reason: reasons.join("; "), missing, invalid: bad };
  }
  const off = spec.offWhen?.(values);
  if (off) return { state: "off", reason: off, missing: [], invalid: [] };
  return { state: "on" };
}

/** How to sign in to Salesforce: the app's client credentials when given (sessions renew), else a fixed token. */
export function salesforceAuth(config: Settings): SalesforceAuth | undefined {
  if (config.SALESFORCE_CLIENT_ID && config.SALESFORCE_CLIENT_SECRET) {
    return { clientId: config.SALESFORCE_CLIENT_ID, clientSecret: config.SALESFORCE_CLIENT_SECRET };
  }
  return config.SALESFORCE_ACCESS_TOKEN ? { accessToken: config.SALESFORCE_ACCESS_TOKEN } : undefined;
}

/** "HubSpot webhooks are off: set the HUBSPOT_CLIENT_SECRET secret". */
export function featureOffMessage(config: Config, feature: FeatureName): string | undefined {
  const status = config.report.features[feature];
  if (status.state === "on") return undefined;
  const spec: FeatureSpec = FEATURES[feature];
  return `${spec.label[0]!.toUpperCase()}${spec.label.slice(1)} ${spec.plural ? "are" : "is"} off: ${status.reason}`;
}

const cache = new WeakMap<object, Config>();

/** The configuration of this isolate's bindings, read once per env object; never throws. */
export function loadConfig(env: Env): Config {
  let config = cache.get(env);
  if (!config) {
    config = evaluateConfig(env as unknown as Record<string, unknown>);
    cache.set(env, config);
  }
  return config;
}
