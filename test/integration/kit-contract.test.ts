import { describe, expect, it } from "vitest";
import forwarder from "../../salesforce/force-app/main/default/classes/LeadFollowUpForwarder.cls?raw";
import forwarderTest from "../../salesforce/force-app/main/default/classes/LeadFollowUpForwarderTest.cls?raw";
import taskKeyField from "../../salesforce/force-app/main/default/objects/Activity/fields/Idempotency_Key__c.field-meta.xml?raw";
import permissionSet from "../../salesforce/force-app/main/default/permissionsets/Lead_Follow_Up_Integration.permissionset-meta.xml?raw";
import sfdxProject from "../../salesforce/sfdx-project.json";
import hubspotWebhooks from "../../hubspot/src/app/webhooks/webhooks-hsmeta.json";
import slackManifest from "../../slack/manifest.json";
import { HUBSPOT_TASK_KEY_PROPERTY, SALESFORCE_TASK_KEY_FIELD } from "../../src/crm/crm-port";
import { ensureHubSpotTaskKey } from "../../src/crm/crm-setup";
import { SALESFORCE_API_VERSION } from "../../src/crm/salesforce-connection";
import { MAX_WEBHOOK_BODY_BYTES } from "../../src/platform/http/body";
import { SALESFORCE_MAX_EVENTS } from "../../src/ingest/salesforce-cdc";
import { decodeWebhookSecret, verifyStandardWebhook } from "../../src/platform/signatures/standard-webhooks";
import { env } from "cloudflare:workers";
import { call } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

/** The kit's URLs are the Worker's webhook routes: each answers an unsigned POST with 401, not 404. */
const kitPaths = {
  hubspot: new URL(hubspotWebhooks.config.settings.targetUrl).pathname,
  slack: new URL(slackManifest.settings.interactivity.request_url).pathname,
  salesforce: /'callout:LeadFollowUp(\/[^']+)'/.exec(forwarder)![1]!,
};

describe("the go-live kit points at the Worker's routes", () => {
  it.each(Object.entries(kitPaths))("%s: %s checks signatures", async (_source, path) => {
    const contentType = path === kitPaths.slack ? "application/x-www-form-urlencoded" : "application/json";
    const response = await call(path, {
      method: "POST",
      headers: { "content-type": contentType },
      body: contentType.includes("json") ? "[]" : "payload=%7B%7D",
    });
    expect(response.status).toBe(401);
  });

  it("and a path the Worker does not serve is a 404", async () => {
    expect((await call(`${kitPaths.hubspot}x`, { method: "POST", body: "[]" })).status).toBe(404);
  });
});

describe("the Apex forwarder speaks the Worker's Salesforce webhook", () => {
  const constant = (name: string) => Number(new RegExp(`${name}\\s*=\\s*(\\d+)`).exec(forwarder)?.[1]);

  it("at the Worker's Salesforce API version", () => {
    expect(sfdxProject.sourceApiVersion).toBe(SALESFORCE_API_VERSION);
  });

  it("in batches the Worker accepts: at most its event count, under its body limit", () => {
    expect(constant("MAX_EVENTS_PER_REQUEST")).toBe(SALESFORCE_MAX_EVENTS);
    expect(constant("MAX_BODY_BYTES")).toBeLessThan(MAX_WEBHOOK_BODY_BYTES);
    expect(constant("MAX_ATTEMPTS")).toBeGreaterThan(1);
  });

  it("signed as the Worker verifies: the Apex test's vector passes verifyStandardWebhook", async () => {
    const [, id, timestamp, body, secret] = /LeadFollowUpForwarder\.sign\('([^']+)', '(\d+)', '([^']*)', '([^']+)'\)/.exec(forwarderTest)!;
    const [, expected] = /assertEquals\('(v1,[^']+)', signature\)/.exec(forwarderTest)!;
    const headers = new Headers({ "webhook-id": id!, "webhook-timestamp": timestamp!, "webhook-signature": expected! });
    const result = await verifyStandardWebhook(headers, new TextEncoder().encode(body), decodeWebhookSecret(secret!)!, Number(timestamp) * 1000);
    expect(result.ok).toBe(true);
  });
});

describe("the task keys the adapters write", () => {
  const element = (xml: string, name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];

  it("Salesforce: salesforce/ defines the key field as a unique 64-character external id on activities, editable by the integration user", () => {
    expect(element(taskKeyField, "fullName")).toBe(SALESFORCE_TASK_KEY_FIELD);
    expect(["type", "length", "unique", "externalId"].map((n) => element(taskKeyField, n))).toEqual(["Text", "64", "true", "true"]);
    expect(permissionSet).toMatch(
      new RegExp(
        `<fieldPermissions>\\s*<editable>true</editable>\\s*<field>Task\\.${SALESFORCE_TASK_KEY_FIELD}</field>\\s*<readable>true</readable>`,
      ),
    );
  });

  it("HubSpot: the CRM setup creates the key property, unique, on tasks and on the email engagements that log cadence emails (the app's scopes allow it: test/node/kit-hubspot.test.ts)", async () => {
    expect((await ensureHubSpotTaskKey(TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN, env.HUBSPOT_API_BASE)).ok).toBe(true);
    expect(await ensureHubSpotTaskKey(TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN, env.HUBSPOT_API_BASE)).toEqual({
      ok: true,
      action: "exists",
      detail: `tasks.${HUBSPOT_TASK_KEY_PROPERTY} exists and is unique; emails.${HUBSPOT_TASK_KEY_PROPERTY} exists and is unique`,
    });
  });
});
