import { Hono } from "hono";
import { z } from "zod";
import { type Config, featureOffMessage, salesforceAuth } from "../env/config";
import { listHubSpotOwners, listSalesforceUsers } from "../crm/owners";
import { accountsSeen } from "../storage/records";
import { activePolicy } from "../storage/policies";
import { Policy } from "../core/policy/policy";
import { type CrmPerson, proposeRoster, type SlackMember } from "../core/policy/roster";
import { pacer } from "../pacing/pacer";
import type { Failure, Result } from "../platform/failure";
import { listSlackMembers } from "../slack/slack-users";
import type { AppEnv } from "../env/app-env";
import { parseJson, readRawBody, requireContentType } from "../platform/http/body";
import { HttpError, invalidPayload } from "../platform/http/errors";

const ImportRequest = z
  .object({
    /** Read HubSpot's owners (default: when HubSpot write-back is set up). */
    hubspot: z.boolean().default(true),
    /** Read Salesforce's active users of these profiles (by name). Salesforce is read only when given. */
    salesforce: z
      .object({ profiles: z.array(z.string().trim().min(1)).min(1).max(100) })
      .strict()
      .optional(),
    /** Match Slack members by email (default: when Slack messages are set up). */
    slack: z.boolean().default(true),
  })
  .strict();

type Source = { read: true; count: number } | { read: false; reason: string };

/** A read that failed fails the import: a proposal missing a system's ids would drop them when saved. */
function readFailed(source: string, failure: Failure): HttpError {
  const retry =
    failure.kind === "rateLimited" && failure.retryAfterMs ? { "retry-after": String(Math.ceil(failure.retryAfterMs / 1000)) } : undefined;
  return new HttpError(
    failure.kind === "permanent" ? 502 : 503,
    "read_failed",
    `reading ${source} failed (${failure.kind}): ${failure.message}`,
    { source, failure: { kind: failure.kind, message: failure.message, ...(failure.status ? { status: failure.status } : {}) } },
    retry,
  );
}

async function read<T>(source: string, result: Promise<Result<T[]>>): Promise<T[]> {
  const done = await result;
  if (!done.ok) throw readFailed(source, done.failure);
  return done.value;
}

/** The limiter of the account the outbox writes to, so these reads share its window; with no record seen yet nothing else calls that CRM. */
async function limiterTarget(env: Env, config: Config, crm: "hubspot" | "salesforce"): Promise<string> {
  if (crm === "salesforce") return config.SALESFORCE_ORG_ID ? `salesforce:${config.SALESFORCE_ORG_ID}` : "salesforce";
  const portals = await accountsSeen(env.DB, "hubspot");
  return portals.length === 1 ? `hubspot:${portals[0]}` : "hubspot";
}

/**
 * Roster bootstrap: the CRMs' owners and Slack's members matched by email into a proposed `reps`
 * list for the policy. Nothing is saved: the admin reviews it and PUTs the policy.
 */
export const adminRosterRoute = new Hono<AppEnv>().post("/import", async (c) => {
  const raw = await readRawBody(c.req.raw);
  if (raw.length > 0) requireContentType(c.req.raw, ["application/json"]);
  const parsed = ImportRequest.safeParse(raw.length > 0 ? parseJson(raw) : {});
  if (!parsed.success) throw invalidPayload(parsed.error);
  const request = parsed.data;
  const config = c.var.config;
  const on = (feature: "hubspotWriteBack" | "salesforceWriteBack" | "slackMessages") => config.report.features[feature].state === "on";
  const sources: Record<"hubspot" | "salesforce" | "slack", Source> = {
    hubspot: { read: false, reason: "not asked for" },
    salesforce: { read: false, reason: 'not asked for: give salesforce.profiles (e.g. ["Standard User"]) to read Salesforce users' },
    slack: { read: false, reason: "not asked for" },
  };

  let hubspot: CrmPerson[] | undefined;
  if (request.hubspot && !on("hubspotWriteBack")) sources.hubspot = { read: false, reason: featureOffMessage(config, "hubspotWriteBack")! };
  else if (request.hubspot) {
    const target = await limiterTarget(c.env, config, "hubspot");
    hubspot = await read(
      "HubSpot owners",
      listHubSpotOwners({
        accessToken: config.HUBSPOT_ACCESS_TOKEN!,
        basePath: config.HUBSPOT_API_BASE,
        beforeCall: pacer(c.env.RATE_LIMITER.getByName(target), config.HUBSPOT_RATE_LIMIT),
      }),
    );
    sources.hubspot = { read: true, count: hubspot.length };
  }

  let salesforce: CrmPerson[] | undefined;
  const sfAuth = salesforceAuth(config);
  if (request.salesforce && !(on("salesforceWriteBack") && sfAuth && config.SALESFORCE_INSTANCE_URL)) {
    sources.salesforce = { read: false, reason: featureOffMessage(config, "salesforceWriteBack")! };
  } else if (request.salesforce && sfAuth && config.SALESFORCE_INSTANCE_URL) {
    const target = await limiterTarget(c.env, config, "salesforce");
    salesforce = await read(
      "Salesforce users",
      listSalesforceUsers(
        {
          instanceUrl: config.SALESFORCE_INSTANCE_URL,
          auth: sfAuth,
          beforeCall: pacer(c.env.RATE_LIMITER.getByName(target), config.SALESFORCE_RATE_LIMIT),
        },
        request.salesforce.profiles,
      ),
    );
    sources.salesforce = { read: true, count: salesforce.length };
  }

  if (!hubspot && !salesforce) {
    throw new HttpError(409, "nothing_to_import", "no CRM was read: set up HubSpot or Salesforce write-back, or ask for the one that is", {
      sources,
    });
  }

  let slack: SlackMember[] | undefined;
  if (request.slack && !on("slackMessages")) sources.slack = { read: false, reason: featureOffMessage(config, "slackMessages")! };
  else if (request.slack) {
    slack = await read(
      "Slack members",
      listSlackMembers({
        botToken: config.SLACK_BOT_TOKEN!,
        apiBase: config.SLACK_API_BASE,
        beforeCall: pacer(c.env.RATE_LIMITER.getByName("slack"), config.SLACK_RATE_LIMIT),
      }),
    );
    sources.slack = { read: true, count: slack.length };
  }

  const active = await activePolicy(c.env.DB);
  const proposal = proposeRoster({ policy: active.policy, hubspot, salesforce, slack });
  const warnings: string[] = [];
  if (slack?.some((m) => !m.bot && !m.deleted) && !slack.some((m) => m.email)) {
    warnings.push("Slack gave no member's email address: the app needs the users:read.email scope (reinstall it after adding the scope)");
  }
  // What the active policy would say with these reps: teams naming dropped reps, for instance.
  const candidate = Policy.safeParse({ ...active.policy, reps: proposal.reps });
  return c.json({
    saved: false,
    basedOn: { policyVersion: active.version },
    ...proposal,
    sources,
    warnings,
    policyIssues: candidate.success ? [] : candidate.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`),
  });
});
