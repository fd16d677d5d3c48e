import { DurableObject } from "cloudflare:workers";
import { classify, type Result } from "../platform/failure";
import type { CrmPort, CrmRecord } from "./crm-port";

/** HubSpot's batch read takes 100 ids. */
const MAX_BATCH = 100;

interface Waiting {
  properties: string[];
  resolve: (result: Result<CrmRecord | null>) => void;
}

/** The reads of one object type waiting for the call in flight to end: their readers by record id, in the order they asked. */
interface ObjectTypeReads {
  waiting: Map<string, Waiting[]>;
  inFlight: number;
}

/**
 * One per CRM account (`hubspot:{portal}`), named like its RateLimiter. The record objects' fresh
 * reads come here instead of each making its own GET. A read that finds no call of its object
 * type in flight goes at once (no wait when the portal is quiet); reads asked while one is in
 * flight wait for it to end and then go together, as one batch read of the union of their
 * properties (another call starts sooner when 100 are waiting), and each reader gets its own
 * record back with the properties it asked for. Under a storm of deadlines the batches fill by
 * themselves: a hundredth of the calls reach the portal's quota and the limiter. Nothing is
 * stored: a reset loses only reads in flight, which their record objects retry as any failed read.
 */
export abstract class CrmReadBatcher extends DurableObject<Env> {
  private readonly reads = new Map<string, ObjectTypeReads>();

  /** The account's CRM client, reading directly (never back through this object). */
  protected abstract crmOf(env: Env, target: string): CrmPort | undefined;

  async read(target: string, objectType: string, objectId: string, properties: string[]): Promise<Result<CrmRecord | null>> {
    const crm = this.crmOf(this.env, target);
    if (!crm?.getRecords) return crm ? crm.getRecord(objectType, objectId, properties) : notConfigured(target);
    let reads = this.reads.get(objectType);
    if (!reads) {
      reads = { waiting: new Map(), inFlight: 0 };
      this.reads.set(objectType, reads);
    }
    const answer = new Promise<Result<CrmRecord | null>>((resolve) => {
      const readers = reads.waiting.get(objectId) ?? [];
      readers.push({ properties, resolve });
      reads.waiting.set(objectId, readers);
    });
    if (reads.inFlight === 0 || reads.waiting.size >= MAX_BATCH) void this.send(crm, objectType, reads);
    return answer;
  }

  /** Sends what waits as one batch read; once it ends, what gathered meanwhile goes next. */
  private async send(crm: CrmPort, objectType: string, reads: ObjectTypeReads): Promise<void> {
    const batch = reads.waiting;
    if (batch.size === 0) return;
    reads.waiting = new Map();
    reads.inFlight++;
    const properties = [...new Set([...batch.values()].flat().flatMap((r) => r.properties))];
    let answers: Map<string, Result<CrmRecord | null>>;
    try {
      answers = await crm.getRecords!(objectType, [...batch.keys()], properties);
    } catch (error) {
      const failure: Result<never> = { ok: false, failure: classify(error) };
      answers = new Map([...batch.keys()].map((id) => [id, failure]));
    } finally {
      reads.inFlight--;
    }
    for (const [id, waiting] of batch) {
      const answer = answers.get(id) ?? {
        ok: false,
        failure: { kind: "transient", message: `HubSpot's batch read did not answer ${objectType} ${id}` },
      };
      for (const reader of waiting) reader.resolve(answer.ok ? { ok: true, value: only(answer.value, reader.properties) } : answer);
    }
    if (reads.inFlight === 0) void this.send(crm, objectType, reads);
  }
}

/** The record as one reader asked for it: its properties, not the batch's union. */
function only(record: CrmRecord | null, properties: readonly string[]): CrmRecord | null {
  if (!record) return null;
  return { id: record.id, properties: Object.fromEntries(properties.map((name) => [name, record.properties[name] ?? null])) };
}

const notConfigured = (target: string): Result<never> => ({
  ok: false,
  failure: { kind: "transient", message: `no CRM client is configured for ${target}` },
});
