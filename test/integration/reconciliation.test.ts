import { env } from "cloudflare:workers";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { portsFor } from "../../src/ports";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { runReconciliation } from "../../src/ingest/reconciliation-run";
import { reconciliationDeps } from "../../src/ingest/reconciliation-wiring";
import { resumeStalledReconciliations } from "../../src/ingest/reconciliations";
import cdcShapes from "../fixtures/salesforce-cdc-shapes.json";
import { salesforceEmulator } from "../support/emulators";
import { finishedReconciliation, reconciliations } from "../support/ingest";
import { call, eventually, leadSnapshot, send, signedSalesforce } from "../support/requests";
import { TEST_BINDINGS } from "../support/test-bindings";

const ORG = TEST_BINDINGS.SALESFORCE_ORG_ID;

/** Records created in the Salesforce emulator's UI as if at `at` (their LastModifiedDate). */
async function createdAt(sobject: string, at: string, fields: Record<string, unknown>): Promise<string> {
  const response = await fetch(`${env.SALESFORCE_INSTANCE_URL}/_emulator/ui/${sobject}?at=${encodeURIComponent(at)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fields),
  });
  if (response.status !== 201) throw new Error(`create ${sobject}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** `count` contacts last modified a second apart from `start`. */
async function contactsFrom(start: string, count: number, name: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push(await createdAt("Contact", new Date(Date.parse(start) + i * 1000).toISOString(), { LastName: `${name} ${i}` }));
  return ids;
}

let serial = 0;
function header(entityName: string, changeType: string, recordIds: string[], commitTimestamp: number) {
  return {
    ChangeEventHeader: {
      entityName,
      recordIds,
      changeType,
      changeOrigin: "",
      transactionKey: `recon-${++serial}-${crypto.randomUUID()}`,
      sequenceNumber: 100001,
      commitTimestamp,
      commitNumber: 72784468300 + serial,
      commitUser: "0055g00000RepOneAAA",
      nulledFields: [],
      diffFields: [],
      changedFields: [],
    },
  };
}

const contactKey = (id: string) => `salesforce:${ORG}:contact:${id}`;

/** A reconciliation row as the Worker writes it, without the queue message (the test runs it by hand). */
async function insertReconciliation(id: string, objectType: string, sobject: string, since: string) {
  const at = new Date().toISOString();
  await env.DB.prepare(
    "INSERT INTO reconciliations (id, crm, account_id, object_type, sobject, since, reason, status, created_at, updated_at) VALUES (?, 'salesforce', ?, ?, ?, ?, 'test', 'running', ?, ?)",
  )
    .bind(id, ORG, objectType, sobject, since, at, at)
    .run();
}
const row = (id: string) => env.DB.prepare("SELECT * FROM reconciliations WHERE id = ?").bind(id).first<any>();

describe("reconciliation after a Salesforce overflow or wildcard", () => {
  // The emulator is shared with later files: the change events of the records made here are not theirs.
  afterEach(async () => {
    await salesforceEmulator.webhooks();
  });

  beforeAll(async () => {
    // The fed records were last modified years ago: with any stale threshold the policy allows
    // (at most 90 days) they would all be stale at once, and the rules' reads are not what this
    // file tests. The fields read are the other rules' (the score field is the cadence SLA's too).
    const policy = structuredClone(DEFAULT_POLICY);
    policy.rules.staleLead!.enabled = false;
    const put = await call("/admin/policy", {
      method: "PUT",
      headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify(policy),
    });
    expect(put.status).toBe(201);
  });

  it("an overflow event reads back every record of its object changed since, page by page, and feeds each to its record", {
    timeout: 60_000,
  }, async () => {
    const old = await createdAt("Contact", "2021-01-01T00:00:00Z", { LastName: "Unchanged" });
    const changed = await contactsFrom("2022-06-01T00:00:00Z", 205, "Overflowed");
    const overflow = header("Contact", "GAP_OVERFLOW", ["000000000000000AAA"], Date.parse("2022-06-01T00:10:00Z"));
    const response = await send(await signedSalesforce([overflow]));
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
    expect(body).toMatchObject({ kept: 1, ignored: 0, parked: 0, reasons: [], reconciliations: [{ index: 0, id: expect.stringMatching(/^rec_/) }] });

    const done = await finishedReconciliation(body.reconciliations[0].id, 30_000);
    expect(done).toMatchObject({
      status: "done",
      objectType: "contact",
      sobject: "Contact",
      reason: "GAP_OVERFLOW",
      since: "2022-05-31T23:55:00.000Z",
      lastError: null,
    });
    expect(done.pages).toBeGreaterThanOrEqual(2);
    expect(done.records).toBeGreaterThanOrEqual(205);
    // The policy's contact fields, those a Contact has: the product's score fields, no Company or Status.
    expect(done.fields).toEqual(expect.arrayContaining(["Id", "IsDeleted", "LastModifiedDate", "Email", "OwnerId", "Lead_Score__c"]));
    expect(done.fields).not.toContain("Company");
    expect(done.fields).not.toContain("Status");

    // Every changed record got its snapshot, through the queue and the records' dedupe.
    for (const id of [changed[0]!, changed[204]!]) {
      const { body: record } = await eventually(async () => {
        const snapshot = await leadSnapshot(contactKey(id));
        if (snapshot.status !== 200) throw new Error(`${id} not fed yet`);
        return snapshot;
      }, 30_000);
      expect(record.events[0]).toMatchObject({ kind: "propertyChanged", snapshot: true, via: "salesforce-reconciliation", objectType: "contact" });
      // The fields the policy's rules need of a contact: the owner, not the name.
      expect(record.state.properties.OwnerId.value).toBe("0055g00000RepOnAAA");
      expect(record.state.properties).not.toHaveProperty("LastName");
    }
    expect((await leadSnapshot(contactKey(old))).status).toBe(404);

    // The same overflow again starts nothing new.
    expect(((await (await send(await signedSalesforce([overflow]))).json()) as any).reconciliations[0].id).toBe(done.id);
    expect((await reconciliations()).filter((r) => r.id === done.id)).toHaveLength(1);
  });

  it("a wildcard record id (00Q*) reconciles its object, beside the other events of the batch", { timeout: 60_000 }, async () => {
    const lead = await createdAt("Lead", "2023-01-01T00:00:00Z", { LastName: "Converted", Company: "Example" });
    const wildcard = header("Lead", "UPDATE", ["00Q*"], Date.parse("2023-01-01T00:10:00Z"));
    const fixture = await send(await signedSalesforce(cdcShapes));
    const started = (await fixture.json()) as any;
    // The documented shapes: the overflow (Account) and the wildcard (Lead) each start one.
    expect(started).toMatchObject({ kept: 5, ignored: 1, parked: 0 });
    expect(started.reconciliations.map((r: any) => r.index)).toEqual([3, 4]);

    const body = (await (await send(await signedSalesforce([wildcard]))).json()) as any;
    const done = await finishedReconciliation(body.reconciliations[0].id, 30_000);
    expect(done).toMatchObject({ status: "done", sobject: "Lead", reason: "wildcard 00Q*" });
    const record = await eventually(async () => {
      const snapshot = await leadSnapshot(`salesforce:${ORG}:lead:${lead}`);
      if (snapshot.status !== 200) throw new Error("not fed yet");
      return snapshot;
    }, 30_000);
    expect(record.body.state.properties.Company.value).toBe("Example");
    for (const r of started.reconciliations) expect((await finishedReconciliation(r.id, 30_000)).status).toBe("done");
  });

  it("survives a restart: each page's cursor is in D1, and an expired one starts over from the newest record fed", { timeout: 60_000 }, async () => {
    const changed = await contactsFrom("2024-03-01T00:00:00Z", 230, "Resumed");
    const id = `rec_restart_${crypto.randomUUID().slice(0, 8)}`;
    await insertReconciliation(id, "contact", "Contact", "2024-03-01T00:00:00.000Z");
    const deps = { ...reconciliationDeps(env, portsFor(env)), maxPages: 1 };

    // One page, then the run ends as if the Worker restarted.
    expect(await runReconciliation(env, id, deps)).toEqual({ next: "continue" });
    const afterOne = await row(id);
    expect(afterOne).toMatchObject({ status: "running", pages: 1, records: 200, claimed_until: null });
    expect(afterOne.cursor).toMatch(/^\/services\/data\/v\d+\.0\/queryAll\//);
    expect(afterOne.resume_from).toBe(new Date(Date.parse("2024-03-01T00:00:00Z") + 199_000).toISOString());

    // The cursor expired meanwhile (Salesforce drops idle query locators): read again from resume_from.
    await env.DB.prepare("UPDATE reconciliations SET cursor = ? WHERE id = ?").bind("/services/data/v62.0/queryAll/01g5g0000999999-200", id).run();
    let outcome = await runReconciliation(env, id, { ...deps, maxPages: 5 });
    while (outcome.next === "continue") outcome = await runReconciliation(env, id, { ...deps, maxPages: 5 });
    const finished = await row(id);
    expect(outcome, JSON.stringify(finished)).toEqual({ next: "done" });
    expect(finished).toMatchObject({ status: "done", cursor: null, attempts: 0, last_error: null });
    expect(finished.pages).toBeGreaterThanOrEqual(2);
    // Every record reached, each exactly once however often it was read.
    for (const contact of [changed[0]!, changed[199]!, changed[200]!, changed[229]!]) {
      const snapshot = await eventually(async () => {
        const s = await leadSnapshot(contactKey(contact));
        if (s.status !== 200) throw new Error("not fed yet");
        return s;
      }, 30_000);
      expect(snapshot.body.events).toHaveLength(1);
    }
  });

  it("the cron gives a stalled reconciliation its message again", { timeout: 60_000 }, async () => {
    const [contact] = await contactsFrom("2024-09-01T00:00:00Z", 1, "Stalled");
    const id = `rec_stalled_${crypto.randomUUID().slice(0, 8)}`;
    await insertReconciliation(id, "contact", "Contact", "2024-09-01T00:00:00.000Z");
    // No message was ever sent; ten minutes later the cron finds it quiet and unheld.
    expect(await resumeStalledReconciliations(env, new Date(Date.now() + 10 * 60_000))).toBeGreaterThanOrEqual(1);
    expect((await finishedReconciliation(id, 30_000)).status).toBe("done");
    await eventually(async () => {
      if ((await leadSnapshot(contactKey(contact!))).status !== 200) throw new Error("not fed yet");
    }, 30_000);
  });

  it("fails visibly when it cannot read, and an admin retries it", { timeout: 60_000 }, async () => {
    const id = `rec_failing_${crypto.randomUUID().slice(0, 8)}`;
    await insertReconciliation(id, "contact", "Contact", "2099-01-01T00:00:00.000Z");
    const off = { ...reconciliationDeps(env, portsFor(env)), reader: undefined };
    expect(await runReconciliation(env, id, off)).toEqual({ next: "done" });
    const failed = (await reconciliations()).find((r) => r.id === id);
    expect(failed).toMatchObject({ status: "failed", lastError: expect.stringContaining("Salesforce reads are off") });

    const headers = { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}` };
    expect((await call(`/admin/ingest/reconciliations/${id}/retry`, { method: "POST", headers })).status).toBe(202);
    expect((await call(`/admin/ingest/reconciliations/${id}/retry`, { method: "POST", headers })).status).toBe(409);
    // The queue runs it again, now with Salesforce configured: nothing changed since 2099, so it is done at once.
    expect(await finishedReconciliation(id, 30_000)).toMatchObject({ status: "done", lastError: null, records: 0 });
    expect((await call("/admin/ingest/reconciliations?status=bogus", { headers })).status).toBe(400);
  });
});
