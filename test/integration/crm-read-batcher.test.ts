import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { portsFor } from "../../src/ports";
import { hubspotEmulator } from "../support/emulators";
import { TEST_BINDINGS } from "../support/test-bindings";

/**
 * Record objects' fresh reads go through the portal's CrmReadBatcher: a read finding no call in
 * flight goes at once; reads asked while one is in flight go together as one batch read, and
 * each reader gets back what it asked for.
 */
const target = `hubspot:${TEST_BINDINGS.HUBSPOT_PORTAL_ID}`;
const run = Date.now().toString(36);
const hubspot = () => portsFor(env).crm(target)!;

async function contacts(count: number, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await hubspotEmulator.uiCreate("contacts", {
      email: `batched-${tag}-${i}-${run}@example.com`,
      firstname: `First ${i}`,
      lastname: `Last ${i}`,
    });
    ids.push(created.id);
  }
  return ids;
}

const reads = async () =>
  ((await hubspotEmulator.calls()) as { method: string; path: string; batchSize?: number }[]).filter((c) => c.path.includes("/objects/"));

beforeEach(async () => {
  await hubspotEmulator.clearCalls();
});

afterEach(async () => {
  await hubspotEmulator.faults({});
});

describe("fresh reads of records close together share a batch read", () => {
  it("thirteen reads at once are two batch calls (the first at once, the rest while it is in flight); each reader gets only its properties, an unknown id null", async () => {
    const ids = await contacts(12, "share");
    await hubspotEmulator.clearCalls();
    const answers = await Promise.all([
      ...ids.map((id, i) => hubspot().getRecord("contact", id, i % 2 ? ["firstname"] : ["lastname", "email"])),
      hubspot().getRecord("contact", "99999999901", ["firstname"]),
    ]);
    for (const [i, id] of ids.entries()) {
      expect(answers[i]).toEqual({
        ok: true,
        value: {
          id,
          properties: i % 2 ? { firstname: `First ${i}` } : { lastname: `Last ${i}`, email: `batched-share-${i}-${run}@example.com` },
        },
      });
    }
    expect(answers[12]).toEqual({ ok: true, value: null });
    const calls = await reads();
    expect(calls.map((c) => `${c.method} ${c.path} ${c.batchSize}`)).toEqual([
      "POST /crm/objects/2026-09/contacts/batch/read 1",
      "POST /crm/objects/2026-09/contacts/batch/read 12",
    ]);
  });

  it("the same record asked for twice while a call is in flight is read once, for both", async () => {
    const [first, id] = await contacts(2, "twice");
    await hubspotEmulator.clearCalls();
    const [, a, b] = await Promise.all([
      hubspot().getRecord("contact", first!, ["firstname"]),
      hubspot().getRecord("contact", id!, ["firstname"]),
      hubspot().getRecord("contact", id!, ["lastname"]),
    ]);
    expect(a).toMatchObject({ ok: true, value: { properties: { firstname: "First 1" } } });
    expect(b).toMatchObject({ ok: true, value: { properties: { lastname: "Last 1" } } });
    expect((await reads()).map((c) => c.batchSize)).toEqual([1, 1]);
  });

  it("a read with history is a single read of its own (batch reads' history is per property, not per reader)", async () => {
    const [id] = await contacts(1, "history");
    await hubspotEmulator.clearCalls();
    expect(await hubspot().getRecord("contact", id!, ["firstname"], ["firstname"])).toMatchObject({
      ok: true,
      value: { previous: { firstname: null } },
    });
    expect((await reads()).map((c) => c.method)).toEqual(["GET"]);
  });

  it("a failed batch call fails every reader with HubSpot's failure, to be retried by each record", async () => {
    const ids = await contacts(3, "fault");
    await hubspotEmulator.faults({ rate5xx: 1 });
    const answers = await Promise.all(ids.map((id) => hubspot().getRecord("contact", id, ["firstname"])));
    for (const answer of answers) expect(answer).toMatchObject({ ok: false, failure: { kind: "transient" } });
  });
});
