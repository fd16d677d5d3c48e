import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/env/config";
import { createApp } from "../../src/http/app";
import { ORIGIN, signedHubSpot } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

const app = createApp();
/** The Worker's app on the test bindings with some values changed: each call a fresh env, so a fresh configuration. */
function withEnv(overrides: Record<string, string>) {
  // The features the other test files leave off (Access would guard the console, alerts would post).
  const everything = { ACCESS_TEAM_DOMAIN: "acme.cloudflareaccess.com", ACCESS_AUD: "console-aud", ALERTS_SLACK_CHANNEL: "C0ALERTS1" };
  const changed = { ...env, ...everything, ...overrides } as Env;
  return (request: Request) => app.fetch(request, changed, createExecutionContext());
}
const admin = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };
let objectId = 7_100_000;
const contactCreated = () => [
  {
    eventId: 1,
    subscriptionId: 11,
    portalId: 62515,
    appId: 54321,
    occurredAt: Date.now(),
    subscriptionType: "contact.creation",
    attemptNumber: 0,
    objectId: objectId++,
    changeFlag: "CREATED",
    changeSource: "CRM_UI",
  },
];

describe("GET /health and features switched off by their configuration", () => {
  it("reports every feature on with the test bindings", async () => {
    const response = await withEnv({})(new Request(`${ORIGIN}/health`));
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body).toMatchObject({ ok: true, service: "lead-follow-up" });
    expect(body.off).toEqual({});
    expect(body.on).toContain("hubspotWebhooks");
    expect(body.on).toContain("adminApi");
  });

  it("a short ADMIN_TOKEN turns off the admin API only: 503 naming it, while webhooks still work", async () => {
    const fetch = withEnv({ ADMIN_TOKEN: "too-short" });
    const health = await fetch(new Request(`${ORIGIN}/health`));
    expect(health.status).toBe(200);
    const body = await health.json<any>();
    expect(body.off).toEqual({
      adminApi: { state: "broken", reason: "ADMIN_TOKEN is invalid: must be at least 16 characters", missing: [], invalid: ["ADMIN_TOKEN"] },
    });
    expect(JSON.stringify(body)).not.toContain("too-short");

    const adminCall = await fetch(new Request(`${ORIGIN}/admin/policy`, { headers: { authorization: "Bearer too-short" } }));
    expect(adminCall.status).toBe(503);
    expect(await adminCall.json()).toMatchObject({
      error: "not_configured",
      message: "The admin API is off: ADMIN_TOKEN is invalid: must be at least 16 characters",
      feature: "adminApi",
    });
    expect((await fetch(await signedHubSpot(contactCreated()))).status).toBe(200);
  });

  it("SLACK_RATE_LIMIT=lots turns off Slack messages and leaves the admin API and webhooks on", async () => {
    const fetch = withEnv({ SLACK_RATE_LIMIT: "lots" });
    const body = await (await fetch(new Request(`${ORIGIN}/health`))).json<any>();
    expect(Object.keys(body.off)).toEqual(["slackMessages"]);
    expect(body.off.slackMessages).toMatchObject({ state: "broken", invalid: ["SLACK_RATE_LIMIT"] });
    expect(body.off.slackMessages.reason).toMatch(/^SLACK_RATE_LIMIT is invalid: not a quota like "100\/10s"/);
    expect((await fetch(new Request(`${ORIGIN}/admin/policy`, { headers: admin }))).status).toBe(200);
    expect((await fetch(await signedHubSpot(contactCreated()))).status).toBe(200);
  });

  it("a source whose secret is unset answers 503 naming the secret; the health report says it is off, not broken", async () => {
    const fetch = withEnv({ HUBSPOT_CLIENT_SECRET: "" });
    const response = await fetch(await signedHubSpot(contactCreated()));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ message: "HubSpot webhooks are off: set the HUBSPOT_CLIENT_SECRET secret" });
    const body = await (await fetch(new Request(`${ORIGIN}/health`))).json<any>();
    expect(body.off.hubspotWebhooks).toMatchObject({ state: "off", missing: ["HUBSPOT_CLIENT_SECRET"] });
  });

  it("a blank HUBSPOT_APP_ID turns off HubSpot webhooks (the Worker could not tell its own writes), naming the var", async () => {
    const response = await withEnv({ HUBSPOT_APP_ID: "" })(await signedHubSpot(contactCreated()));
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ message: "HubSpot webhooks are off: set the HUBSPOT_APP_ID var", missing: ["HUBSPOT_APP_ID"] });
  });

  it("answers 503 when nothing can work: no source and no admin API", async () => {
    const secrets = Object.keys(SETTINGS).filter((n) => SETTINGS[n as keyof typeof SETTINGS].kind === "secret");
    const response = await withEnv(Object.fromEntries(secrets.map((n) => [n, ""])))(new Request(`${ORIGIN}/health`));
    expect(response.status).toBe(503);
    const body = await response.json<any>();
    expect(body.ok).toBe(false);
    expect(body.off.adminApi).toMatchObject({ state: "broken", reason: "set the ADMIN_TOKEN secret" });
    expect(body.off.hubspotWebhooks).toMatchObject({ state: "off" });
  });
});
