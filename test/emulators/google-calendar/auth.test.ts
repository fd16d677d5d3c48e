import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestServiceAccount, GOOGLE_TOKEN_URL, signServiceAccountAssertion } from "./index.ts";
import { CALENDAR, CALENDAR_READONLY, form, http, OTHER_REP, REP, type RunningGoogle, startGoogle } from "./test-support.ts";

let clock = Date.UTC(2026, 2, 5, 12, 0, 0);
let run: RunningGoogle;
beforeAll(async () => {
  const undelegated = await createTestServiceAccount({ clientEmail: "no-dwd@lead-follow-up-dev.iam.gserviceaccount.com" });
  run = await startGoogle({ clock: () => clock, serviceAccounts: [undelegated.account] });
  undelegatedKey = { ...undelegated.keyFile, token_uri: `${run.url}/token` };
});
afterAll(() => run.close());
beforeEach(async () => {
  clock = Date.UTC(2026, 2, 5, 12, 0, 0);
  await http(run.url, "POST", "/_emulator/reset");
});
let undelegatedKey: Awaited<ReturnType<typeof createTestServiceAccount>>["keyFile"];

const event = {
  summary: "Intro call",
  start: { dateTime: "2026-03-09T10:00:00", timeZone: "America/New_York" },
  end: { dateTime: "2026-03-09T10:30:00", timeZone: "America/New_York" },
};

describe("Google emulator: the JWT bearer grant (service account, domain-wide delegation)", () => {
  it("exchanges a signed JWT for a Bearer token bound to the impersonated user", async () => {
    const answer = await run.exchange({ sub: REP });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ access_token: expect.stringMatching(/^ya29\./), expires_in: 3599, token_type: "Bearer" });

    // "primary" is the impersonated user's calendar; the event is theirs, created by them.
    const created = await http(run.url, "POST", "/calendar/v3/calendars/primary/events", { token: answer.body.access_token, body: event });
    expect(created.status).toBe(200);
    expect(created.body.organizer).toEqual({ email: REP, self: true });
    expect(created.body.creator).toEqual({ email: REP, self: true });
  });

  it("accepts Google's own token URL as the audience too", async () => {
    expect((await run.exchange({ sub: REP, aud: GOOGLE_TOKEN_URL })).status).toBe(200);
  });

  it("refuses a JWT signed with another key as an invalid signature", async () => {
    const impostor = await createTestServiceAccount({ clientEmail: run.keyFile.client_email });
    const answer = await run.exchange(
      { sub: REP },
      { ...impostor.keyFile, private_key_id: run.keyFile.private_key_id, token_uri: run.keyFile.token_uri },
    );
    expect(answer).toEqual({ status: 400, body: { error: "invalid_grant", error_description: "Invalid JWT Signature." } });
  });

  it("refuses an unknown issuer, a wrong audience and a long-lived or expired JWT", async () => {
    const stranger = await createTestServiceAccount({ clientEmail: "stranger@elsewhere.iam.gserviceaccount.com" });
    expect((await run.exchange({ sub: REP }, { ...stranger.keyFile, token_uri: run.keyFile.token_uri })).body).toEqual({
      error: "invalid_grant",
      error_description: "Invalid JWT: No valid verifier found for issuer.",
    });
    const audience = await run.exchange({ sub: REP, aud: "https://example.com/token" });
    expect(audience.status).toBe(400);
    expect(audience.body.error).toBe("invalid_grant");
    expect(audience.body.error_description).toContain("Failed audience check");

    const iat = Math.floor(clock / 1000);
    const shortLived = {
      error: "invalid_grant",
      error_description:
        "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your 'iat' and 'exp' values and use a clock with skew to account for clock differences between systems.",
    };
    expect(await run.exchange({ sub: REP, iat, exp: iat + 3601 })).toEqual({ status: 400, body: shortLived });
    expect(await run.exchange({ sub: REP, iat: iat - 7200, exp: iat - 3600 })).toEqual({ status: 400, body: shortLived });
    expect(await run.exchange({ sub: REP, iat: iat + 3600, exp: iat + 3700 })).toEqual({ status: 400, body: shortLived });
    // Exactly an hour is allowed.
    expect((await run.exchange({ sub: REP, iat, exp: iat + 3600 })).status).toBe(200);
  });

  it("refuses a missing or foreign scope with invalid_scope", async () => {
    const invalidScope = { error: "invalid_scope", error_description: "Invalid OAuth scope or ID token audience provided." };
    expect(await run.exchange({ sub: REP, scope: "" })).toEqual({ status: 400, body: invalidScope });
    expect(await run.exchange({ sub: REP, scope: "calendar" })).toEqual({ status: 400, body: invalidScope });
  });

  it("refuses a sub that is not a user of the domain with invalid_grant", async () => {
    expect(await run.exchange({ sub: "nobody@example.com" })).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: "Invalid email or User ID" },
    });
    expect(await run.exchange({ sub: "not an address" })).toEqual({
      status: 400,
      body: { error: "invalid_grant", error_description: "Not a valid email." },
    });
  });

  it("refuses impersonation without domain-wide delegation, and scopes the admin did not delegate, with 401 unauthorized_client", async () => {
    expect(await run.exchange({ sub: REP }, undelegatedKey)).toEqual({
      status: 401,
      body: { error: "unauthorized_client", error_description: "Unauthorized client or scope in request." },
    });
    expect(await run.exchange({ sub: REP, scope: `${CALENDAR} https://www.googleapis.com/auth/gmail.send` })).toEqual({
      status: 401,
      body: {
        error: "unauthorized_client",
        error_description:
          "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.",
      },
    });
  });

  it("refuses another grant type", async () => {
    const answer = await form(run.url, "/token", { grant_type: "client_credentials", assertion: "x" });
    expect(answer).toEqual({ status: 400, body: { error: "unsupported_grant_type", error_description: "Invalid grant_type: client_credentials" } });
  });
});

