import { exports } from "cloudflare:workers";
import { hubspotV3Signature } from "../../src/platform/signatures/hubspot-signature";
import { decodeWebhookSecret, standardWebhookSignature } from "../../src/platform/signatures/standard-webhooks";
import { TEST_BINDINGS } from "./test-bindings";

export const ORIGIN = "https://leads.example.com";
const encoder = new TextEncoder();

export function call(path: string, init?: RequestInit): Promise<Response> {
  return exports.default.fetch(new Request(ORIGIN + path, init));
}

interface HubSpotSigning {
  path?: string;
  timestamp?: number;
  secret?: string;
  headers?: Record<string, string>;
}

export async function signedHubSpot(body: unknown, opts: HubSpotSigning = {}): Promise<Request> {
  const { path = "/webhooks/hubspot", timestamp = Date.now(), secret = TEST_BINDINGS.HUBSPOT_CLIENT_SECRET, headers = {} } = opts;
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const url = ORIGIN + path;
  const signature = await hubspotV3Signature(secret, "POST", url, encoder.encode(raw), String(timestamp));
  return new Request(url, {
    method: "POST",
    body: raw,
    headers: {
      "content-type": "application/json",
      "x-hubspot-signature-v3": signature,
      "x-hubspot-request-timestamp": String(timestamp),
      ...headers,
    },
  });
}

interface SalesforceSigning {
  id?: string;
  timestampS?: number;
  secret?: string;
}

export async function signedSalesforce(body: unknown, opts: SalesforceSigning = {}): Promise<Request> {
  const { id = crypto.randomUUID(), timestampS = Math.floor(Date.now() / 1000), secret = TEST_BINDINGS.SALESFORCE_WEBHOOK_SECRET } = opts;
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const signature = await standardWebhookSignature(decodeWebhookSecret(secret)!, id, String(timestampS), encoder.encode(raw));
  return new Request(`${ORIGIN}/webhooks/salesforce`, {
    method: "POST",
    body: raw,
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestampS),
      "webhook-signature": signature,
    },
  });
}

export function outboundMessage(xml: string, token: string = TEST_BINDINGS.SALESFORCE_OUTBOUND_TOKEN): Request {
  return new Request(`${ORIGIN}/webhooks/salesforce/outbound/${token}`, {
    method: "POST",
    body: xml,
    headers: { "content-type": "text/xml; charset=utf-8", soapaction: '""' },
  });
}

export const send = (request: Request) => exports.default.fetch(request);

export async function adminGet(path: string, token: string = TEST_BINDINGS.ADMIN_TOKEN): Promise<Response> {
  return call(path, { headers: { authorization: `Bearer ${token}` } });
}

export async function leadSnapshot(key: string) {
  const response = await adminGet(`/admin/leads/${encodeURIComponent(key)}`);
  return { status: response.status, body: (await response.json()) as any };
}

/**
 * Polls until `check` passes: queued work is delivered asynchronously, within milliseconds; the
 * deadline is for a busy machine.
 */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** The record's snapshot once it has seen `duplicates` re-deliveries. */
export async function recordWithDuplicates(key: string, duplicates: number) {
  return eventually(async () => {
    const snapshot = await leadSnapshot(key);
    if (snapshot.status !== 200 || snapshot.body.stats.duplicatesIgnored < duplicates) throw new Error(`${key}: not yet ${duplicates} duplicates`);
    return snapshot;
  });
}

/** The record's snapshot once it holds at least `events` events. */
export async function recordWithEvents(key: string, events: number) {
  return eventually(async () => {
    const snapshot = await leadSnapshot(key);
    if (snapshot.status !== 200 || snapshot.body.events.length < events) {
      throw new Error(`${key} has ${snapshot.body.events?.length ?? 0} of ${events} events`);
    }
    return snapshot;
  });
}
