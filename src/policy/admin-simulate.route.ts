import { Hono } from "hono";
import { z } from "zod";
import { activePolicy } from "../storage/policies";
import { leadTouches } from "../storage/intake-touches";
import { Policy } from "../core/policy/policy";
import { SimulatedEvent, simulate, simulatedCrmEvents } from "../core/rules/simulate";
import { dryRunSubmissions, SimulatedSubmission } from "../intake/submission-dry-run";
import type { AppEnv } from "../env/app-env";
import { parseJson, readRawBody, requireContentType } from "../platform/http/body";
import { invalidPayload } from "../platform/http/errors";

const SimulationRequest = z
  .object({
    events: z.array(SimulatedEvent).max(5_000).default([]),
    /** Form submissions, run through intake's steps first; their records then join the events. */
    submissions: z.array(SimulatedSubmission).max(100).default([]),
    /** A policy to try; the active one when absent. */
    policy: Policy.optional(),
    /** Run the clock up to here (default: 30 days after the last event). */
    until: z.iso.datetime().optional(),
  })
  .refine((r) => r.events.length + r.submissions.length > 0, { message: "give events, submissions or both", path: ["events"] });

/**
 * POST /admin/simulate: what intake would do with these submissions and what the rules would do
 * with these events, touching nothing. Submissions are matched by reading the CRM (nothing is
 * written) and routed by looking at the team's rotation (no slot is taken).
 */
export const adminSimulateRoute = new Hono<AppEnv>().post("/", async (c) => {
  requireContentType(c.req.raw, ["application/json"]);
  const request = SimulationRequest.safeParse(parseJson(await readRawBody(c.req.raw)));
  if (!request.success) throw invalidPayload(request.error);
  const { events, submissions, policy, until } = request.data;
  const versioned = policy ? { version: -1, policy, createdAt: c.var.now().toISOString() } : await activePolicy(c.env.DB);
  const ports = c.var.ports;
  const intake = await dryRunSubmissions(
    submissions,
    versioned.policy,
    {
      accountId: (crm) => (crm === "hubspot" ? c.var.config.HUBSPOT_PORTAL_ID : c.var.config.SALESFORCE_ORG_ID),
      crm: (crm, accountId) => ports.crm(`${crm}:${accountId}`),
      previousSubmissionAt: async (email) => (await leadTouches(c.env.DB, email))?.last.at,
      previewRoute: (teamId, routing) => ports.previewRoute(teamId, routing),
    },
    c.var.now(),
  );
  const all = [...simulatedCrmEvents(events), ...intake.events];
  const last = all
    .map((e) => e.occurredAt)
    .sort()
    .at(-1);
  const end = until ? new Date(until) : new Date(Date.parse(last ?? c.var.now().toISOString()) + 30 * 86_400_000);
  return c.json({
    policyVersion: versioned.version,
    until: end.toISOString(),
    ...(submissions.length ? { submissions: intake.results } : {}),
    ...(await simulate(all, versioned, end)),
  });
});
