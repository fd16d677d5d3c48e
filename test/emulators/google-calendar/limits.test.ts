import { afterEach, describe, expect, it } from "vitest";
import { http, OTHER_REP, REP, type RunningGoogle, startGoogle } from "./test-support.ts";

let clock = Date.UTC(2026, 2, 5, 12);
let run: RunningGoogle | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const list = (token: string) => http(run!.url, "GET", "/calendar/v3/calendars/primary/events", { token });
const insert = (token: string) =>
  http(run!.url, "POST", "/calendar/v3/calendars/primary/events", {
    token,
    body: { summary: "x", start: { dateTime: "2026-03-09T10:00:00Z" }, end: { dateTime: "2026-03-09T11:00:00Z" } },
  });

describe("Google emulator: the per-user quota", () => {
  it("answers 403 rateLimitExceeded past the quota, per user, until the window rolls", async () => {
    run = await startGoogle({ clock: () => clock, rateLimit: { max: 3, windowMs: 60_000 } });
    const token = await run.token(REP);
    for (let i = 0; i < 3; i++) expect((await list(token)).status).toBe(200);
    const limited = await list(token);
    expect(limited).toMatchObject({
      status: 403,
      body: {
        error: {
          errors: [{ domain: "usageLimits", reason: "rateLimitExceeded", message: "Rate Limit Exceeded" }],
          code: 403,
          message: "Rate Limit Exceeded",
        },
      },
    });
    // Another user has a quota of their own; the first one's comes back after a minute.
    expect((await list(await run.token(OTHER_REP))).status).toBe(200);
    clock += 60_000;
    expect((await list(token)).status).toBe(200);
  });

  it("also limits the project as a whole, whichever user asks", async () => {
    run = await startGoogle({ clock: () => clock, projectRateLimit: { max: 2, windowMs: 60_000 } });
    expect((await list(await run.token(REP))).status).toBe(200);
    expect((await list(await run.token(OTHER_REP))).status).toBe(200);
    expect((await list(await run.token(REP))).body.error.errors[0].reason).toBe("rateLimitExceeded");
  });

  it("can answer the guide's other two ways: 403 userRateLimitExceeded and 429", async () => {
    run = await startGoogle({ clock: () => clock, rateLimit: { max: 1, windowMs: 60_000, answer: "userRateLimitExceeded" } });
    const token = await run.token(REP);
    await list(token);
    expect((await list(token)).body.error.errors[0]).toEqual({
      domain: "usageLimits",
      reason: "userRateLimitExceeded",
      message: "User Rate Limit Exceeded",
    });
    await run.close();

    run = await startGoogle({ clock: () => clock, rateLimit: { max: 1, windowMs: 60_000, answer: "429" } });
    const other = await run.token(REP);
    await list(other);
    expect(await list(other)).toMatchObject({ status: 429, body: { error: { code: 429, errors: [{ reason: "rateLimitExceeded" }] } } });
  });
});

describe("Google emulator: injected faults", () => {
  it("injects 403 rateLimitExceeded and 500/503 backendError without doing the work", async () => {
    run = await startGoogle();
    const token = await run.token(REP);
    await http(run.url, "PUT", "/_emulator/faults", { body: { rate429: 1 } });
    expect((await insert(token)).body.error.errors[0].reason).toBe("rateLimitExceeded");
    await http(run.url, "PUT", "/_emulator/faults", { body: { rate5xx: 1 } });
    const first = await insert(token);
    const second = await insert(token);
    expect([first.status, second.status]).toEqual([500, 503]);
    expect(first.body.error.errors[0]).toEqual({ domain: "global", reason: "backendError", message: "Backend Error" });
    expect(second.body.error.errors[0].reason).toBe("backendError");
    await http(run.url, "PUT", "/_emulator/faults", { body: {} });
    expect((await http(run.url, "GET", "/_emulator/events")).body).toEqual([]);
  });

  it("does the work and drops the answer on a lost-response fault", async () => {
    run = await startGoogle();
    const token = await run.token(REP);
    await http(run.url, "PUT", "/_emulator/faults", { body: { rateLostResponse: 1 } });
    await expect(insert(token)).rejects.toThrow();
    await http(run.url, "PUT", "/_emulator/faults", { body: {} });
    expect((await http(run.url, "GET", "/_emulator/events")).body).toHaveLength(1);
  });
});
