import { describe, expect, it } from "vitest";
import {
  type AlertCondition,
  type AlertState,
  DEFAULT_ALERT_SETTINGS,
  deadEffects,
  nextAlertStates,
  signInBurst,
  silentSources,
  slaBreachRate,
  volumeDrop,
  volumeHours,
} from "../../src/core/alerts/alerts";
import { DEFAULT_WORKING_HOURS } from "../../src/core/calendar/calendar";

const cal = { zone: "America/New_York", hours: DEFAULT_WORKING_HOURS, holidays: ["2026-11-26"] };
const settings = DEFAULT_ALERT_SETTINGS;

/** Runs the evaluations in order, feeding each one's states to the next; returns the messages of each. */
function sequence(steps: { at: string; conditions: (AlertCondition | null)[] }[]): string[][] {
  let states: AlertState[] = [];
  return steps.map(({ at, conditions }) => {
    const next = nextAlertStates(states, conditions, new Date(at), settings);
    const kept = states.filter((s) => !next.states.some((n) => n.id === s.id));
    states = [...kept, ...next.states];
    return next.messages.map((m) => m.text);
  });
}

describe("alerts", () => {
  it("fire once, re-alert after the interval, tell at once when worse, and say when resolved", () => {
    const messages = sequence([
      { at: "2026-11-24T15:00:00Z", conditions: [deadEffects(1, "2026-11-24T14:59:00Z")] },
      { at: "2026-11-24T15:05:00Z", conditions: [deadEffects(1, "2026-11-24T14:59:00Z")] },
      { at: "2026-11-24T18:55:00Z", conditions: [deadEffects(1, "2026-11-24T14:59:00Z")] },
      { at: "2026-11-24T19:00:00Z", conditions: [deadEffects(1, "2026-11-24T14:59:00Z")] },
      { at: "2026-11-24T19:05:00Z", conditions: [deadEffects(3, "2026-11-24T19:04:00Z")] },
      { at: "2026-11-24T19:10:00Z", conditions: [deadEffects(3, "2026-11-24T19:04:00Z")] },
      { at: "2026-11-24T19:15:00Z", conditions: [deadEffects(0, null)] },
      { at: "2026-11-24T19:20:00Z", conditions: [deadEffects(0, null)] },
    ]);
    expect(messages.map((m) => m.length)).toEqual([1, 0, 0, 1, 1, 0, 1, 0]);
    expect(messages[0]![0]).toMatch(/^:rotating_light: Effects are dead: 1 effect failed for good/);
    expect(messages[3]![0]).toMatch(/^:warning: Still: Effects are dead/);
    expect(messages[4]![0]).toContain("3 effects failed for good");
    expect(messages[6]![0]).toMatch(/^:white_check_mark: Resolved: Effects are dead/);
  });

  it("compares this hour's leads with the same hour of the last four weeks, across a DST change", () => {
    // Tuesday 24 Nov 2026, 11:20 in New York: the hour 10:00–11:00, and the same hour back to 27 Oct (still EDT).
    const hours = volumeHours(new Date("2026-11-24T16:20:00Z"), cal.zone);
    expect(hours.map((h) => h.start.toISOString())).toEqual([
      "2026-11-24T15:00:00.000Z",
      "2026-11-17T15:00:00.000Z",
      "2026-11-10T15:00:00.000Z",
      "2026-11-03T15:00:00.000Z",
      "2026-10-27T14:00:00.000Z",
    ]);
    const drop = volumeDrop(hours[0]!.start, [2, 10, 8, 12, 10], cal, settings)!;
    expect(drop).toMatchObject({ id: "lead-volume", firing: true, level: 0.8 });
    expect(drop.detail).toBe("2 new leads in the hour from Tue 10:00; the same hour averaged 10.0 over the last 4 weeks");
    expect(volumeDrop(hours[0]!.start, [6, 10, 8, 12, 10], cal, settings)!.firing).toBe(false);
    // Too few leads to judge: a quiet hour is noise, not news.
    expect(volumeDrop(hours[0]!.start, [0, 4, 4, 4, 4], cal, settings)!.firing).toBe(false);
  });

  it("stay quiet outside business hours: nothing is judged, so nothing fires, repeats or resolves", () => {
    // 03:00 on a Tuesday and noon on Thanksgiving (a holiday) are outside business hours.
    expect(volumeDrop(new Date("2026-11-24T08:00:00Z"), [0, 10, 10, 10, 10], cal, settings)).toBeNull();
    expect(volumeDrop(new Date("2026-11-26T17:00:00Z"), [0, 10, 10, 10, 10], cal, settings)).toBeNull();
    const sources = [{ source: "hubspot", lastAt: "2026-11-24T12:00:00Z" }];
    expect(silentSources(sources, new Date("2026-11-25T03:00:00Z"), cal, settings)).toEqual([null]);
    const messages = sequence([
      // 16:00 New York: silent for 4 hours, in business hours.
      { at: "2026-11-24T21:00:00Z", conditions: silentSources(sources, new Date("2026-11-24T21:00:00Z"), cal, settings) },
      // After hours it stays as it was, without a word, however long it lasts.
      { at: "2026-11-25T03:00:00Z", conditions: silentSources(sources, new Date("2026-11-25T03:00:00Z"), cal, settings) },
      { at: "2026-11-25T09:00:00Z", conditions: silentSources(sources, new Date("2026-11-25T09:00:00Z"), cal, settings) },
      // 09:30 the next morning: still silent, re-alerted.
      { at: "2026-11-25T14:30:00Z", conditions: silentSources(sources, new Date("2026-11-25T14:30:00Z"), cal, settings) },
    ]);
    expect(messages.map((m) => m.length)).toEqual([1, 0, 0, 1]);
    expect(messages[0]![0]).toContain("No webhooks from hubspot: the last one arrived 540 minutes ago");
  });

  it("judge the SLA breach rate only from enough outcomes", () => {
    expect(slaBreachRate(3, 2, settings)).toMatchObject({ firing: true, level: 0.4 });
    expect(slaBreachRate(1, 1, settings).firing).toBe(false);
    expect(slaBreachRate(8, 2, settings).firing).toBe(false);
  });

  it("fire on a burst of failed console sign-ins, and again at once only when it grows tenfold", () => {
    expect(signInBurst(9, settings).firing).toBe(false);
    expect(signInBurst(10, settings)).toMatchObject({ id: "console-sign-ins", firing: true });
    const messages = sequence([
      { at: "2026-11-24T03:00:00Z", conditions: [signInBurst(25, settings)] },
      { at: "2026-11-24T03:05:00Z", conditions: [signInBurst(85, settings)] },
      { at: "2026-11-24T03:10:00Z", conditions: [signInBurst(400, settings)] },
      { at: "2026-11-24T03:30:00Z", conditions: [signInBurst(0, settings)] },
    ]);
    expect(messages.map((m) => m.length)).toEqual([1, 0, 1, 1]);
    expect(messages[0]![0]).toBe(
      ":rotating_light: Console sign-ins failing: 25 sign-ins at /console/login with a wrong admin token in the last 15 minutes; the addresses, and the attempts throttled, are in the Worker's logs",
    );
    expect(messages[3]![0]).toMatch(/^:white_check_mark: Resolved: Console sign-ins failing/);
  });
});
