/**
 * How the console writes times, durations and counts: every instant in the one zone the viewer
 * chose (the policy's unless they picked another), durations in words a manager reads at a
 * glance ("27 s", "1 h 4 min"), counts with the right plural ("1 lead", "2 leads").
 */

/** An instant in `zone`: "Mon 7 Dec 2026, 14:05". */
export function localInstant(at: string | null | undefined, zone: string): string {
  if (!at) return "–";
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return at;
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(date);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("weekday")} ${get("day")} ${get("month")} ${get("year")}, ${get("hour")}:${get("minute")}`;
}

/** A local day in `zone`: "Mon 7 Dec 2026". */
export function localDay(at: string | null | undefined, zone: string): string {
  if (!at) return "–";
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, weekday: "short", day: "numeric", month: "short", year: "numeric" }).format(new Date(at));
}

/** A calendar date (YYYY-MM-DD, no zone of its own) as people write it: "Tue 8 Dec 2026". */
export function calendarDay(date: string): string {
  const at = new Date(`${date}T12:00:00Z`);
  if (Number.isNaN(at.getTime())) return date;
  return new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short", year: "numeric" }).format(at);
}

const UNITS: [ms: number, unit: string][] = [
  [86_400_000, "d"],
  [3_600_000, "h"],
  [60_000, "min"],
  [1_000, "s"],
];

/** A duration in words, at most two units: "27 s", "4 min 10 s", "1 h 4 min", "2 d 3 h"; under a second "under 1 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const sign = ms < 0 ? "−" : "";
  let rest = Math.round(Math.abs(ms) / 1000) * 1000;
  if (rest === 0) return ms === 0 ? "0 s" : "under 1 s";
  const parts: string[] = [];
  for (const [size, unit] of UNITS) {
    if (rest < size && parts.length === 0) continue;
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n} ${unit}`);
    if (parts.length === 2 || (parts.length === 1 && n === 0)) break;
  }
  return sign + parts.join(" ");
}

/** How far an instant is from `now`, in words: "in 1 h 4 min", "3 min ago". */
export function fromNow(at: string | null | undefined, now: Date): string {
  if (!at) return "";
  const ms = Date.parse(at) - now.getTime();
  if (!Number.isFinite(ms)) return "";
  return ms >= 0 ? `in ${duration(ms)}` : `${duration(-ms)} ago`;
}

/** A count with its noun: "1 lead", "2 leads", "1,204 leads"; `many` for irregular plurals. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/** A share as a percentage with one decimal, or "–" when there is nothing to divide by. */
export const percent = (value: number | null) => (value === null ? "–" : `${(value * 100).toFixed(1)}%`);

/**
 * The unit a set of durations reads best in, for a chart's axis: the largest unit the typical
 * value fills at least once (27-second values are charted in seconds, not as 0.0075 h).
 */
export function durationUnit(values: readonly (number | null)[]): { unit: "s" | "min" | "h" | "d"; ms: number } {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  const typical = known.length ? known[Math.floor(known.length / 2)]! : 0;
  for (const [ms, unit] of UNITS) if (typical >= ms) return { unit: unit as "s" | "min" | "h" | "d", ms };
  return { unit: "s", ms: 1_000 };
}
