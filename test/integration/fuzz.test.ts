import { describe, expect, it } from "vitest";
import { seededRandom } from "../emulators/shared/faults.ts";
import outboundFixture from "../fixtures/salesforce-outbound-message.xml?raw";
import { parkedEvents } from "../support/ingest";
import { eventually, leadSnapshot, ORIGIN, outboundMessage, send, signedHubSpot, signedSalesforce } from "../support/requests";
import { storedCounts } from "../support/store";
import { TEST_BINDINGS } from "../support/test-bindings";

const random = seededRandom(20261123);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const junk = (n: number) => Array.from({ length: n }, () => String.fromCharCode(32 + Math.floor(random() * 95))).join("");
const ORG = TEST_BINDINGS.SALESFORCE_ORG_ID;

function validHubSpotEvent(overrides: Record<string, unknown> = {}) {
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
    ...overrides,
  };
}

/** Signed, but not a batch at all: not JSON, not an array, empty, too long. */
function malformedHubSpotBody(): unknown {
  return pick([{}, "string", 42, null, true, [], Array.from({ length: 101 + Math.floor(random() * 20) }, () => validHubSpotEvent()), junk(40)]);
}

async function forgedRequest(): Promise<Request> {
  switch (Math.floor(random() * 12)) {
    case 0:
      return signedHubSpot(malformedHubSpotBody()); // signed, not a batch → 400
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
      return signedSalesforce(pick([{}, [], junk(30), "{", { ChangeEventHeader: {} }])); // signed, not a batch → 400
    case 7:
      return signedSalesforce([{ ChangeEventHeader: {} }], { secret: `whsec_${btoa(junk(24))}` }); // wrong secret
    case 8: {
      const whole = outboundFixture.trimEnd();
      return outboundMessage(
        pick([
          junk(100),
          "<a>",
          outboundFixture.replace("00D5g000004ExmplEAA", junk(18).replace(/[^A-Za-z0-9]/g, "Z")),
          whole.slice(0, Math.floor(random() * (whole.length - 1))),
        ]),
      );
    }
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

describe("fuzz: 1,200 forged requests and requests malformed as a whole", () => {
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

/** What a mixed batch should come to, and how to find each of its events afterwards. */
interface Expected {
  kept: number;
  ignored: number;
  parked: number;
  /** record key → values that must be among its events' properties */
  values: Map<string, string[]>;
  /** markers each parked event's raw body holds */
  markers: string[];
}

let seq = 0;
const marker = (kind: string) => `${kind}-${++seq}-${Math.floor(random() * 1e9).toString(36)}`;

/** HubSpot events broken in one way that makes them malformed (not merely unhandled). */
function brokenHubSpotEvent(mark: string): unknown {
  const valid = validHubSpotEvent({ sourceId: mark });
  switch (Math.floor(random() * 9)) {
    case 0:
      return { ...valid, objectId: pick(["abc", -1, 1.5, {}, null, ""]) };
    case 1:
      return { ...valid, occurredAt: pick(["yesterday", -5, null, 0, 9e15, 8.64e15, Date.now() + 3_600_000]) };
    case 2: {
      const { eventId: _e, ...rest } = valid;
      return pick([rest, { ...valid, eventId: "one" }]);
    }
    case 3:
      return { ...valid, portalId: pick(["abc", null, -3]) };
    case 4:
      return { ...valid, subscriptionType: pick(["contact.", ".creation", "", 42, "contact", "Contact.creation", `${junk(5)} x`]) };
    case 5:
      return { ...valid, propertyName: pick(["", null, 7]) };
    case 6:
      return { ...valid, subscriptionType: "object.creation", objectTypeId: pick([undefined, "contact", "0_1"]) };
    case 7:
      return { ...valid, subscriptionType: "contact.associationChange", fromObjectId: pick([undefined, "x"]), toObjectId: 5 };
    default:
      return `junk ${mark}`;
  }
}

function mixedHubSpotBatch(records: number[]): { body: unknown[]; expected: Expected } {
  const expected: Expected = { kept: 0, ignored: 0, parked: 0, values: new Map(), markers: [] };
  const body: unknown[] = [];
  for (let i = 0, n = 1 + Math.floor(random() * 15); i < n; i++) {
    const roll = random();
    if (roll < 0.45) {
      const objectId = pick(records);
      const value = marker("hs-value");
      body.push(
        validHubSpotEvent({
          eventId: ++seq,
          objectId,
          occurredAt: Date.now() - Math.floor(random() * 60_000),
          propertyName: "firstname",
          propertyValue: value,
        }),
      );
      const key = `hubspot:62515:contact:${objectId}`;
      expected.values.set(key, [...(expected.values.get(key) ?? []), value]);
      expected.kept++;
    } else if (roll < 0.55) {
      body.push(
        pick([
          validHubSpotEvent({ portalId: 4242 }),
          validHubSpotEvent({ subscriptionType: "conversation.newMessage" }),
          validHubSpotEvent({ subscriptionType: "ticket.creation" }),
        ]),
      );
      expected.ignored++;
    } else {
      const mark = marker("hs-bad");
      body.push(brokenHubSpotEvent(mark));
      expected.markers.push(mark);
      expected.parked++;
    }
  }
  return { body, expected };
}

function leadUpdate(id: string, title: string) {
  const at = Date.now() - Math.floor(random() * 60_000);
  return {
    ChangeEventHeader: {
      entityName: "Lead",
      recordIds: [id],
      changeType: "UPDATE",
      changeOrigin: pick([null, "", "com/salesforce/api/rest/62.0"]),
      transactionKey: crypto.randomUUID(),
      sequenceNumber: 1,
      commitTimestamp: at,
      commitNumber: pick([null, at]),
      commitUser: "0055g00000RepOneAAA",
      changedFields: ["Title"],
      nulledFields: pick([null, []]),
    },
    Title: title,
  };
}

function brokenChangeEvent(mark: string): unknown {
  const valid = leadUpdate("00Q5g00000FuzzZAAA", mark);
  const h = valid.ChangeEventHeader;
  switch (Math.floor(random() * 7)) {
    case 0:
      return { ...valid, ChangeEventHeader: { ...h, recordIds: pick([["bad"], [], ["00Q5g00000FuzzZAA"], [42], null]) } };
    case 1:
      return { Title: mark };
    case 2:
      return { ...valid, ChangeEventHeader: { ...h, changeType: pick(["UPSERT", "", null, "gap_update"]) } };
    case 3:
      return { ...valid, ChangeEventHeader: { ...h, commitTimestamp: pick(["now", -1, null, 8.64e15]) } };
    case 4:
      return { ...valid, ChangeEventHeader: { ...h, transactionKey: pick(["", null, 5]) } };
    case 5:
      return { ...valid, ChangeEventHeader: { ...h, entityName: pick(["Lead Change", "", "1Lead"]) } };
    default:
      return `junk ${mark}`;
  }
}

function mixedChangeEventBatch(leads: string[]): { body: unknown[]; expected: Expected } {
  const expected: Expected = { kept: 0, ignored: 0, parked: 0, values: new Map(), markers: [] };
  const body: unknown[] = [];
  for (let i = 0, n = 1 + Math.floor(random() * 15); i < n; i++) {
    const roll = random();
    if (roll < 0.45) {
      const id = pick(leads);
      const title = marker("sf-title");
      body.push(leadUpdate(id, title));
      const key = `salesforce:${ORG}:lead:${id}`;
      expected.values.set(key, [...(expected.values.get(key) ?? []), title]);
      expected.kept++;
    } else if (roll < 0.55) {
      const event = leadUpdate("5005g00000FuzzCAAA", "case");
      body.push({ ...event, ChangeEventHeader: { ...event.ChangeEventHeader, entityName: "Case" } });
      expected.ignored++;
    } else {
      const mark = marker("sf-bad");
      body.push(brokenChangeEvent(mark));
      expected.markers.push(mark);
      expected.parked++;
    }
  }
  return { body, expected };
}

function mixedOutboundMessage(leads: string[]): { xml: string; expected: Expected } {
  const expected: Expected = { kept: 0, ignored: 0, parked: 0, values: new Map(), markers: [] };
  const notifications: string[] = [];
  const notification = (id: string, type: string, recordId: string, title: string) =>
    `<Notification><Id>${id}</Id><sObject xsi:type="${type}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com"><sf:Id>${recordId}</sf:Id><sf:Title>${title}</sf:Title></sObject></Notification>`;
  for (let i = 0, n = 1 + Math.floor(random() * 8); i < n; i++) {
    const title = marker(random() < 0.5 ? "om-title" : "om-bad");
    if (title.startsWith("om-title")) {
      const id = pick(leads);
      notifications.push(notification(`04l5g0000${String(++seq).padStart(6, "0")}AAZ`, "sf:Lead", id, title));
      const key = `salesforce:${ORG}:lead:${id}`;
      expected.values.set(key, [...(expected.values.get(key) ?? []), title]);
      expected.kept++;
    } else {
      notifications.push(
        pick([
          notification("bad id", "sf:Lead", pick(leads), title),
          notification(`04l5g0000${String(++seq).padStart(6, "0")}AAZ`, "sf:Lead", "nope", title),
        ]),
      );
      expected.markers.push(title);
      expected.parked++;
    }
  }
  return { xml: outboundFixture.replace(/<Notification>[\s\S]*<\/Notification>/, notifications.join("")), expected };
}

describe("fuzz: 150 authentic batches mixing valid, unhandled and malformed events", () => {
  it("answers each 200, and loses nothing: every valid event in its record, every malformed one parked", { timeout: 120_000 }, async () => {
    const contacts = Array.from({ length: 25 }, (_, i) => 8_100_000 + i);
    const leads = Array.from({ length: 25 }, (_, i) => `00Q5g00000Fz${String(i).padStart(3, "0")}AAA`);
    const values = new Map<string, string[]>();
    const markers: string[] = [];
    for (let i = 0; i < 150; i++) {
      const kind = i % 3;
      let response: Response;
      let expected: Expected;
      if (kind === 0) {
        const batch = mixedHubSpotBatch(contacts);
        expected = batch.expected;
        response = await send(await signedHubSpot(batch.body));
      } else if (kind === 1) {
        const batch = mixedChangeEventBatch(leads);
        expected = batch.expected;
        response = await send(await signedSalesforce(batch.body));
      } else {
        const message = mixedOutboundMessage(leads);
        expected = message.expected;
        response = await send(outboundMessage(message.xml));
      }
      if (response.status !== 200) throw new Error(`batch ${i} answered ${response.status}: ${await response.text()}`);
      if (kind === 2) {
        expect(await response.text()).toContain("<Ack>true</Ack>");
      } else {
        expect(await response.json(), `batch ${i}`).toMatchObject({ kept: expected.kept, ignored: expected.ignored, parked: expected.parked });
      }
      for (const [key, list] of expected.values) values.set(key, [...(values.get(key) ?? []), ...list]);
      markers.push(...expected.markers);
    }

    // Every valid event reached its record.
    for (const [key, expectedValues] of values) {
      await eventually(async () => {
        const { body } = await leadSnapshot(key);
        const seen = new Set((body.events ?? []).flatMap((e: any) => Object.values(e.properties ?? {})));
        const missing = expectedValues.filter((v) => !seen.has(v));
        if (missing.length > 0) throw new Error(`${key} lacks ${missing.length} of its ${expectedValues.length} events`);
      }, 15_000);
    }
    // Every malformed one is in the parked table, with its reason.
    const parked = await parkedEvents();
    const missing = markers.filter((m) => !parked.some((p) => p.raw.includes(m)));
    expect(missing).toEqual([]);
    expect(parked.every((p) => p.reason.length > 0)).toBe(true);
    expect(markers.length).toBeGreaterThan(200);
  });
});
