import { env } from "cloudflare:workers";
import entry from "../../src/index";
import { RecordObject } from "../../src/records/record-object";

/*
 * The worker test files share one runtime (vitest.config.ts). Work a file's Worker still does
 * when its last test ends (a queue batch being consumed, a record's alarm running, a retry a
 * consumer scheduled) would otherwise run on into the next file, against storage that file just
 * reset: a record object made anew there, a fact in its metrics. A runtime of its own per file
 * ended that work by being disposed (and printed "Network connection lost" for calls it cut off).
 * Here instead:
 *   - a file ends only once its Worker is idle (settle(), after each file's tests);
 *   - a queue message sent before the file began is acknowledged unrun: the world it belongs
 *     to is gone, as it was when each file had its own runtime.
 * The Worker's queue handler, what its requests leave to ctx.waitUntil and the record object's
 * alarm are wrapped (not replaced) to count the work in flight; they run unchanged.
 */

const QUEUES = ["RECORD_EVENTS", "RECORD_EVENTS_DLQ", "RECONCILIATIONS", "EFFECTS", "SUBMISSIONS"] as const;

let inFlight = 0;
let fileBeganAt = 0;

async function counted<T>(work: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    return await work();
  } finally {
    inFlight--;
  }
}

/** This file's part of a batch: messages sent before the file began are acknowledged unrun. */
function ofThisFile<Body>(batch: MessageBatch<Body>): MessageBatch<Body> {
  const stale = batch.messages.filter((m) => m.timestamp.getTime() < fileBeganAt);
  if (stale.length === 0) return batch;
  for (const message of stale) message.ack();
  const messages = batch.messages.filter((m) => !stale.includes(m));
  return {
    queue: batch.queue,
    metadata: batch.metadata,
    messages,
    ackAll: () => {
      for (const message of messages) message.ack();
    },
    retryAll: (options?: QueueRetryOptions) => {
      for (const message of messages) message.retry(options);
    },
  } as MessageBatch<Body>;
}

const worker = entry as Required<Pick<ExportedHandler<Env>, "fetch" | "queue">>;
const globalState = globalThis as { __settleWrapped?: boolean };
if (!globalState.__settleWrapped) {
  globalState.__settleWrapped = true;
  const queue = worker.queue;
  worker.queue = (batch, ...rest) =>
    counted(async () => {
      const mine = ofThisFile(batch);
      if (mine.messages.length > 0) await queue.call(worker, mine, ...rest);
    });
  // What a request leaves to run after its answer (ctx.waitUntil) is work in flight too.
  const fetch = worker.fetch;
  worker.fetch = (request, env, ctx) => {
    const waitUntil = (promise: Promise<unknown>) => ctx.waitUntil(counted(() => promise));
    const counting = new Proxy(ctx, {
      get: (target, key) => {
        if (key === "waitUntil") return waitUntil;
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    return fetch.call(worker, request, env, counting);
  };
  const alarm = RecordObject.prototype.alarm;
  RecordObject.prototype.alarm = function (this: RecordObject) {
    return counted(() => alarm.call(this));
  };
}

/** Called as a file begins, before its storage is reset. */
export function beginFile(): void {
  fileBeganAt = Date.now();
}

async function backlog(): Promise<number> {
  const counts = await Promise.all(QUEUES.map(async (name) => (await env[name].metrics()).backlogCount));
  return counts.reduce((a, b) => a + b, 0);
}

/** Quiet for this long: a batch just acknowledged may still make its consumer send the next message. */
const QUIET_MS = 100;

/** Waits until nothing runs and nothing waits in a queue, and stays so for QUIET_MS. */
export async function settle(timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietSince: number | undefined;
  for (;;) {
    const waiting = await backlog();
    if (inFlight === 0 && waiting === 0) {
      quietSince ??= Date.now();
      if (Date.now() - quietSince >= QUIET_MS) return;
    } else quietSince = undefined;
    if (Date.now() > deadline) {
      throw new Error(`the Worker was still busy ${timeoutMs} ms after the file's tests: ${inFlight} handlers running, ${waiting} messages queued`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
