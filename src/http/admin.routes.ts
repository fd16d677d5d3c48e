import { Hono } from "hono";
import { constantTimeEqual, utf8 } from "../platform/bytes";
import { adminRecordsRoutes } from "../records/admin-records.route";
import { adminSetupRoute } from "../policy/admin-setup.route";
import { adminEffectsRoutes } from "../outbox/admin-effects.routes";
import { adminIngestRoutes } from "../ingest/admin-ingest.routes";
import { adminConsentsRoutes, adminSubmissionsRoutes } from "../intake/admin-intake.routes";
import { adminPolicyRoutes } from "../policy/admin-policy.routes";
import { adminRosterRoute } from "../policy/admin-roster.route";
import { adminSimulateRoute } from "../policy/admin-simulate.route";
import type { AppEnv } from "../env/app-env";
import { unauthorized } from "../platform/http/errors";

/** /admin/*: the bearer ADMIN_TOKEN, then each feature's admin routes. */
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
  .route("/leads", adminRecordsRoutes)
  .route("/crm/setup", adminSetupRoute)
  .route("/effects", adminEffectsRoutes)
  .route("/ingest", adminIngestRoutes)
  .route("/policy", adminPolicyRoutes)
  .route("/policy/reps", adminRosterRoute)
  .route("/simulate", adminSimulateRoute)
  .route("/submissions", adminSubmissionsRoutes)
  .route("/consents", adminConsentsRoutes);
