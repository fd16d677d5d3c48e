import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from "vitest";
import { type AlertDeps, evaluateAlerts } from "../../src/alerts/alerts-chore";
import { DEFAULT_ALERT_SETTINGS } from "../../src/core/alerts/alerts";
import { loadConfig } from "../../src/env/config";
import { consoleApp, freshAddress, loginForm, postSignIn, signInLimits } from "../support/console";
import { alertPorts } from "../support/alert-ports";

const limits = signInLimits();
/** Each test has an admin token of its own: its overall count starts at nothing and no other test's sign-ins spend it. */
const freshToken = () => `throttle-test-admin-token-${crypto.randomUUID()}`;

/**
 * The bindings count in windows of the wall clock's minutes: a burst that straddles two would
 * get two allowances. A burst starts with at least 3 s of its minute left (a wait of at most 3 s,
 * and only when the minute is about to turn).
 */
async function withinOneWindow(): Promise<void> {
  const left = limits.periodS * 1000 - (Date.now() % (limits.periodS * 1000));
  if (left < 3_000) await new Promise((r) => setTimeout(r, left + 50));
}

let logged: MockInstance<typeof console.warn>;
beforeEach(() => {
  logged = vi.spyOn(console, "warn").mockImplementation(() => {});
});
afterEach(() => logged.mockRestore());
const failures = async () =>
  Number((await env.DB.prepare("select coalesce(sum(failures), 0) as n from console_sign_in_failures").first<{ n: number }>())!.n);
const logText = () => logged.mock.calls.map((args) => args.join(" ")).join("\n");

describe("the brake on guessing the admin token", () => {
  it("throttles an address after its allowance: 429 with Retry-After, and the right token is not even looked at", async () => {
    const token = freshToken();
    const fetch = consoleApp({ adminToken: token });
    const address = freshAddress();
    const form = await loginForm(fetch, address);
    const counted = await failures();
    await withinOneWindow();
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) statuses.push((await postSignIn(fetch, form, `wrong-guess-${i}-0123456789`, address)).status);
    const right = await postSignIn(fetch, form, token, address);

    expect(statuses.slice(0, limits.perAddress)).toEqual(Array(limits.perAddress).fill(401));
    expect(statuses.slice(limits.perAddress)).toEqual(Array(30 - limits.perAddress).fill(429));
    expect(right.status).toBe(429);
    expect(right.headers.get("retry-after")).toBe(String(limits.periodS));
    expect(right.headers.get("set-cookie") ?? "").not.toContain("console_session");
    const page = await right.text();
    expect(page).toContain("Too many sign-in attempts");
    expect(page).toContain("Try again in a minute");
    // Only the compared attempts are counted for the alert: a throttled one writes nothing.
    expect((await failures()) - counted).toBe(limits.perAddress);

    // Another address is not held back by this one's guessing.
    const other = freshAddress();
    expect((await postSignIn(fetch, await loginForm(fetch, other), token, other)).status).toBe(303);

    // Logged with the address, never with what was typed.
    const log = logText();
    expect(log).toContain(`console sign-in refused, not the admin token: ip6:2001:db8:`);
    expect(log).toContain("console sign-in throttled (this address)");
    expect(log).not.toContain("wrong-guess");
    expect(log).not.toContain(token);
  });

  it("throttles over all addresses: many addresses together get no more than the overall allowance", async () => {
    const token = freshToken();
    const fetch = consoleApp({ adminToken: token });
    const addresses = Array.from({ length: Math.ceil(limits.overall / limits.perAddress) + 2 }, freshAddress);
    const forms = await Promise.all(addresses.map((a) => loginForm(fetch, a)));
    await withinOneWindow();
    let compared = 0;
    // Each address stays within its own allowance; together they spend the overall one.
    for (let i = 0; i < limits.overall; i++) {
      const at = Math.floor(i / limits.perAddress);
      const status = (await postSignIn(fetch, forms[at]!, `wrong-guess-${i}-0123456789`, addresses[at]!)).status;
      if (status === 401) compared++;
    }
    expect(compared).toBe(limits.overall);
    const last = addresses.length - 1;
    const right = await postSignIn(fetch, forms[last]!, token, addresses[last]!);
    expect(right.status).toBe(429);
    expect(right.headers.get("retry-after")).toBe(String(limits.periodS));
    expect(await right.text()).toContain("Too many sign-in attempts at this console");
    expect(logText()).toContain("console sign-in throttled (all addresses)");
  });

  it("a burst of failed sign-ins fires an alert, told to Slack through the outbox", async () => {
    const token = freshToken();
    const fetch = consoleApp({ adminToken: token });
    const counted = await failures();
    const before = new Date();
    // From as many addresses as it takes, each within its allowance: every attempt is compared, and counted.
    const addresses = Array.from({ length: Math.ceil(DEFAULT_ALERT_SETTINGS.signInBurst.atLeast / limits.perAddress) }, freshAddress);
    for (let i = 0; i < DEFAULT_ALERT_SETTINGS.signInBurst.atLeast; i++) {
      const address = addresses[Math.floor(i / limits.perAddress)]!;
      expect((await postSignIn(fetch, await loginForm(fetch, address), `wrong-guess-${i}-0123456789`, address)).status).toBe(401);
    }
    expect((await failures()) - counted).toBe(DEFAULT_ALERT_SETTINGS.signInBurst.atLeast);

    const config = { ...loadConfig(env), ALERTS_SLACK_CHANNEL: "C0ALERTS1" };
    const deps: AlertDeps = { settings: DEFAULT_ALERT_SETTINGS, checkConnections: async () => [] };
    const result = await evaluateAlerts(env, alertPorts(env, config), new Date(), deps);
    expect(result.firing).toContain("console-sign-ins");
    const alert = await env.DB.prepare("select detail from alerts where id = 'console-sign-ins'").first<{ detail: string }>();
    expect(alert!.detail).toMatch(/^\d+ sign-ins at \/console\/login with a wrong admin token in the last 15 minutes/);
    const told = await env.DB.prepare("select payload from effects where lead_key = 'alerts' and created_at >= ?1")
      .bind(before.toISOString())
      .all<{ payload: string }>();
    expect(told.results.map((r) => JSON.parse(r.payload).text)).toContainEqual(expect.stringContaining(":rotating_light: Console sign-ins failing"));

    // Fifteen minutes later, with nothing refused since, it ends.
    const later = await evaluateAlerts(env, alertPorts(env, config), new Date(Date.now() + 16 * 60_000), deps);
    expect(later.firing).not.toContain("console-sign-ins");
  });
});
