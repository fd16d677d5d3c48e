import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { admin, type DevSession, screenshot, until, WORKER } from "./harness";

/** Where `npm run dev` runs the Postmark emulator (.dev.vars.example's POSTMARK_API_BASE). */
const POSTMARK = "http://127.0.0.1:8797";

/**
 * Cadence emails in headless Chromium against `npm run dev` (docs/email.md): the demo cadence's
 * first two steps sent automatically, on a compressed clock (first touch 5–10 s after a form at
 * any hour, the follow-up 30 s later); a visitor fills the example form, the first email appears in
 * the Postmark emulator's mailbox, then the follow-up, threaded on it. The policy found is put back.
 */
export const emailWalkthrough = (session: DevSession) =>
  describe("cadence emails in a browser", () => {
    let page: Page;
    let saved: unknown;
    const email = `lena.fischer.${Date.now()}@northwind-robotics.com`;

    beforeAll(async () => {
      saved = (await admin("/admin/policy")).policy;
      const policy = structuredClone(saved) as any;
      const cadences = policy.rules.cadences;
      cadences.workingHours = { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" };
      cadences.firstTouchDelay = { min: "PT5S", max: "PT10S" };
      const steps = cadences.cadences.find((c: any) => c.id === "inbound-sales").steps;
      Object.assign(steps[0], { send: "auto", purpose: "sales-follow-up", nudge: false, subject: "Your demo request" });
      Object.assign(steps[1], { send: "auto", purpose: "sales-follow-up", offset: "PT30S", subject: "One resource" });
      for (const step of steps.slice(2)) step.offset = "P30D";
      // Two emails a day to one person, so the follow-up 30 s later goes the same day.
      policy.email.maxEmailsPerDay = 2;
      await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) });
      const context = await session.browser.newContext({ viewport: { width: 1000, height: 1100 }, timezoneId: "Europe/Berlin" });
      page = await context.newPage();
    });

    afterAll(async () => {
      if (saved) await admin("/admin/policy", { method: "PUT", body: JSON.stringify(saved) });
    });

    it("the example form, then the first email in the emulator's mailbox, then a threaded follow-up", async () => {
      await page.goto(`${WORKER}/forms/demo`);
      await page.locator(".cf-turnstile", { hasText: "success" }).waitFor();
      await page.fill("input[name=email]", email);
      await page.fill("input[name=firstName]", "Lena");
      await page.fill("input[name=lastName]", "Fischer");
      await page.fill("input[name=company]", "Northwind Robotics");
      await page.check("input[name=consent_privacy]");
      await page.waitForTimeout(3_200);
      await page.click("button[type=submit]");
      await expect.poll(() => page.textContent("#result"), { timeout: 15_000 }).toMatch(/^Thank you!/);

      // The mailbox a person reads at /_emulator/messages: the first email arrives within seconds.
      const mailbox = `${POSTMARK}/_emulator/messages?to=${encodeURIComponent(email)}`;
      await until(
        "the first email in the mailbox",
        async () => {
          await page.goto(mailbox);
          return (await page.locator("td a", { hasText: "Your demo request" }).count()) > 0;
        },
        90_000,
      );
      await screenshot(page, "email-first");
      await page.locator("td a", { hasText: "Your demo request" }).first().click();
      const body = await page.textContent("body");
      expect(body).toContain("Hi Lena,");
      expect(body).toContain("replies@mail.example.com");
      expect(body).toContain("List-Unsubscribe-Post");
      const firstId = (await page.locator("dt:text-is('Message-ID') + dd").textContent())!;
      expect(firstId).toMatch(/^<[0-9a-f]{40}@mail\.example\.com>$/);

      // Thirty seconds later the follow-up answers it, in the same thread.
      await until(
        "the threaded follow-up",
        async () => {
          await page.goto(mailbox);
          return (await page.locator("td a", { hasText: "Re: Your demo request" }).count()) > 0;
        },
        90_000,
      );
      await screenshot(page, "email-thread");
      await page.locator("td a", { hasText: "Re: Your demo request" }).click();
      expect(await page.locator("dt:text-is('In-Reply-To') + dd").textContent()).toBe(firstId);
      expect(await page.locator("dt:text-is('References') + dd").textContent()).toBe(firstId);
    });
  });
