import { describe, expect, it } from "vitest";
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET } from "./index.ts";
import { control, startSalesforce } from "./test-support.ts";

const signIn = (url: string, form: Record<string, string>) =>
  fetch(`${url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(form),
  });

const clientCredentials = { grant_type: "client_credentials", client_id: DEFAULT_CLIENT_ID, client_secret: DEFAULT_CLIENT_SECRET };

describe("Salesforce emulator: client credentials sign-in", () => {
  it("issues a session for the app's run-as user that the REST API accepts, until it is expired", async () => {
    const { emulator, url } = await startSalesforce();
    const answer = await signIn(url, clientCredentials);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as Record<string, string>;
    expect(body).toMatchObject({
      instance_url: url,
      token_type: "Bearer",
      scope: "api",
      id: `${url}/id/${emulator.orgId}/${emulator.integrationUserId}`,
    });
    expect(body).not.toHaveProperty("refresh_token");

    const read = () =>
      fetch(`${url}/services/data/v62.0/sobjects/User/${emulator.integrationUserId}`, { headers: { authorization: `Bearer ${body.access_token}` } });
    expect((await read()).status).toBe(200);
    expect(await control(url, "POST", "/_emulator/sessions/expire")).toEqual({ status: 200, body: { expired: 1 } });
    const expired = await read();
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    // The fixed development token is not a session of this flow and keeps working.
    expect(
      (
        await fetch(`${url}/services/data/v62.0/sobjects/User/${emulator.integrationUserId}`, {
          headers: { authorization: "Bearer salesforce-dev-token" },
        })
      ).status,
    ).toBe(200);
  });

  it("refuses a wrong secret, an unknown client and other grant types, as Salesforce words it", async () => {
    const { url } = await startSalesforce();
    const refused = async (form: Record<string, string>) => {
      const answer = await signIn(url, form);
      return { status: answer.status, body: await answer.json() };
    };
    expect(await refused({ ...clientCredentials, client_secret: "wrong" })).toEqual({
      status: 400,
      body: { error: "invalid_client", error_description: "invalid client credentials" },
    });
    expect(await refused({ ...clientCredentials, client_id: "nobody" })).toEqual({
      status: 400,
      body: { error: "invalid_client_id", error_description: "client identifier invalid" },
    });
    expect(await refused({ ...clientCredentials, grant_type: "password" })).toEqual({
      status: 400,
      body: { error: "unsupported_grant_type", error_description: "grant type not supported" },
    });
  });
});
