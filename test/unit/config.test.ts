import { describe, expect, it } from "vitest";
import { evaluateConfig, FEATURES, featureOffMessage, loadConfig, salesforceAuth, SETTINGS } from "../../src/env/config";
import { TEST_BINDINGS } from "../support/test-bindings";

// A fresh object per call: loadConfig caches by the env object.
const bindings = {
  ...TEST_BINDINGS,
  SALESFORCE_INSTANCE_URL: "http://127.0.0.1:8791",
  ACCESS_TEAM_DOMAIN: "acme.cloudflareaccess.com",
  ACCESS_AUD: "console-aud",
  ALERTS_SLACK_CHANNEL: "C0ALERTS1",
  // The worker tests make a working key per run; here only its shape is read.
  GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify({
    type: "service_account",
    client_email: "booking@project.iam.gserviceaccount.com",
    private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
    token_uri: "https://oauth2.googleapis.com/token",
  }),
};
const envWith = (overrides: Record<string, string>) => ({ ...bindings, ...overrides }) as unknown as Env;
const offFeatures = (config: ReturnType<typeof evaluateConfig>) =>
  Object.entries(config.report.features)
    .filter(([, s]) => s.state !== "on")
    .map(([name]) => name);

describe("configuration", () => {
  it("with the test bindings every feature is on", () => {
    const config = loadConfig(envWith({}));
    expect(offFeatures(config)).toEqual([]);
    expect(config.report.working).toBe(true);
    expect(config.HUBSPOT_RATE_LIMIT).toEqual({ max: 100, windowMs: 10_000 });
  });

  it("reads the Google service account key as its JSON or base64 of it; anything else switches off Google Calendar only, the value not repeated", () => {
    const json = bindings.GOOGLE_SERVICE_ACCOUNT_KEY;
    expect(loadConfig(envWith({ GOOGLE_SERVICE_ACCOUNT_KEY: btoa(json) })).GOOGLE_SERVICE_ACCOUNT_KEY?.client_email).toBe(
      "booking@project.iam.gserviceaccount.com",
    );
    const broken = loadConfig(envWith({ GOOGLE_SERVICE_ACCOUNT_KEY: '{"private_key": "secret-part"}' }));
    expect(offFeatures(broken)).toEqual(["googleCalendar"]);
    expect(broken.GOOGLE_SERVICE_ACCOUNT_KEY).toBeUndefined();
    expect(JSON.stringify(broken.report)).not.toContain("secret-part");
    expect(featureOffMessage(broken, "googleCalendar")).toBe(
      "Google Calendar for booking is off: GOOGLE_SERVICE_ACCOUNT_KEY is invalid: not a service account key file (client_email, private_key, token_uri)",
    );
  });

  it("signs in to Salesforce with the app's client credentials when set, else with the fixed token", () => {
    expect(salesforceAuth(loadConfig(envWith({})))).toEqual({
      clientId: TEST_BINDINGS.SALESFORCE_CLIENT_ID,
      clientSecret: TEST_BINDINGS.SALESFORCE_CLIENT_SECRET,
    });
    expect(salesforceAuth(loadConfig(envWith({ SALESFORCE_CLIENT_ID: "", SALESFORCE_CLIENT_SECRET: "" })))).toEqual({
      accessToken: TEST_BINDINGS.SALESFORCE_ACCESS_TOKEN,
    });
    expect(
      salesforceAuth(loadConfig(envWith({ SALESFORCE_CLIENT_ID: "", SALESFORCE_CLIENT_SECRET: "", SALESFORCE_ACCESS_TOKEN: "" }))),
    ).toBeUndefined();
  });

  it("a client id without its secret switches off Salesforce write-back only, naming the variables and never the value", () => {
    const config = loadConfig(envWith({ SALESFORCE_CLIENT_SECRET: "" }));
    expect(offFeatures(config)).toEqual(["salesforceWriteBack"]);
    expect(config.report.features.salesforceWriteBack).toEqual({
      state: "broken",
      reason: "set the SALESFORCE_CLIENT_SECRET secret too (SALESFORCE_CLIENT_ID is set and goes with it)",
      missing: ["SALESFORCE_CLIENT_SECRET"],
      invalid: [],
    });
    // Off means no credentials left: nothing can sign in with the stray token either.
    expect(salesforceAuth(config)).toBeUndefined();
    expect(JSON.stringify(config.report)).not.toContain(TEST_BINDINGS.SALESFORCE_CLIENT_ID);
  });

  it("a short ADMIN_TOKEN switches off the admin API and nothing else", () => {
    const config = loadConfig(envWith({ ADMIN_TOKEN: "short-secret" }));
    expect(offFeatures(config)).toEqual(["adminApi"]);
    expect(config.ADMIN_TOKEN).toBeUndefined();
    expect(featureOffMessage(config, "adminApi")).toBe("The admin API is off: ADMIN_TOKEN is invalid: must be at least 16 characters");
    expect(JSON.stringify(config.report)).not.toContain("short-secret");
    expect(config.report.working).toBe(true);
  });

  it("SLACK_RATE_LIMIT=lots switches off Slack messages: the bot token is withheld, the value is not repeated", () => {
    const config = loadConfig(envWith({ SLACK_RATE_LIMIT: "lots" }));
    expect(offFeatures(config)).toEqual(["slackMessages"]);
    expect(config.report.features.slackMessages).toMatchObject({ state: "broken", invalid: ["SLACK_RATE_LIMIT"] });
    expect(config.SLACK_BOT_TOKEN).toBeUndefined();
    expect(config.HUBSPOT_ACCESS_TOKEN).toBe(TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN);
    expect(JSON.stringify(config.report)).not.toContain("lots");
  });

  it("a source whose secret is unset is off, not broken, and says which secret to set", () => {
    const config = loadConfig(envWith({ HUBSPOT_CLIENT_SECRET: "" }));
    expect(config.report.features.hubspotWebhooks).toEqual({
      state: "off",
      reason: "set the HUBSPOT_CLIENT_SECRET secret",
      missing: ["HUBSPOT_CLIENT_SECRET"],
      invalid: [],
    });
    expect(featureOffMessage(config, "hubspotWebhooks")).toBe("HubSpot webhooks are off: set the HUBSPOT_CLIENT_SECRET secret");
  });

  it("a blank var a set-up feature needs is reported; one a feature not set up needs is not a fault", () => {
    const blankAppId = loadConfig(envWith({ HUBSPOT_APP_ID: "" }));
    expect(blankAppId.report.features.hubspotWebhooks).toMatchObject({ state: "broken", missing: ["HUBSPOT_APP_ID"] });
    const noSalesforce = loadConfig(
      envWith({ SALESFORCE_ORG_ID: "", SALESFORCE_WEBHOOK_SECRET: "", SALESFORCE_OUTBOUND_TOKEN: "", SALESFORCE_INTEGRATION_USER_ID: "" }),
    );
    expect(noSalesforce.report.features.salesforceChangeEvents.state).toBe("off");
    expect(noSalesforce.report.features.salesforceOutboundMessages.state).toBe("off");
  });

  it("an unreadable PAUSE_RECORD_DELIVERY holds delivery back; the retry settings' errors switch off the outbox", () => {
    const config = loadConfig(envWith({ PAUSE_RECORD_DELIVERY: "yes", EFFECT_MAX_ATTEMPTS: "0" }));
    expect(config.PAUSE_RECORD_DELIVERY).toBe(true);
    expect(config.report.features.recordDelivery).toMatchObject({ state: "broken", invalid: ["PAUSE_RECORD_DELIVERY"] });
    expect(config.report.features.outbox).toMatchObject({
      state: "broken",
      reason: "EFFECT_MAX_ATTEMPTS is invalid: must be a whole number from 1 to 50",
    });
    expect(loadConfig(envWith({ PAUSE_RECORD_DELIVERY: "true" })).report.features.recordDelivery).toMatchObject({ state: "off" });
  });

  it("with no secrets at all nothing can work", () => {
    const secrets = Object.keys(SETTINGS).filter((n) => SETTINGS[n as keyof typeof SETTINGS].kind === "secret");
    const config = evaluateConfig({ ...bindings, ...Object.fromEntries(secrets.map((n) => [n, ""])) });
    expect(config.report.working).toBe(false);
    expect(config.report.features.adminApi.state).toBe("broken");
  });

  it("values known only by name (wrangler secret list) count as set and valid", () => {
    const vars = Object.fromEntries(Object.entries(bindings).filter(([n]) => SETTINGS[n as keyof typeof SETTINGS]?.kind === "var"));
    const names = new Set(Object.keys(bindings).filter((n) => SETTINGS[n as keyof typeof SETTINGS]?.kind === "secret"));
    expect(offFeatures(evaluateConfig(vars, { setButUnseen: names }))).toEqual([]);
  });

  it("every feature's values are settings", () => {
    for (const spec of Object.values(FEATURES) as { needs: string[]; uses?: string[]; needsOneOf?: string[][] }[]) {
      for (const name of [...spec.needs, ...(spec.uses ?? []), ...(spec.needsOneOf ?? []).flat()]) expect(SETTINGS).toHaveProperty(name);
    }
  });

  it("Access half set up is broken and withheld, so the console keeps its token sign-in; a bad alerts channel is named", () => {
    const config = loadConfig(envWith({ ACCESS_AUD: "", ALERTS_SLACK_CHANNEL: "#alerts" }));
    expect(offFeatures(config)).toEqual(["consoleAccess", "slackAlerts"]);
    expect(config.report.features.consoleAccess).toMatchObject({ state: "broken", missing: ["ACCESS_AUD"] });
    expect(config.ACCESS_TEAM_DOMAIN).toBeUndefined();
    expect(featureOffMessage(config, "slackAlerts")).toBe("Slack alerts are off: ALERTS_SLACK_CHANNEL is invalid: must be a Slack channel id (C…)");
    expect(config.ALERTS_SLACK_CHANNEL).toBeUndefined();
  });

  it("forms asking for Turnstile need its secret; an invalid siteverify URL switches the checks off", () => {
    expect(loadConfig(envWith({ TURNSTILE_SECRET_KEY: "" })).report.features.turnstile).toMatchObject({
      state: "off",
      reason: "set the TURNSTILE_SECRET_KEY secret",
    });
    const config = loadConfig(envWith({ TURNSTILE_SITEVERIFY_URL: "siteverify" }));
    expect(config.report.features.turnstile).toMatchObject({ state: "broken", invalid: ["TURNSTILE_SITEVERIFY_URL"] });
    expect(config.TURNSTILE_SECRET_KEY).toBeUndefined();
  });

  it("reads the one HubSpot portal and the previous Outbound Message token, refusing bad values by name", () => {
    expect(loadConfig(envWith({})).HUBSPOT_PORTAL_ID).toBe("62515");
    expect(loadConfig(envWith({ HUBSPOT_PORTAL_ID: "" })).HUBSPOT_PORTAL_ID).toBeUndefined();
    const named = loadConfig(envWith({ HUBSPOT_PORTAL_ID: "portal-1" }));
    expect(named.report.features.hubspotWebhooks).toMatchObject({ state: "broken", invalid: ["HUBSPOT_PORTAL_ID"] });
    expect(named.report.invalid.HUBSPOT_PORTAL_ID).toMatch(/must be numeric/);
    expect(named.HUBSPOT_PORTAL_ID).toBeUndefined();
    expect(loadConfig(envWith({ SALESFORCE_OUTBOUND_TOKEN_PREVIOUS: "" })).SALESFORCE_OUTBOUND_TOKEN_PREVIOUS).toBeUndefined();
    const short = loadConfig(envWith({ SALESFORCE_OUTBOUND_TOKEN_PREVIOUS: "short-token" }));
    expect(short.report.features.salesforceOutboundMessages).toMatchObject({ state: "broken", invalid: ["SALESFORCE_OUTBOUND_TOKEN_PREVIOUS"] });
    expect(short.report.invalid.SALESFORCE_OUTBOUND_TOKEN_PREVIOUS).toMatch(/at least 16 characters/);
    expect(JSON.stringify(short.report)).not.toContain("short-token");
  });
});
