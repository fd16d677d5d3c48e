import type { Schema } from "./schema.ts";
import type { Actor, Change, Commit } from "./store.ts";
import type { Fields } from "./validate.ts";
import { signStandardWebhook } from "./webhook-signing.ts";

export interface ChangeEventHeader {
  entityName: string;
  recordIds: string[];
  changeType: "CREATE" | "UPDATE" | "DELETE" | "UNDELETE";
  changeOrigin: string;
  transactionKey: string;
  sequenceNumber: number;
  commitTimestamp: number;
  commitNumber: number;
  commitUser: string;
  changedFields: string[];
  nulledFields: string[];
}

export type ChangeEvent = { ChangeEventHeader: ChangeEventHeader } & Fields;

/** The Apex forwarder posts at most this many events per request (the Worker's limit too). */
export const MAX_EVENTS_PER_DELIVERY = 200;

/** Identity and bookkeeping are in the header or not part of change events at all. */
const NEVER_IN_EVENT = new Set(["Id", "IsDeleted", "SystemModstamp"]);

export function changeOrigin(actor: Actor): string {
  if (actor.origin === "ui") return `com/salesforce/api/soap/${actor.apiVersion};client=SfdcInternalAPI/`;
  return `com/salesforce/api/rest/${actor.apiVersion}${actor.client ? `;client=${actor.client}` : ""}`;
}

/**
 * Turns committed changes into Change Data Capture events: one per record, sharing the
 * transaction's key, timestamp and commit number, numbered by sequenceNumber.
 */
export class ChangeEventBuilder {
  private commitNumber = 10_561_000;

  private readonly schema: Schema;
  private readonly entities: Set<string>;

  constructor(schema: Schema, entities: Set<string>) {
    this.schema = schema;
    this.entities = entities;
  }

  build(commit: Commit): ChangeEvent[] {
    const changes = commit.changes.filter((c) => this.entities.has(c.type));
    if (changes.length === 0) return [];
    const commitNumber = ++this.commitNumber;
    return changes.map((change, i) => ({
      ChangeEventHeader: {
        entityName: change.type,
        recordIds: [change.id],
        changeType: change.kind,
        changeOrigin: changeOrigin(commit.actor),
        transactionKey: commit.transactionKey,
        sequenceNumber: i + 1,
        commitTimestamp: commit.commitTimestamp,
        commitNumber,
        commitUser: commit.actor.userId,
        changedFields: this.eventFields(change, change.changedFields),
        nulledFields: this.eventFields(change, change.nulledFields),
      },
      ...this.values(change),
    }));
  }

  private eventFields(change: Change, names: string[]): string[] {
    const def = this.schema.get(change.type)!;
    return names.filter((name) => !NEVER_IN_EVENT.has(name) && !def.byLowerName.get(name.toLowerCase())?.compound);
  }

  /** CREATE and UNDELETE carry every non-null field; UPDATE only the changed ones; DELETE none. */
  private values(change: Change): Fields {
    const names = change.kind === "DELETE" ? [] : change.kind === "UPDATE" ? change.changedFields : Object.keys(change.after);
    const out: Fields = {};
    for (const name of this.eventFields(change, names)) {
      const value = change.after[name];
      if (value !== null && value !== undefined) out[name] = value;
    }
    return out;
  }
}

/** POSTs a batch to the target as the Apex forwarder would: a signed JSON array. */
export function webhookDeliverer(targetUrl: string, secret: string, now: () => number) {
  return async (events: ChangeEvent[]): Promise<void> => {
    const delivery = signStandardWebhook(secret, JSON.stringify(events), now());
    const response = await fetch(targetUrl, { method: "POST", headers: delivery.headers, body: delivery.body });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`${targetUrl} answered ${response.status}`);
  };
}
