import { DurableObject } from "cloudflare:workers";
import { classify, type Result } from "../platform/failure";
import type { CrmPort, CrmRecord } from "./crm-port";

/** A batch goes when this many records are asked for (HubSpot's batch read takes 100 ids)… */
const MAX_BATCH = 100;
/** …or this long after the first of them was: the longest a read waits for company. */
const WAIT_MS = 20;

interface Waiting {
  properties: string[];
  resolve: (result: Result<CrmRecord | null>) => void;
}

interface Gathering {
  /** The readers of each record id, in the order they asked. */
  byId: Map<string, Waiting[]>;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * One per CRM account (`hubspot:{portal}`), named like its RateLimiter. The record objects' fresh
 * reads come here instead of each making its own GET: reads of one object type asked for within
 * WAIT_MS of each other go to the CRM as one batch read of the union of their properties, and
 * each reader gets its own record back (the properties it asked for). Ten thousand deadlines in
 * a minute then cost about two batch calls a second, not 167 single reads, and the portal's quota
 * and the limiter see a hundredth of the calls. Nothing is stored: a reset loses only reads in
 * flight, whose record objects retry them as any failed read.
 */
export abstract class CrmReadBatcher extends DurableObject<Env> {
  private readonly gathering = new Map<string, Gathering>();

  /** The account's CRM client, reading directly (never back through this object). */
  protected abstract crmOf(env: Env, target: string): CrmPort | undefined;

  async read(target: string, objectType: string, objectId: string, properties: string[]): Promise<Result<CrmRecord | null>> {
    const crm = this.crmOf(this.env, target);
    if (!crm?.getRecords) return crm ? crm.getRecord(objectType, objectId, properties) : notConfigured(target);
    return new Promise((resolve) => {
      let batch = this.gathering.get(objectType);
      if (!batch) {
        batch = { byId: new Map(), timer: setTimeout(() => void this.flush(crm, objectType), WAIT_MS) };
        this.gathering.set(objectType, batch);
      }
      const readers = batch.byId.get(objectId) ?? [];
      readers.push({ properties, resolve });
      batch.byId.set(objectId, readers);
      if (batch.byId.size >= MAX_BATCH) void this.flush(crm, objectType);
    });
  }

  private async flush(crm: CrmPort, objectType: string): Promise<void> {
    const batch = this.gathering.get(objectType);
    if (!batch) return;
    this.gathering.delete(objectType);
    clearTimeout(batch.timer);
    const readers = [...batch.byId.values()].flat();
    const properties = [...new Set(readers.flatMap((r) => r.properties))];
    let read: Result<Map<string, CrmRecord | null>>;
    try {
      read = await crm.getRecords!(objectType, [...batch.byId.keys()], properties);
    } catch (error) {
      read = { ok: false, failure: classify(error) };
    }
    for (const [id, waiting] of batch.byId) {
      for (const reader of waiting) reader.resolve(read.ok ? { ok: true, value: only(read.value.get(id) ?? null, reader.properties) } : read);
    }
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