describe("Google emulator: calling the API with the token", () => {
  const authError = {
    error: {
      errors: [{ domain: "global", reason: "authError", message: "Invalid Credentials", locationType: "header", location: "Authorization" }],
      code: 401,
      message: expect.stringContaining("invalid authentication credentials"),
      status: "UNAUTHENTICATED",
    },
  };

  it("answers 401 authError without a token, with an unknown one and once it has expired", async () => {
    expect(await http(run.url, "GET", "/calendar/v3/calendars/primary/events")).toMatchObject({ status: 401, body: authError });
    expect(await http(run.url, "GET", "/calendar/v3/calendars/primary/events", { token: "ya29.forged" })).toMatchObject({
      status: 401,
      body: authError,
    });
    const token = await run.token();
    expect((await http(run.url, "GET", "/calendar/v3/calendars/primary/events", { token })).status).toBe(200);
    clock += 3599_000;
    expect(await http(run.url, "GET", "/calendar/v3/calendars/primary/events", { token })).toMatchObject({ status: 401, body: authError });
  });

  it("answers 403 insufficientPermissions when the token's scopes do not cover the method", async () => {
    const token = await run.token(REP, CALENDAR_READONLY);
    expect((await http(run.url, "GET", "/calendar/v3/calendars/primary/events", { token })).status).toBe(200);
    const answer = await http(run.url, "POST", "/calendar/v3/calendars/primary/events", { token, body: event });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toMatchObject({
      code: 403,
      message: "Request had insufficient authentication scopes.",
      errors: [{ domain: "global", reason: "insufficientPermissions", message: "Insufficient Permission" }],
      status: "PERMISSION_DENIED",
    });
    expect((await http(run.url, "GET", "/_emulator/events")).body).toEqual([]);
  });

  it("keeps one user's token out of another user's events (404 notFound)", async () => {
    const token = await run.token(REP);
    const answer = await http(run.url, "POST", `/calendar/v3/calendars/${OTHER_REP}/events`, { token, body: event });
    expect(answer).toMatchObject({
      status: 404,
      body: { error: { errors: [{ domain: "global", reason: "notFound", message: "Not Found" }], code: 404 } },
    });
  });

  it("lets a service account acting as itself create events only without attendees (forbiddenForServiceAccounts)", async () => {
    const own = await run.exchange({});
    expect(own.status).toBe(200);
    const token = own.body.access_token as string;
    const alone = await http(run.url, "POST", "/calendar/v3/calendars/primary/events", { token, body: event });
    expect(alone.status).toBe(200);
    expect(alone.body.organizer.email).toBe(run.keyFile.client_email);
    const invited = await http(run.url, "POST", "/calendar/v3/calendars/primary/events", {
      token,
      body: { ...event, attendees: [{ email: "visitor@elsewhere.test" }] },
    });
    expect(invited).toMatchObject({
      status: 403,
      body: {
        error: {
          errors: [
            {
              domain: "calendar",
              reason: "forbiddenForServiceAccounts",
              message: "Service accounts cannot invite attendees without Domain-Wide Delegation of Authority.",
            },
          ],
          code: 403,
        },
      },
    });
  });

  it("signs assertions the way the adapter will: RS256 with the key id in the header", async () => {
    const assertion = await signServiceAccountAssertion(run.keyFile, { scope: CALENDAR, sub: REP }, clock);
    const [header, payload] = assertion
      .split(".")
      .slice(0, 2)
      .map((part) => JSON.parse(Buffer.from(part!, "base64url").toString()));
    expect(header).toEqual({ alg: "RS256", typ: "JWT", kid: run.keyFile.private_key_id });
    expect(payload).toEqual({
      iss: run.keyFile.client_email,
      sub: REP,
      scope: CALENDAR,
      aud: `${run.url}/token`,
      iat: clock / 1000,
      exp: clock / 1000 + 3600,
    });
  });
});
