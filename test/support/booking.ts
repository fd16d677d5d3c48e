import { expect } from "vitest";
import type { AppOptions } from "../../src/http/app";
import { DEMO, freshIp, intakeHarness } from "./intake";
import { eventually, ORIGIN } from "./requests";

/** A booking link's answer of /slots when it offers times. */
export interface OpenSlots {
  status: "open";
  zone: string;
  meetingMinutes: number;
  rep?: string;
  slots: { start: string; end: string; date: string; day: string; time: string; label: string }[];
}

/**
 * The Worker's app (intake with the siteverify stand-in, and the booking pages), each request from
 * its own client address so the per-address limits never get in a test's way by accident.
 */
export function bookingHarness(options: AppOptions = {}) {
  const intake = intakeHarness(options);
  const request = (path: string, init: RequestInit & { ip?: string } = {}) => {
    const { ip, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", ip ?? freshIp());
    return intake.fetch(new Request(path.startsWith("http") ? path : ORIGIN + path, { ...rest, headers }));
  };
  const pathOf = (url: string) => new URL(url).pathname;

  return {
    intake,
    request,
    /** Sends the form; returns the submission and its booking link's path. */
    async submit(formKey: string, fields: Record<string, unknown>) {
      const response = await intake.post(formKey, { ...DEMO, ...fields });
      expect(response.status).toBe(202);
      const body = (await response.json()) as { submissionId: string; bookingToken?: string; bookingUrl?: string };
      return {
        submissionId: body.submissionId,
        bookingUrl: body.bookingUrl,
        path: body.bookingUrl ? pathOf(body.bookingUrl) : undefined,
        token: body.bookingToken,
      };
    },
    /** Waits until the link offers times (the submission routed), and returns them. */
    async slots(path: string, zone?: string, timeoutMs = 45_000): Promise<OpenSlots> {
      return eventually(async () => {
        const response = await request(`${path}/slots${zone ? `?zone=${encodeURIComponent(zone)}` : ""}`);
        const body = (await response.json()) as any;
        if (body.status !== "open") throw new Error(`slots: ${response.status} ${JSON.stringify(body)}`);
        return body as OpenSlots;
      }, timeoutMs);
    },
    /** What /slots answers now (pending, open, unavailable…). */
    async slotsNow(path: string, zone?: string) {
      const response = await request(`${path}/slots${zone ? `?zone=${encodeURIComponent(zone)}` : ""}`);
      return { status: response.status, body: (await response.json()) as any };
    },
    /** Books a time as the embed script does (JSON). */
    async book(path: string, slot: string, attempt: string, init: { ip?: string } = {}) {
      const response = await request(path, {
        method: "POST",
        body: JSON.stringify({ slot, attempt }),
        headers: { "content-type": "application/json" },
        ...init,
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as any };
    },
    /** Books a time as the page's form does (no JavaScript): a form post answered with a redirect or a page. */
    async bookForm(path: string, slot: string, attempt: string) {
      return request(path, {
        method: "POST",
        body: new URLSearchParams({ slot, attempt }).toString(),
        headers: { "content-type": "application/x-www-form-urlencoded" },
        redirect: "manual",
      });
    },
    pathOf,
  };
}
