import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { type AlertDeps, evaluateAlerts } from "../../src/alerts/alerts-chore";
import { DEFAULT_ALERT_SETTINGS } from "../../src/core/alerts/alerts";
import { loadConfig } from "../../src/env/config";
import { recordFacts } from "../../src/storage/facts";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { factsFromAudit, factsFromEvent } from "../../src/core/facts/record-facts";
import { createApp } from "../../src/http/app";
import { enqueueEffects } from "../../src/outbox/effect-queue";
import { hubspotEmulator } from "../support/emulators";
import { call, eventually, leadSnapshot } from "../support/requests";
import { admin, allDone, auditEntries, deliverHubSpotWebhooks, runDue } from "../support/rule-flows";
import { TEST_BINDINGS } from "../support/test-bindings";
import { alertPorts } from "../support/alert-ports";

const factsOf = async (recordKey: string) =>
  (await env.DB.prepare("select kind, rep, step, reason, data from facts where record_key = ?1 order by rowid").bind(recordKey).all<any>()).results;

/** Signs in as a browser would: the login page's cookie and CSRF token, then the admin token. */
async function signIn(): Promise<{ cookie: string; csrf: (html: string) => string }> {
  const page = await call("/console/login");
  const loginCookie = page.headers
    .getSetCookie()
    .find((c) => c.startsWith("console_login="))!
    .split(";")[0]!;
  const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!;
  const response = await call("/console/login", {
    method: "POST",
    redirect: "manual",
    headers: { cookie: loginCookie, "content-type": "application/x-www-form-urlencoded", origin: "https://leads.example.com" },
    body: new URLSearchParams({ _csrf: csrf(await page.text()), token: TEST_BINDINGS.ADMIN_TOKEN }),
  });
  expect(response.status).toBe(303);
  const session = response.headers.getSetCookie().find((c) => c.startsWith("console_session="))!;
  expect(session).toMatch(/HttpOnly/);
  expect(session).toMatch(/SameSite=Strict/);
  expect(session).toMatch(/Secure/);
  return { cookie: session.split(";")[0]!, csrf };
}

beforeAll(async () => {
  const policy = { ...DEFAULT_POLICY, rules: { staleLead: { ...DEFAULT_POLICY.rules.staleLead!, threshold: "PT1H" } } };
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) })).status).toBe(201);
  expect(((await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any).hubspot.ok).toBe(true);
  await hubspotEmulator.webhooks();
});

describe("facts of a lead's life", () => {
  let key = "";

  it("one per event and decision, from the record's own audit, none twice when delivered again", { timeout: 60_000 }, async () => {
    const contact = await hubspotEmulator.uiCreate("contacts", {
      email: `facts-${Date.now()}@example.com`,
      hubspot_owner_id: "84213371",
      lead_follow_up_score: "80",
    });
    await deliverHubSpotWebhooks();
    key = `hubspot:62515:contact:${contact.id}`;
    const { entries } = await auditEntries(key, "clock started");
    await runDue(key, Date.parse(entries[0].data.deadline) + 1_000);
    await auditEntries(key, "reassigned");
    const { body } = await leadSnapshot(key);
    // The record object stored the facts of its events and its audit after each run: the same
    // facts again (a redelivery, a retried run) add nothing.
    const facts = [
      ...body.events.flatMap((e: any, i: number) => factsFromEvent(e, i === 0)),
      ...factsFromAudit(key, "hubspot", "contact", body.audit),
    ];
    expect(facts.map((f) => f.kind).sort()).toEqual(["reassigned", "recordCreated"]);
    expect(await recordFacts(env.DB, facts)).toBe(0);
    const stored = await factsOf(key);
    expect(stored.filter((f: any) => f.kind === "recordCreated")).toHaveLength(1);
    expect(stored.find((f: any) => f.kind === "reassigned")).toMatchObject({ rep: "84213372", reason: "round robin" });
  });

  it("a task that reached the CRM, from the outbox, with its owner and the CRM's id", { timeout: 60_000 }, async () => {
    await allDone(key, 3);
    const written = (await factsOf(key)).filter((f: any) => f.kind === "taskWritten");
    expect(written).toHaveLength(1);
    expect(written[0].rep).toBe("84213372");
    expect(JSON.parse(written[0].data).externalId).toMatch(/^\d+$/);
  });

  it("an effect that died, and its retry by an admin through the console", { timeout: 60_000 }, async () => {
    const [id] = await enqueueEffects(
      env,
      [
        {
          idempotencyKey: `console-test:${Date.now()}`,
          leadKey: key,
          rule: "manual",
          effect: {
            type: "updateProperties",
            crm: "hubspot",
            accountId: "62515",
            objectType: "contact",
            objectId: key.split(":")[3]!,
            properties: { no_such_property: "x" },
          },
        },
      ],
      new Date(),
    );
    await eventually(async () => {
      const dead = (await factsOf(key)).filter((f: any) => f.kind === "effectDead");
      expect(dead).toHaveLength(1);
      expect(dead[0]).toMatchObject({ reason: "permanent" });
      expect(JSON.parse(dead[0].data)).toMatchObject({ effectId: id, type: "updateProperties" });
    }, 30_000);
    const { cookie, csrf } = await signIn();
    const outbox = await call("/console/outbox?status=dead", { headers: { cookie } });
    const html = await outbox.text();
    expect(html).toContain(`effect-${id}`);
    expect(html).toContain("does not exist");
    const retry = await call("/console/outbox/retry", {
      method: "POST",
      redirect: "manual",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf(html), id: id!, selected: "1" }),
    });
    expect(retry.status).toBe(303);
    expect(retry.headers.get("location")).toBe("/console/outbox");
    const flash = retry.headers
      .getSetCookie()
      .find((c) => c.startsWith("console_flash="))!
      .split(";")[0]!;
    expect(await (await call("/console/outbox", { headers: { cookie: `${cookie}; ${flash}` } })).text()).toContain("Retried 1 dead effect.");
    await eventually(async () => expect((await factsOf(key)).filter((f: any) => f.kind === "effectDead")).toHaveLength(2), 30_000);
    expect((await factsOf(key)).filter((f: any) => f.kind === "effectRetried")).toHaveLength(1);
  });
});

