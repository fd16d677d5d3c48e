import { DateTime } from "luxon";
import { describe, expect, it } from "vitest";
import { meetingIcs } from "../../src/core/booking/ics";
import { slotView } from "../../src/core/booking/slot-view";
import { type RepFreeTime, repSlots, type SlotRules, slotOpen, teamSlots } from "../../src/core/booking/slots";
import { signToken, verifyToken } from "../../src/platform/signatures/signed-token";

/**
 * Free times as the visitor is offered them: pure, at fixed instants. The DST weeks of 2027: New
 * York moves to summer time on 14 March, Berlin on 28 March, so for two weeks the two clocks are
 * five hours apart instead of six, and a New York rep's 09:00 is 14:00 in Berlin, not 15:00.
 */
const MINUTE = 60_000;
const RULES: SlotRules = {
  meetingMs: 30 * MINUTE,
  bufferBeforeMs: 0,
  bufferAfterMs: 0,
  noticeMs: 120 * MINUTE,
  horizonMs: 30 * 86_400_000,
  stepMs: 15 * MINUTE,
  maxSlots: 2_000,
};
const NEW_YORK_REP: RepFreeTime = {
  repId: "alex",
  zone: "America/New_York",
  hours: { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00" },
  holidays: [],
  outOfOffice: [],
  available: true,
  maxPerDay: 10,
  busy: [],
  booked: [],
};
const at = (iso: string) => Date.parse(iso);
const nyLocal = (date: string, time: string) => DateTime.fromISO(`${date}T${time}`, { zone: "America/New_York" }).toMillis();
/** The slots of one New York date, as HH:mm on the Berlin visitor's clock. */
const berlinTimes = (slots: number[], nyDate: string) =>
  slots
    .filter((s) => DateTime.fromMillis(s, { zone: "America/New_York" }).toISODate() === nyDate)
    .map((s) => slotView(s, s + RULES.meetingMs, "Europe/Berlin").time);

describe("booking slots across the DST weeks (Europe/Berlin visitor, America/New_York rep)", () => {
  const now = at("2027-03-11T12:00:00Z"); // Thursday, 07:00 in New York
  const slots = repSlots(NEW_YORK_REP, RULES, now);

  it("the rep's day starts at 09:00 New York time every day, the visitor's clock moving by the hour between the two changes", () => {
    // Before New York's change: 6 hours apart.
    expect(berlinTimes(slots, "2027-03-11")[0]).toBe("15:00");
    expect(berlinTimes(slots, "2027-03-12")[0]).toBe("15:00");
    // New York on summer time, Berlin not yet: 5 hours apart.
    for (const day of ["2027-03-15", "2027-03-19", "2027-03-22", "2027-03-26"]) expect(berlinTimes(slots, day)[0]).toBe("14:00");
    // Both on summer time: 6 hours again.
    expect(berlinTimes(slots, "2027-03-29")[0]).toBe("15:00");
    // In real time the rep's first slot is 14:00 UTC before the change and 13:00 UTC after it.
    expect(new Date(nyLocal("2027-03-12", "09:00")).toISOString()).toBe("2027-03-12T14:00:00.000Z");
    expect(slots).toContain(at("2027-03-12T14:00:00Z"));
    expect(slots).toContain(at("2027-03-15T13:00:00Z"));
    expect(slots).not.toContain(at("2027-03-15T14:00:00Z") - 60 * MINUTE * 2);
  });

  it("each working day has the same 31 half-hour meetings every 15 minutes, 09:00 to 16:30, the weekend of the change none", () => {
    for (const day of ["2027-03-12", "2027-03-15", "2027-03-29"]) {
      const own = slots.filter((s) => DateTime.fromMillis(s, { zone: "America/New_York" }).toISODate() === day);
      expect(own).toHaveLength(31);
      expect(DateTime.fromMillis(own.at(-1)!, { zone: "America/New_York" }).toFormat("HH:mm")).toBe("16:30");
    }
    expect(berlinTimes(slots, "2027-03-13")).toEqual([]);
    expect(berlinTimes(slots, "2027-03-14")).toEqual([]);
  });

  it("labels say the visitor's date and zone", () => {
    const view = slotView(at("2027-03-15T13:00:00Z"), at("2027-03-15T13:30:00Z"), "Europe/Berlin");
    expect(view).toMatchObject({ date: "2027-03-15", day: "Monday 15 March", time: "14:00", start: "2027-03-15T13:00:00.000Z" });
    expect(view.label).toBe("Mon 15 Mar 2027, 14:00–14:30 (Europe/Berlin)");
  });
});

describe("booking slots: the rules", () => {
  const now = at("2027-03-15T12:00:00Z"); // Monday 08:00 in New York
  const first = (rep: RepFreeTime, rules: SlotRules = RULES) => repSlots(rep, rules, now);

  it("no time sooner than the minimum notice or later than the horizon", () => {
    const slots = first(NEW_YORK_REP, { ...RULES, noticeMs: 3 * 60 * MINUTE, horizonMs: 2 * 86_400_000 });
    expect(slots[0]).toBe(at("2027-03-15T15:00:00Z")); // 11:00 New York: three hours from 08:00
    expect(Math.max(...slots)).toBeLessThan(now + 2 * 86_400_000);
  });

  it("out of office: none of those days (the rep's dates), the days around them as usual", () => {
    const slots = first({ ...NEW_YORK_REP, outOfOffice: [{ from: "2027-03-16", to: "2027-03-17" }] });
    const dates = new Set(slots.map((s) => DateTime.fromMillis(s, { zone: "America/New_York" }).toISODate()));
    expect(dates.has("2027-03-15")).toBe(true);
    expect(dates.has("2027-03-16")).toBe(false);
    expect(dates.has("2027-03-17")).toBe(false);
    expect(dates.has("2027-03-18")).toBe(true);
  });

  it("capacity: a day holding maxPerDay meetings offers nothing more; one fewer still offers times", () => {
    const booked = [nyLocal("2027-03-16", "09:00"), nyLocal("2027-03-16", "13:00")];
    const full = first({ ...NEW_YORK_REP, maxPerDay: 2, booked, busy: booked.map((b) => ({ start: b, end: b + RULES.meetingMs })) });
    expect(full.some((s) => DateTime.fromMillis(s, { zone: "America/New_York" }).toISODate() === "2027-03-16")).toBe(false);
    const room = first({ ...NEW_YORK_REP, maxPerDay: 3, booked, busy: booked.map((b) => ({ start: b, end: b + RULES.meetingMs })) });
    expect(room.some((s) => DateTime.fromMillis(s, { zone: "America/New_York" }).toISODate() === "2027-03-16")).toBe(true);
    expect(room).not.toContain(nyLocal("2027-03-16", "09:00"));
  });

  it("unavailable reps, holidays and weekends offer nothing", () => {
    expect(first({ ...NEW_YORK_REP, available: false })).toEqual([]);
    const slots = first({ ...NEW_YORK_REP, holidays: ["2027-03-17"] });
    expect(slots.some((s) => DateTime.fromMillis(s, { zone: "America/New_York" }).toISODate() === "2027-03-17")).toBe(false);
  });

  it("busy time with the buffers: the meeting and the time kept before and after it stay clear", () => {
    const busy = [{ start: nyLocal("2027-03-16", "10:00"), end: nyLocal("2027-03-16", "11:00") }];
    const rules = { ...RULES, bufferBeforeMs: 15 * MINUTE, bufferAfterMs: 10 * MINUTE };
    const day = first({ ...NEW_YORK_REP, busy }, rules).filter(
      (s) => DateTime.fromMillis(s, { zone: "America/New_York" }).toISODate() === "2027-03-16",
    );
    const times = day.map((s) => DateTime.fromMillis(s, { zone: "America/New_York" }).toFormat("HH:mm"));
    // 09:15–09:45 and its 10 minutes after end by 09:55; 11:15 has its 15 minutes before from 11:00.
    expect(times).toContain("09:15");
    expect(times).not.toContain("09:30");
    expect(times).not.toContain("11:00");
    expect(times).toContain("11:15");
  });

  it("a calendar that decides its own start times (a HubSpot meeting link): only those, and only when free", () => {
    const offered = [nyLocal("2027-03-16", "09:00"), nyLocal("2027-03-16", "09:20"), nyLocal("2027-03-16", "18:00")];
    const busy = [{ start: nyLocal("2027-03-16", "09:30"), end: nyLocal("2027-03-16", "09:50") }];
    const slots = first({ ...NEW_YORK_REP, offeredStarts: offered, busy });
    // 18:00 ends outside the rep's hours; 09:20–09:50 meets the busy time.
    expect(slots).toEqual([offered[0]]);
  });

  it("slotOpen says whether one start is offered now", () => {
    expect(slotOpen(NEW_YORK_REP, RULES, nyLocal("2027-03-16", "09:15"), now)).toBe(true);
    expect(slotOpen(NEW_YORK_REP, RULES, nyLocal("2027-03-16", "09:10"), now)).toBe(false); // off the grid
    expect(slotOpen(NEW_YORK_REP, RULES, nyLocal("2027-03-16", "16:45"), now)).toBe(false); // ends after 17:00
    expect(slotOpen(NEW_YORK_REP, RULES, nyLocal("2027-03-15", "09:00"), now)).toBe(false); // sooner than the notice
  });

  it("a team's soonest times: the union, each with the reps free then, at most maxSlots", () => {
    const london: RepFreeTime = { ...NEW_YORK_REP, repId: "sam", zone: "Europe/London" };
    const early = at("2027-03-15T06:00:00Z");
    const team = teamSlots([NEW_YORK_REP, london], { ...RULES, maxSlots: 500 }, early);
    const both = team.find((s) => s.start === nyLocal("2027-03-16", "09:00"));
    // 09:00 New York is 13:00 in London (one zone on summer time): both work then.
    expect(both?.repIds.sort()).toEqual(["alex", "sam"]);
    // London's morning comes first, New York still asleep.
    expect(team[0]).toMatchObject({ start: at("2027-03-15T09:00:00Z"), repIds: ["sam"] });
    expect(team.map((s) => s.start)).toEqual([...team.map((s) => s.start)].sort((a, b) => a - b));
    expect(teamSlots([NEW_YORK_REP, london], { ...RULES, maxSlots: 5 }, early)).toEqual(team.slice(0, 5));
  });
});

describe("booking link tokens", () => {
  const secret = "test-secret-0123456789abcdef0123456789";
  const now = at("2027-03-15T12:00:00Z");

  it("verify what was signed for the same purpose until it expires; anything else is refused without reading its payload", async () => {
    const token = await signToken("book", { sub: "sub-1", exp: now / 1000 + 60 }, secret);
    expect(await verifyToken("book", token, secret, now)).toEqual({ ok: true, claims: { sub: "sub-1", exp: now / 1000 + 60 } });
    expect(await verifyToken("book", token, secret, now + 61_000)).toEqual({ ok: false, reason: "expired" });
    expect(await verifyToken("manage", token, secret, now)).toEqual({ ok: false, reason: "forged" });
    expect(await verifyToken("book", token, `${secret}x`, now)).toEqual({ ok: false, reason: "forged" });
    const [payload, mac] = token.split(".");
    const other = await signToken("book", { sub: "sub-2", exp: now / 1000 + 60 }, secret);
    expect(await verifyToken("book", `${other.split(".")[0]}.${mac}`, secret, now)).toEqual({ ok: false, reason: "forged" });
    for (const bad of ["", "abc", `${payload}.`, `${payload}.${mac}.x`, `${payload}.!!`, "x".repeat(600)]) {
      expect((await verifyToken("book", bad, secret, now)).ok).toBe(false);
    }
  });
});

describe("the meeting's .ics", () => {
  it("UTC times, escaped text, lines folded at 75 octets, CRLF, a cancellation with a higher sequence", () => {
    const ics = meetingIcs({
      uid: "b1@lead-follow-up",
      sequence: 2,
      status: "CANCELLED",
      start: new Date("2027-03-15T13:00:00Z"),
      end: new Date("2027-03-15T13:30:00Z"),
      stamp: new Date("2027-03-10T08:00:00Z"),
      summary: "Demo; with Alex, and Jürgen",
      description: `Line one\nLine two ${"é".repeat(60)}`,
      organizer: { name: 'Alex "AR" Rivera' },
      attendee: { name: "Jürgen", email: "j@example.com" },
    });
    expect(ics).toContain("DTSTART:20270315T130000Z\r\n");
    expect(ics).toContain("METHOD:CANCEL\r\n");
    expect(ics).toContain("SEQUENCE:2\r\n");
    expect(ics).toContain("SUMMARY:Demo\\; with Alex\\, and Jürgen\r\n");
    expect(ics).toContain('ORGANIZER;CN="Alex AR Rivera"');
    for (const line of ics.split("\r\n")) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, "");
    expect(unfolded).toContain(`DESCRIPTION:Line one\\nLine two ${"é".repeat(60)}`);
    expect(ics.endsWith("END:VCALENDAR\r\n")).toBe(true);
  });
});
