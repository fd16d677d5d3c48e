import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, sdkError, startHubSpot, type Running } from "./test-support.ts";

let run: Running;
beforeAll(async () => {
  run = await startHubSpot({
    properties: {
      contacts: [{ name: "external_lead_id", label: "External lead id", type: "string", fieldType: "text", hasUniqueValue: true }],
      tasks: [{ name: "lead_follow_up_key", label: "Lead follow-up key", type: "string", fieldType: "text", hasUniqueValue: true }],
    },
  });
});
afterAll(async () => {
  await run.close();
});
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
});

const HUBSPOT_DEFINED = "HUBSPOT_DEFINED" as any;

describe("HubSpot emulator: batch API", () => {
  it("creates 100 tasks associated to a contact in one call", async () => {
    const contact = await run.client.crm.contacts.basicApi.create({ properties: { email: "lead@example.com" }, associations: [] });
    await http(run.url, "DELETE", "/_emulator/calls");
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      properties: { hs_timestamp: String(1_700_000_000_000 + i), hs_task_subject: `Follow up ${i}` },
      associations: [{ to: { id: contact.id }, types: [{ associationCategory: HUBSPOT_DEFINED, associationTypeId: 204 }] }],
    }));
    const response = await run.client.crm.objects.tasks.batchApi.create({ inputs });
    expect(response.status).toBe("COMPLETE");
    expect(response.results).toHaveLength(100);
    expect(response.startedAt).toBeInstanceOf(Date);

    const calls = run.hs.server.calls;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: "POST", path: "/crm/v3/objects/tasks/batch/create", status: 201, batchSize: 100 });
    const read = await run.client.crm.contacts.basicApi.getById(contact.id, undefined, undefined, ["tasks"]);
    expect(read.associations!.tasks!.results).toHaveLength(100);
  });

  it("refuses more than 100 inputs with HubSpot's 400", async () => {
    const inputs = Array.from({ length: 101 }, (_, i) => ({ properties: { hs_timestamp: String(i) }, associations: [] }));
    const error = await sdkError(run.client.crm.objects.tasks.batchApi.create({ inputs }));
    expect(error.code).toBe(400);
    expect(error.body).toMatchObject({ status: "error", category: "VALIDATION_ERROR" });
    expect(error.body.message).toContain("100");
    expect(run.hs.state.objects.all("tasks")).toHaveLength(0);
  });

  it("upserts by a unique property: the second call creates nothing new", async () => {
    const inputs = [
      { id: "lead-1", idProperty: "external_lead_id", properties: { firstname: "One" } },
      { id: "lead-2", idProperty: "external_lead_id", properties: { firstname: "Two" } },
    ];
    const first = await run.client.crm.contacts.batchApi.upsert({ inputs });
    expect(first.results.map((r) => r._new)).toEqual([true, true]);
    expect(first.results.map((r) => r.properties.external_lead_id)).toEqual(["lead-1", "lead-2"]);
    const second = await run.client.crm.contacts.batchApi.upsert({
      inputs: inputs.map((i) => ({ ...i, properties: { firstname: `${i.properties.firstname}!` } })),
    });
    expect(second.results.map((r) => r._new)).toEqual([false, false]);
    expect(second.results.map((r) => r.id).sort()).toEqual(first.results.map((r) => r.id).sort());
    expect(run.hs.state.objects.all("contacts")).toHaveLength(2);
    expect(run.hs.server.calls.filter((c) => c.path.endsWith("/batch/upsert")).map((c) => c.status)).toEqual([200, 200]);

    const notUnique = await sdkError(run.client.crm.contacts.batchApi.upsert({ inputs: [{ id: "x", idProperty: "firstname", properties: {} }] }));
    expect(notUnique.code).toBe(400);
    const duplicated = await sdkError(run.client.crm.contacts.batchApi.upsert({ inputs: [inputs[0]!, inputs[0]!] }));
    expect(duplicated.body.message).toContain("Duplicate IDs");
  });

  it("enforces hasUniqueValue on create and update", async () => {
    const a = await run.client.crm.contacts.basicApi.create({ properties: { external_lead_id: "L-1" }, associations: [] });
    const b = await run.client.crm.contacts.basicApi.create({ properties: { external_lead_id: "L-2" }, associations: [] });
    expect((await sdkError(run.client.crm.contacts.basicApi.create({ properties: { external_lead_id: "L-1" }, associations: [] }))).code).toBe(409);
    const conflict = await sdkError(run.client.crm.contacts.basicApi.update(b.id, { properties: { external_lead_id: "L-1" } }));
    expect(conflict.code).toBe(409);
    expect(conflict.body.message).toContain(a.id);
    await run.client.crm.contacts.basicApi.update(a.id, { properties: { external_lead_id: "L-1" } });
  });

  it("reads, updates and archives in batches, with 207 for partial failures", async () => {
    const created = await run.client.crm.deals.batchApi.create({
      inputs: [
        { properties: { dealname: "A", dealstage: "qualifiedtobuy" }, associations: [] },
        { properties: { dealname: "B" }, associations: [] },
      ],
    });
    const [a, b] = created.results.map((r) => r.id);
    const read = await run.client.crm.deals.batchApi.read({
      inputs: [{ id: a! }, { id: "999999" }],
      properties: ["dealname"],
      propertiesWithHistory: ["dealstage"],
    });
    expect(read.results.map((r) => r.properties.dealname)).toEqual(["A"]);
    expect(read.results[0]!.propertiesWithHistory!.dealstage![0]!.value).toBe("qualifiedtobuy");
    const partial = await http(run.url, "POST", "/crm/v3/objects/deals/batch/read", {
      inputs: [{ id: a }, { id: "999999" }],
      properties: [],
      propertiesWithHistory: [],
    });
    expect(partial.status).toBe(207);
    expect(partial.body).toMatchObject({
      status: "COMPLETE",
      numErrors: 1,
      errors: [{ status: "error", category: "OBJECT_NOT_FOUND", context: { ids: ["999999"] } }],
    });

    const updated = await run.client.crm.deals.batchApi.update({
      inputs: [
        { id: a!, properties: { dealstage: "closedwon" } },
        { id: b!, properties: { dealstage: "closedlost" } },
      ],
    });
    expect(updated.results.map((r) => r.properties.dealstage).sort()).toEqual(["closedlost", "closedwon"]);
    const badUpdate = await http(run.url, "POST", "/crm/v3/objects/deals/batch/update", { inputs: [{ id: a, properties: { dealstage: "nope" } }] });
    expect(badUpdate.status).toBe(207);
    expect(badUpdate.body.errors[0].category).toBe("VALIDATION_ERROR");

    await run.client.crm.deals.batchApi.archive({ inputs: [{ id: a! }, { id: "424242" }] });
    expect(run.hs.state.objects.get("deals", a!)!.archived).toBe(true);
  });

  it("reads tasks by their unique key: keys no live task holds are one 207 OBJECT_NOT_FOUND, archived tasks included", async () => {
    const created = await run.client.crm.objects.tasks.batchApi.create({
      inputs: ["k-1", "k-2"].map((key) => ({ properties: { hs_timestamp: "2026-11-24T14:00:00.000Z", lead_follow_up_key: key }, associations: [] })),
    });
    const [one, two] = created.results.map((r) => r.id);
    await run.client.crm.objects.tasks.batchApi.update({ inputs: [{ id: one!, properties: { hs_task_status: "COMPLETED" } }] });
    await run.client.crm.objects.tasks.batchApi.archive({ inputs: [{ id: two! }] });

    const read = await http(run.url, "POST", "/crm/v3/objects/tasks/batch/read", {
      idProperty: "lead_follow_up_key",
      inputs: [{ id: "k-1" }, { id: "k-2" }, { id: "k-3" }],
      properties: ["lead_follow_up_key", "hs_task_status"],
      propertiesWithHistory: [],
    });
    expect(read.status).toBe(207);
    expect(read.body.results.map((r: any) => [r.id, r.properties.lead_follow_up_key, r.properties.hs_task_status])).toEqual([
      [one, "k-1", "COMPLETED"],
    ]);
    expect(read.body.errors).toEqual([expect.objectContaining({ category: "OBJECT_NOT_FOUND", context: { ids: ["k-2", "k-3"] } })]);
  });
});
