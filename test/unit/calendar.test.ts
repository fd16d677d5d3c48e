import { DateTime, Duration } from "luxon";
import { describe, expect, it } from "vitest";
import {
  addBusinessDuration,
  addCalendarDuration,
  type BusinessCalendar,
  businessMsBetween,
  DEFAULT_WORKING_HOURS,
  isValidZone,
  isWorkingTime,
  IsoDuration,
  nextWorkingTime,
  parseDuration,
  WorkingHours,
} from "../../src/core/calendar/calendar";

// All instants are fixed literals. 2026 dates used below:
//   Fri 2026-03-06, Sat 03-07, Sun 03-08 (US + Canada spring forward), Mon 03-09
//   Fri 2026-03-27, Sun 03-29 (EU spring forward), Mon 03-30
//   Fri 2026-04-03, Sun 04-05 (Adelaide falls back), Mon 04-06
//   Fri 2026-10-23, Sun 10-25 (EU fall back), Mon 10-26
//   Fri 2026-10-30, Sun 11-01 (US fall back), Mon 11-02
//   Thu 2026-11-19, Fri 11-20, Sat 11-21, Mon 11-23, Tue 11-24, Wed 11-25
const cal = (zone: string, extra: Partial<BusinessCalendar> = {}): BusinessCalendar => ({
  zone,
  hours: DEFAULT_WORKING_HOURS,
  holidays: [],
  ...extra,
});
const d = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();
/** Local wall-clock rendering with offset, so assertions show both the local time and the UTC offset. */
const local = (date: Date, zone: string) => DateTime.fromJSDate(date, { zone }).toISO({ suppressMilliseconds: true });
const HOUR = 3_600_000;

const berlin = cal("Europe/Berlin");
const newYork = cal("America/New_York");

