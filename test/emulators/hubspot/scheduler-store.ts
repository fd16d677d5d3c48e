import { DateTime } from "luxon";

export type LinkType = "PERSONAL_LINK" | "ROUND_ROBIN_CALENDAR" | "GROUP_CALENDAR";
export type Weekday = "MONDAY" | "TUESDAY" | "WEDNESDAY" | "THURSDAY" | "FRIDAY" | "SATURDAY" | "SUNDAY";
export const WEEKDAYS: Weekday[] = ["MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY"];

/**
 * A scheduling page as a HubSpot user configures it in the meetings tool. The API only reads
 * these (ExternalMeetingsLinkSettings); the emulator takes them as options or control calls.
 */
export interface MeetingLinkInput {
  slug: string;
  name?: string;
  type?: LinkType;
  /** HubSpot user id of the organizer (an owner's `userId`). */
  organizerUserId: string;
  /** The link's members (round robin, group); default the organizer alone. */
  memberUserIds?: string[];
  durationsMinutes?: number[];
  /** The zone the availability hours are kept in (the organizer's). Default America/New_York. */
  timeZone?: string;
  /** Weekly hours in timeZone; default Monday–Friday 09:00–17:00. */
  hours?: { days: Weekday[]; start: string; end: string }[];
  /** Start times every N minutes, or the meeting's duration ("MEETING_DURATION"). Default 15. */
  startTimeIncrementMinutes?: number | "MEETING_DURATION";
  /** Free time kept around every meeting (meetingBufferTime). Default 0. */
  bufferMinutes?: number;
  /** The meetings tool's "minimum notice time": no start sooner than this. Default 0. */
  minimumNoticeMinutes?: number;
  weeksToAdvertise?: number;
  /** The booked meeting's location. */
  location?: string;
  /** Add a video conference link to booked meetings (a connected Google Meet / Teams / Zoom). Default true. */
  videoConference?: boolean;
  subject?: string;
  canAddGuests?: boolean;
}

export interface MeetingLink extends Required<Omit<MeetingLinkInput, "location" | "subject">> {
  id: string;
  location?: string;
  subject?: string;
  createdAt: number;
}

export interface Booking {
  slug: string;
  linkId: string;
  assignedUserId: string;
  contactId: string;
  meetingId: string;
  calendarEventId: string;
  start: number;
  end: number;
  email: string;
  bookedAt: number;
}

export const DEFAULT_MEETING_LINKS: MeetingLinkInput[] = [
  { slug: "alex-rivera", name: "Intro call", organizerUserId: "1712", durationsMinutes: [30, 60] },
  {
    slug: "sales-team",
    name: "Talk to sales",
    type: "ROUND_ROBIN_CALENDAR",
    organizerUserId: "1712",
    memberUserIds: ["1712", "1713"],
    durationsMinutes: [30],
  },
];

function validTime(hhmm: string): boolean {
  return /^\d{2}:\d{2}$/.test(hhmm) && Number(hhmm.slice(0, 2)) <= 24 && Number(hhmm.slice(3)) < 60;
}

/** The portal's scheduling pages, its users' busy times and the bookings made through them. */
export class SchedulerStore {
  private readonly seeded: MeetingLinkInput[];
  private readonly links = new Map<string, MeetingLink>();
  private readonly busy = new Map<string, { start: number; end: number }[]>();
  readonly bookings: Booking[] = [];
  private nextId = 0;
  private readonly now: () => number;

  constructor(seeded: MeetingLinkInput[], now: () => number) {
    this.seeded = seeded;
    this.now = now;
    this.reset();
  }

  addLink(input: MeetingLinkInput): MeetingLink {
    if (typeof input?.slug !== "string" || input.slug === "" || typeof input.organizerUserId !== "string") {
      throw new Error("a meeting link needs a slug and an organizerUserId");
    }
    const timeZone = input.timeZone ?? "America/New_York";
    if (!DateTime.local().setZone(timeZone).isValid) throw new Error(`unknown time zone ${timeZone}`);
    const hours = input.hours ?? [{ days: WEEKDAYS.slice(0, 5), start: "09:00", end: "17:00" }];
    if (hours.some((h) => !validTime(h.start) || !validTime(h.end) || h.start >= h.end || h.days.some((d) => !WEEKDAYS.includes(d)))) {
      throw new Error("hours need days (MONDAY…SUNDAY) and HH:MM start before end");
    }
    const durations = input.durationsMinutes ?? [30];
    if (durations.length === 0 || durations.some((d) => !Number.isInteger(d) || d <= 0))
      throw new Error("durationsMinutes must be positive integers");
    const link: MeetingLink = {
      id: String(40_000_000 + this.nextId++),
      slug: input.slug,
      name: input.name ?? input.slug,
      type: input.type ?? "PERSONAL_LINK",
      organizerUserId: input.organizerUserId,
      memberUserIds: input.memberUserIds ?? [input.organizerUserId],
      durationsMinutes: durations,
      timeZone,
      hours,
      startTimeIncrementMinutes: input.startTimeIncrementMinutes ?? 15,
      bufferMinutes: input.bufferMinutes ?? 0,
      minimumNoticeMinutes: input.minimumNoticeMinutes ?? 0,
      weeksToAdvertise: input.weeksToAdvertise ?? 2,
      videoConference: input.videoConference ?? true,
      canAddGuests: input.canAddGuests ?? false,
      createdAt: this.now(),
      ...(input.location ? { location: input.location } : {}),
      ...(input.subject ? { subject: input.subject } : {}),
    };
    this.links.set(link.slug, link);
    return link;
  }

  link(slug: string): MeetingLink | undefined {
    return this.links.get(slug);
  }

  allLinks(): MeetingLink[] {
    return [...this.links.values()];
  }

  addBusy(userId: string, start: number, end: number): void {
    const list = this.busy.get(userId) ?? [];
    list.push({ start, end });
    list.sort((a, b) => a.start - b.start);
    this.busy.set(userId, list);
  }

  /** A user's busy times overlapping [from, to): their connected calendar's, bookings included. */
  busyOf(userId: string, from: number, to: number): { start: number; end: number }[] {
    return (this.busy.get(userId) ?? []).filter((b) => b.start < to && b.end > from);
  }

  reset(): void {
    this.links.clear();
    this.busy.clear();
    this.bookings.length = 0;
    this.nextId = 0;
    for (const link of this.seeded) this.addLink(link);
  }
}
