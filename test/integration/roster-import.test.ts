import { createExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { listHubSpotOwners } from "../../src/crm/owners";
import { createApp } from "../../src/http/app";
import { listSlackMembers } from "../../src/slack/slack-users";
import { hubspotEmulator, slackEmulator } from "../support/emulators";
import { adminGet, ORIGIN } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * POST /admin/policy/reps/import against the emulators, through the real SDKs: HubSpot's owners,
 * Salesforce's active users of the chosen profiles, Slack's members, matched by email.
 */
const app = createApp();
const importRoster = (body: unknown, overrides: Record<string, string> = {}) =>
  app.fetch(
    new Request(`${ORIGIN}/admin/policy/reps/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    { ...env, ...overrides } as Env,
    createExecutionContext(),
  );

async function control(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(base + path, { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

let niaSalesforceId: string;
beforeAll(async () => {
  await control(env.HUBSPOT_API_BASE, "POST", "/_emulator/owners", [
    { id: "95000001", email: "Nia.Park@acme.example", firstName: "Nia", lastName: "Park", userId: 9501 },
    { id: "95000002", email: "omar@acme.example", firstName: "Omar", lastName: "Haddad", userId: 9502 },
    { id: "95000003", email: "sales-queue@acme.example", firstName: "Sales", lastName: "Queue", type: "QUEUE" },
  ]);
  const profiles: { Id: string; Name: string }[] = await control(env.SALESFORCE_INSTANCE_URL, "GET", "/_emulator/records/Profile");
  const profileId = (name: string) => profiles.find((p) => p.Name === name)!.Id;
  const user = (fields: Record<string, unknown>) => control(env.SALESFORCE_INSTANCE_URL, "POST", "/_emulator/ui/User", fields);
  niaSalesforceId = (
    await user({
      FirstName: "Nia",
      LastName: "Park",
      Email: "nia.park@acme.example",
      Username: "nia.park@acme.example.emulator",
      TimeZoneSidKey: "America/Chicago",
      ProfileId: profileId("Standard User"),
    })
  ).id;
  // Neither is proposed: another profile, and an inactive user.
  await user({
    LastName: "Admin",
    Email: "omar@acme.example",
    Username: "admin@acme.example.emulator",
    ProfileId: profileId("System Administrator"),
  });
  await user({
    LastName: "Gone",
    Email: "gone@acme.example",
    Username: "gone@acme.example.emulator",
    IsActive: false,
    ProfileId: profileId("Standard User"),
  });
  await control(env.SLACK_API_BASE, "POST", "/_emulator/users", [
    { id: "U0NIAPARK1", name: "nia", realName: "Nia Park", email: "nia.park@acme.example", tz: "America/Chicago" },
    { id: "U0OMARHAD1", name: "omar", realName: "Omar Haddad", email: "OMAR@acme.example", tz: "Asia/Dubai" },
  ]);
});
afterEach(() => hubspotEmulator.faults({}));

describe("POST /admin/policy/reps/import", () => {
  it("proposes reps from HubSpot owners and Salesforce users of the chosen profiles, with Slack ids and zones, and saves nothing", async () => {
    const before = await (await adminGet("/admin/policy")).json<any>();
    const response = await importRoster({ salesforce: { profiles: ["Standard User"] } });
    expect(response.status).toBe(200);
    const body = await response.json<any>();
    expect(body.saved).toBe(false);
    expect(body.reps).toContainEqual({
      id: "nia-park",
      name: "Nia Park",
      owners: { hubspot: "95000001", salesforce: niaSalesforceId },
      slackUserId: "U0NIAPARK1",
      timeZone: "America/Chicago",
    });
    expect(body.reps).toContainEqual({
      id: "omar",
      name: "Omar Haddad",
      owners: { hubspot: "95000002" },
      slackUserId: "U0OMARHAD1",
      timeZone: "Asia/Dubai",
    });
    expect(body.matches).toContainEqual({
      rep: "nia-park",
      email: "Nia.Park@acme.example",
      hubspot: "95000001",
      salesforce: niaSalesforceId,
      slack: "U0NIAPARK1",
      existing: false,
      timeZoneFrom: "slack",
    });
    expect(body.unmatched).toContainEqual(expect.objectContaining({ source: "hubspot", id: "95000003", reason: expect.stringMatching(/^a queue/) }));
    expect(body.unmatched).toContainEqual(
      expect.objectContaining({ source: "salesforce", rep: "omar", reason: expect.stringMatching(/^no active Salesforce user/) }),
    );
    // Only active Standard Users: not the administrator, the inactive user or the integration user.
    const salesforceIds = body.reps.map((r: any) => r.owners.salesforce).filter(Boolean);
    expect(salesforceIds).toEqual(expect.arrayContaining([niaSalesforceId, "0055g00000RepOnAAA", "0055g00000RepTwAAA"]));
    expect(salesforceIds).toHaveLength(3);
    expect(body.sources).toEqual({
      hubspot: { read: true, count: expect.any(Number) },
      salesforce: { read: true, count: 3 },
      slack: { read: true, count: expect.any(Number) },
    });
    // Every proposed rep is one the policy accepts.
    expect(body.reps.every((r: any) => /^[a-z0-9][a-z0-9_-]*$/.test(r.id) && r.timeZone)).toBe(true);
    expect(await (await adminGet("/admin/policy")).json()).toEqual(before);
  });

  it("reads only what is asked for and set up, and says why a source was not read", async () => {
    const hubspotOnly = await (await importRoster({ slack: false })).json<any>();
    expect(hubspotOnly.sources.salesforce).toEqual({
      read: false,
      reason: 'not asked for: give salesforce.profiles (e.g. ["Standard User"]) to read Salesforce users',
    });
    expect(hubspotOnly.sources.slack).toEqual({ read: false, reason: "not asked for" });
    // Slack not read: the policy's Slack ids are carried over as they are.
    expect(hubspotOnly.reps.find((r: any) => r.owners.hubspot === "84213371")).toMatchObject({ id: "alex", slackUserId: "U05REPONE01" });

    const noHubSpot = await importRoster({ salesforce: { profiles: ["Standard User"] } }, { HUBSPOT_ACCESS_TOKEN: "" });
    expect((await noHubSpot.json<any>()).sources.hubspot).toEqual({
      read: false,
      reason: "HubSpot write-back is off: set the HUBSPOT_ACCESS_TOKEN secret",
    });

    const nothing = await importRoster({}, { HUBSPOT_ACCESS_TOKEN: "" });
    expect(nothing.status).toBe(409);
    expect(await nothing.json()).toMatchObject({ error: "nothing_to_import" });
  });

  it("refuses an invalid request and fails (saving nothing) when a read fails", async () => {
    const invalid = await importRoster({ salesforce: { profiles: [] } });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({ error: "invalid_payload" });
    expect((await importRoster({ slack: "yes" })).status).toBe(400);

    await hubspotEmulator.faults({ rate5xx: 1 });
    const failed = await importRoster({});
    expect(failed.status).toBe(503);
    expect(await failed.json()).toMatchObject({ error: "read_failed", source: "HubSpot owners", failure: { kind: "transient" } });
  });
});

describe("the roster reads page through everyone", () => {
  it("HubSpot owners: every page of the dated owners API, 500 at a time, each call paced", async () => {
    await control(
      env.HUBSPOT_API_BASE,
      "POST",
      "/_emulator/owners",
      Array.from({ length: 520 }, (_, i) => ({
        id: String(96_000_000 + i),
        email: `seat-${i}@bulk.example`,
        firstName: "Seat",
        lastName: String(i),
      })),
    );
    await hubspotEmulator.clearCalls();
    let paced = 0;
    const owners = await listHubSpotOwners({
      accessToken: TEST_BINDINGS.HUBSPOT_ACCESS_TOKEN,
      basePath: env.HUBSPOT_API_BASE,
      beforeCall: async () => {
        paced++;
      },
    });
    expect(owners.ok).toBe(true);
    const people = owners.ok ? owners.value : [];
    expect(people.filter((p) => p.email?.endsWith("@bulk.example"))).toHaveLength(520);
    expect(people.find((p) => p.id === "95000003")).toMatchObject({ kind: "queue" });
    const calls = (await hubspotEmulator.calls()).filter((c: any) => c.method === "GET" && c.path === "/crm/owners/2026-09");
    expect(calls.length).toBe(Math.ceil(people.length / 500));
    expect(calls.length).toBeGreaterThan(1);
    expect(paced).toBe(calls.length);
  });

  it("Slack members: every page of users.list, deactivated accounts and bots flagged", async () => {
    await control(
      env.SLACK_API_BASE,
      "POST",
      "/_emulator/users",
      Array.from({ length: 450 }, (_, i) => ({
        id: `U0BULK${String(i).padStart(4, "0")}`,
        name: `bulk.${i}`,
        email: `bulk-${i}@bulk.example`,
        deleted: i === 7,
      })),
    );
    const before = (await slackEmulator.calls()).length;
    const members = await listSlackMembers({ botToken: TEST_BINDINGS.SLACK_BOT_TOKEN, apiBase: env.SLACK_API_BASE });
    expect(members.ok).toBe(true);
    const all = members.ok ? members.value : [];
    expect(all.filter((m) => m.email?.endsWith("@bulk.example"))).toHaveLength(450);
    expect(all.find((m) => m.id === "U0BULK0007")).toMatchObject({ deleted: true, bot: false });
    expect(all.find((m) => m.bot)).toBeDefined();
    const calls = (await slackEmulator.calls()).slice(before).filter((c: any) => c.path === "/api/users.list");
    expect(calls.length).toBe(Math.ceil(all.length / 200));
  });

  it("a Slack token the workspace refuses is a permanent failure, named", async () => {
    const refused = await listSlackMembers({ botToken: "xoxb-not-this-workspace", apiBase: env.SLACK_API_BASE });
    expect(refused).toEqual({ ok: false, failure: { kind: "permanent", message: "Slack users.list: invalid_auth" } });
  });
});
