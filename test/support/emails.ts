import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import type { PolicyInput } from "../../src/core/policy/policy";
import { control } from "./emulators";
import { ORIGIN, send } from "./requests";
import { TEST_BINDINGS } from "./test-bindings";

export interface Drained {
  seq: number;
  kind: string;
  headers: Record<string, string>;
  body: string;
  payload: any;
}

const mailControl = (base: () => string) => ({
  /** Messages sent to an address (JSON, as the emulator keeps them). */
  messagesTo: (to: string): Promise<any[]> => control(base(), "GET", `/_emulator/messages?to=${encodeURIComponent(to)}`),
  act: (id: string, action: "deliver" | "bounce" | "complain" | "unsubscribe" | "reply", body: object = {}) =>
    control(base(), "POST", `/_emulator/messages/${encodeURIComponent(id)}/${action}`, body),
  webhooks: (): Promise<Drained[]> => control(base(), "GET", "/_emulator/webhooks"),
  faults: (plan: object) => control(base(), "PUT", "/_emulator/faults", plan),
  calls: (): Promise<any[]> => control(base(), "GET", "/_emulator/calls"),
  clearCalls: () => control(base(), "DELETE", "/_emulator/calls"),
});

export const postmarkEmulator = mailControl(() => env.POSTMARK_API_BASE);
export const mailgunEmulator = mailControl(() => env.MAILGUN_API_BASE);

/**
 * Feeds what the Postmark emulator owes the Worker to it, as Postmark would: event webhooks to
 * /webhooks/email/postmark/events (with the basic auth configured on them), replies to the inbound
 * webhook (with the inbound URL's credentials).
 */
export async function deliverPostmarkWebhooks(): Promise<{ kind: string; status: number; body: any; webhook: Drained }[]> {
  const inboundAuth = `Basic ${btoa(`${TEST_BINDINGS.POSTMARK_INBOUND_USERNAME}:${TEST_BINDINGS.POSTMARK_INBOUND_PASSWORD}`)}`;
  const results = [];
  for (const webhook of await postmarkEmulator.webhooks()) {
    const inbound = webhook.kind === "Inbound";
    const response = await send(
      new Request(`${ORIGIN}/webhooks/email/postmark${inbound ? "" : "/events"}`, {
        method: "POST",
        body: webhook.body,
        headers: { ...webhook.headers, ...(inbound ? { authorization: inboundAuth } : {}) },
      }),
    );
    results.push({ kind: webhook.kind, status: response.status, body: await response.json(), webhook });
  }
  for (const r of results) expect(r.status, JSON.stringify(r)).toBe(200);
  return results;
}

/** The same for Mailgun: event webhooks to /webhooks/email/mailgun/events, route forwards to the inbound route. */
export async function deliverMailgunWebhooks(): Promise<{ kind: string; status: number; body: any }[]> {
  const results = [];
  for (const webhook of await mailgunEmulator.webhooks()) {
    const inbound = webhook.kind === "inbound";
    const response = await send(
      new Request(`${ORIGIN}/webhooks/email/mailgun${inbound ? "" : "/events"}`, { method: "POST", body: webhook.body, headers: webhook.headers }),
    );
    results.push({ kind: webhook.kind, status: response.status, body: await response.json() });
  }
  for (const r of results) expect(r.status, JSON.stringify(r)).toBe(200);
  return results;
}

/**
 * The default policy with the demo cadence's emails sent automatically: day 0 acknowledges the
 * request (a new thread), day 2 follows up in it; the call and the later steps stay tasks. Only the
 * cadence rule runs, so the audit and the CRM show what it does.
 */
export function autoEmailPolicy(): PolicyInput {
  const cadences = structuredClone(DEFAULT_POLICY.rules.cadences!);
  const inbound = cadences.cadences.find((c) => c.id === "inbound-sales")!;
  inbound.steps = inbound.steps.map((step) => {
    if (step.id === "day-0-acknowledge")
      return {
        ...step,
        send: "auto",
        purpose: "sales-follow-up",
        nudge: false,
        subject: "Your demo request",
        body: 'Hi {{ firstName | fallback: "there" }},\n\nThanks for asking for a demo. I\'m {{ ownerFirstName }} and I look after {{ company }}. Would a 20-minute call this week work?\n\nBest,\n{{ ownerName }}',
      };
    if (step.id === "day-2-resource")
      return {
        ...step,
        send: "auto",
        purpose: "sales-follow-up",
        subject: "One resource",
        body: 'Hi {{ firstName | fallback: "there" }},\n\nWhile we find a time: here is the one guide teams like {{ company }} read first.\n\n{{ ownerName }}',
      };
    return step;
  });
  return { ...DEFAULT_POLICY, rules: { cadences } };
}
