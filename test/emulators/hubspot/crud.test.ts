import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, sdkError, startHubSpot, type Running } from "./test-support.ts";

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

describe("HubSpot emulator: objects through the real SDK", () => {
  it("creates, reads, updates and archives a contact", async () => {
    const created = await run.client.crm.contacts.basicApi.create({ properties: { email: "Ada@Example.com", firstname: "Ada" }, associations: [] });
    expect(created.id).toMatch(/^\d+$/);
    expect(created.properties).toMatchObject({ email: "ada@example.com", firstname: "Ada", hs_object_id: created.id });
    expect(created.properties.createdate).toBeTruthy();
    expect(created.properties.hs_lastmodifieddate).toBeTruthy();
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.archived).toBe(false);

    const read = await run.client.crm.contacts.basicApi.getById(created.id, ["email", "hs_lead_status"]);
    expect(read.properties).toMatchObject({ email: "ada@example.com", hs_lead_status: null, hs_object_id: created.id });

    const updated = await run.client.crm.contacts.basicApi.update(created.id, {
      properties: { hs_lead_status: "OPEN", hubspot_owner_id: "84213371" },
    });
    expect(updated.properties).toMatchObject({ hs_lead_status: "OPEN", hubspot_owner_id: "84213371" });

    const byEmail = await run.client.crm.contacts.basicApi.getById("ADA@example.com", ["hs_lead_status"], undefined, undefined, false, "email");
    expect(byEmail.id).toBe(created.id);
    const byEmailUpdate = await run.client.crm.contacts.basicApi.update("ada@example.com", { properties: { firstname: "Ada L." } }, "email");
    expect(byEmailUpdate.properties.firstname).toBe("Ada L.");

    await run.client.crm.contacts.basicApi.archive(created.id);
    const gone = await sdkError(run.client.crm.contacts.basicApi.getById(created.id));
    expect(gone.code).toBe(404);
    expect(gone.body).toMatchObject({ category: "OBJECT_NOT_FOUND" });
    const archived = await run.client.crm.contacts.basicApi.getById(created.id, undefined, undefined, undefined, true);
    expect(archived.archived).toBe(true);
    expect(archived.archivedAt).toBeInstanceOf(Date);
  });

  it("keeps dealstage history newest first, with the source of each change", async () => {
    const deal = await run.client.crm.deals.basicApi.create({
      properties: { dealname: "Big", dealstage: "appointmentscheduled", pipeline: "default" },
      associations: [],
    });
    run.hs.ui.update("deals", deal.id, { dealstage: "contractsent" });
    await run.client.crm.deals.basicApi.update(deal.id, { properties: { dealstage: "qualifiedtobuy" } });
    const read = await run.client.crm.deals.basicApi.getById(deal.id, ["dealstage"], ["dealstage"]);
    const history = read.propertiesWithHistory!.dealstage!;
    expect(history.map((h) => h.value)).toEqual(["qualifiedtobuy", "contractsent", "appointmentscheduled"]);
    expect(history[0]).toMatchObject({ sourceType: "INTEGRATION", sourceId: "54321" });
    expect(history[1]).toMatchObject({ sourceType: "CRM_UI", sourceId: "userId:1712", updatedByUserId: 1712 });
    expect(history[0]!.timestamp).toBeInstanceOf(Date);
  });

  it("lists with limit/after paging and the generic objects API", async () => {
    for (let i = 0; i < 5; i++) await run.client.crm.objects.basicApi.create("companies", { properties: { name: `Co ${i}` }, associations: [] });
    const first = await run.client.crm.companies.basicApi.getPage(2, undefined, ["name"]);
    expect(first.results.map((r) => r.properties.name)).toEqual(["Co 0", "Co 1"]);
    const second = await run.client.crm.companies.basicApi.getPage(2, first.paging!.next!.after, ["name"]);
    expect(second.results.map((r) => r.properties.name)).toEqual(["Co 2", "Co 3"]);
    const all = await run.client.crm.objects.basicApi.getPage("0-2", 100);
    expect(all.results).toHaveLength(5);
    expect(all.paging).toBeUndefined();
  });

  it("creates a task with associations and returns them through ?associations", async () => {
    const contact = await run.client.crm.contacts.basicApi.create({ properties: { email: "t@example.com" }, associations: [] });
    const deal = await run.client.crm.deals.basicApi.create({ properties: { dealname: "D" }, associations: [] });
    const task = await run.client.crm.objects.tasks.basicApi.create({
      properties: { hs_timestamp: "1700000000000", hs_task_subject: "Call back", hs_task_status: "NOT_STARTED", hs_task_type: "CALL" },
      associations: [
        { to: { id: contact.id }, types: [{ associationCategory: "HUBSPOT_DEFINED" as any, associationTypeId: 204 }] },
        { to: { id: deal.id }, types: [{ associationCategory: "HUBSPOT_DEFINED" as any, associationTypeId: 216 }] },
      ],
    });
    expect(task.properties.hs_timestamp).toBe("2023-11-14T22:13:20.000Z");
    const read = await run.client.crm.objects.tasks.basicApi.getById(task.id, undefined, undefined, ["contacts", "deals", "companies"]);
    expect(read.associations).toEqual({
      contacts: { results: [{ id: contact.id, type: "task_to_contact" }] },
      deals: { results: [{ id: deal.id, type: "task_to_deal" }] },
    });
    const fromContact = await run.client.crm.contacts.basicApi.getById(contact.id, undefined, undefined, ["tasks"]);
    expect(fromContact.associations!.tasks!.results).toEqual([{ id: task.id, type: "contact_to_task" }]);
  });

  it("answers HubSpot's errors: 401, unknown property, bad option, unknown owner, missing hs_timestamp, duplicate email", async () => {
    const noAuth = await http(run.url, "GET", "/crm/v3/objects/contacts", undefined, null);
    expect(noAuth.status).toBe(401);
    expect(noAuth.body).toMatchObject({ status: "error", category: "INVALID_AUTHENTICATION" });
    expect(noAuth.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await http(run.url, "GET", "/crm/v3/objects/contacts", undefined, "wrong")).status).toBe(401);

    const unknown = await sdkError(run.client.crm.contacts.basicApi.create({ properties: { favourite_colour: "blue" }, associations: [] }));
    expect(unknown.code).toBe(400);
    expect(unknown.body.category).toBe("VALIDATION_ERROR");
    expect(unknown.body.message).toContain("Property values were not valid");
    expect(unknown.body.message).toContain("PROPERTY_DOESNT_EXIST");

    const contact = await run.client.crm.contacts.basicApi.create({ properties: { email: "dup@example.com" }, associations: [] });
    expect((await sdkError(run.client.crm.contacts.basicApi.update(contact.id, { properties: { hs_lead_status: "MAYBE" } }))).body.message).toContain(
      "INVALID_OPTION",
    );
    expect((await sdkError(run.client.crm.contacts.basicApi.update(contact.id, { properties: { hubspot_owner_id: "999" } }))).code).toBe(400);
    expect((await sdkError(run.client.crm.contacts.basicApi.update(contact.id, { properties: { hs_object_id: "1" } }))).body.message).toContain(
      "READ_ONLY_VALUE",
    );
    expect((await sdkError(run.client.crm.objects.tasks.basicApi.create({ properties: { hs_task_subject: "x" }, associations: [] }))).code).toBe(400);

    const duplicate = await sdkError(run.client.crm.contacts.basicApi.create({ properties: { email: "DUP@example.com" }, associations: [] }));
    expect(duplicate.code).toBe(409);
    expect(duplicate.body).toMatchObject({ status: "error", category: "CONFLICT", message: `Contact already exists. Existing ID: ${contact.id}` });
  });

  it("resets objects, associations, webhooks, calls and ids on /_emulator/reset", async () => {
    const contact = await run.client.crm.contacts.basicApi.create({ properties: { email: "r@example.com" }, associations: [] });
    await run.client.crm.objects.tasks.basicApi.create({
      properties: { hs_timestamp: "0" },
      associations: [{ to: { id: contact.id }, types: [{ associationCategory: "HUBSPOT_DEFINED" as any, associationTypeId: 204 }] }],
    });
    const inspected = (await http(run.url, "GET", "/_emulator/objects/contacts")).body;
    expect(inspected[0]).toMatchObject({ id: contact.id, archived: false, associations: { tasks: [{ typeId: 203, category: "HUBSPOT_DEFINED" }] } });
    expect(inspected[0].propertiesWithHistory.email[0]).toMatchObject({ value: "r@example.com", sourceType: "INTEGRATION", sourceId: "54321" });

    expect((await http(run.url, "POST", "/_emulator/reset")).status).toBe(204);
    expect((await http(run.url, "GET", "/_emulator/objects/contacts")).body).toEqual([]);
    expect((await http(run.url, "GET", "/_emulator/objects/tasks")).body).toEqual([]);
    expect((await http(run.url, "GET", "/_emulator/webhooks")).body).toEqual([]);
    expect(run.hs.server.calls).toEqual([]);
    const again = await run.client.crm.contacts.basicApi.create({ properties: { email: "r@example.com" }, associations: [] });
    expect(again.id).toBe(contact.id);
  });

  it("accepts any property and option when strictProperties is false", async () => {
    const lax = await startHubSpot({ strictProperties: false });
    try {
      const created = await lax.client.crm.deals.basicApi.create({ properties: { dealstage: "9876543", custom_score: "7" }, associations: [] });
      const read = await lax.client.crm.deals.basicApi.getById(created.id, ["dealstage", "custom_score"], ["custom_score"]);
      expect(read.properties).toMatchObject({ dealstage: "9876543", custom_score: "7" });
      expect(read.propertiesWithHistory!.custom_score![0]!.value).toBe("7");
    } finally {
      await lax.close();
    }
  });
});
