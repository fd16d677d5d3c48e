import type { CrmEvent } from "./crm-event";

/** One queue message: events of one record, to be handed to that record's Durable Object. */
export interface RecordEventsMessage {
  recordKey: string;
  events: CrmEvent[];
  /** Dedupe keys of this record's events too large for a message, waiting in D1 (large_record_events). */
  stored?: string[];
}
