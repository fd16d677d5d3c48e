import { describe, expect, it } from "vitest";
import { seededRandom } from "../emulators/shared/faults.ts";
import { ORIGIN, outboundMessage, send, signedHubSpot, signedSalesforce } from "../support/requests";
import { storedCounts } from "../support/store";
import outboundFixture from "../fixtures/salesforce-outbound-message.xml?raw";

const random = seededRandom(20261123);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join("");

function validHubSpotEvent() {
  return {
    eventId: 1,
    subscriptionId: 2,
    portalId: 62515,
    appId: 54321,
    occurredAt: Date.now(),
    subscriptionType: "contact.propertyChange",
    attemptNumber: 0,
    objectId: 42,
    propertyName: "hs_lead_status",
    propertyValue: "NEW",
  };
}

/** Valid JSON that breaks the HubSpot schema in one of many ways. */
function invalidHubSpotBody(): unknown {
  const event: Record<string, unknown> = validHubSpotEvent();
  const field = pick(Object.keys(event));
  switch (Math.floor(random() * 6)) {
    case 0:
      delete event[field];
      if (field === "propertyValue" || field === "attemptNumber") delete event.eventId;
      return [event];
    case 1:
      event[field] = pick([null, {}, [], true, -1.5, "", "x".repeat(50)]);
      if (["propertyName", "propertyValue"].includes(field)) event.objectId = "abc";
      return [event];
    case 2:
      event.subscriptionType = pick(["contact", "contact.", ".creation", "contact.explode", junk(8)]);
      return [event];
    case 3:
      return pick([{}, "string", 42, null, true, []]);
    case 4:
      return Array.from({ length: 101 + Math.floor(random() * 20) }, validHubSpotEvent);
    default:
      return [validHubSpotEvent(), pick([null, 1, "x", [], { eventId: "one" }])];
  }
}

async function forgedRequest(): Promise<Request> {
  const kind = Math.floor(random() * 12);
  switch (kind) {
    case 0:
      return signedHubSpot(invalidHubSpotBody()); // signed, invalid → 400
    case 1:
      return signedHubSpot(junk(1 + Math.floor(random() * 200))); // signed garbage → 400
    case 2: {
      // signed, then one byte flipped → 401
      const signed = await signedHubSpot([validHubSpotEvent()]);
      const body = await signed.text();
      const i = Math.floor(random() * body.length);
      const flipped = body.slice(0, i) + String.fromCharCode(body.charCodeAt(i) ^ (1 + Math.floor(random() * 31))) + body.slice(i + 1);
      return new Request(signed.url, { method: "POST", body: flipped, headers: signed.headers });
    }
    case 3:
      return signedHubSpot([validHubSpotEvent()], { secret: junk(20) }); // wrong secret
    case 4:
      return signedHubSpot([validHubSpotEvent()], { timestamp: Date.now() - 301_000 - Math.floor(random() * 1e9) }); // stale
    case 5: {
      // random signature header
      const signed = await signedHubSpot([validHubSpotEvent()]);
      const headers = new Headers(signed.headers);
      headers.set("x-hubspot-signature-v3", pick([junk(44), btoa(junk(32)), "", "=="]) || "x");
      return new Request(signed.url, { method: "POST", body: await signed.text(), headers });
    }
    case 6:
      return signedSalesforce(pick([{}, [], [{}], [{ ChangeEventHeader: { entityName: junk(5) } }], junk(30)])); // signed, invalid → 400
    case 7:
      return signedSalesforce([{ ChangeEventHeader: {} }], { secret: `whsec_${btoa(junk(24))}` }); // wrong secret
    case 8:
      return outboundMessage(
        pick([
          junk(100),
          "<a>",
          outboundFixture.replace("00D5g000004ExmplEAA", junk(18).replace(/[^A-Za-z0-9]/g, "Z")),
          outboundFixture.slice(0, Math.floor(random() * outboundFixture.length)),
        ]),
      );
    case 9:
      return outboundMessage(outboundFixture, junk(24).replace(/[/?#%\\]/g, "a")); // wrong token
    case 10:
      return new Request(ORIGIN + pick(["/webhooks/hubspot", "/webhooks/salesforce"]), { method: pick(["PUT", "PATCH", "DELETE", "GET"]) });
    default:
      return new Request(ORIGIN + pick(["/webhooks/hubspot", "/webhooks/salesforce"]), {
        method: "POST",
        body: junk(50),
        headers: { "content-type": pick(["text/plain", "application/x-www-form-urlencoded", "", "application/xml"]) },
      });
  }
}

describe("fuzz: 1,200 malformed and forged requests", () => {
  it("accepts none, never answers 5xx and stores nothing", { timeout: 60_000 }, async () => {
    const before = await storedCounts();
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1_200; i++) {
      const response = await send(await forgedRequest());
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      if (response.status < 400 || response.status >= 500) {
        throw new Error(`request ${i} answered ${response.status}`);
      }
    }
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([400, 401, 405, 415]));
    expect(await storedCounts()).toEqual(before);
  });
});
