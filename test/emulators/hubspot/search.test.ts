import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { http, sdkError, startHubSpot, type Running } from "./test-support.ts";

let run: Running;
let ids: string[] = [];
beforeAll(async () => {
  run = await startHubSpot();
  const people: Record<string, string>[] = [
    { email: "ada@example.com", firstname: "Ada", hs_lead_status: "NEW", hubspot_owner_id: "84213371", notes_last_updated: "1700000000000" },
    { email: "grace@example.org", firstname: "Grace", hs_lead_status: "OPEN", hubspot_owner_id: "84213372", notes_last_updated: "1700000100000" },
    { email: "alan@example.com", firstname: "Alan", hs_lead_status: "NEW" },
    { email: "edsger@example.net", firstname: "Edsger" },
  ];
  const created = await run.client.crm.contacts.batchApi.create({ inputs: people.map((properties) => ({ properties, associations: [] })) });
  ids = created.results.map((r) => r.id);
  await run.client.crm.contacts.basicApi.archive(ids[3]!);
});
afterAll(async () => {
  await run.close();
});

type Filter = { propertyName: string; operator: string; value?: string; values?: string[]; highValue?: string };
const search = (filters: Filter[][], extra: Record<string, unknown> = {}) =>
  run.client.crm.contacts.searchApi.doSearch({
    filterGroups: filters.map((f) => ({ filters: f as any })),
    sorts: [],
    properties: ["firstname"],
    limit: 10,
    after: "0",
    ...extra,
  } as any);
const names = async (filters: Filter[][], extra?: Record<string, unknown>) =>
  (await search(filters, extra)).results.map((r) => r.properties.firstname);

describe("HubSpot emulator: search", () => {
  it("filters with every operator, skipping archived objects", async () => {
    expect(await names([[{ propertyName: "hs_lead_status", operator: "EQ", value: "NEW" }]])).toEqual(["Ada", "Alan"]);
    expect(await names([[{ propertyName: "email", operator: "EQ", value: "GRACE@example.org" }]])).toEqual(["Grace"]);
    expect(await names([[{ propertyName: "hs_lead_status", operator: "NEQ", value: "NEW" }]])).toEqual(["Grace"]);
    expect(await names([[{ propertyName: "hubspot_owner_id", operator: "HAS_PROPERTY" }]])).toEqual(["Ada", "Grace"]);
    expect(await names([[{ propertyName: "hubspot_owner_id", operator: "NOT_HAS_PROPERTY" }]])).toEqual(["Alan"]);
    expect(await names([[{ propertyName: "hs_lead_status", operator: "IN", values: ["open", "nope"] }]])).toEqual(["Grace"]);
    expect(await names([[{ propertyName: "hs_lead_status", operator: "NOT_IN", values: ["OPEN"] }]])).toEqual(["Ada", "Alan"]);
    expect(await names([[{ propertyName: "email", operator: "CONTAINS_TOKEN", value: "*@example.com" }]])).toEqual(["Ada", "Alan"]);
    expect(await names([[{ propertyName: "firstname", operator: "CONTAINS_TOKEN", value: "gra*" }]])).toEqual(["Grace"]);
    expect(await names([[{ propertyName: "notes_last_updated", operator: "GT", value: "1700000000000" }]])).toEqual(["Grace"]);
    expect(await names([[{ propertyName: "notes_last_updated", operator: "GTE", value: "2023-11-14T22:13:20Z" }]])).toEqual(["Ada", "Grace"]);
    expect(await names([[{ propertyName: "notes_last_updated", operator: "LT", value: "1700000100000" }]])).toEqual(["Ada"]);
    expect(await names([[{ propertyName: "notes_last_updated", operator: "LTE", value: "1700000100000" }]])).toEqual(["Ada", "Grace"]);
    // Groups are ORed, filters in a group ANDed.
    expect(
      await names([
        [
          { propertyName: "hs_lead_status", operator: "EQ", value: "NEW" },
          { propertyName: "hubspot_owner_id", operator: "HAS_PROPERTY" },
        ],
        [{ propertyName: "firstname", operator: "EQ", value: "grace" }],
      ]),
    ).toEqual(["Ada", "Grace"]);
  });

  it("sorts, pages and counts", async () => {
    const page1 = await search([], { sorts: [{ propertyName: "firstname", direction: "DESCENDING" }], limit: 2 });
    expect(page1.total).toBe(3);
    expect(page1.results.map((r) => r.properties.firstname)).toEqual(["Grace", "Alan"]);
    expect(page1.results[0]!.properties).toMatchObject({ hs_object_id: ids[1], createdate: expect.any(String) });
    const page2 = await search([], { sorts: ["-firstname"], limit: 2, after: page1.paging!.next!.after });
    expect(page2.results.map((r) => r.properties.firstname)).toEqual(["Ada"]);
    expect(page2.paging).toBeUndefined();
  });

  it("rejects what HubSpot rejects", async () => {
    expect((await sdkError(search([], { limit: 201 }))).code).toBe(400);
    expect((await sdkError(search([[{ propertyName: "nope", operator: "EQ", value: "x" }]]))).code).toBe(400);
    const raw = await http(run.url, "POST", "/crm/v3/objects/contacts/search", {
      filterGroups: [{ filters: [{ propertyName: "email", operator: "LIKE", value: "x" }] }],
    });
    expect(raw.status).toBe(400);
    expect(raw.body.category).toBe("VALIDATION_ERROR");
  });
});
