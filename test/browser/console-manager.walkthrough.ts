import type { BrowserContext, Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, expectFitsWidth, tabStops } from "./accessibility";
import { admin, type DevSession, devVars, HUBSPOT, screenshot as save, until, WORKER } from "./harness";

/** Kept as a screenshot, checked with axe-core, and fitting its window. */
async function screenshot(page: Page, name: string): Promise<void> {
  await save(page, name);
  await expectAccessible(page, name);
  await expectFitsWidth(page, name);
}

/**
 * Issue 27, as a sales manager runs the team from the console at 1366 px (and reads the overview
 * on a phone): people by name, the team's availability changed in two clicks, the policy changed
 * without JSON, every time in the zone they pick, every page usable by keyboard and by axe-core's
 * reckoning.
 */
export const consoleManagerWalkthrough = (session: DevSession) =>
  describe("the console as a sales manager uses it", () => {
    let context: BrowserContext;
    let page: Page;
    const portal = "62515";

    beforeAll(async () => {
      context = await session.browser.newContext({ viewport: { width: 1366, height: 900 }, bypassCSP: true });
      page = await context.newPage();
      await page.goto(`${WORKER}/console/login`);
      await page.fill("input[name=token]", devVars().ADMIN_TOKEN!);
      await page.click("button[type=submit]");
      await page.waitForURL(`${WORKER}/console`);
    });

    it("names people: a lead by its name with its score and routing reason, a deal's stage by HubSpot's label", async () => {
      // The labels are read from the CRM by the cron (and the health page's check).
      await fetch(`${WORKER}/cdn-cgi/local/scheduled`);
      const create = async (type: string, properties: Record<string, string>) =>
        (await (
          await fetch(`${HUBSPOT}/_emulator/ui/${type}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ properties }),
          })
        ).json()) as { id: string };
      const deal = await create("deals", {
        dealname: "Northwind expansion",
        dealstage: "contractsent",
        hubspot_owner_id: "84213372",
        amount: "12000",
      });
      const key = `hubspot:${portal}:deal:${deal.id}`;
      await until(
        "the deal's nudge",
        async () => (await admin(`/admin/leads/${encodeURIComponent(key)}`)).audit.find((a: any) => a.outcome === "nudged"),
        60_000,
      );
      await page.goto(`${WORKER}/console/leads/${encodeURIComponent(key)}`);
      const summary = await page.textContent("#lead-summary");
      expect(summary).toContain("Contract Sent");
      expect(summary).toContain("Sam Chen");
      expect(await page.textContent("h1")).toBe("Northwind expansion");
      // Deadlines in words, not internal names.
      expect(await page.textContent("#pending")).toContain("Stage gate: the deal moves back unless its required fields are filled");
      expect(await page.textContent("main")).not.toContain("stage-gate:revert");
      await screenshot(page, "lead-deal");

      // The form lead of the example-form walkthrough: its name, score, tier, reasons and why it has its owner.
      await page.goto(`${WORKER}/console/leads?q=maya`);
      await page.click("main table a");
      expect(await page.textContent("h1")).toBe("Maya Patel");
      const lead = await page.textContent("#lead-summary");
      expect(lead).toMatch(/Score\s*\d+ \((cold|warm|hot)\)/);
      expect(lead).toContain("Why this owner");
      expect(lead).toContain("weighted round robin");
      await screenshot(page, "lead-form");
    });

    it("shows every time in the zone the viewer picks", async () => {
      await page.goto(`${WORKER}/console/outbox`);
      await page.selectOption("header select[name=zone]", "Europe/London");
      // The form posts and comes back to the same page.
      await Promise.all([page.waitForNavigation(), page.click("header .zone-form button")]);
      expect(await page.inputValue("header select[name=zone]")).toBe("Europe/London");
      const cookie = (await context.cookies()).find((c) => c.name === "console_zone");
      expect(cookie?.value).toBe("Europe%2FLondon");
    });

    it("marks a rep out of office and back, and changes a weight, in two clicks each", async () => {
      await page.goto(`${WORKER}/console/team`);
      const sam = page.locator("#rep-sam");
      expect(await sam.textContent()).toContain("Available");
      await screenshot(page, "team");
      await page.click("#away-sam");
      await page.locator("#rep-sam .status.away").waitFor();
      expect(await page.textContent(".notice")).toMatch(/Saved as v\d+\./);
      expect(await sam.textContent()).toContain("Out of office until");
      expect(await page.textContent("#team-changes")).toMatch(/Sam Chen out of office .*by admin/);
      await screenshot(page, "team-away");
      await page.click("#back-sam");
      await page.locator("#rep-sam .status.available").waitFor();
      expect(await sam.textContent()).toContain("Available");
      await sam.locator("input[name=weight]").fill("2");
      await sam.locator("form[action$='/settings'] button").click();
      await page.locator(".notice").waitFor();
      expect((await admin("/admin/policy")).policy.reps.find((r: any) => r.id === "sam").weight).toBe(2);
    });

    it("changes the policy's common parts without JSON", async () => {
      await page.goto(`${WORKER}/console/policy`);
      await screenshot(page, "policy");
      for (const section of ["teams", "stale", "gates", "sla"]) {
        await page.goto(`${WORKER}/console/policy/${section}`);
        await screenshot(page, `policy-${section}`);
      }
      // A cadence step's text, previewed for a sample lead with the fallbacks where it has no value.
      await page.goto(`${WORKER}/console/policy/cadences`);
      const step = page.locator("#step-inbound-sales-day-0-acknowledge");
      expect(await step.locator(".preview-subject").textContent()).toBe("Reply to Jane's demo request and offer a call");
      await page.fill("#sample-lead input[name='sample.firstName']", "");
      await page.click("#sample-lead button");
      expect(await step.locator(".preview-subject").textContent()).toBe("Reply to the new lead's demo request and offer a call");
      await step.locator("input[name=subject]").fill('Answer {{ firstName | fallback: "the new lead" }} within the hour');
      await Promise.all([page.waitForNavigation(), step.locator("button[type=submit]").click()]);
      await page.locator(".notice").waitFor();
      expect(await page.textContent(".notice")).toMatch(/Saved as v\d+\./);
      expect(await page.locator("#step-inbound-sales-day-0-acknowledge .preview-subject").textContent()).toBe("Answer Jane within the hour");
      await screenshot(page, "policy-cadences");

      // The score of a sample submission, live.
      await page.goto(`${WORKER}/console/policy/scoring`);
      const before = Number(await page.textContent("#sample-score-value"));
      await page.fill("#scoring-sample input[name='field.jobTitle']", "Intern");
      await page.click("#scoring-sample button");
      expect(Number(await page.textContent("#sample-score-value"))).toBeLessThan(before);
      await screenshot(page, "policy-scoring");
    });

    it("can be used with the keyboard alone", async () => {
      await page.goto(`${WORKER}/console/team`);
      // The first Tab reaches the skip link, which takes the keyboard past the header.
      await page.keyboard.press("Tab");
      expect(await page.evaluate(() => (globalThis as any).document.activeElement?.textContent)).toBe("Skip to the page");
      const stops = await tabStops(page);
      for (const wanted of ["Overview", "Team", "Policy", "out of office", "Save"]) expect(stops.join("\n"), wanted).toContain(wanted);
      // A rep marked away by keyboard: focus the button and press Enter.
      // The form posts and the page comes back (to the same URL): wait for what it shows.
      await page.focus("#away-alex");
      await page.keyboard.press("Enter");
      await page.locator("#rep-alex .status.away").waitFor();
      expect(await page.locator("#rep-alex").textContent()).toContain("Out of office until");
      await page.focus("#back-alex");
      await page.keyboard.press("Enter");
      await page.locator("#rep-alex .status.available").waitFor();
    });

    it("reads the overview at 1366 px with charts in units that fit, and on a phone", async () => {
      await page.goto(`${WORKER}/console?days=7`);
      expect(await page.locator("#chart-speed canvas").count()).toBeGreaterThan(0);
      expect(await page.locator("#chart-sla canvas").count()).toBeGreaterThan(0);
      expect(await page.locator("#chart-dead canvas").count()).toBeGreaterThan(0);
      // Reps by name, one row each.
      const reps = (await page.locator("#reassignments-per-rep tbody tr td:first-child").allTextContents()).map((t) => t.trim());
      expect(new Set(reps).size).toBe(reps.length);
      expect(reps.join(" ")).not.toMatch(/\d{6,}/);
      await screenshot(page, "overview-1366");

      const phone = await session.browser.newContext({ viewport: { width: 390, height: 844 }, bypassCSP: true, isMobile: true, hasTouch: true });
      await phone.addCookies(await context.cookies());
      const small = await phone.newPage();
      await small.goto(`${WORKER}/console?days=7`);
      await small.locator("#chart-leads canvas").waitFor();
      await save(small, "overview-phone");
      await expectFitsWidth(small, "overview on a phone");
      await expectAccessible(small, "overview on a phone");
      await phone.close();
    });
  });
