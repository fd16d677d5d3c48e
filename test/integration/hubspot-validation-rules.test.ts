import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateAlerts } from "../../src/alerts/alerts-chore";
import { DEFAULT_ALERT_SETTINGS } from "../../src/core/alerts/alerts";
import type { EffectRequest } from "../../src/core/model/effects";
import { HubSpotCrm } from "../../src/crm/hubspot-crm";
import { loadConfig } from "../../src/env/config";
import { enqueueEffects } from "../../src/outbox/effect-queue";
import { alertPorts } from "../support/alert-ports";
import { hubspotEmulator } from "../support/emulators";
import { call, eventually } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * From 2026-09 HubSpot enforces a portal's validation rules on API writes. A write one refuses is
 * a permanent failure naming the rule: the effect dies at once (no retries), the console's outbox
 * shows why, an alert fires, and the CRM setup warned of the rule beforehand.
 */
const run = Date.now().toString(36);
const portal = TEST_BINDINGS.HUBSPOT_PORTAL_ID;
const admin = (path: string, init: RequestInit = {}) =>
  call(path, { ...init, headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json" } });

afterAll(async () => {
  await hubspotEmulator.clearValidationRules();
});

async function putRule(objectTypeId: string, property: string, ruleType: string, ruleArguments: string[]) {
  const response = await fetch(`${env.HUBSPOT_API_BASE}/crm/property-validations/2026-09/${objectTypeId}/${property}/rule-type/${ruleType}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ ruleArguments }),
  });
  expect(response.status).toBe(204);
}

describe("a portal validation rule refusing the product's writes", () => {
  it("setup warns of it, the task's effect dies at once naming it, and an alert fires", { timeout: 60_000 }, async () => {
    await putRule("0-27", "hs_task_subject", "MAX_LENGTH", ["5"]);
    const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
    expect(setup.hubspot.ok).toBe(true);
    expect(setup.hubspotValidationRules).toMatchObject({ ok: false, action: "missing" });
    expect(setup.hubspotValidationRules.detail).toContain("tasks.hs_task_subject: MAX_LENGTH(5)");

    const contact = (await hubspotEmulator.uiCreate("contacts", { email: `rules-${run}@example.com` })).id;
    const request: EffectRequest = {
      idempotencyKey: `rules:${run}:task`,
      leadKey: `hubspot:${portal}:contact:${contact}`,
      rule: "test",
      effect: {
        type: "createTask",
        crm: "hubspot",
        accountId: portal,
        objectType: "contact",
        objectId: contact,
        ownerId: "84213371",
        subject: "Call about the demo request",
        body: "",
        dueAt: "2026-11-24T14:00:00.000Z",
        priority: "HIGH",
        channel: "CALL",
      },
    };
    const [id] = await enqueueEffects(env, [request], new Date());
    const row = await eventually(async () => {
      const found = await env.DB.prepare("SELECT status, attempts, last_error FROM effects WHERE id = ?")
        .bind(id)
        .first<{ status: string; attempts: number; last_error: string }>();
      expect(found?.status).toBe("dead");
      return found!;
    }, 30_000);
    expect(row.attempts).toBe(1);
    expect(row.last_error).toContain("validation rule MAX_LENGTH on hs_task_subject (Enter at most 5 characters)");

    const config = { ...loadConfig(env), ALERTS_SLACK_CHANNEL: "" };
    const result = await evaluateAlerts(env, alertPorts(env, config), new Date(), {
      settings: DEFAULT_ALERT_SETTINGS,
      checkConnections: async () => [],
    });
    expect(result.firing).toContain("validation-rules");
    const alert = await env.DB.prepare("select detail from alerts where id = 'validation-rules'").first<{ detail: string }>();
    expect(alert!.detail).toContain("MAX_LENGTH on hs_task_subject");
  });

  it("a conditionally required property's rule refuses an update, named, for good", async () => {
    await hubspotEmulator.addValidationRules({
      conditional: [
        { name: "Close date on won deals", objectType: "deals", property: "closedate", when: { property: "dealstage", value: "closedwon" } },
      ],
    });
    const deal = (await hubspotEmulator.uiCreate("deals", { dealname: `Rules ${run}`, dealstage: "appointmentscheduled" })).id;
    const crm = new HubSpotCrm({ accessToken: TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN, basePath: env.HUBSPOT_API_BASE });
    const [refused] = await crm.updateRecords([{ objectType: "deal", objectId: deal, properties: { dealstage: "closedwon" } }]);
    expect(refused).toMatchObject({ ok: false, failure: { kind: "permanent", code: "VALIDATION_RULE" } });
    expect((refused as { failure: { message: string } }).failure.message).toContain('validation rule "Close date on won deals" on closedate');
    const [allowed] = await crm.updateRecords([
      { objectType: "deal", objectId: deal, properties: { dealstage: "closedwon", closedate: "2026-12-01T00:00:00.000Z" } },
    ]);
    expect(allowed).toEqual({ ok: true, externalId: deal });
  });
});
