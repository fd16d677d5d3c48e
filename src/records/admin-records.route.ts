import { Hono } from "hono";
import { RecordKey } from "../core/model/crm-event";
import type { AppEnv } from "../env/app-env";
import { HttpError, invalidPayload } from "../platform/http/errors";
import { isKnownRecord } from "../storage/records";

/** GET /admin/leads/{recordKey}: the record's state, events, audit and pending deadlines (404 for a record nobody has heard of). */
export const adminRecordsRoutes = new Hono<AppEnv>().get("/:key", async (c) => {
  const key = RecordKey.safeParse(c.req.param("key"));
  if (!key.success) throw invalidPayload(key.error);
  const snapshot = (await isKnownRecord(c.env.DB, key.data)) ? await c.env.RECORDS.getByName(key.data).snapshot() : null;
  if (!snapshot) throw new HttpError(404, "not_found", `no events recorded for ${key.data}`);
  return c.json({ key: key.data, ...snapshot });
});
