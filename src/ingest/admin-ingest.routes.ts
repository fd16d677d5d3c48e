import { Hono } from "hono";
import { z } from "zod";
import { listParkedEvents } from "../storage/parked-events";
import { listReconciliations, type ReconciliationRow } from "../storage/reconciliations";
import { retryReconciliation } from "./reconciliations";
import type { AppEnv } from "../env/app-env";
import { HttpError, invalidPayload } from "../platform/http/errors";

const ParkedQuery = z.object({
  source: z.enum(["hubspot-webhook", "salesforce-cdc", "salesforce-outbound"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** The `next` of the page before. */
  cursor: z
    .string()
    .regex(/^[^~]+~[0-9a-f]+$/, "not a cursor this API gave")
    .transform((c) => {
      const [parkedAt, id] = c.split("~") as [string, string];
      return { parkedAt, id };
    })
    .optional(),
});

const ReconciliationQuery = z.object({
  status: z.enum(["running", "done", "failed"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

function present(row: ReconciliationRow) {
  return {
    id: row.id,
    crm: row.crm,
    accountId: row.account_id,
    objectType: row.object_type,
    sobject: row.sobject,
    since: row.since,
    reason: row.reason,
    status: row.status,
    pages: row.pages,
    records: row.records,
    attempts: row.attempts,
    lastError: row.last_error,
    fields: row.fields ? (JSON.parse(row.fields) as string[]) : null,
    resumeFrom: row.resume_from,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

/** What ingest did not simply keep: parked events, and the reconciliations gaps started. */
export const adminIngestRoutes = new Hono<AppEnv>()
  /** Parked events, newest first: `?source=&limit=&cursor=` (the `next` of the previous page). */
  .get("/parked", async (c) => {
    const query = ParkedQuery.safeParse(c.req.query());
    if (!query.success) throw invalidPayload(query.error);
    return c.json(await listParkedEvents(c.env.DB, query.data));
  })
  .get("/reconciliations", async (c) => {
    const query = ReconciliationQuery.safeParse(c.req.query());
    if (!query.success) throw invalidPayload(query.error);
    return c.json({ reconciliations: (await listReconciliations(c.env.DB, query.data)).map(present) });
  })
  /** A failed reconciliation runs again from where it stopped (409 unless it failed). */
  .post("/reconciliations/:id/retry", async (c) => {
    const id = c.req.param("id");
    if (!(await retryReconciliation(c.env, id, c.var.now()))) {
      throw new HttpError(409, "not_failed", `reconciliation ${id} is unknown or has not failed; only failed ones are retried by hand`);
    }
    return c.json({ id, status: "running" }, 202);
  });
