import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, OTHER_REP, REP, type RunningGoogle, startGoogle } from "./test-support.ts";

let run: RunningGoogle;
let token: string;
beforeAll(async () => {
  run = await startGoogle({
    users: [
      { email: REP, timeZone: "America/New_York" },
      { email: OTHER_REP, timeZone: "Europe/London" },
      { email: "private.rep@example.com", timeZone: "America/Chicago", shareFreeBusy: false },
    ],
  });
});
afterAll(() => run.close());
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
  token = await run.token(REP);
});

const freeBusy = (body: Record<string, unknown>, as = token) => http(run.url, "POST", "/calendar/v3/freeBusy", { token: as, body });

// US clocks went forward on Sunday 2026-03-08 at 02:00; Europe's not until 2026-03-29.
const DST_WEEK = ["2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10"];

describe("Google emulator: freeBusy across the US DST change", () => {
  beforeEach(async () => {
    // 09:00–10:00 New York time every day, given as local times with the zone, as a person sets it.
    const blocks = DST_WEEK.map((day) => ({ start: `${day}T09:00:00`, end: `${day}T10:00:00`, timeZone: "America/New_York" }));
    expect((await http(run.url, "POST", `/_emulator/calendars/${REP}/busy`, { body: blocks })).status).toBe(201);
  });

  const query = (timeZone?: string) => ({
    timeMin: "2026-03-06T00:00:00-05:00",
    timeMax: "2026-03-11T00:00:00-04:00",
    ...(timeZone ? { timeZone } : {}),
    items: [{ id: REP }],
  });

  it("answers the rep's busy time in the rep's zone: same wall clock, new offset after the change", async () => {
    const answer = await freeBusy(query("America/New_York"));
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      kind: "calendar#freeBusy",
      timeMin: "2026-03-06T05:00:00.000Z",
      timeMax: "2026-03-11T04:00:00.000Z",
      calendars: {
        [REP]: {
          busy: [
            { start: "2026-03-06T09:00:00-05:00", end: "2026-03-06T10:00:00-05:00" },
            { start: "2026-03-07T09:00:00-05:00", end: "2026-03-07T10:00:00-05:00" },
            { start: "2026-03-08T09:00:00-04:00", end: "2026-03-08T10:00:00-04:00" },
            { start: "2026-03-09T09:00:00-04:00", end: "2026-03-09T10:00:00-04:00" },
            { start: "2026-03-10T09:00:00-04:00", end: "2026-03-10T10:00:00-04:00" },
          ],
        },
      },
    });
  });

  it("answers in UTC by default, and in a Berlin visitor's zone one hour closer after the US change", async () => {
    const utc = (await freeBusy(query())).body.calendars[REP].busy.map((b: { start: string }) => b.start);
    expect(utc).toEqual(["2026-03-06T14:00:00Z", "2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z", "2026-03-10T13:00:00Z"]);
    const berlin = (await freeBusy(query("Europe/Berlin"))).body.calendars[REP].busy.map((b: { start: string }) => b.start);
    expect(berlin).toEqual([
      "2026-03-06T15:00:00+01:00",
      "2026-03-07T15:00:00+01:00",
      "2026-03-08T14:00:00+01:00",
      "2026-03-09T14:00:00+01:00",
      "2026-03-10T14:00:00+01:00",
    ]);
  });

  it("clips busy periods to the window and merges overlapping ones", async () => {
    await http(run.url, "POST", `/_emulator/calendars/${REP}/busy`, {
      body: [
        { start: "2026-03-09T09:30:00-04:00", end: "2026-03-09T11:00:00-04:00" },
        { start: "2026-03-09T11:00:00-04:00", end: "2026-03-09T11:30:00-04:00" },
      ],
    });
    const answer = await freeBusy({
      timeMin: "2026-03-09T09:15:00-04:00",
      timeMax: "2026-03-09T12:00:00-04:00",
      timeZone: "America/New_York",
      items: [{ id: REP }],
    });
    expect(answer.body.calendars[REP].busy).toEqual([{ start: "2026-03-09T09:15:00-04:00", end: "2026-03-09T11:30:00-04:00" }]);
  });
});

describe("Google emulator: whose free/busy a token sees", () => {
  const window = { timeMin: "2026-03-09T00:00:00Z", timeMax: "2026-03-10T00:00:00Z" };
  const notFound = { errors: [{ domain: "global", reason: "notFound" }], busy: [] };

  it("shows another domain user's busy time, and notFound for calendars it cannot see", async () => {
    await http(run.url, "POST", `/_emulator/calendars/${OTHER_REP}/busy`, { body: { start: "2026-03-09T15:00:00Z", end: "2026-03-09T16:00:00Z" } });
    await http(run.url, "POST", "/_emulator/calendars/private.rep@example.com/busy", {
      body: { start: "2026-03-09T15:00:00Z", end: "2026-03-09T16:00:00Z" },
    });
    const answer = await freeBusy({
      ...window,
      items: [{ id: "primary" }, { id: OTHER_REP }, { id: "private.rep@example.com" }, { id: "visitor@elsewhere.test" }],
    });
    expect(answer.body.calendars).toEqual({
      primary: { busy: [] },
      [OTHER_REP]: { busy: [{ start: "2026-03-09T15:00:00Z", end: "2026-03-09T16:00:00Z" }] },
      "private.rep@example.com": notFound,
      "visitor@elsewhere.test": notFound,
    });
  });

  it("keeps a service account acting as itself out of the domain's calendars", async () => {
    const own = (await run.exchange({})).body.access_token as string;
    const answer = await freeBusy({ ...window, items: [{ id: REP }] }, own);
    expect(answer.body.calendars[REP]).toEqual(notFound);
  });

  it("counts only events that block time: not cancelled, not transparent", async () => {
    await http(run.url, "POST", `/_emulator/calendars/${REP}/events`, {
      body: [
        {
          summary: "Focus (free)",
          transparency: "transparent",
          start: { dateTime: "2026-03-09T13:00:00Z" },
          end: { dateTime: "2026-03-09T14:00:00Z" },
        },
        { summary: "Cancelled", status: "tentative", start: { dateTime: "2026-03-09T15:00:00Z" }, end: { dateTime: "2026-03-09T16:00:00Z" } },
      ],
    });
    const tentative = (await http(run.url, "GET", `/_emulator/events?calendarId=${REP}`)).body.find((e: any) => e.event.summary === "Cancelled");
    await http(run.url, "DELETE", `/calendar/v3/calendars/primary/events/${tentative.event.id}`, { token });
    expect((await freeBusy({ ...window, items: [{ id: REP }] })).body.calendars[REP].busy).toEqual([]);
  });

  it("answers the guide's 400 timeRangeEmpty when timeMax is not after timeMin", async () => {
    const answer = await freeBusy({ timeMin: "2026-03-09T10:00:00Z", timeMax: "2026-03-09T10:00:00Z", items: [{ id: REP }] });
    expect(answer).toMatchObject({
      status: 400,
      body: {
        error: {
          errors: [
            {
              domain: "calendar",
              reason: "timeRangeEmpty",
              message: "The specified time range is empty.",
              locationType: "parameter",
              location: "timeMax",
            },
          ],
          code: 400,
          message: "The specified time range is empty.",
        },
      },
    });
  });
});
