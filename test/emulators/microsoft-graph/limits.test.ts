import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_APP } from "./index.ts";
import { http, REP, type RunningGraph, startGraph } from "./test-support.ts";

let clock = Date.UTC(2026, 2, 5, 12);
let run: RunningGraph | undefined;
afterEach(async () => {
  await run?.close();
  run = undefined;
});

const view = (token: string, user = REP) =>
  http(run!.url, "GET", `/v1.0/users/${user}/calendarView?startDateTime=2026-03-09T00:00:00Z&endDateTime=2026-03-10T00:00:00Z`, { token });
const create = (token: string) =>
  http(run!.url, "POST", `/v1.0/users/${REP}/events`, {
    token,
    body: { subject: "x", start: { dateTime: "2026-03-09T10:00:00", timeZone: "UTC" }, end: { dateTime: "2026-03-09T11:00:00", timeZone: "UTC" } },
  });

describe("Graph emulator: throttling per app and mailbox", () => {
  it("answers 429 TooManyRequests with Retry-After once the app has spent the mailbox's window", async () => {
    const second = { clientId: "a1b2c3d4-0000-4000-8000-000000000009", clientSecret: "second-secret" };
    run = await startGraph({ now: () => clock, rateLimit: { max: 3, windowMs: 60_000 }, apps: [DEFAULT_APP, second] });
    const token = await run.token();
    for (let i = 0; i < 3; i++) expect((await view(token)).status).toBe(200);
    clock += 15_000;
    const throttled = await view(token);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("45");
    expect(throttled.body.error).toMatchObject({
      code: "TooManyRequests",
      message: "Please retry again later.",
      innerError: { code: "429", message: "Please retry after", status: "429" },
    });
    // Another mailbox, or another app on the same mailbox, has a window of its own.
    expect((await view(token, "rep.two@example.com")).status).toBe(200);
    expect((await view(await run.token(second))).status).toBe(200);
    clock += 45_000;
    expect((await view(token)).status).toBe(200);
  });
});

describe("Graph emulator: injected faults", () => {
  it("injects 429 with Retry-After, and 503 (with Retry-After) / 504 without doing the work", async () => {
    run = await startGraph();
    const token = await run.token();
    await http(run.url, "PUT", "/_emulator/faults", { body: { rate429: 1 } });
    const limited = await create(token);
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("1");
    await http(run.url, "PUT", "/_emulator/faults", { body: { rate5xx: 1 } });
    const first = await create(token);
    const second = await create(token);
    expect([first.status, second.status]).toEqual([503, 504]);
    expect(first.headers.get("retry-after")).toBe("1");
    expect(first.body.error.code).toBe("serviceNotAvailable");
    await http(run.url, "PUT", "/_emulator/faults", { body: {} });
    expect((await http(run.url, "GET", "/_emulator/events")).body).toEqual([]);
  });
});

describe("Graph emulator: Outlook's four concurrent requests per app and mailbox", () => {
  it("answers the fifth request in flight with 429 ApplicationThrottled", async () => {
    run = await startGraph({ latencyMs: 50 });
    const token = await run.token();
    const answers = await Promise.all(Array.from({ length: 6 }, () => view(token)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 429, 429]);
    const limited = answers.find((a) => a.status === 429)!;
    expect(limited.body.error).toMatchObject({ code: "ApplicationThrottled", message: "Application is over its MailboxConcurrency limit." });
    expect(limited.headers.get("retry-after")).toBe("1");
    // Another mailbox is not affected, and once the four are answered the mailbox takes requests again.
    expect((await view(token, "rep.two@example.com")).status).toBe(200);
    expect((await view(token)).status).toBe(200);
  });
});
