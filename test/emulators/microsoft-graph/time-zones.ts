import { DateTime } from "luxon";

/**
 * Windows time zone names as Graph accepts them in dateTimeTimeZone and `Prefer:
 * outlook.timezone` ("Pacific Standard Time"), mapped to IANA by CLDR's windowsZones (the
 * "001" territory). Graph takes IANA names too; both are accepted here.
 */
export const WINDOWS_ZONES: Record<string, string> = {
  "Dateline Standard Time": "Etc/GMT+12",
  "UTC-11": "Etc/GMT+11",
  "Hawaiian Standard Time": "Pacific/Honolulu",
  "Alaskan Standard Time": "America/Anchorage",
  "Pacific Standard Time": "America/Los_Angeles",
  "US Mountain Standard Time": "America/Phoenix",
  "Mountain Standard Time": "America/Denver",
  "Central Standard Time": "America/Chicago",
  "Central America Standard Time": "America/Guatemala",
  "Eastern Standard Time": "America/New_York",
  "US Eastern Standard Time": "America/Indiana/Indianapolis",
  "Atlantic Standard Time": "America/Halifax",
  "Newfoundland Standard Time": "America/St_Johns",
  "E. South America Standard Time": "America/Sao_Paulo",
  UTC: "UTC",
  "GMT Standard Time": "Europe/London",
  "Greenwich Standard Time": "Atlantic/Reykjavik",
  "W. Europe Standard Time": "Europe/Berlin",
  "Central Europe Standard Time": "Europe/Budapest",
  "Romance Standard Time": "Europe/Paris",
  "Central European Standard Time": "Europe/Warsaw",
  "GTB Standard Time": "Europe/Bucharest",
  "FLE Standard Time": "Europe/Kiev",
  "Israel Standard Time": "Asia/Jerusalem",
  "Russian Standard Time": "Europe/Moscow",
  "South Africa Standard Time": "Africa/Johannesburg",
  "Arabian Standard Time": "Asia/Dubai",
  "Iran Standard Time": "Asia/Tehran",
  "Afghanistan Standard Time": "Asia/Kabul",
  "India Standard Time": "Asia/Kolkata",
  "Nepal Standard Time": "Asia/Kathmandu",
  "China Standard Time": "Asia/Shanghai",
  "Singapore Standard Time": "Asia/Singapore",
  "Tokyo Standard Time": "Asia/Tokyo",
  "Korea Standard Time": "Asia/Seoul",
  "Cen. Australia Standard Time": "Australia/Adelaide",
  "AUS Eastern Standard Time": "Australia/Sydney",
  "New Zealand Standard Time": "Pacific/Auckland",
};

/** The IANA zone for a Windows or IANA name, or undefined when neither knows it. */
export function ianaZone(name: unknown): string | undefined {
  if (typeof name !== "string" || name === "") return undefined;
  const mapped = WINDOWS_ZONES[name];
  if (mapped) return mapped;
  // "Etc/…" and "UTC"-like names are IANA; a bare word luxon happens to parse is not a zone Graph knows.
  return name.includes("/") && DateTime.local().setZone(name).isValid ? name : undefined;
}

const OFFSET = /(?:Z|[+-]\d{2}:\d{2})$/i;

/**
 * dateTimeTimeZone → epoch ms: `dateTime` is a local time ("2019-03-15T09:00:00") read in
 * `timeZone`. A value that carries its own offset is taken as that instant.
 */
export function readDateTime(dateTime: unknown, zone: string): number | undefined {
  if (typeof dateTime !== "string") return undefined;
  const parsed = OFFSET.test(dateTime) ? DateTime.fromISO(dateTime, { setZone: true }) : DateTime.fromISO(dateTime, { zone });
  return parsed.isValid ? parsed.toMillis() : undefined;
}

/** Graph's dateTime: local wall-clock time with seven fractional digits, "2019-03-15T12:00:00.0000000". */
export function graphDateTime(ms: number, zone: string): string {
  return `${DateTime.fromMillis(ms, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ss.SSS")}0000`;
}

/** The zone a `Prefer: outlook.timezone="…"` header names, as written, or undefined. */
export function preferredZone(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header.join(",") : (header ?? "");
  return /outlook\.timezone\s*=\s*"([^"]*)"/i.exec(value)?.[1];
}
