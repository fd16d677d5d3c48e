import { Connection } from "jsforce";
import { describe, expect, it } from "vitest";
import { checksumSuffix } from "./ids.ts";
import { INTEGRATION_USER_ID, REP_ONE_USER_ID, REP_TWO_USER_ID } from "./index.ts";
import { control, rejection, startSalesforce } from "./test-support.ts";

describe("Salesforce emulator: sObject REST with the real jsforce", () => {
  it("creates, retrieves, updates and deletes a Lead", async () => {
    const { conn, emulator } = await startSalesforce({ now: () => Date.parse("2025-11-22T10:00:00Z") });
    const created = await conn.sobject("Lead").create({ FirstName: "Jane", LastName: "Doe", Company: "Example Corp", Email: "jane@example.com" });
    expect(created).toEqual({ id: expect.stringMatching(/^00Q[a-zA-Z0-9]{15}$/), success: true, errors: [] });
    const id = created.id!;
    expect(id.slice(15)).toBe(checksumSuffix(id.slice(0, 15)));
    expect(conn.limitInfo.apiUsage).toEqual({ used: 1, limit: 100_000 });

    const lead = await conn.sobject("Lead").retrieve(id);
    expect(lead).toMatchObject({
      attributes: { type: "Lead", url: `/services/data/v62.0/sobjects/Lead/${id}` },
      Id: id,
      Name: "Jane Doe",
      Status: "Open - Not Contacted",
      OwnerId: INTEGRATION_USER_ID,
      CreatedDate: "2025-11-22T10:00:00.000+0000",
      LastModifiedById: INTEGRATION_USER_ID,
      SystemModstamp: "2025-11-22T10:00:00.000+0000",
      Phone: null,
      IsDeleted: false,
    });
    // The 15-character form finds the same record.
    expect((await conn.sobject("Lead").retrieve(id.slice(0, 15))).Id).toBe(id);
    expect(await conn.request(`/sobjects/Lead/${id}?fields=Email,ownerid`)).toEqual({
      attributes: { type: "Lead", url: `/services/data/v62.0/sobjects/Lead/${id}` },
      Email: "jane@example.com",
      OwnerId: INTEGRATION_USER_ID,
    });

    expect(await conn.sobject("Lead").update({ Id: id, OwnerId: REP_TWO_USER_ID, Phone: "+15551234567" })).toEqual({ id, success: true, errors: [] });
    expect(await conn.sobject("Lead").retrieve(id)).toMatchObject({ OwnerId: REP_TWO_USER_ID, Phone: "+15551234567" });

    expect(await conn.sobject("Lead").destroy(id)).toEqual({ id, success: true, errors: [] });
    expect(await rejection(conn.sobject("Lead").retrieve(id))).toMatchObject({ errorCode: "NOT_FOUND" });
    expect(await rejection(conn.sobject("Lead").destroy(id))).toMatchObject({ errorCode: "ENTITY_IS_DELETED" });
    const all = await control(emulator.server.url, "GET", "/_emulator/records/Lead");
    expect(all.body).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })]);
  });

  it("answers validation failures as Salesforce error arrays", async () => {
    const { conn } = await startSalesforce();
    expect(await rejection(conn.sobject("Lead").create({ Company: "No Name Inc" }))).toMatchObject({
      errorCode: "REQUIRED_FIELD_MISSING",
      message: "Required fields are missing: [LastName]",
      data: { fields: ["LastName"] },
    });
    expect(await rejection(conn.sobject("Task").create({ Subject: "Call", Colour__c: "red" }))).toMatchObject({ errorCode: "INVALID_FIELD" });
    expect(await rejection(conn.sobject("Task").create({ Subject: "Call", Priority: "Urgent" }))).toMatchObject({
      errorCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
      data: { fields: ["Priority"] },
    });
    expect(await rejection(conn.sobject("Task").create({ Subject: "Call", ActivityDate: "2025-11-22T10:00:00Z" }))).toMatchObject({
      errorCode: "JSON_PARSER_ERROR",
    });
    expect(await rejection(conn.sobject("Task").create({ Subject: "Call", OwnerId: "0055g00000NobodyAA" }))).toMatchObject({
      errorCode: "INVALID_CROSS_REFERENCE_KEY",
    });
    expect(await rejection(conn.sobject("Lead").create({ LastName: "X", Company: "Y", CreatedDate: "2020-01-01T00:00:00Z" }))).toMatchObject({
      errorCode: "INVALID_FIELD_FOR_INSERT_UPDATE",
    });
    expect(await rejection(conn.sobject("Widget__c").create({ Name: "w" }))).toMatchObject({ errorCode: "NOT_FOUND" });

    const task = await conn.sobject("Task").create({ Subject: "Follow up", ActivityDate: "2025-11-23" });
    expect(await conn.sobject("Task").retrieve(task.id!)).toMatchObject({
      Status: "Not Started",
      Priority: "Normal",
      IsClosed: false,
      ActivityDate: "2025-11-23",
      OwnerId: INTEGRATION_USER_ID,
    });
    await conn.sobject("Task").update({ Id: task.id!, Status: "Completed" });
    expect(await conn.sobject("Task").retrieve(task.id!)).toMatchObject({ IsClosed: true });
  });

  it("upserts by external id: created once, then updated", async () => {
    const { conn, emulator } = await startSalesforce();
    const upsert = (fields: Record<string, unknown>) =>
      conn.sobject("Task").upsert({ Idempotency_Key__c: "lead-42:first-touch", ...fields }, "Idempotency_Key__c");
    const first = await upsert({ Subject: "Call Jane" });
    expect(first).toEqual({ id: expect.stringMatching(/^00T/), success: true, errors: [], created: true });
    const second = await upsert({ Subject: "Call Jane today" });
    expect(second).toEqual({ id: (first as { id: string }).id, success: true, errors: [], created: false });
    expect(emulator.store.list("Task")).toHaveLength(1);
    expect(emulator.store.list("Task")[0]!.fields).toMatchObject({ Subject: "Call Jane today", Idempotency_Key__c: "lead-42:first-touch" });
    expect(emulator.server.calls.map((c) => c.status)).toEqual([201, 200]);

    // A second record with the same key is a DUPLICATE_VALUE, not a second task.
    expect(await rejection(conn.sobject("Task").create({ Subject: "Dup", Idempotency_Key__c: "lead-42:first-touch" }))).toMatchObject({
      errorCode: "DUPLICATE_VALUE",
    });
    expect(await rejection(conn.sobject("Task").upsert({ Subject: "x", Colour__c: 1, Idempotency_Key__c: "k" }, "Subject"))).toMatchObject({
      errorCode: "NOT_FOUND",
    });
  });

  it("rejects calls without a valid session with 401 INVALID_SESSION_ID", async () => {
    const { url } = await startSalesforce();
    for (const accessToken of ["", "not-a-token"]) {
      const conn = new Connection({ instanceUrl: url, accessToken, version: "62.0" });
      expect(await rejection(conn.sobject("Lead").create({ LastName: "X", Company: "Y" }))).toMatchObject({ errorCode: "INVALID_SESSION_ID" });
    }
    const raw = await fetch(`${url}/services/data/v62.0/query?q=SELECT+Id+FROM+Lead`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual([{ message: "Session expired or invalid", errorCode: "INVALID_SESSION_ID" }]);
    // The versions list needs no session.
    const versions = (await (await fetch(`${url}/services/data/`)).json()) as { label: string }[];
    expect(versions.at(-1)).toEqual({ label: "Winter '25", url: "/services/data/v62.0", version: "62.0" });
  });

  it("lets an active Lead assignment rule overwrite OwnerId unless Sforce-Auto-Assign is FALSE", async () => {
    const { conn } = await startSalesforce({ leadAssignmentOwnerId: REP_ONE_USER_ID });
    const assigned = await conn.sobject("Lead").create({ LastName: "A", Company: "C", OwnerId: REP_TWO_USER_ID });
    expect((await conn.sobject("Lead").retrieve(assigned.id!)).OwnerId).toBe(REP_ONE_USER_ID);
    const kept = await conn
      .sobject("Lead")
      .create({ LastName: "B", Company: "C", OwnerId: REP_TWO_USER_ID }, { headers: { "Sforce-Auto-Assign": "FALSE" } });
    expect((await conn.sobject("Lead").retrieve(kept.id!)).OwnerId).toBe(REP_TWO_USER_ID);
    // Without a rule (the default) the header changes nothing.
    const plain = await startSalesforce();
    const lead = await plain.conn.sobject("Lead").create({ LastName: "C", Company: "C", OwnerId: REP_TWO_USER_ID });
    expect((await plain.conn.sobject("Lead").retrieve(lead.id!)).OwnerId).toBe(REP_TWO_USER_ID);
  });

  it("tells jsforce who the token belongs to", async () => {
    const { conn, emulator } = await startSalesforce({ orgId: "00D5g000004OtherEAA" });
    expect(await conn.identity()).toMatchObject({
      user_id: INTEGRATION_USER_ID,
      organization_id: "00D5g000004OtherEAA",
      display_name: "Integration User",
    });
    expect(conn.userInfo).toMatchObject({ id: INTEGRATION_USER_ID, organizationId: emulator.orgId });
  });

  it("describes sObjects for jsforce", async () => {
    const { conn } = await startSalesforce();
    const describe = await conn.sobject("Task").describe();
    expect(describe.keyPrefix).toBe("00T");
    expect(describe.fields.find((f) => f.name === "Idempotency_Key__c")).toMatchObject({ externalId: true, unique: true });
    expect(describe.fields.find((f) => f.name === "Priority")?.picklistValues?.map((p) => p.value)).toEqual(["High", "Normal", "Low"]);
  });
});
