import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, startHubSpot, type Running } from "./test-support.ts";

/** The 2026-09 paths, held to HubSpot's 2026-09 documents (startHubSpot checks every answer), and the numeric paths' retirement. */
let run: Running;
beforeAll(async () => {
  run = await startHubSpot();
});
afterAll(async () => {
  await run.close();
});
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
});

const D = "/crm/objects/2026-09";

describe("HubSpot emulator: dated paths (2026-09)", () => {
  it("creates, reads, upserts and searches objects on /crm/objects/2026-09", async () => {
    const created = await http(run.url, "POST", `${D}/contacts/batch/create`, {
      inputs: [{ properties: { email: "a@example.com", firstname: "A" }, associations: [] }],
    });
    expect(created.status).toBe(201);
    const id = created.body.results[0].id;
    const read = await http(run.url, "POST", `${D}/contacts/batch/read`, { inputs: [{ id }], properties: ["firstname"], propertiesWithHistory: [] });
    expect(read.body.results[0].properties.firstname).toBe("A");
    const upserted = await http(run.url, "POST", `${D}/contacts/batch/upsert`, {
      inputs: [{ id: "a@example.com", idProperty: "email", properties: { lastname: "B" } }],
    });
    expect(upserted.body.results[0]).toMatchObject({ id, new: false });
    const one = await http(run.url, "GET", `${D}/contacts/${id}?properties=lastname`);
    expect(one.body.properties.lastname).toBe("B");
    const found = await http(run.url, "POST", `${D}/contacts/search`, {
      filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ", value: "a@example.com" }] }],
      properties: ["email"],
      sorts: [],
      limit: 10,
      after: "0",
    });
    expect(found.body.total).toBe(1);
  });

  it("a batch with a missing record answers 207 with the dated document's errors", async () => {
    const read = await http(run.url, "POST", `${D}/contacts/batch/read`, { inputs: [{ id: "999" }], properties: [], propertiesWithHistory: [] });
    expect(read.status).toBe(207);
    expect(read.body.errors[0].category).toBe("OBJECT_NOT_FOUND");
  });

  it("refuses a request the 2026-09 document does not allow", async () => {
    // 2026-09 requires propertiesWithHistory on batch reads.
    const read = await http(run.url, "POST", `${D}/contacts/batch/read`, { inputs: [{ id: "1" }], properties: [] });
    expect(read.status).toBe(400);
    expect(read.body.message).toContain("propertiesWithHistory");
  });

  it("creates and reads associations in batches", async () => {
    const task = await http(run.url, "POST", `${D}/tasks`, {
      properties: { hs_timestamp: "2026-11-24T14:00:00Z", hs_task_subject: "Call" },
      associations: [],
    });
    const contact = await http(run.url, "POST", `${D}/contacts`, { properties: { email: "c@example.com" }, associations: [] });
    const created = await http(run.url, "POST", "/crm/associations/2026-09/tasks/contacts/batch/create", {
      inputs: [
        { from: { id: task.body.id }, to: { id: contact.body.id }, types: [{ associationCategory: "HUBSPOT_DEFINED", associationTypeId: 204 }] },
      ],
    });
    expect(created.status).toBe(200);
    const read = await http(run.url, "POST", "/crm/associations/2026-09/contacts/tasks/batch/read", { inputs: [{ id: contact.body.id }] });
    expect(read.body.results).toEqual([
      { from: { id: contact.body.id }, to: [{ toObjectId: task.body.id, associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: 203 }] }] },
    ]);
  });

  it("serves owners, properties and communication preferences on their dated paths", async () => {
    expect((await http(run.url, "GET", "/crm/owners/2026-09?limit=1")).body.results).toHaveLength(1);
    expect((await http(run.url, "GET", "/crm/properties/2026-09/contacts/email")).body.name).toBe("email");
    const subscribed = await http(run.url, "POST", "/communication-preferences/2026-09/subscribe", {
      emailAddress: "p@example.com",
      subscriptionId: "7005",
      legalBasis: "CONSENT_WITH_NOTICE",
      legalBasisExplanation: "form",
    });
    expect(subscribed.body.status).toBe("SUBSCRIBED");
    const definitions = await http(run.url, "GET", "/communication-preferences/2026-09/definitions");
    expect(definitions.body.results.map((d: { id: string }) => d.id)).toEqual(["7005", "7006"]);
  });
});

describe("HubSpot emulator: retiring the numeric paths", () => {
  it("serves them until the cut-off, then answers 410; the dated ones go on; a reset restores the start's cut-off", async () => {
    expect((await http(run.url, "GET", "/crm/v3/owners?limit=1")).status).toBe(200);
    expect((await http(run.url, "PUT", "/_emulator/retirement", { at: "2020-01-01T00:00:00Z" })).body).toEqual({ at: "2020-01-01T00:00:00.000Z" });
    const refused = await http(run.url, "GET", "/crm/v3/owners?limit=1");
    expect(refused.status).toBe(410);
    expect(refused.body.message).toContain("no longer supported");
    expect((await http(run.url, "POST", "/communication-preferences/v3/subscribe", {})).status).toBe(410);
    expect((await http(run.url, "GET", "/crm/owners/2026-09?limit=1")).status).toBe(200);
    expect((await http(run.url, "PUT", "/_emulator/retirement", { at: "later" })).status).toBe(400);
    await http(run.url, "POST", "/_emulator/reset");
    expect((await http(run.url, "GET", "/_emulator/retirement")).body).toEqual({ at: null });
    expect((await http(run.url, "GET", "/crm/v3/owners?limit=1")).status).toBe(200);
  });
});
