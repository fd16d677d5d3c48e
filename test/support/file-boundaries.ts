import { runInDurableObject } from "cloudflare:test";
import { DurableObject, env } from "cloudflare:workers";
import * as main from "../../src/index";

/*
 * The worker test files share one runtime (vitest.config.ts); test/support/fresh-state.ts starts
 * each from empty storage. Two things a runtime of its own per file gave for free are made here.
 *
 * A file's work ends with the file. Work its Worker still has when the last test ends (a
 * consumer's batch, a submission waiting in its queue, a record's next alarm, a retry a consumer
 * scheduled) would run on into the next file, against storage that file has just reset: a record
 * object made anew there, a fact in its metrics. A runtime of its own ended that work by being
 * disposed, cutting off the calls in flight ("Network connection lost"). Here, once a file's
 * tests are done, what is running finishes (endFile() waits for it) and what had not started does
 * not start: queue batches are acknowledged unrun and record alarms do nothing until the next file
 * begins, and a queue message sent before a file began (a delayed retry) is dropped in it too.
 *
 * Every object a file used is emptied. reset() empties the objects that are running, and workerd
 * stops objects left idle for a while: one a file used early (a record, a rate limiter holding a
 * pause, a team's rotation) would keep its storage into the next file. The objects each file used
 * are noted and started again before the reset.
 *
 * The Worker's queue handler, the waitUntil work of its requests and the methods of its Durable
 * Objects (every class src/index.ts exports) are wrapped (not replaced) for this; while a file's
 * tests run they run unchanged.
 */

const QUEUES = ["RECORD_EVENTS", "RECORD_EVENTS_DLQ", "RECONCILIATIONS", "EFFECTS", "SUBMISSIONS"] as const;
const NAMESPACES = ["RECORDS", "RATE_LIMITER", "TEAM_ROUTER", "REP_CALENDARS", "CRM_READS"] as const;
const objectClasses = (Object.values(main) as unknown[]).filter(
  (value): value is { prototype: object } => typeof value === "function" && value.prototype instanceof DurableObject,
);

/** A class's methods and those it inherits, up to DurableObject's own. */
function methodNames(prototype: object): Set<string> {
  const names = new Set<string>();
  for (let p = prototype; p !== DurableObject.prototype && p !== Object.prototype; p = Object.getPrototypeOf(p) as object) {
    for (const name of Object.getOwnPropertyNames(p)) {
      if (name !== "constructor" && typeof Object.getOwnPropertyDescriptor(p, name)?.value === "function") names.add(name);
    }
  }
  return names;
}

let inFlight = 0;
let fileBeganAt = 0;
// Until the first file begins, as between files.
let ending = true;
/** Ids of the objects used since the last reset. */
const used = new Set<string>();

async function counted<T>(work: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    return await work();
  } finally {
    inFlight--;
  }
}

/** What of a batch belongs to the running file: nothing once it is ending, nor what was sent before it began. */
function ofThisFile<Body>(batch: MessageBatch<Body>): MessageBatch<Body> {
  const stale = batch.messages.filter((m) => ending || m.timestamp.getTime() < fileBeganAt);
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

const worker = main.default as Required<Pick<ExportedHandler<Env>, "fetch" | "queue">>;
const globalState = globalThis as { __fileBoundariesWrapped?: boolean };
if (!globalState.__fileBoundariesWrapped) {
  globalState.__fileBoundariesWrapped = true;
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
  for (const objectClass of objectClasses) {
    const prototype = objectClass.prototype as unknown as Record<string, unknown>;
    for (const name of methodNames(prototype)) {
      const method = prototype[name];
      const wrapped = function (this: { ctx: DurableObjectState }, ...args: unknown[]) {
        used.add(this.ctx.id.toString());
        return (method as (...a: unknown[]) => unknown).apply(this, args);
      };
      // An alarm is work in flight, and one that comes due once its file has ended does nothing.
      prototype[name] =
        name === "alarm"
          ? function (this: { ctx: DurableObjectState }, ...args: unknown[]) {
              return counted(async () => {
                if (!ending) await wrapped.apply(this, args);
              });
            }
          : wrapped;
    }
  }
}

async function backlog(): Promise<number> {
  const counts = await Promise.all(QUEUES.map(async (name) => (await env[name].metrics()).backlogCount));
  return counts.reduce((a, b) => a + b, 0);
}

/** Idle for this long: between a queue taking a batch off its backlog and handing it over, nothing shows. */
const QUIET_MS = 50;

/** Ends the file's work: waits for what runs to finish and drops what had not started (see above). */
export async function endFile(timeoutMs = 30_000): Promise<void> {
  ending = true;
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

/** Before a file's storage is reset: every object the files before it used is running again, so that reset() empties it. */
export async function wakeUsedObjects(): Promise<void> {
  const ids = [...used];
  used.clear();
  for (let i = 0; i < ids.length; i += 25) await Promise.all(ids.slice(i, i + 25).map((id) => runInDurableObject(stubOf(id), () => {})));
}

/** An id names its namespace: another refuses it. */
function stubOf(id: string): DurableObjectStub {
  for (const name of NAMESPACES) {
    const namespace = env[name] as unknown as DurableObjectNamespace;
    try {
      return namespace.get(namespace.idFromString(id));
    } catch {}
  }
  throw new Error(`no Durable Object namespace takes the id ${id}`);
}

/** Once a file's storage is reset: its work runs from now on. */
export function beginFile(): void {
  fileBeganAt = Date.now();
  ending = false;
}
