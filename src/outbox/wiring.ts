import type { Config } from "../config";
import { type CrmPort, SlotTooFarAway } from "../crm/crm-port";
import { unsettledEffectIds } from "../db/effects";
import { HubSpotCrm } from "../crm/hubspot-crm";
import { SalesforceCrm } from "../crm/salesforce-crm";
import { SlackNotifier } from "../slack/slack-notifier";
import type { ConsumerDeps } from "./effect-queue";
import type { Executors } from "./effect-executors";
import type { Quota } from "./rate-limiter";
import { DEFAULT_RETRY_POLICY } from "./retry-policy";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Longer waits give the consumer back to the queue: the effect is retried when the slot comes. */
const MAX_INLINE_WAIT_MS = 20_000;

/** Waits for a slot from the target's RateLimiter object before each API call. */
export function pacer(env: Env, target: string, quota: Quota): () => Promise<void> {
  return async () => {
    const asked = Date.now();
    const slot = await env.RATE_LIMITER.getByName(target).reserve(quota, asked, MAX_INLINE_WAIT_MS);
    const wait = slot - asked;
    if (wait > MAX_INLINE_WAIT_MS) throw new SlotTooFarAway(wait);
    if (wait > 0) await sleep(wait);
  };
}

function quotaOf(config: Config, target: string): Quota {
  if (target.startsWith("hubspot:")) return config.HUBSPOT_RATE_LIMIT;
  if (target.startsWith("salesforce:")) return config.SALESFORCE_RATE_LIMIT;
  return config.SLACK_RATE_LIMIT;
}

/** Builds the CRM and Slack clients from configuration; a missing token leaves that one out. */
export function executorsFromConfig(env: Env, config: Config): Executors {
  const crms = new Map<string, CrmPort>();
  return {
    crm(target) {
      const existing = crms.get(target);
      if (existing) return existing;
      const beforeCall = pacer(env, target, quotaOf(config, target));
      let crm: CrmPort | undefined;
      if (target.startsWith("hubspot:") && config.HUBSPOT_ACCESS_TOKEN) {
        crm = new HubSpotCrm({ accessToken: config.HUBSPOT_ACCESS_TOKEN, basePath: config.HUBSPOT_API_BASE, beforeCall });
      } else if (target.startsWith("salesforce:") && config.SALESFORCE_ACCESS_TOKEN && config.SALESFORCE_INSTANCE_URL) {
        crm = new SalesforceCrm({ accessToken: config.SALESFORCE_ACCESS_TOKEN, instanceUrl: config.SALESFORCE_INSTANCE_URL, beforeCall });
      }
      if (crm) crms.set(target, crm);
      return crm;
    },
    unsettledTasks: (ids) => unsettledEffectIds(env.DB, ids),
    slack() {
      if (!config.SLACK_BOT_TOKEN) return undefined;
      return new SlackNotifier({ botToken: config.SLACK_BOT_TOKEN, apiBase: config.SLACK_API_BASE, beforeCall: pacer(env, "slack", config.SLACK_RATE_LIMIT) });
    },
  };
}

export function consumerDeps(env: Env, config: Config): ConsumerDeps {
  return {
    executors: executorsFromConfig(env, config),
    policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: config.EFFECT_MAX_ATTEMPTS, baseDelayMs: config.EFFECT_RETRY_BASE_MS },
    random: Math.random,
    now: () => new Date(),
    pauseTarget: (target, until) => env.RATE_LIMITER.getByName(target).pauseUntil(until),
  };
}
