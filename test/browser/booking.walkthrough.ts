import type { Page } from "playwright-core";
import { beforeAll, describe, expect, it } from "vitest";
import { admin, type DevSession, HUBSPOT, screenshot, until, WORKER } from "./harness";

const GOOGLE = "http://127.0.0.1:8794";
const GRAPH = "http://127.0.0.1:8795";
const SLACK = "http://127.0.0.1:8792";

/** The reps of the default policy: who they are in the emulators (docs/booking.md). */
const REPS: Record<string, { calendar: "google" | "microsoft"; address: string; owner: string; dm: string; zone: string }> = {
  "Alex Rivera": { calendar: "google", address: "alex.rivera@example.com", owner: "84213371", dm: "D05REPONE01", zone: "America/New_York" },
  "Sam Chen": { calendar: "microsoft", address: "sam.chen@example.com", owner: "84213372", dm: "D05REPTWO02", zone: "Europe/London" },
};

const json = async (url: string) => (await fetch(url)).json() as Promise<any>;

/**
 * Booking on the spot in headless Chromium against `npm run dev`: a visitor in Berlin sends the
 * example demo form, the times of the rep it was routed to appear below the thank-you in Berlin
 * time, and one is booked with a click. Then the meeting is where it belongs: the event in the
 * rep's calendar (the Google Calendar or Microsoft Graph emulator), the meeting on the contact in
 * the HubSpot emulator, the cadence stopped as "meeting booked", the rep's DM in the Slack emulator.
 */
export const bookingWalkthrough = (session: DevSession) =>
  describe("booking on the spot in a browser", () => {
    let page: Page;
    const email = `lena.vogel.${Date.now()}@northwind-robotics.com`;

    beforeAll(async () => {
      const context = await session.browser.newContext({ viewport: { width: 900, height: 1400 }, timezoneId: "Europe/Berlin" });
      page = await context.newPage();
    });

    it("a Berlin visitor books a time right after the form, and the meeting reaches the calendar, HubSpot, the cadence and Slack", async () => {
      await page.goto(`${WORKER}/forms/demo`);
      await page.locator(".cf-turnstile", { hasText: "success" }).waitFor();
      await page.fill("input[name=email]", email);
      await page.fill("input[name=firstName]", "Lena");
      await page.fill("input[name=lastName]", "Vogel");
      await page.fill("input[name=company]", "Northwind Robotics");
      await page.fill("input[name=jobTitle]", "Head of Sales");
      await page.check("input[name=consent_privacy]");
      await page.waitForTimeout(3_200);
      await page.click("button[type=submit]");
      await expect.poll(() => page.textContent("#result"), { timeout: 15_000 }).toMatch(/^Thank you!/);

      // The times, once the submission is routed: in Berlin time, as the browser's zone says.
      const title = page.locator("#booking [data-lead-booking-title]");
      await title.waitFor({ timeout: 60_000 });
      expect(await title.textContent()).toMatch(/^Book a 30-minute meeting with (Alex Rivera|Sam Chen) \(times in Europe\/Berlin\):$/);
      const repName = /with (Alex Rivera|Sam Chen)/.exec((await title.textContent())!)![1]!;
      const rep = REPS[repName]!;
      const buttons = page.locator("#booking button[data-slot]");
      expect(await buttons.count()).toBeGreaterThan(10);
      // Working 09:00–17:00 in New York (15:00–23:00 in Berlin) or in London (10:00–18:00 in Berlin).
      const times = await buttons.allTextContents();
      const [earliest, latest] = repName === "Alex Rivera" ? ["14:00", "23:00"] : ["09:00", "18:00"];
      for (const time of times) expect(time >= earliest && time < latest, `${time} for ${repName}`).toBe(true);
      await screenshot(page, "booking-slots");

      const chosen = buttons.nth(2);
      const start = (await chosen.getAttribute("data-slot"))!;
      const label = (await chosen.getAttribute("title"))!;
      expect(label).toContain("(Europe/Berlin)");
      await chosen.click();
      const booked = page.locator("#booking [data-lead-booking-booked]");
      await booked.waitFor({ timeout: 30_000 });
      expect(await booked.textContent()).toBe(`You're booked: ${label} with ${repName}. An invitation is on its way to your email.`);
      await screenshot(page, "booking-booked");

      // The rep's calendar: the event at that time, the visitor invited.
      if (rep.calendar === "google") {
        const events = await json(`${GOOGLE}/_emulator/events?calendarId=${encodeURIComponent(rep.address)}`);
        const event = events.find((e: any) => e.event.attendees?.some((a: any) => a.email === email));
        expect(Date.parse(event.event.start.dateTime)).toBe(Date.parse(start));
        expect(event.event.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\//);
      } else {
        const events = await json(`${GRAPH}/_emulator/events?user=${encodeURIComponent(rep.address)}`);
        const event = events.find((e: any) => e.event.attendees?.some((a: any) => a.emailAddress.address === email));
        expect(event.event.onlineMeeting.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\//);
      }

      // The meeting on the contact in HubSpot, owned by the rep.
      const contact = await until("the contact in the HubSpot emulator", async () => {
        const contacts = (await json(`${HUBSPOT}/_emulator/objects/contacts`)) as any[];
        return contacts.find((c) => c.properties.email === email && c.properties.lead_follow_up_tier);
      });
      const meeting = await until("the meeting in the HubSpot emulator", async () => {
        const meetings = (await json(`${HUBSPOT}/_emulator/objects/meetings`)) as any[];
        return meetings.find((m) => m.associations?.contacts?.some((a: any) => a.id === contact.id));
      });
      expect(meeting.properties).toMatchObject({ hs_meeting_outcome: "SCHEDULED", hubspot_owner_id: rep.owner });
      expect(Date.parse(meeting.properties.hs_meeting_start_time)).toBe(Date.parse(start));

      // The cadence the form enrolled it in has stopped: a meeting is booked.
      const lead = await until("the cadence to stop", async () => {
        const snapshot = await admin(`/admin/leads/${encodeURIComponent(`hubspot:62515:contact:${contact.id}`)}`);
        return snapshot.audit.some((a: any) => a.outcome === "stopped") && snapshot;
      });
      expect(lead.audit.find((a: any) => a.outcome === "stopped").reason).toMatch(/^meeting booked: /);

      // The rep's DM in Slack, with the lead's context.
      const dm = await until("the rep's DM in the Slack emulator", async () => {
        const messages = (await json(`${SLACK}/_emulator/messages?channel=${rep.dm}`)) as any[];
        return messages.find((m) => m.text?.includes("Lena Vogel"));
      });
      expect(dm.text).toContain("booked a meeting with you");
      expect(dm.text).toContain(`(${rep.zone})`);
    });
  });
