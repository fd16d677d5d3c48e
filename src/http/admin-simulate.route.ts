import { Hono } from "hono";
import { z } from "zod";
import { activePolicy } from "../db/policies";
import { Policy } from "../domain/policy";
import { SimulatedEvent, simulate } from "../domain/simulate";
import type { AppEnv } from "./app-env";
import { parseJson, readRawBody, requireContentType } from "./body";
import { invalidPayload } from "./errors";

const SimulationRequest = z.object({
  events: z.array(SimulatedEvent).min(1).max(5_000),
  /** A policy to try; the active one when absent. */
  policy: Policy.optional(),
  /** Run the clock up to here (default: 30 days after the last event). */
  until: z.iso.datetime().optional(),
});

/** POST /admin/simulate: what the rules would do with these events, touching nothing. */
export const adminSimulateRoute = new Hono<AppEnv>().post("/", async (c) => {
  requireContentType(c.req.raw, ["application/json"]);
  const request = SimulationRequest.safeParse(parseJson(await readRawBody(c.req.raw)));
  if (!request.success) throw invalidPayload(request.error);
  const { events, policy, until } = request.data;
  const versioned = policy ? { version: -1, policy, createdAt: c.var.now().toISOString() } : await activePolicy(c.env.DB);
  const last = events
    .map((e) => e.occurredAt)
    .sort()
    .at(-1)!;
  const end = until ? new Date(until) : new Date(Date.parse(last) + 30 * 86_400_000);
  return c.json({ policyVersion: versioned.version, until: end.toISOString(), ...(await simulate(events, versioned, end)) });
});
