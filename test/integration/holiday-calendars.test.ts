import { env } from "cloudflare:workers";
import { afterAll, describe, expect, it } from "vitest";
import { evaluateAlerts } from "../../src/alerts/alerts-chore";
import { DEFAULT_ALERT_SETTINGS } from "../../src/core/alerts/alerts";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { loadConfig } from "../../src/env/config";
import { alertPorts } from "../support/alert-ports";
import { admin } from "../support/rule-flows";

/** A policy whose holidays ran out is alerted; a named public-holiday calendar (date-holidays, in workerd) keeps it supplied. */
const evaluate = async () =>
  evaluateAlerts(env, alertPorts(env, { ...loadConfig(env), ALERTS_SLACK_CHANNEL: "" }), new Date(), {
    settings: DEFAULT_ALERT_SETTINGS,
    checkConnections: async () => [],
  });

afterAll(async () => {
  await admin("/admin/policy", { method: "PUT", body: JSON.stringify(DEFAULT_POLICY) });
});

describe("holiday calendars", () => {
  it("no holiday in the next six months fires the alert; naming a country's calendar ends it", async () => {
    expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify({ ...DEFAULT_POLICY, holidays: [] }) })).status).toBe(201);
    expect((await evaluate()).firing).toContain("holidays");
    const alert = await env.DB.prepare("select detail from alerts where id = 'holidays'").first<{ detail: string }>();
    expect(alert!.detail).toContain("the policy has no holiday in the next six months");

    const named = { ...DEFAULT_POLICY, holidays: [], holidayCalendar: "US" };
    expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(named) })).status).toBe(201);
    expect((await evaluate()).firing).not.toContain("holidays");
  });

  it("a calendar the package does not know is refused with the path", async () => {
    const response = await admin("/admin/policy", { method: "PUT", body: JSON.stringify({ ...DEFAULT_POLICY, holidayCalendar: "XX" }) });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain("holidayCalendar");
  });
});
