import { Hono } from "hono";
import { RecordKey } from "../domain/crm-event";
import { constantTimeEqual, utf8 } from "../verify/bytes";
import { adminEffectsRoutes } from "./admin-effects.routes";
import type { AppEnv } from "./app-env";
import { HttpError, invalidPayload, unauthorized } from "./errors";

export const adminRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    const given = /^Bearer (.+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
    if (!given || !constantTimeEqual(utf8(given), utf8(c.var.config.ADMIN_TOKEN))) {
      throw unauthorized("admin API needs Authorization: Bearer <ADMIN_TOKEN>");
    }
    await next();
  })
  .get("/leads/:key", async (c) => {
    const key = RecordKey.safeParse(c.req.param("key"));
    if (!key.success) throw invalidPayload(key.error);
    const snapshot = await c.env.LEAD.getByName(key.data).snapshot();
    if (!snapshot) throw new HttpError(404, "not_found", `no events recorded for ${key.data}`);
    return c.json({ key: key.data, ...snapshot });
  })
  .route("/effects", adminEffectsRoutes);
