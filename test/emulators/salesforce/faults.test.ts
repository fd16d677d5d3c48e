import { describe, expect, it } from "vitest";
import { control, rejection, startSalesforce } from "./test-support.ts";

const LIMIT_BODY = [{ message: "TotalRequests Limit exceeded.", errorCode: "REQUEST_LIMIT_EXCEEDED" }];

describe("Salesforce emulator: faults and limits", () => {
  it("does the work of a lost response: the client errors, the record exists", async () => {
    const { conn, emulator, url } = await startSalesforce();
    await control(url, "PUT", "/_emulator/faults", { rateLostResponse: 1 });
    const error = await rejection(conn.sobject("Task").create({ Subject: "Call Jane", Idempotency_Key__c: "k-1" }));
    expect(error.errorCode).toBeUndefined();
    await control(url, "PUT", "/_emulator/faults", {});
    expect(emulator.store.list("Task")).toHaveLength(1);
    expect(emulator.server.calls[0]).toMatchObject({ fault: "lost-response", status: 201 });
    // Retrying with the same idempotency key through upsert does not duplicate it.
    const retried = await conn.sobject("Task").upsert({ Idempotency_Key__c: "k-1", Subject: "Call Jane" }, "Idempotency_Key__c");
    expect(retried).toMatchObject({ created: false });
    expect(emulator.store.list("Task")).toHaveLength(1);
  });

  it("answers injected 5xx with UNKNOWN_EXCEPTION and does nothing", async () => {
    const { conn, emulator, url } = await startSalesforce();
    await control(url, "PUT", "/_emulator/faults", { rate5xx: 1 });
    expect(await rejection(conn.sobject("Lead").create({ LastName: "X", Company: "Y" }))).toMatchObject({ errorCode: "UNKNOWN_EXCEPTION" });
    const raw = await fetch(`${url}/services/data/v62.0/sobjects/Lead/`, {
      method: "POST",
      headers: { authorization: "Bearer salesforce-dev-token", "content-type": "application/json" },
      body: "{}",
    });
    expect(raw.status).toBe(503);
    expect(await raw.json()).toEqual([{ message: "An unexpected error occurred", errorCode: "UNKNOWN_EXCEPTION" }]);
    expect(emulator.server.calls.map((c) => c.status)).toEqual([500, 503]);
    expect(emulator.store.list("Lead")).toHaveLength(0);
  });

  it("answers an injected rate-limit fault the way Salesforce does: 403 REQUEST_LIMIT_EXCEEDED, no Retry-After", async () => {
    const { conn, url } = await startSalesforce();
    await control(url, "PUT", "/_emulator/faults", { rate429: 1 });
    expect(await rejection(conn.sobject("Lead").create({ LastName: "X", Company: "Y" }))).toMatchObject({ errorCode: "REQUEST_LIMIT_EXCEEDED" });
    const raw = await fetch(`${url}/services/data/v62.0/limits`, { headers: { authorization: "Bearer salesforce-dev-token" } });
    expect(raw.status).toBe(403);
    expect(raw.headers.get("retry-after")).toBeNull();
    expect(raw.headers.get("sforce-limit-info")).toBe("api-usage=2/100000");
    expect(await raw.json()).toEqual(LIMIT_BODY);
  });

  it("drops the connection after timeoutMs for an injected timeout", async () => {
    const { conn, emulator, url } = await startSalesforce();
    await control(url, "PUT", "/_emulator/faults", { rateTimeout: 1, timeoutMs: 20 });
    expect((await rejection(conn.sobject("Lead").create({ LastName: "X", Company: "Y" }))).errorCode).toBeUndefined();
    expect(emulator.store.list("Lead")).toHaveLength(0);
  });

  it("enforces the short-window cap and the daily allocation with 403 REQUEST_LIMIT_EXCEEDED", async () => {
    let clock = 1_000_000;
    const { conn, url } = await startSalesforce({ rateLimit: { max: 2, windowMs: 1_000 }, dailyLimit: 3, now: () => clock });
    await conn.sobject("Lead").create({ LastName: "A", Company: "C" });
    await conn.sobject("Lead").create({ LastName: "B", Company: "C" });
    expect(await rejection(conn.sobject("Lead").create({ LastName: "C", Company: "C" }))).toMatchObject({ errorCode: "REQUEST_LIMIT_EXCEEDED" });
    clock += 1_000;
    await conn.sobject("Lead").create({ LastName: "D", Company: "C" });
    expect(conn.limitInfo.apiUsage).toEqual({ used: 3, limit: 3 });
    clock += 1_000;
    const raw = await fetch(`${url}/services/data/v62.0/query?q=SELECT+COUNT()+FROM+Lead`, {
      headers: { authorization: "Bearer salesforce-dev-token" },
    });
    expect(raw.status).toBe(403);
    expect(raw.headers.get("sforce-limit-info")).toBe("api-usage=3/3");
    // The allocation is a rolling 24 hours.
    clock += 24 * 60 * 60 * 1000;
    expect((await conn.query("SELECT COUNT() FROM Lead")).totalSize).toBe(3);
    expect((await control(url, "GET", "/_emulator/usage")).body).toEqual({ used: 1, limit: 3 });
  });

  it("forgets records, events and usage on reset but keeps the seeded users", async () => {
    const { conn, emulator, url } = await startSalesforce();
    await conn.sobject("Lead").create({ LastName: "A", Company: "C" });
    expect((await control(url, "POST", "/_emulator/reset")).status).toBe(204);
    expect(emulator.store.list("Lead")).toHaveLength(0);
    expect(emulator.changeEvents.drain()).toEqual([]);
    expect((await conn.query("SELECT COUNT() FROM User")).totalSize).toBe(3);
  });
});
