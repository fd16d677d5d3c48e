import { listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { RecordObject } from "../../src/records/record-object";
import { RecordStore } from "../../src/records/record-store";
import { leadSnapshot } from "../support/requests";

const key = (id: string) => `hubspot:62515:contact:store-${id}-${Date.now()}`;
const idOf = async (name: string) => env.RECORDS.idFromName(name).toString();

describe("the record object's store", () => {
  it("creates nothing for a record nobody has heard of, however often it is asked for", async () => {
    const unknown = key("unknown");
    for (let i = 0; i < 3; i++) expect((await leadSnapshot(unknown)).status).toBe(404);
    const stored = (await listDurableObjectIds(env.RECORDS)).map((id) => id.toString());
    expect(stored).not.toContain(await idOf(unknown));
  });

  it("brings an object stored in the old layout along: its record, rules' memory, bookkeeping and wake-ups", async () => {
    const name = key("legacy");
    const createdAt = "2026-11-02T15:00:00.000Z";
    const state = {
      key: name,
      crm: "hubspot",
      accountId: "62515",
      objectType: "contact",
      objectId: name.split(":")[3],
      status: "active",
      statusAt: null,
      createdAt,
      mergedInto: null,
      mergedIds: [],
      properties: {},
      associations: {},
      firstEventAt: createdAt,
      lastEventAt: createdAt,
      eventCount: 1,
    };
    const deadline = Date.parse("2099-01-01T00:00:00.000Z");
    // Schema 1: JSON blobs in a kv table, wake-ups named without their rule, a gate not yet nudged marked by revertAt "".
    await runInDurableObject(env.RECORDS.getByName(name), async (_object, ctx) => {
      ctx.storage.sql.exec(`
        CREATE TABLE events (seq INTEGER PRIMARY KEY AUTOINCREMENT, dedupe_key TEXT NOT NULL UNIQUE, occurred_at TEXT NOT NULL,
          received_at TEXT NOT NULL, body TEXT NOT NULL, ruled INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
        CREATE TABLE wakeups (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL);`);
      const kv = {
        state,
        rules: {
          stale: { lastActivityAt: createdAt, deadline: new Date(deadline).toISOString(), parked: false },
          gate: { pending: { stage: "x", missing: [], revertAt: "", since: createdAt } },
        },
        stats: { recorded: 1, duplicatesIgnored: 2 },
        projection: { d1RowsWritten: 3, projectedAt: createdAt },
        addresses: ["ada@example.com"],
      };
      for (const [k, v] of Object.entries(kv)) ctx.storage.sql.exec("INSERT INTO kv (key, value) VALUES (?, ?)", k, JSON.stringify(v));
      ctx.storage.sql.exec("INSERT INTO wakeups (name, due_at) VALUES ('stale-check', ?)", deadline);
    });
    const body = await runInDurableObject(env.RECORDS.getByName(name), (object: RecordObject) => object.snapshot());
    expect(body).toMatchObject({
      state: { key: name, createdAt },
      stats: { recorded: 1, duplicatesIgnored: 2 },
      projection: { d1RowsWritten: 3, projectedAt: createdAt },
      pendingWakeups: [{ name: "stale-lead:check", dueAt: new Date(deadline).toISOString() }],
    });
    await runInDurableObject(env.RECORDS.getByName(name), async (_object, ctx) => {
      const tables = ctx.storage.sql
        .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'")
        .toArray()
        .map((t) => t.name);
      expect(tables).not.toContain("kv");
      // Stored as it was (version 1) until the next rule run writes it; read through its migration.
      expect(ctx.storage.sql.exec<{ rules_version: number }>("SELECT rules_version FROM record_row").one().rules_version).toBe(1);
      expect(new RecordStore(ctx.storage).ruleState().gate?.pending).toEqual({ stage: "x", missing: [], since: createdAt });
    });
  });
});

describe("a record object in the current layout", () => {
  it("one of schema 2 (wake-ups without their deadline column) is brought to 3 once; at 3 it runs no DDL when it wakes", async () => {
    const name = key("schema-2");
    await runInDurableObject(env.RECORDS.getByName(name), async (_object, ctx) => {
      ctx.storage.sql.exec(`
        CREATE TABLE schema_version (version INTEGER NOT NULL);
        INSERT INTO schema_version (version) VALUES (2);
        CREATE TABLE record_row (id INTEGER PRIMARY KEY CHECK (id = 1), state TEXT NOT NULL, rules TEXT NOT NULL, rules_version INTEGER NOT NULL,
          recorded INTEGER NOT NULL DEFAULT 0, duplicates INTEGER NOT NULL DEFAULT 0, d1_rows_written INTEGER NOT NULL DEFAULT 0,
          projected_at TEXT, projected_addresses TEXT NOT NULL DEFAULT '[]');
        CREATE TABLE wakeups (name TEXT PRIMARY KEY, due_at INTEGER NOT NULL);`);
      ctx.storage.sql.exec("INSERT INTO wakeups (name, due_at) VALUES ('stale-lead:check', ?)", Date.parse("2099-01-01T00:00:00.000Z"));
      const store = new RecordStore(ctx.storage);
      expect(store.exists()).toBe(true);
      expect(ctx.storage.sql.exec<{ version: number }>("SELECT version FROM schema_version").one().version).toBe(3);
      const wakeups = ctx.storage.sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'wakeups'").one().sql;
      expect(wakeups).toContain("deadline");
      // At 3, a fresh store (the object woken again) finds it ready: its wake-ups work without the DDL.
      const again = new RecordStore(ctx.storage);
      expect(again.exists()).toBe(true);
      expect(again.pendingWakeups()).toEqual([{ name: "stale-lead:check", dueAt: "2099-01-01T00:00:00.000Z" }]);
    });
  });
});

describe("a snapshot is stored as what it changed", () => {
  it("an opt-out it repeats is not in it, so the rules (and consent withdrawal) do not see it again", async () => {
    const name = `salesforce:00D5g000004ExmplEAA:lead:00Q5g00000Snap${Date.now() % 100_000}`;
    const event = (n: number, occurredAt: string, properties: Record<string, string | null>) => ({
      kind: "propertyChanged" as const,
      dedupeKey: `${name}:${n}`,
      recordKey: name,
      crm: "salesforce" as const,
      accountId: "00D5g000004ExmplEAA",
      objectType: "lead",
      objectId: name.split(":")[3]!,
      occurredAt,
      changedBy: {},
      fromThisIntegration: false,
      via: "salesforce-outbound" as const,
      properties,
      snapshot: true,
    });
    await runInDurableObject(env.RECORDS.getByName(name), async (_object, ctx) => {
      const store = new RecordStore(ctx.storage);
      store.recordEvents(
        [
          event(1, "2026-11-02T10:00:00.000Z", { HasOptedOutOfEmail: "false", Phone: "+1 415 555 0100" }),
          event(2, "2026-11-02T11:00:00.000Z", { HasOptedOutOfEmail: "true", Phone: "+1 415 555 0100" }),
          event(3, "2026-11-02T12:00:00.000Z", { HasOptedOutOfEmail: "true", Phone: "+1 415 555 0199" }),
        ],
        "2026-11-02T12:00:01.000Z",
      );
      expect(store.unruledEvents().map(({ event }) => (event.kind === "propertyChanged" ? event.properties : undefined))).toEqual([
        { HasOptedOutOfEmail: "false", Phone: "+1 415 555 0100" },
        { HasOptedOutOfEmail: "true" },
        { Phone: "+1 415 555 0199" },
      ]);
    });
  });
});
