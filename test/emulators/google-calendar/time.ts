import { DateTime } from "luxon";

const OFFSET = /(?:Z|[+-]\d{2}:\d{2})$/i;

/** Whether luxon (the IANA database) knows the zone. */
export function isZone(name: unknown): name is string {
  return typeof name === "string" && name !== "" && DateTime.local().setZone(name).isValid;
}

/**
 * An RFC 3339 date-time as epoch milliseconds. A value with an offset stands alone; one without
 * is read in `timeZone` (Calendar's EventDateTime: "A time zone offset is required unless a
 * time zone is explicitly specified in timeZone"). Undefined when it cannot be read.
 */
export function parseDateTime(value: unknown, timeZone?: string): number | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const parsed = OFFSET.test(value)
    ? DateTime.fromISO(value, { setZone: true })
    : timeZone && isZone(timeZone)
      ? DateTime.fromISO(value, { zone: timeZone })
      : undefined;
  return parsed?.isValid ? parsed.toMillis() : undefined;
}

export function hasOffset(value: string): boolean {
  return OFFSET.test(value);
}

/** RFC 3339 in the zone, as Google writes it: "2026-03-09T09:00:00-04:00", or "…Z" in UTC. */
export function formatInZone(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true })!;
}

/** RFC 3339 UTC with milliseconds, the way freeBusy echoes timeMin/timeMax. */
export function utcIso(ms: number): string {
  return new Date(ms).toISOString();
}
