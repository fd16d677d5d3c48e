import { evaluateAlerts } from "./alerts/alerts-chore";
import { loadConfig } from "./config";
import { rollUpFacts } from "./db/fact-rollups";
import { forgetOldMailgunTokens } from "./db/inbound-email";
import { activePolicy } from "./db/policies";
import { createApp } from "./http/app";
import { deliverToRecords, parkDeadLetters, type RecordEventsMessage, replayUndelivered } from "./ingest/record-events";
import { type EffectMessage, executeEffectBatch, requeueOverdueEffects } from "./outbox/effect-queue";
import { consumerDeps } from "./outbox/wiring";

export { RecordObject } from "./record/record-object";
export { RateLimiter } from "./outbox/rate-limiter";
export { TeamRouter } from "./routing/team-router";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    const config = loadConfig(env);
    if (batch.queue === "lead-follow-up-effects") {
      await executeEffectBatch(batch as MessageBatch<EffectMessage>, env, consumerDeps(env, config));
    } else if (batch.queue.endsWith("-dlq")) {
      await parkDeadLetters(batch as MessageBatch<RecordEventsMessage>, env, new Date());
    } else {
      await deliverToRecords(batch as MessageBatch<RecordEventsMessage>, env, config.PAUSE_RECORD_DELIVERY);
    }
  },
  async scheduled(controller, env) {
    // Independent chores: one failing must not keep the other from running.
    const results = await Promise.allSettled([
      loadConfig(env).PAUSE_RECORD_DELIVERY ? Promise.resolve(0) : replayUndelivered(env),
      requeueOverdueEffects(env, new Date(controller.scheduledTime)),
      forgetOldMailgunTokens(env.DB, new Date(controller.scheduledTime)),
      // The console's daily rollups (days of the policy's zone), then its alerts.
      activePolicy(env.DB).then(({ policy }) => rollUpFacts(env.DB, policy.timeZone, () => new Date())),
      evaluateAlerts(env, loadConfig(env), new Date(controller.scheduledTime)),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length > 0)
      throw new AggregateError(
        failed.map((f) => f.reason),
        "cron chores failed",
      );
  },
} satisfies ExportedHandler<Env>;