describe("WorkingHours", () => {
  it("accepts the default and a 24:00 end", () => {
    expect(WorkingHours.safeParse(DEFAULT_WORKING_HOURS).success).toBe(true);
    expect(WorkingHours.safeParse({ days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" }).success).toBe(true);
  });

  it("rejects start >= end with a readable message", () => {
    for (const hours of [
      { days: [1], start: "17:00", end: "09:00" },
      { days: [1], start: "09:00", end: "09:00" },
    ]) {
      const result = WorkingHours.safeParse(hours);
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/start before they end/);
    }
  });

  it("rejects malformed times and days", () => {
    expect(WorkingHours.safeParse({ days: [1], start: "9:00", end: "17:00" }).success).toBe(false);
    expect(WorkingHours.safeParse({ days: [1], start: "24:00", end: "24:00" }).success).toBe(false);
    expect(WorkingHours.safeParse({ days: [1], start: "09:00", end: "24:30" }).success).toBe(false);
    expect(WorkingHours.safeParse({ days: [], start: "09:00", end: "17:00" }).success).toBe(false);
    expect(WorkingHours.safeParse({ days: [0], start: "09:00", end: "17:00" }).success).toBe(false);
    expect(WorkingHours.safeParse({ days: [8], start: "09:00", end: "17:00" }).success).toBe(false);
  });
});

describe("isValidZone", () => {
  it("accepts IANA names and rejects others", () => {
    expect(isValidZone("Europe/Berlin")).toBe(true);
    expect(isValidZone("Asia/Kolkata")).toBe(true);
    expect(isValidZone("America/St_Johns")).toBe(true);
    expect(isValidZone("Mars/Olympus_Mons")).toBe(false);
    expect(isValidZone("")).toBe(false);
  });

  it("functions refuse an invalid zone or holiday instead of returning NaN dates", () => {
    expect(() => nextWorkingTime(d("2026-11-21T01:00:00Z"), cal("Mars/Olympus_Mons"))).toThrow(/invalid IANA time zone/);
    expect(() => addCalendarDuration(d("2026-11-21T01:00:00Z"), "P1D", "Nope/Nope")).toThrow(/invalid IANA time zone/);
    expect(() => isWorkingTime(d("2026-11-21T01:00:00Z"), cal("Europe/Berlin", { holidays: ["2026-1-1"] }))).toThrow(/invalid holiday/);
    expect(() => isWorkingTime(d("2026-11-21T01:00:00Z"), cal("Europe/Berlin", { holidays: ["2026-02-30"] }))).toThrow(/invalid holiday/);
    expect(() => isWorkingTime(d("2026-11-21T01:00:00Z"), cal("Europe/Berlin", { hours: { days: [1], start: "17:00", end: "09:00" } }))).toThrow(
      /invalid working hours/,
    );
  });
});

describe("parseDuration / IsoDuration", () => {
  it("accepts ISO 8601 durations", () => {
    expect(parseDuration("P14D").toObject()).toEqual({ days: 14 });
    expect(parseDuration("PT4H").toObject()).toEqual({ hours: 4 });
    expect(parseDuration("PT30S").toObject()).toEqual({ seconds: 30 });
    expect(parseDuration("P1DT2H").toObject()).toEqual({ days: 1, hours: 2 });
    expect(parseDuration("P1W").toObject()).toEqual({ weeks: 1 });
    expect(parseDuration("PT1.5H").toObject()).toEqual({ hours: 1.5 });
    for (const ok of ["P14D", "PT4H", "PT30S", "P1DT2H", "PT0S", "P1Y2M"]) expect(IsoDuration.safeParse(ok).success).toBe(true);
  });

  it("rejects non-ISO, empty, and degenerate inputs that luxon alone would accept", () => {
    for (const bad of ["14 days", "", "P", "PT", "P1DT", "-P1D", "P-1D", "P1.5D", "PT1.5H30M", "p1d", " P1D", "PT1,5H"]) {
      expect(() => parseDuration(bad), bad).toThrow(/invalid duration/);
      const result = IsoDuration.safeParse(bad);
      expect(result.success, bad).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/ISO 8601/);
    }
  });
});

describe("isWorkingTime", () => {
  it("end is exclusive, start inclusive", () => {
    // Tue 2026-11-24 in Berlin (CET, +01:00).
    expect(isWorkingTime(d("2026-11-24T16:00:00Z"), berlin)).toBe(false); // 17:00:00
    expect(isWorkingTime(d("2026-11-24T15:59:59Z"), berlin)).toBe(true); // 16:59:59
    expect(isWorkingTime(d("2026-11-24T08:00:00Z"), berlin)).toBe(true); // 09:00:00
    expect(isWorkingTime(d("2026-11-24T07:59:59.999Z"), berlin)).toBe(false); // 08:59:59.999
  });

  it("weekends and holidays are not working time", () => {
    expect(isWorkingTime(d("2026-11-21T10:00:00Z"), berlin)).toBe(false); // Saturday 11:00
    expect(isWorkingTime(d("2026-11-23T10:00:00Z"), cal("Europe/Berlin", { holidays: ["2026-11-23"] }))).toBe(false);
  });

  it("judges the local date in the calendar's zone, not UTC", () => {
    // Fri 2026-11-20 23:30 UTC is Sat 12:30 in Auckland (+13) and Fri 23:30 in London.
    expect(isWorkingTime(d("2026-11-20T23:30:00Z"), cal("Pacific/Auckland"))).toBe(false);
    // Sun 2026-11-22 21:00 UTC is Mon 10:00 in Auckland.
    expect(isWorkingTime(d("2026-11-22T21:00:00Z"), cal("Pacific/Auckland"))).toBe(true);
  });
});

describe("nextWorkingTime", () => {
  it("skips the weekend: Saturday 02:00 Berlin → Monday 09:00 Berlin", () => {
    const result = nextWorkingTime(d("2026-11-21T01:00:00Z"), berlin);
    expect(iso(result)).toBe("2026-11-23T08:00:00.000Z");
    expect(local(result, "Europe/Berlin")).toBe("2026-11-23T09:00:00+01:00");
  });

  it("skips a holiday Monday → Tuesday 09:00", () => {
    const result = nextWorkingTime(d("2026-11-21T01:00:00Z"), cal("Europe/Berlin", { holidays: ["2026-11-23"] }));
    expect(iso(result)).toBe("2026-11-24T08:00:00.000Z");
  });

  it("returns the instant itself during working time, the same day's opening before it, the next day's after it", () => {
    expect(iso(nextWorkingTime(d("2026-11-24T10:15:30.250Z"), berlin))).toBe("2026-11-24T10:15:30.250Z");
    expect(iso(nextWorkingTime(d("2026-11-24T05:00:00Z"), berlin))).toBe("2026-11-24T08:00:00.000Z");
    expect(iso(nextWorkingTime(d("2026-11-24T16:00:00Z"), berlin))).toBe("2026-11-25T08:00:00.000Z"); // exactly 17:00
  });

  it("zones 12+ hours apart give different instants (Pacific/Auckland vs Europe/London)", () => {
    // Fri 2026-11-20 22:00 UTC: Friday 22:00 in London, Saturday 11:00 in Auckland (NZDT +13).
    const at = d("2026-11-20T22:00:00Z");
    const london = nextWorkingTime(at, cal("Europe/London"));
    const auckland = nextWorkingTime(at, cal("Pacific/Auckland"));
    expect(local(london, "Europe/London")).toBe("2026-11-23T09:00:00+00:00");
    expect(iso(london)).toBe("2026-11-23T09:00:00.000Z");
    expect(local(auckland, "Pacific/Auckland")).toBe("2026-11-23T09:00:00+13:00");
    expect(iso(auckland)).toBe("2026-11-22T20:00:00.000Z");

    // Thu 2026-11-19 21:00 UTC: after hours in London, Friday 10:00 (working) in Auckland.
    const other = d("2026-11-19T21:00:00Z");
    expect(iso(nextWorkingTime(other, cal("Europe/London")))).toBe("2026-11-20T09:00:00.000Z");
    expect(iso(nextWorkingTime(other, cal("Pacific/Auckland")))).toBe("2026-11-19T21:00:00.000Z");
  });

  it("half-hour zones: 09:00 IST is 03:30 UTC; St John's opens at 12:30 UTC in winter, 11:30 UTC after spring forward", () => {
    expect(iso(nextWorkingTime(d("2026-11-21T00:00:00Z"), cal("Asia/Kolkata")))).toBe("2026-11-23T03:30:00.000Z");
    expect(iso(nextWorkingTime(d("2026-03-06T04:00:00Z"), cal("America/St_Johns")))).toBe("2026-03-06T12:30:00.000Z");
    expect(iso(nextWorkingTime(d("2026-03-07T12:00:00Z"), cal("America/St_Johns")))).toBe("2026-03-09T11:30:00.000Z");
  });

  it("works with only one working weekday and several holidays in a row", () => {
    const mondaysOnly = cal("Europe/Berlin", {
      hours: { days: [1], start: "09:00", end: "17:00" },
      holidays: ["2026-11-23", "2026-11-30"],
    });
    expect(iso(nextWorkingTime(d("2026-11-21T01:00:00Z"), mondaysOnly))).toBe("2026-12-07T08:00:00.000Z");
  });
});

describe("addCalendarDuration", () => {
  it.each([
    // [zone, start (UTC), P1D result (UTC), local time kept]
    ["America/New_York", "2026-03-07T15:00:00Z", "2026-03-08T14:00:00.000Z", "2026-03-08T10:00:00-04:00"],
    ["America/New_York", "2026-10-31T14:00:00Z", "2026-11-01T15:00:00.000Z", "2026-11-01T10:00:00-05:00"],
    ["Europe/Berlin", "2026-03-28T09:00:00Z", "2026-03-29T08:00:00.000Z", "2026-03-29T10:00:00+02:00"],
    ["Europe/Berlin", "2026-10-24T08:00:00Z", "2026-10-25T09:00:00.000Z", "2026-10-25T10:00:00+01:00"],
  ])("P1D across DST in %s keeps the local time (%s)", (zone, start, expected, expectedLocal) => {
    const result = addCalendarDuration(d(start), "P1D", zone);
    expect(iso(result)).toBe(expected);
    expect(local(result, zone)).toBe(expectedLocal);
  });

  it("PT24H is elapsed time, unlike P1D", () => {
    expect(iso(addCalendarDuration(d("2026-03-07T15:00:00Z"), "PT24H", "America/New_York"))).toBe("2026-03-08T15:00:00.000Z");
  });

  it("a wall-clock result inside the DST gap moves forward", () => {
    // Sat 02:30 EST + P1D → Sun 02:30 does not exist → 03:30 EDT.
    const result = addCalendarDuration(d("2026-03-07T07:30:00Z"), "P1D", "America/New_York");
    expect(local(result, "America/New_York")).toBe("2026-03-08T03:30:00-04:00");
  });

  it("accepts a luxon Duration and longer calendar units", () => {
    expect(iso(addCalendarDuration(d("2026-01-31T10:00:00Z"), Duration.fromObject({ months: 1 }), "Europe/London"))).toBe("2026-02-28T10:00:00.000Z");
    expect(iso(addCalendarDuration(d("2026-03-20T10:00:00Z"), "P14D", "Europe/Berlin"))).toBe("2026-04-03T09:00:00.000Z");
  });
});

describe("addBusinessDuration", () => {
  it("4 business hours from Friday 15:00 lands Monday 11:00 (no DST)", () => {
    expect(local(addBusinessDuration(d("2026-11-20T14:00:00Z"), "PT4H", berlin), "Europe/Berlin")).toBe("2026-11-23T11:00:00+01:00");
  });

  it.each([
    // [zone, Friday 15:00 local as UTC, expected Monday 11:00 local as UTC, expected local]
    ["America/New_York", "2026-03-06T20:00:00Z", "2026-03-09T15:00:00.000Z", "2026-03-09T11:00:00-04:00"],
    ["America/New_York", "2026-10-30T19:00:00Z", "2026-11-02T16:00:00.000Z", "2026-11-02T11:00:00-05:00"],
    ["Europe/Berlin", "2026-03-27T14:00:00Z", "2026-03-30T09:00:00.000Z", "2026-03-30T11:00:00+02:00"],
    ["Europe/Berlin", "2026-10-23T13:00:00Z", "2026-10-26T10:00:00.000Z", "2026-10-26T11:00:00+01:00"],
    ["Australia/Adelaide", "2026-04-03T04:30:00Z", "2026-04-06T01:30:00.000Z", "2026-04-06T11:00:00+09:30"],
  ])("PT4H from Friday 15:00 across the DST weekend in %s → Monday 11:00", (zone, start, expected, expectedLocal) => {
    const result = addBusinessDuration(d(start), "PT4H", cal(zone));
    expect(iso(result)).toBe(expected);
    expect(local(result, zone)).toBe(expectedLocal);
  });

  it("Asia/Kolkata: PT1H30M from Friday 16:00 IST → Monday 09:30 IST; PT2H30M → Monday 10:30 IST", () => {
    const kolkata = cal("Asia/Kolkata");
    const friday16 = d("2026-11-20T10:30:00Z");
    expect(local(friday16, "Asia/Kolkata")).toBe("2026-11-20T16:00:00+05:30");
    expect(iso(addBusinessDuration(friday16, "PT1H30M", kolkata))).toBe("2026-11-23T04:00:00.000Z");
    expect(local(addBusinessDuration(friday16, "PT2H30M", kolkata), "Asia/Kolkata")).toBe("2026-11-23T10:30:00+05:30");
  });

  it("working time running out exactly at closing returns the close, not the next opening", () => {
    // Fri 13:00 + PT4H = Fri 17:00.
    expect(iso(addBusinessDuration(d("2026-11-20T12:00:00Z"), "PT4H", berlin))).toBe("2026-11-20T16:00:00.000Z");
    // Fri 13:00 + PT4H1S = Mon 09:00:01.
    expect(iso(addBusinessDuration(d("2026-11-20T12:00:00Z"), "PT4H1S", berlin))).toBe("2026-11-23T08:00:01.000Z");
  });

  it("starting outside working time counts from nextWorkingTime", () => {
    // Saturday 02:00 + PT4H → Monday 13:00.
    expect(local(addBusinessDuration(d("2026-11-21T01:00:00Z"), "PT4H", berlin), "Europe/Berlin")).toBe("2026-11-23T13:00:00+01:00");
    // Zero duration is nextWorkingTime.
    expect(iso(addBusinessDuration(d("2026-11-21T01:00:00Z"), "PT0S", berlin))).toBe("2026-11-23T08:00:00.000Z");
    expect(iso(addBusinessDuration(d("2026-11-24T10:00:00Z"), "PT0S", berlin))).toBe("2026-11-24T10:00:00.000Z");
  });

  describe("days part: whole working days at the same local time", () => {
    it("P2D from Thursday 10:00 → Monday 10:00 (Friday and Monday count)", () => {
      const result = addBusinessDuration(d("2026-11-19T09:00:00Z"), "P2D", berlin);
      expect(local(result, "Europe/Berlin")).toBe("2026-11-23T10:00:00+01:00");
    });

    it("P2D from Thursday 10:00 skips a holiday Monday → Tuesday 10:00", () => {
      const result = addBusinessDuration(d("2026-11-19T09:00:00Z"), "P2D", cal("Europe/Berlin", { holidays: ["2026-11-23"] }));
      expect(local(result, "Europe/Berlin")).toBe("2026-11-24T10:00:00+01:00");
    });

    it("rule: counting from an opening ends at a close — Saturday + P2D → Tuesday 17:00 (Monday and Tuesday count)", () => {
      const saturday = d("2026-11-21T01:00:00Z");
      const result = addBusinessDuration(saturday, "P2D", berlin);
      expect(local(result, "Europe/Berlin")).toBe("2026-11-24T17:00:00+01:00");
      // Same working time as Thursday 10:00 + P2D: two full working days.
      expect(businessMsBetween(saturday, result, berlin)).toBe(16 * HOUR);
      // Monday 09:00 + P1D → Monday 17:00.
      expect(local(addBusinessDuration(d("2026-11-23T08:00:00Z"), "P1D", berlin), "Europe/Berlin")).toBe("2026-11-23T17:00:00+01:00");
      // A time part continues from that close into the next day: Saturday + P2DT1H → Wednesday 10:00.
      expect(local(addBusinessDuration(saturday, "P2DT1H", berlin), "Europe/Berlin")).toBe("2026-11-25T10:00:00+01:00");
    });

    it("P1DT2H from Thursday 16:00 → Friday 16:00 + 2h → Monday 10:00", () => {
      expect(local(addBusinessDuration(d("2026-11-19T15:00:00Z"), "P1DT2H", berlin), "Europe/Berlin")).toBe("2026-11-23T10:00:00+01:00");
    });

    it("P1W counts as one working week (5 working days with Mon–Fri hours)", () => {
      expect(local(addBusinessDuration(d("2026-11-18T09:30:00Z"), "P1W", berlin), "Europe/Berlin")).toBe("2026-11-25T10:30:00+01:00");
    });

    it("P1D across a DST weekend keeps the local time of day", () => {
      // Friday 10:00 EST → Monday 10:00 EDT.
      expect(local(addBusinessDuration(d("2026-03-06T15:00:00Z"), "P1D", newYork), "America/New_York")).toBe("2026-03-09T10:00:00-04:00");
      // Friday 10:00 CEST → Monday 10:00 CET.
      expect(local(addBusinessDuration(d("2026-10-23T08:00:00Z"), "P1D", berlin), "Europe/Berlin")).toBe("2026-10-26T10:00:00+01:00");
    });

    it("rejects years and months, which have no business meaning", () => {
      expect(() => addBusinessDuration(d("2026-11-19T09:00:00Z"), "P1M", berlin)).toThrow(/years or months/);
      expect(() => addBusinessDuration(d("2026-11-19T09:00:00Z"), Duration.fromObject({ days: 1.5 }), berlin)).toThrow(/whole/);
      expect(() => addBusinessDuration(d("2026-11-19T09:00:00Z"), Duration.fromObject({ hours: -1 }), berlin)).toThrow(/negative/);
    });
  });

  it("a DST jump inside working hours counts real elapsed time", () => {
    // Round-the-clock hours: Saturday 22:00 EST + 4 working hours, across 02:00 → 03:00, is Sunday 03:00 EDT.
    const always = cal("America/New_York", { hours: { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" } });
    const result = addBusinessDuration(d("2026-03-08T03:00:00Z"), "PT4H", always);
    expect(iso(result)).toBe("2026-03-08T07:00:00.000Z");
    expect(local(result, "America/New_York")).toBe("2026-03-08T03:00:00-04:00");
    // Hours 01:00–05:00 on the spring-forward Sunday are only 3 real hours long.
    const night = cal("America/New_York", { hours: { days: [7], start: "01:00", end: "05:00" } });
    expect(businessMsBetween(d("2026-03-08T00:00:00Z"), d("2026-03-09T00:00:00Z"), night)).toBe(3 * HOUR);
    // PT3H from the opening ends exactly at the 05:00 EDT close.
    expect(local(addBusinessDuration(d("2026-03-08T06:00:00Z"), "PT3H", night), "America/New_York")).toBe("2026-03-08T05:00:00-04:00");
  });

  it("long durations terminate and stay consistent with businessMsBetween", () => {
    const start = d("2026-11-19T09:00:00Z"); // Thursday 10:00 Berlin
    // 30 working days: Fri 11-20 is 1, …, Thu 12-31 is 30.
    const p30d = addBusinessDuration(start, "P30D", berlin);
    expect(local(p30d, "Europe/Berlin")).toBe("2026-12-31T10:00:00+01:00");
    expect(businessMsBetween(start, p30d, berlin)).toBe(30 * 8 * HOUR);
    // Ten years of working days and of working hours: stepped by day and by period, never by minute.
    const tenYears = addBusinessDuration(start, "P2600D", berlin);
    expect(businessMsBetween(start, tenYears, berlin)).toBe(2600 * 8 * HOUR);
    const hours = addBusinessDuration(start, "PT20000H", berlin);
    expect(businessMsBetween(start, hours, berlin)).toBe(20000 * HOUR);
  });

  it("round-trips with businessMsBetween for every start hour across DST weeks", () => {
    const calendars = [newYork, berlin, cal("America/St_Johns"), cal("Australia/Adelaide", { holidays: ["2026-04-06"] })];
    const weeks = ["2026-03-05T00:00:00Z", "2026-03-26T00:00:00Z", "2026-04-02T00:00:00Z", "2026-10-22T00:00:00Z", "2026-10-29T00:00:00Z"];
    for (const calendar of calendars) {
      for (const week of weeks) {
        for (let h = 0; h < 24 * 5; h += 2) {
          // Minute offsets include :00 and :30 so exact openings in whole- and half-hour zones are hit.
          const at = new Date(d(week).getTime() + h * HOUR + [0, 15, 30, 45, 17][h % 5]! * 60_000);
          for (const minutes of [1, 90, 8 * 60, 13 * 60 + 7]) {
            const end = addBusinessDuration(at, `PT${minutes}M`, calendar);
            expect(businessMsBetween(at, end, calendar)).toBe(minutes * 60_000);
          }
        }
      }
    }
  });
});

describe("businessMsBetween", () => {
  it("0 when end <= start", () => {
    expect(businessMsBetween(d("2026-11-24T10:00:00Z"), d("2026-11-24T10:00:00Z"), berlin)).toBe(0);
    expect(businessMsBetween(d("2026-11-24T11:00:00Z"), d("2026-11-24T10:00:00Z"), berlin)).toBe(0);
  });

  it.each([
    // Friday 00:00 local → Tuesday 00:00 local across each DST weekend: Friday + Monday = 16 h exactly.
    ["America/New_York", "2026-03-06T05:00:00Z", "2026-03-10T04:00:00Z"],
    ["America/New_York", "2026-10-30T04:00:00Z", "2026-11-03T05:00:00Z"],
    ["Europe/Berlin", "2026-03-26T23:00:00Z", "2026-03-30T22:00:00Z"],
    ["Europe/Berlin", "2026-10-22T22:00:00Z", "2026-10-26T23:00:00Z"],
  ])("counts exactly the working hours across the DST weekend in %s", (zone, start, end) => {
    expect(businessMsBetween(d(start), d(end), cal(zone))).toBe(16 * HOUR);
  });

  it("partial days and holidays", () => {
    // Friday 16:30 → Monday 09:15 Berlin = 30 min + 15 min.
    expect(businessMsBetween(d("2026-11-20T15:30:00Z"), d("2026-11-23T08:15:00Z"), berlin)).toBe(45 * 60_000);
    // Same span with Monday a holiday = 30 min.
    expect(businessMsBetween(d("2026-11-20T15:30:00Z"), d("2026-11-23T08:15:00Z"), cal("Europe/Berlin", { holidays: ["2026-11-23"] }))).toBe(
      30 * 60_000,
    );
  });

  it("round-the-clock hours measure a 23-hour and a 25-hour day", () => {
    const always = cal("Europe/Berlin", { hours: { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" } });
    // Sun 2026-03-29 00:00 CET → Mon 00:00 CEST.
    expect(businessMsBetween(d("2026-03-28T23:00:00Z"), d("2026-03-29T22:00:00Z"), always)).toBe(23 * HOUR);
    // Sun 2026-10-25 00:00 CEST → Mon 00:00 CET.
    expect(businessMsBetween(d("2026-10-24T22:00:00Z"), d("2026-10-25T23:00:00Z"), always)).toBe(25 * HOUR);
  });
});
