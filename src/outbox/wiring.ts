import { type Config, salesforceAuth } from "../config";
import type { CrmPort } from "../crm/crm-port";
import { SlotTooFarAway } from "../platform/failure";
import { supersededReassignments, unsettledEffectIds } from "../db/effects";
import { HubSpotCrm } from "../crm/hubspot-crm";
import { SalesforceCrm } from "../crm/salesforce-crm";
import { SlackNotifier } from "../slack/slack-notifier";
import type { ConsumerDeps } from "./effect-queue";
import type { Executors } from "./effect-executors";
import type { Grant, Quota } from "./rate-limiter";
import { DEFAULT_RETRY_POLICY } from "./retry-policy";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Longer waits give the consumer back to the queue: the effect is retried when the slot comes. */
const MAX_INLINE_WAIT_MS = 20_000;
const MIN_RETRY_WAIT_MS = 5;

export interface Clock {
  now: () => number;
  sleep: (ms: number) => Promise<unknown>;
}

/** What the pacer needs of the target's RateLimiter object. */
export interface Limiter {
  acquire(quota: Quota): Promise<Grant>;
}

/**
 * Waits until the target's limiter grants a call, then returns at once so the call starts
 * when it was counted. Other callers may take the slot it was told to wait for: it then waits
 * for the next one, until that is further off than it may wait.
 */
export function pacer(limiter: Limiter, quota: Quota, clock: Clock = { now: Date.now, sleep }): () => Promise<void> {
  return async () => {
    const giveUpAt = clock.now() + MAX_INLINE_WAIT_MS;
    for (;;) {
      const grant = await limiter.acquire(quota);
      if (grant.granted) return;
      const wait = grant.retryAt - clock.now();
      if (grant.retryAt > giveUpAt) throw new SlotTooFarAway(wait);
      // retryAt is on the limiter's clock: one running behind ours must not make this spin.
      await clock.sleep(Math.max(wait, MIN_RETRY_WAIT_MS));
    }
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
  const sfAuth = salesforceAuth(config);
  return {
    now: () => Date.now(),
    crm(target) {
      const existing = crms.get(target);
      if (existing) return existing;
      const beforeCall = pacer(env.RATE_LIMITER.getByName(target), quotaOf(config, target));
      let crm: CrmPort | undefined;
      if (target.startsWith("hubspot:") && config.HUBSPOT_ACCESS_TOKEN) {
        crm = new HubSpotCrm({ accessToken: config.HUBSPOT_ACCESS_TOKEN, basePath: config.HUBSPOT_API_BASE, beforeCall });
      } else if (target.startsWith("salesforce:") && sfAuth && config.SALESFORCE_INSTANCE_URL) {
        crm = new SalesforceCrm({ auth: sfAuth, instanceUrl: config.SALESFORCE_INSTANCE_URL, beforeCall });
      }
      if (crm) crms.set(target, crm);
      return crm;
    },
    unsettledTasks: (ids) => unsettledEffectIds(env.DB, ids),
    supersededReassignments: (ids) => supersededReassignments(env.DB, ids),
    slack() {
      if (!config.SLACK_BOT_TOKEN) return undefined;
      return new SlackNotifier({
        botToken: config.SLACK_BOT_TOKEN,
        apiBase: config.SLACK_API_BASE,
        beforeCall: pacer(env.RATE_LIMITER.getByName("slack"), config.SLACK_RATE_LIMIT),
      });
    },
  };
}

export function consumerDeps(env: Env, config: Config): ConsumerDeps {
  return {
    executors: executorsFromConfig(env, config),
    policy: { ...DEFAULT_RETRY_POLICY, maxAttempts: config.EFFECT_MAX_ATTEMPTS, baseDelayMs: config.EFFECT_RETRY_BASE_MS },
    random: Math.random,
    now: () => new Date(),
    sleep,
    pauseTarget: (target, until) => env.RATE_LIMITER.getByName(target).pauseUntil(until),
  };
}
