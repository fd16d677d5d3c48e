import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { admin, type DevSession, HUBSPOT, screenshot, until, WORKER } from "./harness";

/**
 * The intake part of npm run tour (docs/intake.md) in headless Chromium against `npm run dev`: a visitor fills the
 * example form of the default policy's `demo` form (its Turnstile widget served by the local
 * stand-in), and the contact appears in the HubSpot emulator with the product's score, tier,
 * reasons, owner and routing reason, enrolled in the demo-request cadence.
 */
export const exampleFormWalkthrough = (session: DevSession) =>
  describe("the example form in a browser", () => {
    let page: Page;
    const email = `maya.patel.${Date.now()}@northwind-robotics.com`;

    beforeAll(async () => {
      // The visitor's zone travels with the submission and becomes the lead's zone for the cadence.
      const context = await session.browser.newContext({ viewport: { width: 900, height: 1100 }, timezoneId: "Europe/Berlin" });
      page = await context.newPage();
    });

    it("sends a demo request that becomes a scored, routed HubSpot contact", async () => {
      await page.goto(`${WORKER}/forms/demo?utm_source=newsletter&utm_campaign=winter`);
      expect(await page.textContent("h1")).toBe("Request a demo");
      // The stand-in widget has put its token in the form, as a test site key's widget does.
      await page.locator(".cf-turnstile", { hasText: "success" }).waitFor();
      expect(await page.inputValue("input[name=cf-turnstile-response]")).toBe("XXXX.DUMMY.TOKEN.XXXX");

      await page.fill("input[name=email]", email);
      await page.fill("input[name=firstName]", "Maya");
      await page.fill("input[name=lastName]", "Patel");
      await page.fill("input[name=company]", "Northwind Robotics");
      await page.fill("input[name=jobTitle]", "VP of Sales");
      await page.fill("input[name=phone]", "(650) 253-0000");
      await page.fill("textarea[name=message]", "We need this for 40 reps before the next quarter.");
      await page.check("input[name=consent_privacy]");
      await screenshot(page, "example-form");
      // A person takes longer than the form's minimum fill time (3 s); a bot that posts at once is spam.
      await page.waitForTimeout(3_200);
      await page.click("button[type=submit]");
      await expect.poll(() => page.textContent("#result"), { timeout: 15_000 }).toMatch(/^Thank you!/);
      const submissionId = /submission (\S+)\)/.exec((await page.textContent("#result"))!)![1]!;
      await screenshot(page, "example-form-sent");

      const contact = await until(
        "the contact in the HubSpot emulator",
        async () => {
          const contacts = (await (await fetch(`${HUBSPOT}/_emulator/objects/contacts`)).json()) as any[];
          return contacts.find((c) => c.properties.email === email && c.properties.lead_follow_up_tier);
        },
        90_000,
      );
      expect(contact.properties).toMatchObject({
        firstname: "Maya",
        lastname: "Patel",
        company: "Northwind Robotics",
        jobtitle: "VP of Sales",
        phone: "+16502530000",
        lead_source: "demo_request",
      });
      expect(Number(contact.properties.lead_follow_up_score)).toBeGreaterThanOrEqual(40);
      expect(["warm", "hot"]).toContain(contact.properties.lead_follow_up_tier);
      expect(contact.properties.lead_follow_up_score_reasons).toContain("VP");
      expect(contact.properties.lead_follow_up_routing_reason).toContain("weighted round robin");
      expect(contact.properties.hubspot_owner_id).toMatch(/^\d+$/);

      const submission = await until("the submission to be enrolled", async () => {
        const s = await admin(`/admin/submissions/${submissionId}`);
        return s.steps.some((step: any) => step.step === "enrolled") && s;
      });
      expect(submission.status).toBe("processed");
      expect(submission.steps.map((s: any) => s.step)).toContain("written to the CRM");
      // The first task is minutes away (the cadence's first-touch delay): a wake-up is waiting for it.
      const key = `hubspot:62515:contact:${contact.id}`;
      const lead = await until("the record's cadence", async () => {
        const snapshot = await admin(`/admin/leads/${encodeURIComponent(key)}`);
        return snapshot.pendingWakeups.some((w: any) => w.name === "cadence:step") && snapshot;
      });
      expect(lead.events.map((e: any) => e.kind)).toContain("submitted");
      expect(JSON.stringify(submission)).toContain("Europe/Berlin");

      // The consent the visitor gave is on record with the exact text they saw and the page.
      const consents = await admin(`/admin/consents?email=${encodeURIComponent(email)}`);
      const privacy = consents.records.find((r: any) => r.consentId === "privacy");
      expect(privacy).toMatchObject({ action: "given", textVersion: "2026-01", legalBasis: "contract", formKey: "demo", submissionId });
      expect(privacy.text).toContain("answer this demo request");
      expect(privacy.pageUrl).toContain("/forms/demo");
      expect(privacy.userAgent).toContain("Chrome");
      expect(consents.records.find((r: any) => r.consentId === "marketing")).toBeUndefined();
    });
  });
