import { describe, expect, it } from "vitest";
import { count, duration, durationUnit, fromNow, localInstant } from "../../src/console/format";

describe("the console's numbers and times", () => {
  it.each([
    [0, "0 s"],
    [400, "under 1 s"],
    [27_000, "27 s"],
    [64_000, "1 min 4 s"],
    [240_000, "4 min"],
    [3_840_000, "1 h 4 min"],
    [3_600_000, "1 h"],
    [2 * 86_400_000 + 3 * 3_600_000 + 59_000, "2 d 3 h"],
  ])("writes %i ms as %s", (ms, words) => {
    expect(duration(ms)).toBe(words);
  });

  it("counts with the right plural", () => {
    expect(count(1, "lead")).toBe("1 lead");
    expect(count(2, "lead")).toBe("2 leads");
    expect(count(0, "lead")).toBe("0 leads");
    expect(count(1204, "reply", "replies")).toBe("1,204 replies");
  });

  it("shows an instant in the zone asked for", () => {
    expect(localInstant("2026-12-07T13:05:00.000Z", "Europe/Berlin")).toBe("Mon 7 Dec 2026, 14:05");
    expect(localInstant("2026-12-07T13:05:00.000Z", "America/New_York")).toBe("Mon 7 Dec 2026, 08:05");
    expect(fromNow("2026-12-07T14:09:00.000Z", new Date("2026-12-07T13:05:00.000Z"))).toBe("in 1 h 4 min");
  });

  it("charts durations in the unit their typical value fills (27 s is not 0.0075 h)", () => {
    expect(durationUnit([27_000, 31_000, null, 40_000]).unit).toBe("s");
    expect(durationUnit([5 * 60_000, 9 * 60_000]).unit).toBe("min");
    expect(durationUnit([3 * 3_600_000, 50 * 60_000, 5 * 3_600_000]).unit).toBe("h");
    expect(durationUnit([]).unit).toBe("s");
  });
});
