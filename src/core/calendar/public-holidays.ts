import Holidays from "date-holidays";

/**
 * Public holidays of a country (or one of its states or regions), from the maintained
 * `date-holidays` package: a team or rep names a calendar ("US", "DE-BY", "GB-ENG") instead of
 * typing every date. Pure computation (no clock, no I/O): the years are the caller's.
 */

/** "US", "DE-BY", "GB-ENG", "CH-ZH": a country code, then a state and a region, as date-holidays names them. */
const NAME = /^([A-Z]{2})(?:-([A-Z0-9]{1,3}))?(?:-([A-Z0-9]{1,4}))?$/;

const calendars = new Map<string, Holidays | null>();
const years = new Map<string, readonly string[]>();

function calendarOf(name: string): Holidays | null {
  const cached = calendars.get(name);
  if (cached !== undefined) return cached;
  const match = NAME.exec(name);
  let calendar: Holidays | null = null;
  if (match) {
    const [, country, state, region] = match as unknown as [string, string, string | undefined, string | undefined];
    const known = new Holidays();
    // init accepts names it does not know: the package's own lists decide.
    const ok =
      country in known.getCountries() &&
      (!state || state in (known.getStates(country) ?? {})) &&
      (!region || (!!state && region in (known.getRegions(country, state) ?? {})));
    if (ok) {
      calendar = new Holidays();
      calendar.init(country, state, region);
    }
  }
  calendars.set(name, calendar);
  return calendar;
}

export function isKnownHolidayCalendar(name: string): boolean {
  return calendarOf(name) !== null;
}

/** The calendar's public holidays (type "public": days off by law), as local dates, in the years from…to. */
export function publicHolidays(name: string, fromYear: number, toYear: number): string[] {
  const calendar = calendarOf(name);
  if (!calendar) return [];
  const dates: string[] = [];
  for (let year = fromYear; year <= toYear; year++) {
    const key = `${name}:${year}`;
    let ofYear = years.get(key);
    if (!ofYear) {
      ofYear = [...new Set(calendar.getHolidays(year).flatMap((h) => (h.type === "public" ? [h.date.slice(0, 10)] : [])))].sort();
      years.set(key, ofYear);
    }
    dates.push(...ofYear);
  }
  return dates;
}
