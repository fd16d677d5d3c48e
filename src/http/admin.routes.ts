import { Hono } from "hono";
import { salesforceAuth } from "../env/config";
import { RecordKey } from "../core/model/crm-event";
import { constantTimeEqual, utf8 } from "../platform/bytes";
import {
  checkSalesforceConsents,
  checkSalesforcePicklists,
  checkSalesforceTaskKey,
  ensureHubSpotLeadSource,
  ensureHubSpotProductProperties,
  ensureHubSpotTaskKey,
} from "../crm/crm-setup";
import { activePolicy } from "../storage/policies";
import { isKnownRecord } from "../storage/records";
import { adminEffectsRoutes } from "../outbox/admin-effects.routes";
import { adminIngestRoutes } from "../ingest/admin-ingest.routes";
import { adminConsentsRoutes, adminSubmissionsRoutes } from "../intake/admin-intake.routes";
import { adminPolicyRoutes } from "../policy/admin-policy.routes";
import { adminRosterRoute } from "../policy/admin-roster.route";
import { adminSimulateRoute } from "../policy/admin-simulate.route";
import type { AppEnv } from "../env/app-env";
import { HttpError, invalidPayload, unauthorized } from "../platform/http/errors";

export const adminRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    const given = /^Bearer (.+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    // The app answers 503 before this when the admin API is off (no valid ADMIN_TOKEN).
    const token = c.var.config.ADMIN_TOKEN;
    if (!given || !token || !constantTimeEqual(utf8(given), utf8(token))) {
      throw unauthorized("admin API needs Authorization: Bearer <ADMIN_TOKEN>");
    }
    await next();
  })
  .get("/leads/:key", async (c) => {
    const key = RecordKey.safeParse(c.req.param("key"));
    if (!key.success) throw invalidPayload(key.error);
    const snapshot = (await isKnownRecord(c.env.DB, key.data)) ? await c.env.RECORDS.getByName(key.data).snapshot() : null;
    if (!snapshot) throw new HttpError(404, "not_found", `no events recorded for ${key.data}`);
    return c.json({ key: key.data, ...snapshot });
  })
  /**
   * Creates (HubSpot) or checks (Salesforce) the CRM fields that make task writes idempotent, and
   * the HubSpot property that chooses a lead's cadence; checks the Salesforce picklist values and
   * consent fields and objects the policy uses.
   */
  .post("/crm/setup", async (c) => {
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
    return c.json({ hubspot, hubspotLeadSource, hubspotProductProperties, salesforce, salesforcePicklists, salesforceConsents });
  })
  .route("/effects", adminEffectsRoutes)
  .route("/ingest", adminIngestRoutes)
  .route("/policy", adminPolicyRoutes)
  .route("/policy/reps", adminRosterRoute)
  .route("/simulate", adminSimulateRoute)
  .route("/submissions", adminSubmissionsRoutes)
  .route("/consents", adminConsentsRoutes);
