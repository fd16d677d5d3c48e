import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, REP, type RunningGraph, startGraph } from "./test-support.ts";

let run: RunningGraph;
let token: string;
beforeAll(async () => {
  run = await startGraph();
});
afterAll(() => run.close());
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
  token = await run.token();
});

const getSchedule = (body: Record<string, unknown>, prefer?: string) =>
  http(run.url, "POST", `/v1.0/users/${REP}/calendar/getSchedule`, { token, body, ...(prefer ? { prefer } : {}) });

// US clocks went forward on Sunday 2026-03-08 at 02:00; Europe's not until 2026-03-29.
const DST_WEEK = ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"];

describe("Graph emulator: getSchedule across the US DST change", () => {
  beforeEach(async () => {
    const blocks = DST_WEEK.map((day) => ({
      start: `${day}T09:00:00`,
      end: `${day}T10:00:00`,
      timeZone: "Eastern Standard Time",
      subject: "Standup",
    }));
    expect((await http(run.url, "POST", `/_emulator/users/${REP}/busy`, { body: blocks })).status).toBe(201);
  });
  const week = {
    schedules: [REP],
    startTime: { dateTime: "2026-03-06T00:00:00", timeZone: "Eastern Standard Time" },
    endTime: { dateTime: "2026-03-11T00:00:00", timeZone: "Eastern Standard Time" },
    availabilityViewInterval: 60,
  };

  it("slices the view in real hours: the week has 119, and the busy hour stays at 09:00 local", async () => {
    const answer = await getSchedule(week, 'outlook.timezone="Eastern Standard Time"');
    expect(answer.status).toBe(200);
    const [info] = answer.body.value;
    expect(info.availabilityView).toHaveLength(119);
    const busyAt = [...info.availabilityView].flatMap((digit: string, i: number) => (digit === "2" ? [i] : []));
    // Friday and Saturday at hours 9 and 33; Sunday lost an hour, so 09:00 is hour 56, then 80 and 104.
    expect(busyAt).toEqual([9, 33, 56, 80, 104]);
    expect(info.scheduleItems.map((item: { start: { dateTime: string } }) => item.start.dateTime)).toEqual(
      DST_WEEK.map((day) => `${day}T09:00:00.0000000`),
    );
    expect(info.scheduleItems[0]).toEqual({
      isPrivate: false,
      status: "busy",
      subject: "Standup",
      location: "",
      start: { dateTime: "2026-03-06T09:00:00.0000000", timeZone: "Eastern Standard Time" },
      end: { dateTime: "2026-03-06T10:00:00.0000000", timeZone: "Eastern Standard Time" },
    });
    expect(info.workingHours).toEqual({
      daysOfWeek: ["monday", "tuesday", "wednesday", "thursday", "friday"],
      startTime: "08:00:00.0000000",
      endTime: "17:00:00.0000000",
      timeZone: { name: "Eastern Standard Time" },
    });
  });

  it("answers item times in UTC without the Prefer header, and in a Berlin visitor's zone with it", async () => {
    const utc = (await getSchedule(week)).body.value[0].scheduleItems;
    expect(utc.map((i: { start: { dateTime: string; timeZone: string } }) => `${i.start.dateTime} ${i.start.timeZone}`)).toEqual([
      "2026-03-06T14:00:00.0000000 UTC",
      "2026-03-07T14:00:00.0000000 UTC",
      "2026-03-08T13:00:00.0000000 UTC",
      "2026-03-09T13:00:00.0000000 UTC",
      "2026-03-10T13:00:00.0000000 UTC",
    ]);
    const berlin = (await getSchedule(week, 'outlook.timezone="W. Europe Standard Time"')).body.value[0].scheduleItems;
    expect(berlin.map((i: { start: { dateTime: string } }) => i.start.dateTime.slice(11, 16))).toEqual(["15:00", "15:00", "14:00", "14:00", "14:00"]);
    // An IANA name works in the body and in Prefer too.
    const iana = await getSchedule(
      {
        ...week,
        startTime: { dateTime: "2026-03-06T00:00:00", timeZone: "America/New_York" },
        endTime: { dateTime: "2026-03-11T00:00:00", timeZone: "America/New_York" },
      },
      'outlook.timezone="America/New_York"',
    );
    expect(iana.body.value[0].availabilityView).toHaveLength(119);
    expect(iana.body.value[0].scheduleItems[2].start).toEqual({ dateTime: "2026-03-08T09:00:00.0000000", timeZone: "America/New_York" });
  });
});

describe("Graph emulator: getSchedule's answer", () => {
  const day = (interval: number) => ({
    schedules: [REP, "visitor@elsewhere.test"],
    startTime: { dateTime: "2026-03-09T09:00:00", timeZone: "UTC" },
    endTime: { dateTime: "2026-03-09T12:00:00", timeZone: "UTC" },
    availabilityViewInterval: interval,
  });

  it("shows the strongest status per slot and hides a private item's details", async () => {
    await http(run.url, "POST", `/_emulator/users/${REP}/events`, {
      body: [
        {
          subject: "Maybe",
          showAs: "tentative",
          start: { dateTime: "2026-03-09T09:00:00", timeZone: "UTC" },
          end: { dateTime: "2026-03-09T10:00:00", timeZone: "UTC" },
        },
        {
          subject: "Dentist",
          showAs: "oof",
          sensitivity: "private",
          start: { dateTime: "2026-03-09T09:30:00", timeZone: "UTC" },
          end: { dateTime: "2026-03-09T10:30:00", timeZone: "UTC" },
        },
        {
          subject: "Lunch (free)",
          showAs: "free",
          start: { dateTime: "2026-03-09T11:00:00", timeZone: "UTC" },
          end: { dateTime: "2026-03-09T12:00:00", timeZone: "UTC" },
        },
      ],
    });
    const [rep, visitor] = (await getSchedule(day(30))).body.value;
    expect(rep.availabilityView).toBe("133000");
    expect(rep.scheduleItems.map((i: { status: string }) => i.status)).toEqual(["tentative", "oof"]);
    expect(rep.scheduleItems[1]).toEqual({ isPrivate: true, status: "oof", start: expect.any(Object), end: expect.any(Object) });
    expect(visitor).toEqual({
      scheduleId: "visitor@elsewhere.test",
      availabilityView: "",
      scheduleItems: [],
      error: { message: expect.any(String), responseCode: "ErrorMailRecipientNotFound" },
    });
  });

  it("refuses an interval outside 5–1440 and a time zone Graph does not know", async () => {
    expect((await getSchedule(day(4))).status).toBe(400);
    const zone = await getSchedule({ ...day(30), startTime: { dateTime: "2026-03-09T09:00:00", timeZone: "Mars Standard Time" } });
    expect(zone.status).toBe(400);
    expect(zone.body.error).toMatchObject({
      code: "TimeZoneNotSupportedException",
      message: "A valid TimeZone value must be specified. The following TimeZone value is not supported: 'Mars Standard Time'.",
    });
  });
});
