import { Hono } from "hono";
import {
  checkSalesforceConsents,
  checkSalesforcePicklists,
  checkSalesforceTaskKey,
  checkHubSpotValidationRules,
  ensureHubSpotLeadSource,
  ensureHubSpotMeetingKey,
  ensureHubSpotProductProperties,
  ensureHubSpotTaskKey,
} from "../crm/crm-setup";
import type { AppEnv } from "../env/app-env";
import { salesforceAuth } from "../env/config";
import { activePolicy } from "../storage/policies";

/**
 * POST /admin/crm/setup: creates (HubSpot) or checks (Salesforce) the CRM fields that make task
 * (and booked meeting) writes idempotent, and the HubSpot property that chooses a lead's cadence; checks the Salesforce
 * picklist values and consent fields and objects the policy uses; warns of HubSpot validation rules on
 * properties the product writes.
 */
export const adminSetupRoute = new Hono<AppEnv>().post("/", async (c) => {
  const config = c.var.config;
  const hubspot = config.HUBSPOT_ACCESS_TOKEN
    ? await ensureHubSpotTaskKey(config.HUBSPOT_ACCESS_TOKEN, config.HUBSPOT_API_BASE)
    : { ok: false, action: "skipped", detail: "set HUBSPOT_ACCESS_TOKEN" };
  const { policy } = await activePolicy(c.env.DB);
  const sourceProperty = policy.rules.cadences?.sourceProperty.hubspot;
  const hubspotLeadSource =
    config.HUBSPOT_ACCESS_TOKEN && sourceProperty
      ? await ensureHubSpotLeadSource(config.HUBSPOT_ACCESS_TOKEN, config.HUBSPOT_API_BASE, sourceProperty)
      : { ok: true, action: "skipped", detail: sourceProperty ? "set HUBSPOT_ACCESS_TOKEN" : "no HubSpot cadence source property in the policy" };
  const hubspotProductProperties = config.HUBSPOT_ACCESS_TOKEN
    ? await ensureHubSpotProductProperties(config.HUBSPOT_ACCESS_TOKEN, config.HUBSPOT_API_BASE)
    : { ok: false, action: "skipped", detail: "set HUBSPOT_ACCESS_TOKEN" };
  const hubspotValidationRules = config.HUBSPOT_ACCESS_TOKEN
    ? await checkHubSpotValidationRules(config.HUBSPOT_ACCESS_TOKEN, config.HUBSPOT_API_BASE, policy)
    : { ok: false, action: "skipped", detail: "set HUBSPOT_ACCESS_TOKEN" };
  const hubspotBooking = policy.booking?.forms.some((b) => policy.forms.find((f) => f.key === b.form)?.crm === "hubspot");
  const hubspotMeetingKey =
    config.HUBSPOT_ACCESS_TOKEN && hubspotBooking
      ? await ensureHubSpotMeetingKey(config.HUBSPOT_ACCESS_TOKEN, config.HUBSPOT_API_BASE)
      : { ok: true, action: "skipped", detail: hubspotBooking ? "set HUBSPOT_ACCESS_TOKEN" : "no HubSpot form offers booking" };
  const sfAuth = salesforceAuth(config);
  const salesforce =
    sfAuth && config.SALESFORCE_INSTANCE_URL
      ? await checkSalesforceTaskKey(sfAuth, config.SALESFORCE_INSTANCE_URL)
      : {
          ok: false,
          action: "skipped",
          detail: "set SALESFORCE_INSTANCE_URL and SALESFORCE_CLIENT_ID + SALESFORCE_CLIENT_SECRET (or SALESFORCE_ACCESS_TOKEN)",
        };
  // An admin moving to the app may have left the old token set: say which one is used.
  if (sfAuth && "clientId" in sfAuth && config.SALESFORCE_ACCESS_TOKEN) {
    salesforce.detail += "; signed in with the app's client credentials (SALESFORCE_ACCESS_TOKEN is set too, and not used)";
  }
  const salesforcePicklists =
    sfAuth && config.SALESFORCE_INSTANCE_URL
      ? await checkSalesforcePicklists(sfAuth, config.SALESFORCE_INSTANCE_URL, policy)
      : { ok: false, action: "skipped", detail: salesforce.detail };
  const salesforceConsents =
    sfAuth && config.SALESFORCE_INSTANCE_URL
      ? await checkSalesforceConsents(sfAuth, config.SALESFORCE_INSTANCE_URL, policy)
      : { ok: false, action: "skipped", detail: salesforce.detail };
  return c.json({
    hubspot,
    hubspotLeadSource,
    hubspotProductProperties,
    hubspotValidationRules,
    hubspotMeetingKey,
    salesforce,
    salesforcePicklists,
    salesforceConsents,
  });
});
