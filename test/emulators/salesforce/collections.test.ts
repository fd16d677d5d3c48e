import { describe, expect, it } from "vitest";
import { rejection, startSalesforce } from "./test-support.ts";

describe("Salesforce emulator: sObject Collections", () => {
  it("creates 150 Tasks in one /composite/sobjects call", async () => {
    const { conn, emulator } = await startSalesforce();
    const records = Array.from({ length: 150 }, (_, i) => ({ Subject: `Call #${i}`, Idempotency_Key__c: `k-${i}` }));
    const results = await conn.sobject("Task").create(records);
    expect(results).toHaveLength(150);
    expect(results.every((r) => r.success && /^00T/.test(r.id!))).toBe(true);
    expect(new Set(results.map((r) => r.id)).size).toBe(150);
    expect(emulator.server.calls).toHaveLength(1);
    expect(emulator.server.calls[0]).toMatchObject({ method: "POST", path: "/services/data/v62.0/composite/sobjects", status: 200, batchSize: 150 });
    // Results come back in request order.
    expect(emulator.store.get(results[7]!.id!)!.fields.Subject).toBe("Call #7");
  });

  it("refuses more than 200 records with a 400 error array", async () => {
    const { conn, emulator } = await startSalesforce();
    const records = Array.from({ length: 201 }, (_, i) => ({ Subject: `Call #${i}` }));
    expect(await rejection(conn.sobject("Task").create(records))).toMatchObject({ errorCode: "EXCEEDED_ID_LIMIT" });
    expect(emulator.store.list("Task")).toHaveLength(0);
    // jsforce splits into chunks of 200 only when asked to.
    const chunked = await conn.sobject("Task").create(records, { allowRecursive: true });
    expect(chunked.filter((r) => r.success)).toHaveLength(201);
    expect(emulator.server.calls.map((c) => c.batchSize)).toEqual([201, 200, 1]);
  });

  it("reports per-record failures in SaveResults when allOrNone is false", async () => {
    const { conn, emulator } = await startSalesforce();
    const lead = await conn.sobject("Lead").create({ LastName: "Doe", Company: "Acme" });
    const opportunity = await conn.sobject("Opportunity").create({ Name: "Deal", StageName: "Prospecting", CloseDate: "2025-12-31" });
    const results = await conn.sobject("Task").create([
      { Subject: "ok", WhoId: lead.id },
      { Subject: "unknown field", Colour__c: "red" },
      { Subject: "lead with a related record", WhoId: lead.id, WhatId: opportunity.id },
      { Subject: "ok too", WhatId: opportunity.id },
    ]);
    expect(results.map((r) => r.success)).toEqual([true, false, false, true]);
    expect(results[1]).toEqual({ success: false, errors: [expect.objectContaining({ statusCode: "INVALID_FIELD" })] });
    expect(results[2]).toEqual({
      success: false,
      errors: [expect.objectContaining({ statusCode: "FIELD_INTEGRITY_EXCEPTION", fields: ["WhatId"] })],
    });
    expect(emulator.store.list("Task")).toHaveLength(2);
  });

  it("rolls everything back when allOrNone is true", async () => {
    const { conn, emulator } = await startSalesforce();
    const results = await conn.sobject("Task").create(
      [
        { Subject: "fine", Idempotency_Key__c: "a" },
        { Subject: "dup", Idempotency_Key__c: "a" },
      ],
      { allOrNone: true },
    );
    expect(results).toEqual([
      { success: false, errors: [expect.objectContaining({ statusCode: "ALL_OR_NONE_OPERATION_ROLLED_BACK" })] },
      { success: false, errors: [expect.objectContaining({ statusCode: "DUPLICATE_VALUE" })] },
    ]);
    expect(emulator.store.list("Task")).toHaveLength(0);
    expect(emulator.store.findByUnique("Task", "Idempotency_Key__c", "a")).toBeUndefined();
  });

  it("upserts a collection by external id, reporting created per record", async () => {
    const { conn, emulator } = await startSalesforce();
    await conn.sobject("Task").create({ Subject: "existing", Idempotency_Key__c: "k-1" });
    const results = await conn.sobject("Task").upsert(
      [
        { Idempotency_Key__c: "k-1", Subject: "updated" },
        { Idempotency_Key__c: "k-2", Subject: "new" },
      ],
      "Idempotency_Key__c",
    );
    expect(results).toEqual([
      { id: expect.stringMatching(/^00T/), success: true, errors: [], created: false },
      { id: expect.stringMatching(/^00T/), success: true, errors: [], created: true },
    ]);
    expect(emulator.server.calls.at(-1)).toMatchObject({ method: "PATCH", path: "/services/data/v62.0/composite/sobjects/Task/Idempotency_Key__c" });
    expect(
      emulator.store
        .list("Task")
        .map((t) => t.fields.Subject)
        .sort(),
    ).toEqual(["new", "updated"]);
  });

  it("updates and deletes collections by id, and retrieves many", async () => {
    const { conn, emulator } = await startSalesforce();
    const created = await conn.sobject("Task").create([{ Subject: "a" }, { Subject: "b" }]);
    const ids = created.map((r) => r.id!);
    const updated = await conn.sobject("Task").update([
      { Id: ids[0]!, Priority: "High" },
      { Id: ids[1]!, Priority: "Urgent" },
    ]);
    expect(updated).toEqual([
      { id: ids[0], success: true, errors: [] },
      { id: ids[1], success: false, errors: [expect.objectContaining({ statusCode: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" })] },
    ]);
    const retrieved = await conn.sobject("Task").retrieve([ids[0]!, ids[1]!], { fields: ["Subject", "Priority", "IsHighPriority"] });
    expect(retrieved.map((r) => r && [r.Subject, r.Priority, r.IsHighPriority])).toEqual([
      ["a", "High", true],
      ["b", "Normal", false],
    ]);

    const deleted = await conn.sobject("Task").destroy([ids[0]!, "00T5g00000NoSuchAA"]);
    expect(deleted).toEqual([
      { id: ids[0], success: true, errors: [] },
      { id: "00T5g00000NoSuchAA", success: false, errors: [expect.objectContaining({ statusCode: "INVALID_CROSS_REFERENCE_KEY" })] },
    ]);
    expect(emulator.store.list("Task").map((t) => t.fields.Id)).toEqual([ids[1]]);
  });
});
