import { describe, expect, it } from "vitest";
import { REP_ONE_USER_ID, REP_TWO_USER_ID } from "./index.ts";
import { control, rejection, startSalesforce } from "./test-support.ts";

describe("Salesforce emulator: SOQL", () => {
  it("filters, orders, limits and counts", async () => {
    let clock = Date.parse("2025-11-20T09:00:00Z");
    const { conn } = await startSalesforce({ now: () => clock });
    const leads = [
      { LastName: "Ames", Company: "A", Status: "Open - Not Contacted", OwnerId: REP_ONE_USER_ID, LeadSource: "Web" },
      { LastName: "Baker", Company: "B", Status: "Working - Contacted", OwnerId: REP_TWO_USER_ID, LeadSource: null },
      { LastName: "Cole", Company: "C", Status: "Open - Not Contacted", OwnerId: REP_TWO_USER_ID, LeadSource: "Phone Inquiry" },
    ];
    for (const lead of leads) {
      await conn.sobject("Lead").create(lead);
      clock += 60 * 60 * 1000;
    }
    const names = async (soql: string) => (await conn.query<{ LastName: string }>(soql)).records.map((r) => r.LastName);

    expect(await names("SELECT LastName FROM Lead WHERE Status = 'open - not contacted' ORDER BY LastName DESC")).toEqual(["Cole", "Ames"]);
    expect(await names(`SELECT LastName FROM Lead WHERE OwnerId IN ('${REP_TWO_USER_ID}') AND LeadSource != null`)).toEqual(["Cole"]);
    expect(await names("SELECT LastName FROM Lead WHERE LeadSource = null OR LastName LIKE 'am%' ORDER BY LastName")).toEqual(["Ames", "Baker"]);
    expect(await names("SELECT LastName FROM Lead WHERE CreatedDate > 2025-11-20T09:30:00Z ORDER BY CreatedDate DESC LIMIT 1")).toEqual(["Cole"]);
    expect(await names("SELECT LastName FROM Lead WHERE IsConverted = FALSE AND NOT (Status = 'Working - Contacted') ORDER BY LastName")).toEqual([
      "Ames",
      "Cole",
    ]);
    expect((await conn.query("SELECT COUNT() FROM Lead WHERE IsConverted = false")).totalSize).toBe(3);

    const result = await conn.query("SELECT Id, Name, Owner.Name FROM Lead WHERE LastName = 'Ames'");
    expect(result).toMatchObject({ totalSize: 1, done: true });
    expect(result.records[0]).toEqual({
      attributes: { type: "Lead", url: expect.stringMatching(/^\/services\/data\/v62\.0\/sobjects\/Lead\/00Q/) },
      Id: expect.any(String),
      Name: "Ames",
      Owner: { attributes: { type: "User", url: `/services/data/v62.0/sobjects/User/${REP_ONE_USER_ID}` }, Name: "Rep One" },
    });
  });

  it("finds active users by their profile's name; profiles are read-only metadata", async () => {
    const { conn } = await startSalesforce({
      users: [
        { Id: "0055g00000AdminAAA", LastName: "Admin", Email: "admin@example.com", profile: "System Administrator" },
        { Id: "0055g00000LeftXAAA", LastName: "Left", Email: "left@example.com", IsActive: false },
        // In place of the default rep two.
        { Id: REP_TWO_USER_ID, FirstName: "Sam", LastName: "Chen", Email: "sam.chen@example.com", TimeZoneSidKey: "Europe/London" },
      ],
    });
    const users = await conn.query<Record<string, any>>(
      "SELECT Id, Name, Email, TimeZoneSidKey, Profile.Name FROM User WHERE IsActive = true AND Profile.Name IN ('Standard User', 'System Administrator') ORDER BY LastName",
    );
    expect(users.records.map((u) => [u.Id, u.Profile.Name, u.TimeZoneSidKey])).toEqual([
      ["0055g00000AdminAAA", "System Administrator", "America/Los_Angeles"],
      [REP_TWO_USER_ID, "Standard User", "Europe/London"],
      [REP_ONE_USER_ID, "Standard User", "America/New_York"],
    ]);
    expect(users.records.find((u) => u.Id === REP_TWO_USER_ID)).toMatchObject({ Name: "Sam Chen", Email: "sam.chen@example.com" });
    expect((await conn.query("SELECT COUNT() FROM User")).totalSize).toBe(5);
    const profiles = await conn.query<{ Id: string; Name: string }>("SELECT Id, Name FROM Profile ORDER BY Name");
    expect(profiles.records.map((p) => p.Name)).toEqual(["Minimum Access - API Only Integrations", "Standard User", "System Administrator"]);
    expect(await rejection(conn.sobject("Profile").create({ Name: "Sales" }))).toMatchObject({ errorCode: "INVALID_TYPE_FOR_OPERATION" });
  });

  it("answers query errors as MALFORMED_QUERY, INVALID_FIELD and INVALID_TYPE", async () => {
    const { conn } = await startSalesforce();
    expect(await rejection(conn.query("SELECT Id FROM"))).toMatchObject({ errorCode: "MALFORMED_QUERY" });
    expect(await rejection(conn.query("SELECT Id FROM Lead WHERE"))).toMatchObject({ errorCode: "MALFORMED_QUERY" });
    expect(await rejection(conn.query("SELECT Shoe_Size__c FROM Lead"))).toMatchObject({ errorCode: "INVALID_FIELD" });
    expect(await rejection(conn.query("SELECT Id FROM Lead WHERE CreatedDate > '2025-01-01'"))).toMatchObject({ errorCode: "INVALID_FIELD" });
    expect(await rejection(conn.query("SELECT Id FROM Widget__c"))).toMatchObject({ errorCode: "INVALID_TYPE" });
  });

  it("derives OpportunityFieldHistory and OpportunityHistory from stage changes", async () => {
    let clock = Date.parse("2025-11-22T10:00:00Z");
    const { conn, emulator } = await startSalesforce({ now: () => clock });
    const opp = await conn.sobject("Opportunity").create({ Name: "Big deal", StageName: "Prospecting", CloseDate: "2025-12-31", Amount: 5000 });
    clock += 60_000;
    // A rep moves the stage in the UI; then the integration moves it back.
    const ui = await control(emulator.server.url, "PATCH", `/_emulator/ui/Opportunity/${opp.id}`, { StageName: "Negotiation/Review" });
    expect(ui.status).toBe(200);
    clock += 60_000;
    await conn.sobject("Opportunity").update({ Id: opp.id!, StageName: "Prospecting" });

    const history = await conn.query<Record<string, unknown>>(
      `SELECT OldValue, NewValue, CreatedById, CreatedDate FROM OpportunityFieldHistory WHERE OpportunityId = '${opp.id}' AND Field = 'StageName' ORDER BY CreatedDate DESC`,
    );
    expect(history.records.map(({ attributes: _a, ...r }) => r)).toEqual([
      {
        OldValue: "Negotiation/Review",
        NewValue: "Prospecting",
        CreatedById: emulator.integrationUserId,
        CreatedDate: "2025-11-22T10:02:00.000+0000",
      },
      { OldValue: "Prospecting", NewValue: "Negotiation/Review", CreatedById: REP_ONE_USER_ID, CreatedDate: "2025-11-22T10:01:00.000+0000" },
    ]);
    const stages = await conn.query<{ StageName: string }>(
      `SELECT StageName FROM OpportunityHistory WHERE OpportunityId = '${opp.id}' ORDER BY CreatedDate DESC LIMIT 2`,
    );
    expect(stages.records.map((r) => r.StageName)).toEqual(["Prospecting", "Negotiation/Review"]);
    expect((await conn.query(`SELECT COUNT() FROM OpportunityFieldHistory WHERE Field = 'created'`)).totalSize).toBe(1);
  });

  it("pages through large results with nextRecordsUrl, and queryAll sees deleted rows", async () => {
    const { conn } = await startSalesforce();
    for (let i = 0; i < 3; i++) {
      await conn.sobject("Task").create(Array.from({ length: 200 }, (_, j) => ({ Subject: `t${i * 200 + j}` })));
    }
    const first = await conn.query("SELECT Id FROM Task", { headers: { "Sforce-Query-Options": "batchSize=250" } });
    expect(first).toMatchObject({ totalSize: 600, done: false, nextRecordsUrl: expect.stringMatching(/\/services\/data\/v62\.0\/query\/01g/) });
    expect(first.records).toHaveLength(250);
    const all = await conn
      .query("SELECT Id, Subject FROM Task ORDER BY Subject")
      .run({ autoFetch: true, maxFetch: 1000, headers: { "Sforce-Query-Options": "batchSize=250" } });
    expect(all.records).toHaveLength(600);

    const some = all.records.slice(0, 5).map((r) => r.Id as string);
    await conn.sobject("Task").destroy(some);
    expect((await conn.query("SELECT COUNT() FROM Task")).totalSize).toBe(595);
    const withDeleted = await conn.query("SELECT Id FROM Task WHERE IsDeleted = true", { scanAll: true });
    expect(withDeleted.records.map((r) => r.Id).sort()).toEqual([...some].sort());
  });

  it("reads what changed since a time, deleted records included, page by page (a reconciliation's reads)", async () => {
    let clock = Date.parse("2025-11-22T10:00:00Z");
    const { conn, url } = await startSalesforce({ now: () => clock });
    // Changed long ago in the UI (?at backdates a human's change), then 250 changes a second apart.
    const old = await control(url, "POST", "/_emulator/ui/Lead?at=2020-01-01T00:00:00Z", { LastName: "Old", Company: "A" });
    expect(old.status).toBe(201);
    expect((await control(url, "POST", "/_emulator/ui/Lead?at=yesterday", { LastName: "X", Company: "A" })).status).toBe(400);
    const ids: string[] = [];
    for (let i = 0; i < 250; i++) {
      clock += 1000;
      ids.push((await conn.sobject("Lead").create({ LastName: `L${i}`, Company: "B" })).id!);
    }
    clock += 1000;
    await conn.sobject("Lead").destroy(ids[0]!);

    const soql = "SELECT Id, IsDeleted, LastModifiedDate FROM Lead WHERE LastModifiedDate >= 2025-11-22T10:00:01Z ORDER BY LastModifiedDate, Id";
    const headers = { "Sforce-Query-Options": "batchSize=200" };
    type Page = {
      totalSize: number;
      done: boolean;
      nextRecordsUrl?: string;
      records: { Id: string; IsDeleted: boolean; LastModifiedDate: string }[];
    };
    const first = await conn.request<Page>({ method: "GET", url: `/queryAll?q=${encodeURIComponent(soql)}`, headers });
    expect(first).toMatchObject({ totalSize: 250, done: false, nextRecordsUrl: expect.stringMatching(/^\/services\/data\/v62\.0\/queryAll\/01g/) });
    expect(first.records).toHaveLength(200);
    const second = await conn.request<Page>({ method: "GET", url: first.nextRecordsUrl!, headers });
    expect(second).toMatchObject({ done: true });
    expect(second.nextRecordsUrl).toBeUndefined();
    const read = [...first.records, ...second.records];
    // Oldest change first; the deleted lead comes last, as it was changed last.
    expect(read.map((r) => r.Id)).toEqual([...ids.slice(1), ids[0]]);
    expect(read.at(-1)).toMatchObject({ IsDeleted: true });
    expect(read.map((r) => r.LastModifiedDate)).toEqual([...read.map((r) => r.LastModifiedDate)].sort());
    expect(read.some((r) => r.Id === old.body.id)).toBe(false);
    const all = await conn.request<Page>({
      method: "GET",
      url: `/queryAll?q=${encodeURIComponent("SELECT Id, LastModifiedDate FROM Lead WHERE LastName = 'Old'")}`,
    });
    expect(all.records[0]!.LastModifiedDate).toBe("2020-01-01T00:00:00.000+0000");
  });

  it("finds tasks by a list of idempotency keys, with IsClosed following Status, as the task updates do", async () => {
    const { conn, url } = await startSalesforce();
    const keys = ["k-open", "k-done", "k-o'quote"];
    const created = await conn.sobject("Task").create(keys.map((key) => ({ Subject: key, Idempotency_Key__c: key })));
    const ids = created.map((r) => r.id!);
    await control(url, "PATCH", `/_emulator/ui/Task/${ids[1]}`, { Status: "Completed" });
    const byKeys = async (wanted: string[]) =>
      (
        await conn.query<{ Id: string; Status: string; IsClosed: boolean; Idempotency_Key__c: string }>(
          `SELECT Id, Status, IsClosed, Idempotency_Key__c FROM Task WHERE Idempotency_Key__c IN (${wanted.map((k) => `'${k.replace(/'/g, "\\'")}'`).join(", ")})`,
        )
      ).records.map((r) => [r.Idempotency_Key__c, r.Status, r.IsClosed]);

    expect(await byKeys([...keys, "k-unknown"])).toEqual([
      ["k-open", "Not Started", false],
      ["k-done", "Completed", true],
      ["k-o'quote", "Not Started", false],
    ]);

    const completed = await conn.sobject("Task").update([{ Id: ids[0]!, Status: "Completed" }], { allOrNone: false });
    expect(completed).toEqual([{ id: ids[0], success: true, errors: [] }]);
    const deleted = await conn.sobject("Task").destroy([ids[2]!], { allOrNone: false });
    expect(deleted).toEqual([{ id: ids[2], success: true, errors: [] }]);
    // A deleted task no longer answers to its key, and deleting it again says it is gone.
    expect(await byKeys(keys)).toEqual([
      ["k-open", "Completed", true],
      ["k-done", "Completed", true],
    ]);
    const again = await conn.sobject("Task").destroy([ids[2]!], { allOrNone: false });
    expect(again).toEqual([{ id: ids[2], success: false, errors: [expect.objectContaining({ statusCode: "ENTITY_IS_DELETED" })] }]);
  });
});
