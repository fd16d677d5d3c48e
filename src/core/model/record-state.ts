import type { ChangedBy, Crm, CrmEvent } from "./crm-event";

export interface PropertyState {
  value: string | null;
  occurredAt: string;
  /** The CRM's order of the change (CrmEvent.order): breaks ties of occurredAt. */
  order?: string;
  changedBy: ChangedBy;
  fromThisIntegration: boolean;
}

/** When a change happened, in the CRM's own order: what "newer" means for every field. */
export interface Stamp {
  occurredAt: string;
  order?: string;
}

export type RecordStatus = "active" | "deleted" | "merged";

/** What the service currently knows about one CRM record, folded from its events. */
export interface RecordState {
  key: string;
  crm: Crm;
  accountId: string;
  objectType: string;
  objectId: string;
  status: RecordStatus;
  /** occurredAt of the event that set the status, so an older delete cannot undo a newer restore. */
  statusAt: string | null;
  statusOrder?: string;
  createdAt: string | null;
  mergedInto: string | null;
  mergedIds: string[];
  /** The newest value known of each property. */
  properties: Record<string, PropertyState>;
  /**
   * Properties whose newest change came without its value (HubSpot Sensitive Data): `properties`
   * keeps the last value known, if any, and a rule that needs one of these reads it fresh. Gone
   * once a value at least as new is known. Absent in states stored before it existed.
   */
  staleProperties?: Record<string, Stamp>;
  /**
   * Set by a gap event (the CRM changed the record without saying how): the next rule run starts
   * from a fresh CRM read, and applyFreshRead clears it. Absent in states stored before it existed.
   */
  refreshNeeded?: boolean;
  /** The newest gap's stamp: a read older than it does not clear refreshNeeded. */
  refreshNeededSince?: Stamp | null;
  associations: Record<string, string[]>;
  /** When each association (type, other record) was last added or removed, so arrival order does not matter. */
  associationChanges?: Record<string, Stamp & { removed: boolean }>;
  firstEventAt: string;
  lastEventAt: string;
  eventCount: number;
  /** The latest form submission written to this record: when and where from the lead came. */
  submission?: {
    id: string;
    at: string;
    source: string;
    formKey: string;
    timeZone?: string;
    createdRecord: boolean;
    /** When the write that created or updated the record happened (absent in states stored before). */
    writtenAt?: string;
  };
}

export function emptyRecordState(event: CrmEvent): RecordState {
  return {
    key: event.recordKey,
    crm: event.crm,
    accountId: event.accountId,
    objectType: event.objectType,
    objectId: event.objectId,
    status: "active",
    statusAt: null,
    createdAt: null,
    mergedInto: null,
    mergedIds: [],
    properties: {},
    staleProperties: {},
    refreshNeeded: false,
    refreshNeededSince: null,
    associations: {},
    associationChanges: {},
    firstEventAt: event.occurredAt,
    lastEventAt: event.occurredAt,
    eventCount: 0,
  };
}

/** Orders change stamps: occurredAt, then the CRM's order; a stamp without an order sorts first. */
export function compareStamps(a: Stamp, b: Stamp): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  const [x, y] = [a.order ?? "", b.order ?? ""];
  return x === y ? 0 : x < y ? -1 : 1;
}

const stampOf = (event: CrmEvent): Stamp =>
  event.order === undefined ? { occurredAt: event.occurredAt } : { occurredAt: event.occurredAt, order: event.order };

/**
 * Two values set at the same stamp (the same instant, no order from the CRM) are told apart by
 * what they are, so the outcome never depends on which arrived first.
 */
function tiebreak(p: PropertyState): string {
  return JSON.stringify([p.value === null ? 0 : 1, p.value ?? "", p.changedBy.source ?? "", p.changedBy.id ?? "", p.fromThisIntegration]);
}

function replaces(candidate: PropertyState, current: PropertyState | undefined): boolean {
  if (!current) return true;
  const byStamp = compareStamps(candidate, current);
  return byStamp !== 0 ? byStamp > 0 : tiebreak(candidate) > tiebreak(current);
}

/** At one stamp a delete beats a merge, and both beat a restore: a fixed order, not arrival. */
const STATUS_RANK: Record<RecordStatus, number> = { active: 0, merged: 1, deleted: 2 };

/**
 * Applies one event. Events arrive in any order, so every field keeps the stamp it was set at
 * and only a newer one may overwrite it; ties go by the CRM's order, then by a fixed rule: the
 * result is the same in any arrival order.
 */
