import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import type { ChangeEvent } from "./index.ts";
import { REP_ONE_USER_ID } from "./index.ts";
import { control, startSalesforce } from "./test-support.ts";

const fixture = JSON.parse(readFileSync(new URL("../../fixtures/salesforce-cdc-batch.json", import.meta.url), "utf8")) as ChangeEvent[];
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

describe("Salesforce emulator: Change Data Capture", () => {
  it("publishes API changes as the integration user and UI changes as the rep, in the fixture's shape", async () => {
    const { conn, emulator, url } = await startSalesforce({ now: () => 1_763_805_600_000 });
    const lead = await conn.sobject("Lead").create({ FirstName: "Jane", LastName: "Doe", Company: "Example Corp", Email: "jane.doe@example.com" });
    await conn.sobject("Task").create({ Subject: "not captured", WhoId: lead.id });
    await control(url, "PATCH", `/_emulator/ui/Lead/${lead.id}`, { Status: "Working - Contacted", Email: null });
    await conn.sobject("Lead").destroy(lead.id!);

    const events = (await control(url, "GET", "/_emulator/webhooks")).body as ChangeEvent[];
    expect((await control(url, "GET", "/_emulator/webhooks")).body).toEqual([]);
    expect(events.map((e) => [e.ChangeEventHeader.changeType, e.ChangeEventHeader.commitUser, e.ChangeEventHeader.changeOrigin])).toEqual([
      ["CREATE", emulator.integrationUserId, "com/salesforce/api/rest/62.0"],
      ["UPDATE", REP_ONE_USER_ID, "com/salesforce/api/soap/62.0;client=SfdcInternalAPI/"],
      ["DELETE", emulator.integrationUserId, "com/salesforce/api/rest/62.0"],
    ]);
    const [created, updated, deleted] = events as [ChangeEvent, ChangeEvent, ChangeEvent];
    expect(Object.keys(created.ChangeEventHeader).sort()).toEqual(Object.keys(fixture[0]!.ChangeEventHeader).concat("nulledFields").sort());
    expect(created).toMatchObject({
      ChangeEventHeader: { entityName: "Lead", recordIds: [lead.id], sequenceNumber: 1, commitTimestamp: 1_763_805_600_000, changedFields: [] },
      FirstName: "Jane",
      LastName: "Doe",
      Email: "jane.doe@example.com",
      Status: "Open - Not Contacted",
      OwnerId: emulator.integrationUserId,
      CreatedDate: "2025-11-22T10:00:00.000Z",
    });
    expect(updated).toEqual({
      ChangeEventHeader: expect.objectContaining({
        changedFields: ["Email", "Status", "LastModifiedDate", "LastModifiedById"],
        nulledFields: ["Email"],
      }),
      Status: "Working - Contacted",
      LastModifiedById: REP_ONE_USER_ID,
      LastModifiedDate: "2025-11-22T10:00:00.000Z",
    });
    expect(Object.keys(deleted)).toEqual(["ChangeEventHeader"]);
    expect(new Set(events.map((e) => e.ChangeEventHeader.transactionKey)).size).toBe(3);
    expect(events.map((e) => e.ChangeEventHeader.commitNumber)).toEqual([...events.map((e) => e.ChangeEventHeader.commitNumber)].sort());
    for (const event of events) {
      expect(event.ChangeEventHeader.recordIds[0]).toMatch(/^[a-zA-Z0-9]{18}$/);
      expect(event.ChangeEventHeader.transactionKey).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  it("numbers the events of one collection call within one transaction", async () => {
    const { conn, url } = await startSalesforce({ now: () => 1_763_805_600_000 });
    await conn.sobject("Contact").create([{ LastName: "A" }, { LastName: "B" }, { Name: "not a Contact field" }]);
    const events = (await control(url, "GET", "/_emulator/webhooks")).body as ChangeEvent[];
    expect(events.map((e) => e.ChangeEventHeader.sequenceNumber)).toEqual([1, 2]);
    expect(new Set(events.map((e) => e.ChangeEventHeader.transactionKey)).size).toBe(1);
    // A UI undelete brings the record back with all its fields.
    const [a] = events;
    await control(url, "DELETE", `/_emulator/ui/Contact/${a!.ChangeEventHeader.recordIds[0]}`);
    const undelete = await control(url, "POST", `/_emulator/ui/Contact/${a!.ChangeEventHeader.recordIds[0]}/undelete`);
    expect(undelete.status).toBe(200);
    const later = (await control(url, "GET", "/_emulator/webhooks")).body as ChangeEvent[];
    expect(later.map((e) => e.ChangeEventHeader.changeType)).toEqual(["DELETE", "UNDELETE"]);
    expect(later[1]).toMatchObject({ LastName: "A" });
  });

  it("labels the change origin with the Sforce-Call-Options client", async () => {
    const { url, conn } = await startSalesforce();
    const opp = await conn
      .sobject("Opportunity")
      .create({ Name: "Deal", StageName: "Prospecting", CloseDate: "2025-12-31" }, { headers: { "Sforce-Call-Options": "client=lead-follow-up" } });
    expect(opp.success).toBe(true);
    const [event] = (await control(url, "GET", "/_emulator/webhooks")).body as ChangeEvent[];
    expect(event!.ChangeEventHeader.changeOrigin).toBe(fixture[2]!.ChangeEventHeader.changeOrigin.replace("60.0", "62.0"));
  });

  it("delivers signed batches to a target that verify with the standardwebhooks package", async () => {
    const received: { headers: Record<string, string>; body: string }[] = [];
    const target = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => (body += c.toString("utf8")));
      req.on("end", () => {
        received.push({ headers: req.headers as Record<string, string>, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    try {
      const targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/webhooks/salesforce`;
      const { conn } = await startSalesforce({ webhookSecret: SECRET, webhookTargetUrl: targetUrl, webhookDelayMs: 0 });
      await conn.sobject("Lead").create([
        { LastName: "A", Company: "C" },
        { LastName: "B", Company: "C" },
      ]);
      await expect.poll(() => received.length, { timeout: 2_000, interval: 10 }).toBe(1);
      for (const delivery of received) {
        const payload = new Webhook(SECRET).verify(delivery.body, delivery.headers) as ChangeEvent[];
        expect(payload.map((e) => e.LastName)).toEqual(["A", "B"]);
      }
      expect(received[0]!.headers["content-type"]).toBe("application/json");
    } finally {
      await new Promise((resolve) => target.close(resolve));
    }
  });

  it("serves pending events pre-signed for tests that feed the Worker", async () => {
    const { conn, url } = await startSalesforce({ webhookSecret: SECRET });
    await conn.sobject("Lead").create({ LastName: "A", Company: "C" });
    const { body } = await control(url, "GET", "/_emulator/webhooks/signed");
    expect(body).toHaveLength(1);
    const events = new Webhook(SECRET).verify(body[0].body, body[0].headers) as ChangeEvent[];
    expect(events[0]!.ChangeEventHeader.changeType).toBe("CREATE");
  });
});