describe("the console's pages", () => {
  it("search finds a lead by email (any case), and its journey names why it was reassigned", async () => {
    const row = await env.DB.prepare("select record_key, email from record_search where email like 'facts-%' limit 1").first<any>();
    const { cookie } = await signIn();
    const results = await (await call(`/console/leads?q=${encodeURIComponent(row.email.toUpperCase())}`, { headers: { cookie } })).text();
    expect(results).toContain(`/console/leads/${encodeURIComponent(row.record_key)}`);
    const journey = await (await call(`/console/leads/${encodeURIComponent(row.record_key)}`, { headers: { cookie } })).text();
    // In words: the rule, the new owner by name, the rotation's reason.
    expect(journey).toContain("Stale lead: reassigned");
    expect(journey).toContain("weighted round robin");
    // A key D1 does not know is not opened (no object is created for it).
    expect((await call("/console/leads/hubspot:62515:contact:999999999", { headers: { cookie } })).status).toBe(404);
  });

  it("refuses a POST from another origin or without its CSRF token, and one without a session", async () => {
    const { cookie, csrf } = await signIn();
    const html = await (await call("/console/policy", { headers: { cookie } })).text();
    const post = (headers: Record<string, string>, body: Record<string, string>) =>
      call("/console/policy/rollback", {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
        body: new URLSearchParams(body),
      });
    expect((await post({ cookie }, { version: "1" })).status).toBe(403);
    expect((await post({ cookie, origin: "https://evil.example" }, { version: "1", _csrf: csrf(html) })).status).toBe(403);
    expect((await post({}, { version: "1", _csrf: csrf(html) })).status).toBe(401);
    expect((await call("/console/login", { method: "POST", body: new URLSearchParams({ token: TEST_BINDINGS.ADMIN_TOKEN }) })).status).toBe(403);
  });

  it("behind Cloudflare Access: the assertion is verified, the login page is gone", async () => {
    const { publicKey, privateKey } = await generateKeyPair("RS256");
    const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" }] });
    const app = createApp({ accessKeys: keys });
    const accessEnv = { ...env, ACCESS_TEAM_DOMAIN: "acme.cloudflareaccess.com", ACCESS_AUD: "console-aud" };
    const get = async (path: string, headers: Record<string, string> = {}) => {
      const ctx = createExecutionContext();
      const response = await app.fetch(new Request(`https://leads.example.com${path}`, { headers, redirect: "manual" }), accessEnv, ctx);
      await waitOnExecutionContext(ctx);
      return response;
    };
    const token = await new SignJWT({ email: "ada@acme.example" })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setSubject("user-1")
      .setIssuer("https://acme.cloudflareaccess.com")
      .setAudience("console-aud")
      .setExpirationTime("10m")
      .sign(privateKey);
    expect((await get("/console")).status).toBe(403);
    const page = await get("/console/health", { "cf-access-jwt-assertion": token });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("ada@acme.example");
    expect((await get("/console/login")).headers.get("location")).toBe("/console");
  });
});

describe("alerts from the cron", () => {
  it("tell Slack once through the outbox, and again only after the re-alert interval", async () => {
    const config = { ...loadConfig(env), ALERTS_SLACK_CHANNEL: "C0ALERTS1" };
    const deps: AlertDeps = {
      settings: DEFAULT_ALERT_SETTINGS,
      checkConnections: async () => [{ system: "HubSpot", ok: false, signInFailed: true, detail: "HubSpot refused the access token (HTTP 401)" }],
    };
    const alertEffects = async () =>
      (await env.DB.prepare("select payload from effects where lead_key = 'alerts' order by rowid").all<{ payload: string }>()).results.map(
        (r) => JSON.parse(r.payload).text as string,
      );
    const before = (await alertEffects()).length;
    const t0 = Date.parse("2030-01-07T15:00:00Z");
    const first = await evaluateAlerts(env, alertPorts(env, config), new Date(t0), deps);
    expect(first.firing).toEqual(expect.arrayContaining(["sign-in:HubSpot", "dead-effects"]));
    const told = (await alertEffects()).slice(before);
    expect(told.some((t) => t.includes("HubSpot refuses the service's credentials"))).toBe(true);
    await evaluateAlerts(env, alertPorts(env, config), new Date(t0 + 20 * 60_000), deps);
    expect((await alertEffects()).length).toBe(before + told.length);
    await evaluateAlerts(env, alertPorts(env, config), new Date(t0 + DEFAULT_ALERT_SETTINGS.reAlertAfterMs), deps);
    expect((await alertEffects()).slice(before + told.length).some((t) => t.startsWith(":warning: Still: HubSpot refuses"))).toBe(true);
    const { cookie } = await signIn();
    expect(await (await call("/console/health", { headers: { cookie } })).text()).toContain("HubSpot refuses the service&#39;s credentials");
  });
});