export function applyEvent(state: RecordState, event: CrmEvent): RecordState {
  const stamp = stampOf(event);
  const next: RecordState = {
    ...state,
    properties: { ...state.properties },
    staleProperties: { ...(state.staleProperties ?? {}) },
    firstEventAt: event.occurredAt < state.firstEventAt ? event.occurredAt : state.firstEventAt,
    lastEventAt: event.occurredAt > state.lastEventAt ? event.occurredAt : state.lastEventAt,
    eventCount: state.eventCount + 1,
  };
  const stale = next.staleProperties!;
  const setProperties = (properties: Record<string, string | null>, ours = event.fromThisIntegration) => {
    for (const [name, value] of Object.entries(properties)) {
      const candidate: PropertyState = {
        value,
        ...stamp,
        changedBy: event.changedBy,
        fromThisIntegration: ours,
      };
      if (!replaces(candidate, next.properties[name])) continue;
      next.properties[name] = candidate;
      if (stale[name] && compareStamps(stale[name], candidate) <= 0) delete stale[name];
    }
  };
  // A change without its value never overwrites a value: it only says the value known is older.
  const markStale = (names: readonly string[]) => {
    for (const name of names) {
      const known = next.properties[name];
      if (known && compareStamps(stamp, known) <= 0) continue;
      if (!stale[name] || compareStamps(stamp, stale[name]) > 0) stale[name] = stamp;
    }
  };
  const setStatus = (status: RecordStatus) => {
    const current = next.statusAt === null ? null : { occurredAt: next.statusAt, order: next.statusOrder };
    const byStamp = current ? compareStamps(stamp, current) : 1;
    if (byStamp > 0 || (byStamp === 0 && STATUS_RANK[status] > STATUS_RANK[next.status])) {
      next.status = status;
      next.statusAt = event.occurredAt;
      if (event.order === undefined) delete next.statusOrder;
      else next.statusOrder = event.order;
    }
  };
  const setCreatedAt = () => {
    if (next.createdAt === null || event.occurredAt < next.createdAt) next.createdAt = event.occurredAt;
  };

  switch (event.kind) {
    case "created":
      setCreatedAt();
      setProperties(event.properties);
      break;
    case "propertyChanged":
      setProperties(event.properties);
      markStale(event.valuesNotSent ?? []);
      break;
    case "deleted":
      setStatus("deleted");
      break;
    case "restored":
      setStatus("active");
      break;
    case "merged":
      if (event.survivorId === event.objectId) {
        next.mergedIds = [...new Set([...next.mergedIds, ...event.mergedIds])];
      } else {
        next.mergedInto = event.survivorId;
        setStatus("merged");
      }
      break;
    case "associationChanged": {
      const changes = { ...(next.associationChanges ?? {}) };
      const id = `${event.associationType}\u0000${event.toObjectId}`;
      const current = changes[id];
      const byStamp = current ? compareStamps(stamp, current) : 1;
      // At one stamp a removal wins: the association is not claimed on a tie.
      if (byStamp > 0 || (byStamp === 0 && event.removed && !current!.removed)) {
        changes[id] = { ...stamp, removed: event.removed };
        const members = new Set(next.associations[event.associationType] ?? []);
        if (event.removed) members.delete(event.toObjectId);
        else members.add(event.toObjectId);
        next.associations = { ...next.associations, [event.associationType]: [...members].sort() };
        next.associationChanges = changes;
      }
      break;
    }
    case "gap": {
      if (event.change === "create") setCreatedAt();
      if (event.change === "delete") setStatus("deleted");
      if (event.change === "undelete") setStatus("active");
      const since = next.refreshNeededSince ?? null;
      if (!since || compareStamps(stamp, since) > 0) next.refreshNeededSince = stamp;
      next.refreshNeeded = true;
      break;
    }
    case "submitted":
      if (!next.submission || event.occurredAt >= next.submission.at) {
        next.submission = {
          id: event.submissionId,
          at: event.occurredAt,
          source: event.source,
          formKey: event.formKey,
          createdRecord: event.createdRecord,
          ...(event.timeZone ? { timeZone: event.timeZone } : {}),
          ...(event.writtenAt ? { writtenAt: event.writtenAt } : {}),
        };
      }
      // What this service wrote with the submission: our own change, as its echo would be.
      setProperties(event.properties ?? {}, true);
      break;
    case "emailReceived":
    case "meetingBooked":
    case "slackAction":
      // Not CRM data: the rules act on them, the record itself does not change.
      break;
  }
  return next;
}

/**
 * Folds what a fresh CRM read at `readAt` returned: its values are the newest known, the stale
 * marks it answers are gone, and a gap the read is not older than no longer needs a refresh.
 * For the rule runner, which reads the record when refreshNeeded or staleProperties say so.
 */
export function applyFreshRead(
  state: RecordState,
  values: Record<string, string | null>,
  readAt: string,
  readBy: ChangedBy = { source: "read" },
): RecordState {
  const read: Stamp = { occurredAt: readAt };
  const next: RecordState = { ...state, properties: { ...state.properties }, staleProperties: { ...(state.staleProperties ?? {}) } };
  for (const [name, value] of Object.entries(values)) {
    const candidate: PropertyState = { value, occurredAt: readAt, changedBy: readBy, fromThisIntegration: false };
    const current = next.properties[name];
    // The read is what the CRM holds now: it replaces anything not newer than it.
    if (!current || compareStamps(read, current) >= 0) next.properties[name] = candidate;
    const stale = next.staleProperties![name];
    if (stale && compareStamps(stale, read) <= 0) delete next.staleProperties![name];
  }
  if (state.refreshNeeded && (!state.refreshNeededSince || compareStamps(state.refreshNeededSince, read) <= 0)) {
    next.refreshNeeded = false;
    next.refreshNeededSince = null;
  }
  return next;
}

/** Orders events as their stamps do, ties by dedupe key: a fixed order for any arrival. */
export function compareEvents(a: CrmEvent, b: CrmEvent): number {
  return compareStamps(stampOf(a), stampOf(b)) || (a.dedupeKey < b.dedupeKey ? -1 : a.dedupeKey > b.dedupeKey ? 1 : 0);
}

/** Folds events in stamp order. */
export function foldEvents(events: readonly CrmEvent[]): RecordState | null {
  if (events.length === 0) return null;
  const sorted = [...events].sort(compareEvents);
  return sorted.reduce(applyEvent, emptyRecordState(sorted[0]!));
}
