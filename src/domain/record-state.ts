import type { ChangedBy, Crm, CrmEvent } from "./crm-event";

export interface PropertyState {
  value: string | null;
  occurredAt: string;
  changedBy: ChangedBy;
  fromThisIntegration: boolean;
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
  createdAt: string | null;
  mergedInto: string | null;
  mergedIds: string[];
  properties: Record<string, PropertyState>;
  associations: Record<string, string[]>;
  firstEventAt: string;
  lastEventAt: string;
  eventCount: number;
  /** The latest form submission written to this record: when and where from the lead came. */
  submission?: { id: string; at: string; source: string; formKey: string; timeZone?: string; createdRecord: boolean };
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
    associations: {},
    firstEventAt: event.occurredAt,
    lastEventAt: event.occurredAt,
    eventCount: 0,
  };
}

const isNewer = (candidate: string, current: string | null) => current === null || candidate >= current;

/**
 * Applies one event. Events arrive in any order, so every field keeps the time it was set and
 * only a newer (or equally new) event may overwrite it: the result is the same in any order.
 */
export function applyEvent(state: RecordState, event: CrmEvent): RecordState {
  const next: RecordState = {
    ...state,
    properties: { ...state.properties },
    firstEventAt: event.occurredAt < state.firstEventAt ? event.occurredAt : state.firstEventAt,
    lastEventAt: event.occurredAt > state.lastEventAt ? event.occurredAt : state.lastEventAt,
    eventCount: state.eventCount + 1,
  };
  const setProperties = (properties: Record<string, string | null>) => {
    for (const [name, value] of Object.entries(properties)) {
      if (isNewer(event.occurredAt, next.properties[name]?.occurredAt ?? null)) {
        next.properties[name] = {
          value,
          occurredAt: event.occurredAt,
          changedBy: event.changedBy,
          fromThisIntegration: event.fromThisIntegration,
        };
      }
    }
  };
  const setStatus = (status: RecordStatus) => {
    if (isNewer(event.occurredAt, next.statusAt)) {
      next.status = status;
      next.statusAt = event.occurredAt;
    }
  };

  switch (event.kind) {
    case "created":
      if (next.createdAt === null || event.occurredAt < next.createdAt) next.createdAt = event.occurredAt;
      setProperties(event.properties);
      break;
    case "propertyChanged":
      setProperties(event.properties);
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
      const current = new Set(next.associations[event.associationType] ?? []);
      if (event.removed) current.delete(event.toObjectId);
      else current.add(event.toObjectId);
      next.associations = { ...next.associations, [event.associationType]: [...current] };
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
        };
      }
      break;
    case "emailReceived":
    case "slackAction":
      // Not CRM data: the rules act on them, the record itself does not change.
      break;
  }
  return next;
}

/** Folds events in occurredAt order. */
export function foldEvents(events: readonly CrmEvent[]): RecordState | null {
  if (events.length === 0) return null;
  const sorted = [...events].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
  return sorted.reduce(applyEvent, emptyRecordState(sorted[0]!));
}
