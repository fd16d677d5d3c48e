import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, expectFitsWidth } from "./accessibility";
import { admin, type DevSession, devVars, HUBSPOT, screenshot as save, until, WORKER } from "./harness";

/** Every page the walkthrough shows is kept as a screenshot, checked with axe-core, and must fit the 1366 px window. */
async function screenshot(page: Page, name: string): Promise<void> {
  await save(page, name);
  await expectAccessible(page, name);
  await expectFitsWidth(page, name);
}

/**
 * The console as an admin uses it, in headless Chromium against `npm run dev`: sign in, find a
 * lead and read why it was reassigned, retry a dead effect, change the policy safely, sign out.
 */
export const consoleWalkthrough = (session: DevSession) =>
  describe("the console in a browser", () => {
    let context: BrowserContext;
    let page: Page;
    const portal = "62515";

    beforeAll(async () => {
      // 1366 px, the laptop; CSP bypassed only so axe-core can be injected into the pages.
      context = await session.browser.newContext({ viewport: { width: 1366, height: 900 }, bypassCSP: true });
      page = await context.newPage();
    });

    it("refuses every page without a session, and sends the browser to sign in", async () => {
      for (const path of ["/console", "/console/leads", "/console/outbox", "/console/policy", "/console/health"]) {
        const response = await fetch(`${WORKER}${path}`, { redirect: "manual" });
        expect(response.status, path).toBe(303);
        expect(response.headers.get("location")).toBe("/console/login");
      }
      const post = await fetch(`${WORKER}/console/outbox/retry`, { method: "POST", body: new URLSearchParams({ all: "dead" }), redirect: "manual" });
      expect(post.status).toBe(401);
      await page.goto(`${WORKER}/console/outbox`);
      expect(new URL(page.url()).pathname).toBe("/console/login");
      await screenshot(page, "login");
    });

    it("signs in with the admin token (a wrong one is refused)", async () => {
      await page.goto(`${WORKER}/`);
      await page.fill("input[name=token]", "not-the-admin-token");
      await page.click("button[type=submit]");
      await expect.poll(() => page.textContent("main")).toContain("That is not the admin token");
      await page.fill("input[name=token]", devVars().ADMIN_TOKEN!);
      await page.click("button[type=submit]");
      await page.waitForURL(`${WORKER}/console`);
      expect(await page.textContent("h1")).toBe("Overview");
      const cookie = (await context.cookies()).find((c) => c.name === "console_session")!;
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/console" });
      await screenshot(page, "overview-empty");
    });

    it("finds a lead by email and shows why it was reassigned", async () => {
      // A stale threshold of seconds, as in npm run tour: Sam lets a hot lead go stale.
      const { policy } = await admin("/admin/policy");
      policy.rules.staleLead.threshold = { duration: "PT15S", businessHours: false };
      await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) });
      const contact = (await (
        await fetch(`${HUBSPOT}/_emulator/ui/contacts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ properties: { email: "ada.lovelace@example.com", hubspot_owner_id: "84213371", lead_follow_up_score: "80" } }),
        })
      ).json()) as any;
      const key = `hubspot:${portal}:contact:${contact.id}`;
      await until(
        "the reassignment",
        async () => (await admin(`/admin/leads/${encodeURIComponent(key)}`)).audit.find((a: any) => a.outcome === "reassigned"),
        90_000,
      );
      await page.goto(`${WORKER}/console/leads`);
      await page.fill("input[name=q]", "ada.lovelace@example.com");
      await page.click("main form button[type=submit]");
      await page.click(`a[href="/console/leads/${encodeURIComponent(key)}"]`);
      const row = page.locator("tr.journey-decision", { hasText: "Stale lead: reassigned" });
      await row.waitFor();
      const why = await row.textContent();
      expect(why).toContain("no activity since");
      expect(why).toMatch(/weighted round robin in Inbound SDRs: Sam Chen/);
      // Owners by name, ids one click away.
      expect(why).toMatch(/from: Alex Rivera.*to: Sam Chen/);
      expect(why).not.toContain("84213371");
      expect(why).toMatch(/policy v\d+/);
      await screenshot(page, "lead");
    });

    it("retries a dead effect and shows it done", async () => {
      // A property HubSpot does not have yet: refused for good, until an admin creates it.
      const contact = (await (
        await fetch(`${HUBSPOT}/_emulator/ui/contacts`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ properties: { email: "grace@example.com" } }),
        })
      ).json()) as any;
      const effect = {
        type: "updateProperties",
        crm: "hubspot",
        accountId: portal,
        objectType: "contact",
        objectId: contact.id,
        properties: { console_test_field: "seen" },
      };
      const { ids } = await admin("/admin/effects", {
        method: "POST",
        body: JSON.stringify([
          { idempotencyKey: `browser-test:${contact.id}`, leadKey: `hubspot:${portal}:contact:${contact.id}`, rule: "manual", effect },
        ]),
      });
      const id = ids[0] as string;
      await until("the effect to die", async () => (await admin("/admin/effects?status=dead")).effects.find((e: any) => e.id === id));
      await page.goto(`${WORKER}/console/outbox?status=dead`);
      const row = page.locator(`#effect-${id}`);
      expect(await row.textContent()).toContain("does not exist");
      await screenshot(page, "outbox-dead");
      // The admin fixes the cause in the CRM, then retries from the console.
      const created = await fetch(`${HUBSPOT}/crm/properties/2026-09/contacts`, {
        method: "POST",
        headers: { authorization: `Bearer ${devVars().HUBSPOT_ACCESS_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({
          name: "console_test_field",
          label: "Console test",
          type: "string",
          fieldType: "text",
          groupName: "contactinformation",
        }),
      });
      expect(created.status).toBe(201);
      await row.locator("input[type=checkbox]").check();
      await page.click("button[name=selected]");
      await expect.poll(() => page.textContent(".notice")).toContain("Retried 1 dead effect");
      await until(
        "the effect to be done",
        async () => {
          await page.goto(`${WORKER}/console/outbox?status=done`);
          return (await page.locator(`#effect-${id} .status.done`).count()) > 0;
        },
        30_000,
      );
      await screenshot(page, "outbox-done");
    });

    it("refuses an invalid policy inline, at its line in the editor, dry-runs and saves a valid one, and rolls it back", async () => {
      await page.goto(`${WORKER}/console/policy/advanced`);
      // The advanced editor is CodeMirror over the textarea, with the policy's JSON Schema.
      const editor = page.locator(".cm-editor .cm-content");
      await editor.waitFor();
      const before = Number((await page.textContent("#active-version"))!.slice(1));
      const original = await page.inputValue("#policy-text");

      // Completion from the schema: a new key in the document offers the policy's fields.
      await editor.click();
      await page.keyboard.press("Control+Home");
      await page.keyboard.press("End");
      await page.keyboard.press("Enter");
      await page.keyboard.type('"');
      await page.keyboard.press("Control+Space");
      const completion = page.locator(".cm-tooltip-autocomplete");
      await completion.waitFor();
      expect(await completion.textContent()).toMatch(/timeZone|holidays|forms|routing|scoring/);
      await screenshot(page, "policy-editor-completion");
      await page.keyboard.press("Escape");

      const invalid = JSON.parse(original);
      invalid.timeZone = "Mars/Olympus_Mons";
      await editor.fill(JSON.stringify(invalid, null, 2));
      await page.click("#save");
      await page.locator("#policy-errors").waitFor();
      expect(await page.textContent("#policy-errors")).toMatch(/line 2: timeZone/);
      expect(await page.inputValue("#policy-text")).toContain("Mars/Olympus_Mons");
      // The server's problem is marked at its line in the editor.
      await page.locator(".cm-editor .cm-lint-marker-error").first().waitFor();
      expect(await page.textContent("#active-version")).toBe(`v${before}`);
      expect((await admin("/admin/policy")).version).toBe(before);
      await screenshot(page, "policy-invalid");

      // A valid change: cold leads go to nurture no more, every stale lead is reassigned.
      const valid = JSON.parse(original);
      valid.rules.staleLead.scoreThreshold = 0;
      await page.locator(".cm-editor .cm-content").fill(JSON.stringify(valid, null, 2));
      await page.click("#policy-form button[type=submit]:not(#save)");
      await page.locator("#dry-run").waitFor();
      expect(await page.textContent("#dry-run")).toMatch(/\d+ events? of \d+ records? from the last 7 days/);
      // The replay of the active policy agrees with what the records did live.
      expect(await page.textContent("#dry-run-live")).toMatch(/agrees with all \d+ decisions?|No record ran only under the active policy/);
      await screenshot(page, "policy-dry-run");
      await page.click("#save");
      // The notice is the server's (a flash cookie): the URL carries nothing.
      await page.waitForURL(`${WORKER}/console/policy`);
      expect(await page.textContent(".notice")).toBe(`Saved as v${before + 1}.`);
      expect(await page.textContent("#active-version")).toBe(`v${before + 1}`);
      expect((await admin("/admin/policy")).policy.rules.staleLead.scoreThreshold).toBe(0);
      expect(await page.textContent("#policy-history")).toContain("the whole document (advanced editor)");

      await page.goto(`${WORKER}/console/policy/advanced?diff=${before + 1}`);
      expect(await page.textContent("#policy-diff")).toContain('"scoreThreshold": 0');
      await screenshot(page, "policy-diff");

      await page.click(`#rollback-${before}`);
      await page.waitForURL(`${WORKER}/console/policy`);
      expect(await page.textContent(".notice")).toBe(`Saved as v${before + 2}.`);
      expect(await page.textContent("#active-version")).toBe(`v${before + 2}`);
      const rolledBack = await admin("/admin/policy");
      expect(rolledBack.policy.rules.staleLead.scoreThreshold).toBe(JSON.parse(original).rules.staleLead.scoreThreshold);
      await screenshot(page, "policy-rolled-back");
    });

    it("shows the overview and health of what just happened", async () => {
      await fetch(`${WORKER}/cdn-cgi/local/scheduled`);
      await page.goto(`${WORKER}/console?days=7`);
      const card = (label: string) => page.locator(".card", { hasText: label }).locator(".value").textContent();
      expect(Number(await card("Dead effects"))).toBeGreaterThanOrEqual(1);
      expect(await page.locator("#chart-leads canvas").count()).toBeGreaterThan(0);
      await screenshot(page, "overview");
      await page.goto(`${WORKER}/console/health`);
      await page.click("text=Check the CRM and Slack connections");
      const checks = page.locator("#connection-checks");
      await checks.waitFor();
      expect(await checks.textContent()).toContain("HubSpot");
      expect(await page.textContent("main")).toContain("hubspot");
      await screenshot(page, "health");
    });

    it("refuses a POST whose CSRF token is missing, even with the session", async () => {
      const cookie = (await context.cookies()).find((c) => c.name === "console_session")!;
      const response = await fetch(`${WORKER}/console/policy/rollback`, {
        method: "POST",
        headers: { cookie: `console_session=${cookie.value}`, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ version: "1" }),
        redirect: "manual",
      });
      expect(response.status).toBe(403);
    });

    it("signs out: the session ends, and a copy of its cookie opens no page and its POSTs are refused", async () => {
      await page.goto(`${WORKER}/console/policy/advanced`);
      const cookie = (await context.cookies()).find((c) => c.name === "console_session")!;
      const csrf = await page.inputValue("#policy-form input[name=_csrf]");
      const copy = `console_session=${cookie.value}`;
      // A rollback to a version that does not exist: the session's POST is heard (400), and changes nothing.
      const post = () =>
        fetch(`${WORKER}/console/policy/rollback`, {
          method: "POST",
          headers: { cookie: copy, "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({ _csrf: csrf, version: "999999" }),
          redirect: "manual",
        });
      expect((await fetch(`${WORKER}/console/policy`, { headers: { cookie: copy }, redirect: "manual" })).status).toBe(200);
      expect((await post()).status).toBe(400);

      await page.click('header form[action="/console/logout"] button');
      await page.waitForURL(`${WORKER}/console/login`);
      expect((await context.cookies()).find((c) => c.name === "console_session")).toBeUndefined();
      await screenshot(page, "signed-out");

      for (const path of ["/console", "/console/policy", "/console/outbox", "/console/leads", "/console/health"]) {
        const response = await fetch(`${WORKER}${path}`, { headers: { cookie: copy }, redirect: "manual" });
        expect(response.status, path).toBe(303);
        expect(response.headers.get("location")).toBe("/console/login");
      }
      expect((await post()).status).toBe(401);
      // Given the copy back, the browser itself is sent to sign in.
      await context.addCookies([{ name: "console_session", value: cookie.value, url: `${WORKER}/console` }]);
      await page.goto(`${WORKER}/console/policy`);
      expect(new URL(page.url()).pathname).toBe("/console/login");
    });
  });
