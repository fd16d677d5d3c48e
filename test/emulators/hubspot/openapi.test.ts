import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hubspotOpenApi, RESPONSE_OPTIONS as STRICT } from "./openapi-checks.ts";
import { http, sdkError, startHubSpot, type Running } from "./test-support.ts";

const validator = hubspotOpenApi();
const HUBSPOT_DEFINED = "HUBSPOT_DEFINED" as any;

let run: Running;
beforeAll(async () => {
  run = await startHubSpot({
    properties: { tasks: [{ name: "lead_follow_up_key", label: "Lead follow-up key", type: "string", fieldType: "text", hasUniqueValue: true }] },
  });
});
afterAll(async () => {
  await run.close();
});

/** A representative tour of what the middleware does with the SDK. */
async function tour(): Promise<void> {
  const { crm } = run.client;
  const contact = await crm.contacts.basicApi.create({ properties: { email: "tour@example.com", hs_lead_status: "NEW" }, associations: [] });
  await crm.contacts.basicApi.getById(contact.id, ["email", "hs_lead_status", "hubspot_owner_id"], ["hs_lead_status"], ["deals", "tasks"]);
  await crm.contacts.basicApi.update(contact.id, { properties: { hubspot_owner_id: "84213371" } });
  await crm.contacts.basicApi.getPage(5, undefined, ["email"]);
  await crm.contacts.searchApi.doSearch({
    filterGroups: [{ filters: [{ propertyName: "email", operator: "EQ" as any, value: "tour@example.com" }] }],
    sorts: ["-createdate"],
    properties: ["email", "hs_lead_status"],
    limit: 10,
    after: "0",
  });
  await crm.contacts.batchApi.upsert({
    inputs: [
      { id: "tour@example.com", idProperty: "email", properties: { firstname: "Tour" } },
      { id: "new@example.com", idProperty: "email", properties: {} },
    ],
  });
  await crm.contacts.batchApi.read({ inputs: [{ id: contact.id }, { id: "999999" }], properties: ["email"], propertiesWithHistory: [] });

  const deal = await crm.deals.basicApi.create({
    properties: { dealname: "Tour deal", dealstage: "appointmentscheduled", pipeline: "default" },
    associations: [],
  });
  await crm.deals.basicApi.update(deal.id, { properties: { dealstage: "contractsent" } });
  await crm.deals.basicApi.getById(deal.id, ["dealstage"], ["dealstage"]);
  await crm.deals.batchApi.update({ inputs: [{ id: deal.id, properties: { dealstage: "closedwon" } }] });
  await crm.associations.v4.basicApi.createDefault("deals", deal.id, "contacts", contact.id);
  await crm.associations.v4.basicApi.getPage("contacts", contact.id, "deals");

  const task = await crm.objects.tasks.basicApi.create({
    properties: { hs_timestamp: "1700000000000", hs_task_subject: "Call", hubspot_owner_id: "84213371" },
    associations: [{ to: { id: contact.id }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 204 }] }],
  });
  await crm.objects.tasks.batchApi.create({
    inputs: [
      {
        properties: { hs_timestamp: "1700000000000" },
        associations: [{ to: { id: deal.id }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 216 }] }],
      },
    ],
  });
  await crm.objects.tasks.batchApi.read({ inputs: [{ id: task.id }], properties: ["hs_task_subject"], propertiesWithHistory: ["hs_task_subject"] });
  // What the task updates do: read by the unique key (one key missing: 207), complete, archive.
  const keyed = await crm.objects.tasks.batchApi.create({
    inputs: [{ properties: { hs_timestamp: "1700000000000", lead_follow_up_key: "tour-key" }, associations: [] }],
  });
  await crm.objects.tasks.batchApi.read({
    idProperty: "lead_follow_up_key",
    inputs: [{ id: "tour-key" }, { id: "tour-key-missing" }],
    properties: ["lead_follow_up_key", "hs_task_status", "hs_timestamp"],
    propertiesWithHistory: [],
  });
  await crm.objects.tasks.batchApi.update({
    inputs: [{ id: keyed.results[0]!.id, properties: { hs_task_status: "COMPLETED", hs_timestamp: "2026-12-01T09:00:00.000Z" } }],
  });
  await crm.objects.tasks.batchApi.archive({ inputs: [{ id: keyed.results[0]!.id }] });
  await crm.objects.tasks.searchApi.doSearch({ filterGroups: [], sorts: [], properties: ["hs_task_subject"], limit: 1, after: "0" });
  await crm.objects.tasks.basicApi.archive(task.id);
  await crm.objects.basicApi.create("companies", { properties: { name: "Tour Co" }, associations: [] });
  await crm.objects.batchApi.archive("companies", { inputs: [{ id: "424242" }] });
  await crm.owners.ownersApi.getPage(undefined, undefined, 1);
  await crm.owners.ownersApi.getById(84213371);
  await sdkError(crm.deals.basicApi.getById("424242"));
  await sdkError(crm.contacts.basicApi.create({ properties: { nope: "x" }, associations: [] }));
}

