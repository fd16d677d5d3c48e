import { describe, expect, it } from "vitest";
import { REP_ONE_USER_ID } from "./index.ts";
import { startSalesforce } from "./test-support.ts";

/** Event (Object Reference "Event"): a calendar event with its person (WhoId) and owner, keyed like Tasks by the Activity field Idempotency_Key__c. */
describe("Salesforce emulator: Event", () => {
  it("creates an Event for a lead and its owner, upserts it by the activity key, and deletes it", async () => {
    const { conn, emulator } = await startSalesforce();
    const lead = await conn.sobject("Lead").create({ LastName: "Doe", Company: "Acme" });
    const event = {
      Subject: "Demo",
      StartDateTime: "2027-03-15T13:00:00Z",
      EndDateTime: "2027-03-15T13:30:00Z",
      WhoId: lead.id,
      OwnerId: REP_ONE_USER_ID,
      Idempotency_Key__c: "b-1",
    };
    const [created] = await conn.sobject("Event").upsert([event], "Idempotency_Key__c");
    expect(created).toMatchObject({ success: true, created: true });
    expect(created!.id).toMatch(/^00U/);
    const [again] = await conn
      .sobject("Event")
      .upsert([{ ...event, StartDateTime: "2027-03-15T14:00:00Z", EndDateTime: "2027-03-15T14:30:00Z" }], "Idempotency_Key__c");
    expect(again).toMatchObject({ success: true, created: false, id: created!.id });
    expect(emulator.store.list("Event")).toHaveLength(1);
    expect(emulator.store.get(created!.id!)!.fields).toMatchObject({
      StartDateTime: "2027-03-15T14:00:00.000Z",
      WhoId: lead.id,
      ShowAs: "Busy",
      IsAllDayEvent: false,
      EventSubtype: "Event",
    });
    const found = await conn.query<{ Id: string }>("SELECT Id FROM Event WHERE Idempotency_Key__c = 'b-1'");
    expect(found.records.map((r) => r.Id)).toEqual([created!.id]);
    await conn.sobject("Event").destroy([created!.id!]);
    expect((await conn.query("SELECT Id FROM Event WHERE Idempotency_Key__c = 'b-1'")).records).toEqual([]);
  });

  it("a timed event needs its end or duration, and cannot end before it starts", async () => {
    const { conn } = await startSalesforce();
    const results = await conn.sobject("Event").create([
      { Subject: "no end", StartDateTime: "2027-03-15T13:00:00Z" },
      { Subject: "backwards", StartDateTime: "2027-03-15T13:00:00Z", EndDateTime: "2027-03-15T12:00:00Z" },
      { Subject: "by duration", StartDateTime: "2027-03-15T13:00:00Z", DurationInMinutes: 30 },
      { Subject: "all day", IsAllDayEvent: true, ActivityDate: "2027-03-15" },
    ]);
    expect(results.map((r) => r.success)).toEqual([false, false, true, true]);
    expect(results[0]).toMatchObject({ errors: [expect.objectContaining({ statusCode: "REQUIRED_FIELD_MISSING" })] });
    expect(results[1]).toMatchObject({ errors: [expect.objectContaining({ statusCode: "FIELD_INTEGRITY_EXCEPTION" })] });
  });
});
