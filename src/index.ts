import { loadConfig } from "./config";
import { createApp } from "./http/app";
import { deliverToRecords, parkDeadLetters, type RecordEventsMessage, replayUndelivered } from "./ingest/record-events";
import { type EffectMessage, executeEffectBatch, requeueOverdueEffects } from "./outbox/effect-queue";
import { consumerDeps } from "./outbox/wiring";

export { LeadAgent } from "./lead/lead-agent";
export { RateLimiter } from "./outbox/rate-limiter";
export { TeamRouter } from "./lead/team-router";

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
    if (!loadConfig(env).PAUSE_RECORD_DELIVERY) await replayUndelivered(env);
    await requeueOverdueEffects(env, new Date(controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
