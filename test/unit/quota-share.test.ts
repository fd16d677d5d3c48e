import { describe, expect, it } from "vitest";
import { hubspotObservation, salesforceObservation, sharedQuota } from "../../src/pacing/quota-share";

const quota = { max: 100, windowMs: 10_000 };
const now = 1_000_000;

describe("a fair share of the account's quota", () => {
  it("without news of the account, the share of the configured quota; all of it for a share of 1", () => {
    expect(sharedQuota(quota, 0.5, undefined, 0, now)).toMatchObject({ max: 50 });
    expect(sharedQuota(quota, 1, undefined, 0, now)).toMatchObject({ max: 100, reason: "the configured quota" });
  });

  it("keeps the configured quota's margin beyond each window (the email send rate's 50 ms, not the default 500 ms)", () => {
    expect(sharedQuota({ max: 50, windowMs: 1_000, marginMs: 50 }, 1, undefined, 0, now)).toMatchObject({ max: 50, marginMs: 50 });
    expect(sharedQuota({ max: 50, windowMs: 1_000, marginMs: 50 }, 0.5, undefined, 0, now)).toMatchObject({ max: 25, marginMs: 50 });
    expect(sharedQuota(quota, 1, undefined, 0, now)).not.toHaveProperty("marginMs");
  });

  it("at most the share of the account's window limit", () => {
    const o = { at: now, windowMax: 190, windowRemaining: 190, windowMs: 10_000 };
    expect(sharedQuota(quota, 0.5, o, 0, now).max).toBe(95);
    expect(sharedQuota({ max: 50, windowMs: 10_000 }, 0.5, o, 0, now).max).toBe(50);
  });

  it("never more than other apps leave: 40% used by others leaves 60, the share 50; 70% leaves 30", () => {
    // 100 per 10 s; 10 of ours in the window; others took 40.
    expect(sharedQuota(quota, 0.5, { at: now, windowMax: 100, windowRemaining: 50, windowMs: 10_000 }, 10, now).max).toBe(50);
    expect(sharedQuota(quota, 0.5, { at: now, windowMax: 100, windowRemaining: 20, windowMs: 10_000 }, 10, now).max).toBe(30);
  });

  it("compares rates when the account's window is another length", () => {
    // 190 per 10 s is 19 per second: half of it over a 1 s window.
    expect(sharedQuota({ max: 25, windowMs: 1_000 }, 0.5, { at: now, windowMax: 190, windowMs: 10_000 }, 0, now).max).toBe(9);
  });

  it("forgets a window's news after two windows", () => {
    expect(sharedQuota(quota, 0.5, { at: now - 25_000, windowMax: 100, windowRemaining: 0, windowMs: 10_000 }, 0, now).max).toBe(50);
  });

  it("slows down as the day's remaining allowance falls below what the others' share needs", () => {
    const day = (remaining: number) => sharedQuota(quota, 1, { at: now, dailyMax: 1_000, dailyRemaining: remaining }, 0, now).max;
    const halfDay = (remaining: number) => sharedQuota(quota, 0.5, { at: now, dailyMax: 1_000, dailyRemaining: remaining }, 0, now).max;
    expect(halfDay(900)).toBe(50);
    expect(halfDay(500)).toBe(50);
    expect(halfDay(250)).toBe(25);
    expect(halfDay(0)).toBe(1);
    // With the whole account the product's, it slows only when the day is all but spent.
    expect(day(500)).toBe(100);
    expect(day(25)).toBe(50);
    expect(day(0)).toBe(2);
  });

  it("reads HubSpot's headers and Salesforce's api-usage", () => {
    expect(
      hubspotObservation(
        {
          "x-hubspot-ratelimit-max": "190",
          "x-hubspot-ratelimit-remaining": "180",
          "x-hubspot-ratelimit-interval-milliseconds": "10000",
          "x-hubspot-ratelimit-daily": "650000",
          "x-hubspot-ratelimit-daily-remaining": "640000",
        },
        now,
      ),
    ).toEqual({ at: now, windowMax: 190, windowRemaining: 180, windowMs: 10_000, dailyMax: 650_000, dailyRemaining: 640_000 });
    expect(hubspotObservation({}, now)).toBeUndefined();
    expect(salesforceObservation({ used: 400, limit: 1_000 }, now)).toEqual({ at: now, dailyMax: 1_000, dailyRemaining: 600 });
  });
});
