import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DEFAULT_APP } from "./index.ts";
import { http, REP, type RunningGraph, startGraph } from "./test-support.ts";

let clock = Date.UTC(2026, 2, 5, 12);
let run: RunningGraph;
const READ_ONLY = { clientId: "a1b2c3d4-0000-4000-8000-000000000001", clientSecret: "read-only-secret", roles: ["Calendars.Read"] };
const FENCED = { clientId: "a1b2c3d4-0000-4000-8000-000000000002", clientSecret: "fenced-secret", allowedMailboxes: ["rep.two@example.com"] };
beforeAll(async () => {
  run = await startGraph({ now: () => clock, apps: [DEFAULT_APP, READ_ONLY, FENCED] });
});
afterAll(() => run.close());
beforeEach(async () => {
  clock = Date.UTC(2026, 2, 5, 12);
  await http(run.url, "POST", "/_emulator/reset");
});

const aad = (error: string, code: number) => ({
  error,
  error_description: expect.stringMatching(
    /^AADSTS\d+: .*\r\nTrace ID: [0-9a-f-]{36}\r\nCorrelation ID: [0-9a-f-]{36}\r\nTimestamp: 2026-03-05 12:00:00Z$/s,
  ),
  error_codes: [code],
  timestamp: "2026-03-05 12:00:00Z",
  trace_id: expect.any(String),
  correlation_id: expect.any(String),
  error_uri: `https://login.microsoftonline.com/error?code=${code}`,
});

describe("Graph emulator: client credentials at /{tenant}/oauth2/v2.0/token", () => {
  it("issues a Bearer token for the app's secret and the .default scope", async () => {
    const answer = await run.tokenRequest();
    expect(answer).toEqual({ status: 200, body: { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: expect.any(String) } });
    // The tenant may be named by a verified domain too.
    expect((await run.tokenRequest({}, "example.onmicrosoft.com")).status).toBe(200);
  });

  it("answers a wrong secret with 401 invalid_client AADSTS7000215, a missing one with AADSTS7000216", async () => {
    const wrong = await run.tokenRequest({ client_secret: "guess" });
    expect(wrong).toEqual({ status: 401, body: aad("invalid_client", 7000215) });
    expect(wrong.body.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\. /);
    expect(await run.tokenRequest({ client_secret: "" })).toEqual({ status: 401, body: aad("invalid_client", 7000216) });
  });

  it("answers an unknown app, tenant, grant type and scope in the AADSTS shape", async () => {
    expect(await run.tokenRequest({ client_id: "00000000-0000-0000-0000-00000000dead" })).toEqual({
      status: 400,
      body: aad("unauthorized_client", 700016),
    });
    expect(await run.tokenRequest({}, "fabrikam.onmicrosoft.com")).toEqual({ status: 400, body: aad("invalid_request", 90002) });
    expect(await run.tokenRequest({ grant_type: "password" })).toEqual({ status: 400, body: aad("unsupported_grant_type", 70003) });
    expect(await run.tokenRequest({ scope: "Calendars.ReadWrite" })).toEqual({ status: 400, body: aad("invalid_scope", 1002012) });
    expect(await run.tokenRequest({ scope: "" })).toEqual({ status: 400, body: aad("invalid_request", 900144) });
  });
});

describe("Graph emulator: calling the API", () => {
  const schedule = (token?: string, user = REP) =>
    http(run.url, "POST", `/v1.0/users/${user}/calendar/getSchedule`, {
      ...(token ? { token } : {}),
      body: {
        schedules: [REP],
        startTime: { dateTime: "2026-03-09T09:00:00", timeZone: "UTC" },
        endTime: { dateTime: "2026-03-09T10:00:00", timeZone: "UTC" },
      },
    });
  const graphError = (code: string, message: string) => ({
    error: {
      code,
      message,
      innerError: {
        date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/),
        "request-id": expect.any(String),
        "client-request-id": expect.any(String),
      },
    },
  });

  it("answers 401 InvalidAuthenticationToken without a token, for an unknown one and once it has expired", async () => {
    expect(await schedule()).toMatchObject({ status: 401, body: graphError("InvalidAuthenticationToken", "Access token is empty.") });
    expect(await schedule("eyJ.forged")).toMatchObject({
      status: 401,
      body: graphError("InvalidAuthenticationToken", "Access token validation failure."),
    });
    const token = await run.token();
    expect((await schedule(token)).status).toBe(200);
    clock += 3599_000;
    expect(await schedule(token)).toMatchObject({
      status: 401,
      body: graphError("InvalidAuthenticationToken", "Lifetime validation failed, the token is expired."),
    });
  });

  it("answers 403 ErrorAccessDenied without the permission, and for a mailbox outside the app's access policy", async () => {
    const readOnly = await run.token(READ_ONLY);
    expect((await schedule(readOnly)).status).toBe(200);
    const write = await http(run.url, "POST", `/v1.0/users/${REP}/events`, {
      token: readOnly,
      body: { subject: "x", start: { dateTime: "2026-03-09T09:00:00", timeZone: "UTC" }, end: { dateTime: "2026-03-09T10:00:00", timeZone: "UTC" } },
    });
    expect(write).toMatchObject({ status: 403, body: graphError("ErrorAccessDenied", "Access is denied. Check credentials and try again.") });

    const fenced = await run.token(FENCED);
    expect((await schedule(fenced, "rep.two@example.com")).status).toBe(200);
    expect(await schedule(fenced)).toMatchObject({ status: 403, body: { error: { code: "ErrorAccessDenied" } } });
    expect((await http(run.url, "GET", "/_emulator/events")).body).toEqual([]);
  });

  it("answers 404 ErrorInvalidUser for a mailbox that does not exist, and 400 for /me with an app token", async () => {
    const token = await run.token();
    expect(await schedule(token, "nobody@example.com")).toMatchObject({
      status: 404,
      body: graphError("ErrorInvalidUser", "The requested user 'nobody@example.com' is invalid."),
    });
    const me = await http(run.url, "POST", "/v1.0/me/calendar/getSchedule", { token, body: {} });
    expect(me).toMatchObject({ status: 400, body: graphError("BadRequest", "/me request is only valid with delegated authentication flow.") });
  });

  it("addresses a mailbox by id as well as by userPrincipalName", async () => {
    const token = await run.token();
    const id = run.graph.tenant.user(REP)!.id;
    expect((await schedule(token, id)).status).toBe(200);
  });
});
