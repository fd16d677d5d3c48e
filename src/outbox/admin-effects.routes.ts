import { Hono } from "hono";
import { z } from "zod";
import { countEffectsByStatus, listEffects, loadEffects, reviveDeadEffect } from "../storage/effects";
import type { EffectRow } from "../storage/schema";
import { EffectRequest } from "../core/model/effects";
import { enqueueEffects, sendEffectMessages } from "./effect-queue";
import type { AppEnv } from "../env/app-env";
import { parseJson, readRawBody, requireContentType } from "../platform/http/body";
import { HttpError, invalidPayload } from "../platform/http/errors";

const ListQuery = z.object({
  status: z.enum(["pending", "retrying", "done", "dead"]).optional(),
  lead: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const EffectRequests = z.array(EffectRequest).min(1).max(1000);

function present(row: EffectRow) {
  const { payload, ...rest } = row;
  return { ...rest, effect: JSON.parse(payload) as unknown };
}

export const adminEffectsRoutes = new Hono<AppEnv>()
  .get("/", async (c) => {
    const query = ListQuery.safeParse(c.req.query());
    if (!query.success) throw invalidPayload(query.error);
    const rows = await listEffects(c.env.DB, { status: query.data.status, leadKey: query.data.lead, limit: query.data.limit });
    return c.json({ effects: rows.map(present) });
  })
  .get("/summary", async (c) => c.json({ byStatus: await countEffectsByStatus(c.env.DB) }))
  /** Queues effects by hand (operators, load tests); known idempotency keys are ignored. */
  .post("/", async (c) => {
    requireContentType(c.req.raw, ["application/json"]);
    const requests = EffectRequests.safeParse(parseJson(await readRawBody(c.req.raw, 4 * 1024 * 1024)));
    if (!requests.success) throw invalidPayload(requests.error);
    const ids = await enqueueEffects(c.env, requests.data, c.var.now());
    return c.json({ created: ids.length, duplicates: requests.data.length - ids.length, ids }, 202);
  })
  .post("/:id/retry", async (c) => {
    const id = c.req.param("id");
    const [row] = await loadEffects(c.env.DB, [id]);
    if (!row) throw new HttpError(404, "not_found", `no effect ${id}`);
    if (!(await reviveDeadEffect(c.env.DB, id, c.var.now()))) {
      throw new HttpError(409, "not_dead", `effect ${id} is ${row.status}; only dead effects are retried by hand`);
    }
    await sendEffectMessages(c.env.EFFECTS, [id]);
    return c.json({ id, status: "pending" }, 202);
  });
