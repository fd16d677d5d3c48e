import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { http, sdkError, startHubSpot, type Running } from "./test-support.ts";

let run: Running;
beforeAll(async () => {
  run = await startHubSpot({
    owners: [
      { id: "101", email: "one@example.com", firstName: "One", lastName: "Owner", userId: 11 },
      { id: "102", email: "two@example.com", firstName: "Two", lastName: "Owner", userId: 12 },
      { id: "103", email: "three@example.com", userId: 13 },
    ],
    properties: {
      deals: [
        {
          name: "dealstage",
          options: [
            { label: "Booked", value: "12345" },
            { label: "Won", value: "closedwon" },
          ],
        },
      ],
    },
  });
});
afterAll(async () => {
  await run.close();
});
beforeEach(async () => {
  await http(run.url, "POST", "/_emulator/reset");
});

describe("HubSpot emulator: associations v4", () => {
  it("creates a default association both ways and lists it", async () => {
    const contact = await run.client.crm.contacts.basicApi.create({ properties: { email: "a@example.com" }, associations: [] });
    const deal = await run.client.crm.deals.basicApi.create({ properties: { dealname: "D" }, associations: [] });
    const created = await run.client.crm.associations.v4.basicApi.createDefault("deals", deal.id, "contacts", contact.id);
    expect(created.status).toBe("COMPLETE");
    expect(created.results.map((r) => r.associationSpec.associationTypeId).sort()).toEqual([3, 4]);

    const page = await run.client.crm.associations.v4.basicApi.getPage("contacts", contact.id, "deals");
    expect(page.results).toEqual([{ toObjectId: deal.id, associationTypes: [{ category: "HUBSPOT_DEFINED", typeId: 4 }] }]);
    const back = await run.client.crm.deals.basicApi.getById(deal.id, undefined, undefined, ["contacts"]);
    expect(back.associations!.contacts!.results).toEqual([{ id: contact.id, type: "deal_to_contact" }]);

    await run.client.crm.associations.v4.basicApi.archive("deals", deal.id, "contacts", contact.id);
    expect((await run.client.crm.associations.v4.basicApi.getPage("contacts", contact.id, "deals")).results).toEqual([]);
  });

  it("refuses associations to objects that do not exist or with a wrong type id", async () => {
    const contact = await run.client.crm.contacts.basicApi.create({ properties: {}, associations: [] });
    expect((await sdkError(run.client.crm.associations.v4.basicApi.createDefault("contacts", contact.id, "deals", "999"))).code).toBe(404);
    const wrongType = await sdkError(
      run.client.crm.objects.tasks.basicApi.create({
        properties: { hs_timestamp: "0" },
        associations: [{ to: { id: contact.id }, types: [{ associationCategory: "HUBSPOT_DEFINED" as any, associationTypeId: 216 }] }],
      }),
    );
    expect(wrongType.code).toBe(400);
    expect(run.hs.state.objects.all("tasks")).toHaveLength(0);
  });
});

describe("HubSpot emulator: owners", () => {
  it("pages owners and reads one by id or userId", async () => {
    const first = await run.client.crm.owners.ownersApi.getPage(undefined, undefined, 2);
    expect(first.results.map((o) => o.id)).toEqual(["101", "102"]);
    const rest = await run.client.crm.owners.ownersApi.getPage(undefined, first.paging!.next!.after, 2);
    expect(rest.results.map((o) => o.id)).toEqual(["103"]);
    expect((await run.client.crm.owners.ownersApi.getPage("TWO@example.com")).results.map((o) => o.id)).toEqual(["102"]);
    const one = await run.client.crm.owners.ownersApi.getById(101);
    expect(one).toMatchObject({ id: "101", email: "one@example.com", userId: 11, type: "PERSON", archived: false });
    expect((await run.client.crm.owners.ownersApi.getById(12, "userId")).id).toBe("102");
    expect((await sdkError(run.client.crm.owners.ownersApi.getById(999))).code).toBe(404);
  });

  it("seeds owners through the control route until the next reset; seeded options survive", async () => {
    const added = await http(run.url, "POST", "/_emulator/owners", { id: "200", email: "new@example.com", userId: 20 });
    expect(added.status).toBe(201);
    expect((await run.client.crm.owners.ownersApi.getById(200)).email).toBe("new@example.com");
    // An owner id is an enumeration option of hubspot_owner_id.
    await run.client.crm.contacts.basicApi.create({ properties: { hubspot_owner_id: "200" }, associations: [] });
    await http(run.url, "POST", "/_emulator/reset");
    expect((await run.client.crm.owners.ownersApi.getPage()).results.map((o) => o.id)).toEqual(["101", "102", "103"]);
  });
});

describe("HubSpot emulator: properties", () => {
  it("lists, reads and creates properties; 409 when the name exists", async () => {
    const all = await run.client.crm.properties.coreApi.getAll("contacts");
    expect(all.results.map((p) => p.name)).toContain("hs_lead_status");
    const stage = await run.client.crm.properties.coreApi.getByName("deals", "dealstage");
    expect(stage.options.map((o) => o.value)).toEqual(["12345", "closedwon"]);

    const created = await run.client.crm.properties.coreApi.create("deals", {
      name: "lead_follow_up_key",
      label: "Follow-up key",
      type: "string" as any,
      fieldType: "text" as any,
      groupName: "dealinformation",
      hasUniqueValue: true,
    });
    expect(created).toMatchObject({ name: "lead_follow_up_key", hasUniqueValue: true, type: "string" });
    const again = await sdkError(
      run.client.crm.properties.coreApi.create("deals", {
        name: "lead_follow_up_key",
        label: "x",
        type: "string" as any,
        fieldType: "text" as any,
        groupName: "dealinformation",
      }),
    );
    expect(again.code).toBe(409);
    expect(again.body.status).toBe("error");
    expect((await sdkError(run.client.crm.properties.coreApi.getByName("deals", "nope"))).code).toBe(404);

    // The new property is unique, and upsert can key on it.
    const upsert = await run.client.crm.deals.batchApi.upsert({
      inputs: [{ id: "k-1", idProperty: "lead_follow_up_key", properties: { dealstage: "12345" } }],
    });
    expect(upsert.results[0]!._new).toBe(true);
    expect((await sdkError(run.client.crm.deals.basicApi.create({ properties: { lead_follow_up_key: "k-1" }, associations: [] }))).code).toBe(409);
  });

  it("drops API-created properties on reset but keeps those given as options", async () => {
    await run.client.crm.properties.coreApi.create("contacts", {
      name: "temp_prop",
      label: "t",
      type: "string" as any,
      fieldType: "text" as any,
      groupName: "g",
    });
    await http(run.url, "POST", "/_emulator/reset");
    expect((await sdkError(run.client.crm.properties.coreApi.getByName("contacts", "temp_prop"))).code).toBe(404);
    expect((await run.client.crm.properties.coreApi.getByName("deals", "dealstage")).options).toHaveLength(2);
  });
});
