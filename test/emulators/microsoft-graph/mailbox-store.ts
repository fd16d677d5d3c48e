import { randomBytes } from "node:crypto";
import { graphDateTime } from "./time-zones.ts";

export type ShowAs = "free" | "tentative" | "busy" | "oof" | "workingElsewhere" | "unknown";

export interface GraphAttendee {
  type: "required" | "optional" | "resource";
  emailAddress: { address: string; name?: string };
}

/** An email Outlook would send for a change (for tests and a person). */
export interface Notification {
  at: string;
  kind: "invitation" | "update" | "cancellation";
  recipients: string[];
  comment?: string;
}

export interface StoredEvent {
  id: string;
  /** The mailbox (user id) whose calendar holds it. */
  mailbox: string;
  subject: string;
  body: { contentType: "text" | "html"; content: string };
  startMs: number;
  endMs: number;
  /** The zones the times were given in (originalStartTimeZone / originalEndTimeZone). */
  startZone: string;
  endZone: string;
  location?: string;
  attendees: GraphAttendee[];
  organizer: { address: string; name: string };
  showAs: ShowAs;
  sensitivity: "normal" | "personal" | "private" | "confidential";
  isOnlineMeeting: boolean;
  onlineMeetingProvider: string;
  joinUrl?: string;
  transactionId?: string;
  /** What a repeat with the same transactionId must match to be "the same event". */
  fingerprint: string;
  isCancelled: boolean;
  /** Deleted or cancelled: gone from the calendar; lookups answer 404. */
  removed: boolean;
  created: number;
  updated: number;
  changeKey: string;
  origin: "api" | "control";
  notifications: Notification[];
}

export function newEventId(): string {
  // Graph ids are long opaque base64 strings ("AAMkAGI1AAAt9AHjAAA=").
  return `AAMkAG${randomBytes(54).toString("base64url")}`;
}

export function newChangeKey(): string {
  return randomBytes(15).toString("base64");
}

/** Events per mailbox. */
export class MailboxStore {
  private readonly events = new Map<string, StoredEvent>();

  put(event: StoredEvent): StoredEvent {
    this.events.set(event.id, event);
    return event;
  }

  /** A live event of the mailbox. */
  get(mailbox: string, id: string): StoredEvent | undefined {
    const event = this.events.get(id);
    return event && event.mailbox === mailbox && !event.removed ? event : undefined;
  }

  byTransaction(mailbox: string, transactionId: string): StoredEvent | undefined {
    return [...this.events.values()].find((e) => e.mailbox === mailbox && e.transactionId === transactionId);
  }

  /** Live events of a mailbox overlapping [from, to). */
  overlapping(mailbox: string, from: number, to: number): StoredEvent[] {
    return [...this.events.values()]
      .filter((e) => e.mailbox === mailbox && !e.removed && e.startMs < to && e.endMs > from)
      .sort((a, b) => a.startMs - b.startMs);
  }

  all(): StoredEvent[] {
    return [...this.events.values()];
  }

  reset(): void {
    this.events.clear();
  }
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * The event resource as Graph answers it. Start and end are written in `zone` (the `Prefer:
 * outlook.timezone` value, named as the caller named it) or, by default, in UTC.
 */
export function presentEvent(e: StoredEvent, zone: { iana: string; name: string }, tenantUser: string): Record<string, unknown> {
  const when = (ms: number) => ({ dateTime: graphDateTime(ms, zone.iana), timeZone: zone.name });
  const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}0000Z`;
  const body: Record<string, unknown> = {
    "@odata.context": `https://graph.microsoft.com/v1.0/$metadata#users('${tenantUser}')/events/$entity`,
    "@odata.etag": `W/"${e.changeKey}"`,
    id: e.id,
    createdDateTime: iso(e.created),
    lastModifiedDateTime: iso(e.updated),
    changeKey: e.changeKey,
    categories: [],
    ...(e.transactionId ? { transactionId: e.transactionId } : {}),
    originalStartTimeZone: e.startZone,
    originalEndTimeZone: e.endZone,
    iCalUId: `040000008200E00074C5B7101A82E008${Buffer.from(e.id).toString("hex").slice(0, 64).toUpperCase()}`,
    reminderMinutesBeforeStart: 15,
    isReminderOn: true,
    hasAttachments: false,
    subject: e.subject,
    // Bounded first: the tag pattern rescans on unclosed "<".
    bodyPreview: e.body.content
      .slice(0, 2_000)
      .replace(/<[^>]*>/g, "")
      .slice(0, 255),
    importance: "normal",
    sensitivity: e.sensitivity,
    isAllDay: false,
    isCancelled: e.isCancelled,
    isOrganizer: e.organizer.address === tenantUser,
    responseRequested: true,
    seriesMasterId: null,
    showAs: e.showAs,
    type: "singleInstance",
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(e.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: e.isOnlineMeeting,
    onlineMeetingProvider: e.onlineMeetingProvider,
    allowNewTimeProposals: true,
    isDraft: false,
    responseStatus: { response: e.organizer.address === tenantUser ? "organizer" : "none", time: ZERO_TIME },
    body: e.body,
    start: when(e.startMs),
    end: when(e.endMs),
    location: e.location
      ? { displayName: e.location, locationType: "default", uniqueId: e.location, uniqueIdType: "private" }
      : { displayName: "", locationType: "default", uniqueIdType: "unknown", address: {}, coordinates: {} },
    locations: e.location ? [{ displayName: e.location, locationType: "default", uniqueIdType: "unknown" }] : [],
    recurrence: null,
    attendees: e.attendees.map((a) => ({ type: a.type, status: { response: "none", time: ZERO_TIME }, emailAddress: a.emailAddress })),
    organizer: { emailAddress: { name: e.organizer.name, address: e.organizer.address } },
    onlineMeeting: e.joinUrl ? { joinUrl: e.joinUrl } : null,
  };
  return body;
}