describe("HubSpot emulator vs HubSpot's OpenAPI documents", () => {
  it("sends and answers bodies that match the published schemas", async () => {
    await http(run.url, "POST", "/_emulator/reset");
    await tour();
    const calls = run.hs.server.calls;
    expect(calls.length).toBeGreaterThan(20);
    const problems = calls.flatMap((call) => validator.check(call, STRICT));
    expect(problems).toEqual([]);

    const documents = new Set(calls.map((c) => validator.find(c.method, c.path)!.document));
    expect([...documents].sort()).toEqual(["associations", "contacts", "crmOwners", "deals", "objects", "tasks"]);
    expect(calls.map((c) => c.status)).toEqual(expect.arrayContaining([200, 201, 204, 207, 400, 404]));
  });

  it("is not vacuous: it catches wrong shapes and undeclared statuses", () => {
    const batch = { status: "COMPLETE", results: [], startedAt: "2025-01-01T00:00:00.000Z", completedAt: "2025-01-01T00:00:00.000Z" };
    const upsert = {
      method: "POST",
      path: "/crm/v3/objects/contacts/batch/upsert",
      requestBody: { inputs: [{ id: "a", idProperty: "email", properties: {} }] },
    };
    expect(validator.check({ ...upsert, status: 200, responseBody: batch }, STRICT)).toEqual([]);
    expect(validator.check({ ...upsert, status: 201, responseBody: batch }, STRICT).join()).toContain("status: 201 is not declared");
    expect(validator.check({ ...upsert, status: 200, responseBody: { ...batch, status: "DONE" } }, STRICT).join()).toContain("is not one of");
    const object = { id: "1", properties: { a: null }, createdAt: "2025-01-01T00:00:00.000Z", updatedAt: "nope", archived: false };
    const read = validator.check({ method: "GET", path: "/crm/v3/objects/deals/1", status: 200, responseBody: object }, { strict: true });
    expect(read).toEqual([
      "GET /crm/v3/objects/0-3/{dealId} (deals) 200: response.properties.a: expected string, got null",
      "GET /crm/v3/objects/0-3/{dealId} (deals) 200: response.updatedAt: nope is not an ISO date-time",
    ]);
  });

  it("documents the one known divergence: HubSpot's 429 body has no `category`", async () => {
    const limited = await startHubSpot({ rateLimit: { max: 1, windowMs: 60_000 } });
    try {
      await limited.client.crm.contacts.basicApi.getPage();
      expect((await sdkError(limited.client.crm.contacts.basicApi.getPage())).code).toBe(429);
      const problems = limited.hs.server.calls.flatMap((c) => validator.check(c, STRICT));
      expect(problems).toEqual(["GET /crm/v3/objects/contacts (contacts) 429: response.category: is required but missing"]);
    } finally {
      await limited.close();
    }
  });
});
