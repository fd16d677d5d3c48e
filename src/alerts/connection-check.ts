import { type Config, salesforceAuth } from "../env/config";
import { SALESFORCE_API_VERSION, salesforceConnection } from "../crm/salesforce-connection";
import { classify, redact, withTimeout } from "../platform/failure";

/** Whether the service can still sign in to each system it writes to, and how much of its daily API allowance is used. */
export interface ConnectionCheck {
  system: "HubSpot" | "Salesforce" | "Slack";
  ok: boolean;
  /** The system refused the credentials: nothing will be written until an admin fixes them. */
  signInFailed: boolean;
  detail: string;
  daily?: { used: number; max: number };
}

const TIMEOUT_MS = 10_000;

async function checkHubSpot(config: Config, fetcher: typeof fetch): Promise<ConnectionCheck> {
  try {
    const response = await withTimeout(
      fetcher(`${config.HUBSPOT_API_BASE}/crm/v3/owners?limit=1`, { headers: { authorization: `Bearer ${config.HUBSPOT_ACCESS_TOKEN}` } }),
      TIMEOUT_MS,
      "HubSpot owners read",
    );
    await response.body?.cancel();
    // Private apps are told their daily allowance on every response.
    const max = Number(response.headers.get("x-hubspot-ratelimit-daily"));
    const remaining = Number(response.headers.get("x-hubspot-ratelimit-daily-remaining"));
    const daily = max > 0 && Number.isFinite(remaining) ? { used: max - remaining, max } : undefined;
    if (response.ok) return { system: "HubSpot", ok: true, signInFailed: false, detail: "the access token reads owners", daily };
    const refused = response.status === 401 || response.status === 403;
    return {
      system: "HubSpot",
      ok: false,
      signInFailed: refused,
      detail: refused ? `HubSpot refused the access token (HTTP ${response.status})` : `HubSpot answered HTTP ${response.status}`,
      daily,
    };
  } catch (error) {
    return { system: "HubSpot", ok: false, signInFailed: false, detail: classify(error).message };
  }
}

async function checkSalesforce(config: Config): Promise<ConnectionCheck> {
  const auth = salesforceAuth(config)!;
  const { conn, signIn } = salesforceConnection(config.SALESFORCE_INSTANCE_URL!, auth);
  try {
    await withTimeout(signIn(), TIMEOUT_MS, "Salesforce sign-in");
  } catch (error) {
    const failure = classify(error);
    return { system: "Salesforce", ok: false, signInFailed: failure.kind === "permanent", detail: failure.message };
  }
  try {
    const limits = await withTimeout(
      conn.request<{ DailyApiRequests?: { Max: number; Remaining: number } }>(`/services/data/v${SALESFORCE_API_VERSION}/limits`),
      TIMEOUT_MS,
      "Salesforce limits read",
    );
    const d = limits.DailyApiRequests;
    return {
      system: "Salesforce",
      ok: true,
      signInFailed: false,
      detail: "signed in; the org's limits read",
      daily: d ? { used: d.Max - d.Remaining, max: d.Max } : undefined,
    };
  } catch (error) {
    const failure = classify(error);
    return { system: "Salesforce", ok: false, signInFailed: failure.status === 401, detail: failure.message };
  }
}

const SLACK_REFUSALS = new Set(["invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"]);

async function checkSlack(config: Config, fetcher: typeof fetch): Promise<ConnectionCheck> {
  try {
    const response = await withTimeout(
      fetcher(`${config.SLACK_API_BASE}/api/auth.test`, { method: "POST", headers: { authorization: `Bearer ${config.SLACK_BOT_TOKEN}` } }),
      TIMEOUT_MS,
      "Slack auth.test",
    );
    const body = (await response.json().catch(() => ({}))) as { ok?: boolean; error?: string; team?: string };
    if (body.ok) return { system: "Slack", ok: true, signInFailed: false, detail: `the bot token works${body.team ? ` in ${body.team}` : ""}` };
    return {
      system: "Slack",
      ok: false,
      signInFailed: SLACK_REFUSALS.has(body.error ?? ""),
      detail: `Slack: ${body.error ?? `HTTP ${response.status}`}`,
    };
  } catch (error) {
    return { system: "Slack", ok: false, signInFailed: false, detail: classify(error).message };
  }
}

/** One cheap authenticated call per configured system (nothing is written); an unconfigured one is left out. */
export async function checkConnections(config: Config, fetcher: typeof fetch = fetch): Promise<ConnectionCheck[]> {
  const checks: Promise<ConnectionCheck>[] = [];
  if (config.HUBSPOT_ACCESS_TOKEN) checks.push(checkHubSpot(config, fetcher));
  if (salesforceAuth(config) && config.SALESFORCE_INSTANCE_URL) checks.push(checkSalesforce(config));
  if (config.SLACK_BOT_TOKEN) checks.push(checkSlack(config, fetcher));
  return (await Promise.all(checks)).map((c) => ({ ...c, detail: redact(c.detail) }));
}
