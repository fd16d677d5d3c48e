import { DateTime } from "luxon";
import { type MeetingLink, type SchedulerStore, WEEKDAYS } from "./scheduler-store.ts";

const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;

/**
 * Start times the link's weekly hours allow for a meeting of `durationMs`, in [from, to):
 * hours are wall-clock times in the link's zone, so they stay at 09:00 local across a DST change.
 */
export function candidateStarts(link: MeetingLink, durationMs: number, from: number, to: number): number[] {
  const step = link.startTimeIncrementMinutes === "MEETING_DURATION" ? durationMs : link.startTimeIncrementMinutes * MINUTE;
  const starts: number[] = [];
  for (let day = DateTime.fromMillis(from, { zone: link.timeZone }).startOf("day"); day.toMillis() < to; day = day.plus({ days: 1 })) {
    const weekday = WEEKDAYS[day.weekday - 1]!;
    for (const rule of link.hours) {
      if (!rule.days.includes(weekday)) continue;
      // Wall-clock hours: set them on the local day, so a 23- or 25-hour day keeps 09:00 at 09:00.
      const local = (hhmm: string) =>
        hhmm === "24:00" ? day.plus({ days: 1 }).toMillis() : day.set({ hour: Number(hhmm.slice(0, 2)), minute: Number(hhmm.slice(3)) }).toMillis();
      const rangeEnd = local(rule.end);
      for (let t = local(rule.start); t + durationMs <= rangeEnd; t += step) if (t >= from && t < to) starts.push(t);
    }
  }
  return [...new Set(starts)].sort((a, b) => a - b);
}

function free(store: SchedulerStore, userId: string, start: number, end: number, bufferMs: number): boolean {
  return store.busyOf(userId, start - bufferMs, end + bufferMs).length === 0;
}

/** Members who could take [start, start + duration): the organizer (personal), anyone free (round robin), all or none (group). */
export function availableMembers(store: SchedulerStore, link: MeetingLink, start: number, durationMs: number): string[] {
  const buffer = link.bufferMinutes * MINUTE;
  const freeOnes = link.memberUserIds.filter((u) => free(store, u, start, start + durationMs, buffer));
  if (link.type === "PERSONAL_LINK") return freeOnes.includes(link.organizerUserId) ? [link.organizerUserId] : [];
  if (link.type === "GROUP_CALENDAR") return freeOnes.length === link.memberUserIds.length ? freeOnes : [];
  return freeOnes;
}

/** The window a booking may fall in: from now plus the minimum notice to the end of the advertised weeks. */
function horizon(link: MeetingLink, now: number): { from: number; to: number } {
  return { from: now + link.minimumNoticeMinutes * MINUTE, to: now + link.weeksToAdvertise * WEEK };
}

/** Whether a booking may start at `start`: an advertised start time, within the horizon, someone free. */
export function slotOpen(store: SchedulerStore, link: MeetingLink, start: number, durationMs: number, now: number): boolean {
  const { from, to } = horizon(link, now);
  if (start < from || start >= to) return false;
  if (!candidateStarts(link, durationMs, start, start + 1).includes(start)) return false;
  return availableMembers(store, link, start, durationMs).length > 0;
}

export interface AvailabilityPage {
  from: number;
  to: number;
  hasMore: boolean;
  byDuration: Record<string, { meetingDurationMillis: number; availabilities: { startMillisUtc: number; endMillisUtc: number }[] }>;
}

/**
 * One page of availability: the calendar month `monthOffset` months from now in the visitor's
 * `timezone`, cut to the link's horizon. `hasMore` says whether a later month has advertised time.
 */
export function availabilityPage(store: SchedulerStore, link: MeetingLink, timezone: string, monthOffset: number, now: number): AvailabilityPage {
  const month = DateTime.fromMillis(now, { zone: timezone }).startOf("month").plus({ months: monthOffset });
  const monthEnd = month.plus({ months: 1 }).toMillis();
  const { from: earliest, to: latest } = horizon(link, now);
  const from = Math.max(month.toMillis(), earliest);
  const to = Math.min(monthEnd, latest);
  const byDuration: AvailabilityPage["byDuration"] = {};
  for (const minutes of link.durationsMinutes) {
    const durationMs = minutes * MINUTE;
    const starts =
      from < to ? candidateStarts(link, durationMs, from, to).filter((s) => availableMembers(store, link, s, durationMs).length > 0) : [];
    byDuration[String(durationMs)] = {
      meetingDurationMillis: durationMs,
      availabilities: starts.map((s) => ({ startMillisUtc: s, endMillisUtc: s + durationMs })),
    };
  }
  return { from, to: Math.max(from, to), hasMore: monthEnd < latest, byDuration };
}
