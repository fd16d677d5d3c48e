import { featureOffMessage, loadConfig } from "./config";
import { forgetOldMailgunTokens } from "./db/inbound-email";
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
      const off = featureOffMessage(config, "outbox");
      if (off) {
        // A message only points at its effect in D1: the effects wait there, and the cron queues
        // them again once the retry settings are fixed (retrying the messages would only pile them up).
        console.error(`effects held back: ${off}`);
        batch.ackAll();
        return;
      }
      await executeEffectBatch(batch as MessageBatch<EffectMessage>, env, consumerDeps(env, config));
    } else if (batch.queue.endsWith("-dlq")) {
      await parkDeadLetters(batch as MessageBatch<RecordEventsMessage>, env, new Date());
    } else {
      await deliverToRecords(batch as MessageBatch<RecordEventsMessage>, env, config.PAUSE_RECORD_DELIVERY);
    }
  },
  async scheduled(controller, env) {
    // Independent chores: one failing must not keep the other from running.
    const config = loadConfig(env);
    const results = await Promise.allSettled([
      config.PAUSE_RECORD_DELIVERY ? Promise.resolve(0) : replayUndelivered(env),
      config.report.features.outbox.state === "on" ? requeueOverdueEffects(env, new Date(controller.scheduledTime)) : Promise.resolve(0),
      forgetOldMailgunTokens(env.DB, new Date(controller.scheduledTime)),
    ]);
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed.length > 0)
      throw new AggregateError(
        failed.map((f) => f.reason),
        "cron chores failed",
      );
  },
} satisfies ExportedHandler<Env>;
