import { loadConfig } from "./config";
import { createApp } from "./http/app";
import { deliverToRecords, parkDeadLetters, type RecordEventsMessage, replayUndelivered } from "./ingest/record-events";

export { LeadAgent } from "./lead/lead-agent";

const app = createApp();

export default {
  fetch: app.fetch,
  async queue(batch, env) {
    const messages = batch as MessageBatch<RecordEventsMessage>;
    if (batch.queue.endsWith("-dlq")) await parkDeadLetters(messages, env, new Date());
    else await deliverToRecords(messages, env, loadConfig(env).PAUSE_RECORD_DELIVERY);
  },
  async scheduled(_controller, env) {
    if (!loadConfig(env).PAUSE_RECORD_DELIVERY) await replayUndelivered(env);
  },
} satisfies ExportedHandler<Env>;
