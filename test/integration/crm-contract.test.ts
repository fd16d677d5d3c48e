import { env } from "cloudflare:workers";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CrmPort, EmailLogWrite, EmailOptOut, TaskKeyResult, TaskUpdateOutcome, TaskWrite } from "../../src/crm/crm-port";
import { checkSalesforceTaskKey, ensureHubSpotTaskKey } from "../../src/crm/crm-setup";
import { HubSpotCrm } from "../../src/crm/hubspot-crm";
import { SalesforceCrm } from "../../src/crm/salesforce-crm";
import type { EffectOf } from "../../src/core/model/effects";
import type { Failure, Result } from "../../src/platform/failure";
import type { Outcome } from "../../src/platform/outcome";
import { control } from "../support/emulators";

/** The value of a read that must have succeeded. */
function success<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected a value, got ${result.failure.kind}: ${result.failure.message}`);
  return result.value;
}

/**
 * One contract, every CrmPort: the same cases run against the HubSpot and the Salesforce adapter,
 * each talking to its emulator through the real SDK. What differs between the CRMs (how a record
 * is made, which property is the owner, how the emulator shows a task) lives in the fixtures.
 */

type Priority = EffectOf<"createTask">["priority"];

/** A task as the CRM holds it, in CRM-neutral terms. */
interface StoredTask {
  externalId: string;
  key: string;
  /** The record the task is associated with (HubSpot) or points at (Salesforce WhoId/WhatId). */
  recordIds: string[];
  ownerId: string | null;
  /** In the CRM's own vocabulary; compare with fixtures.priority[...]. */
  priority: string | null;
  dueAtMs: number;
  subject: string | null;
  /** Completed (closed), by us or by a rep. */
  completed: boolean;
}

interface CallLogEntry {
  at: number;
  method: string;
  path: string;
  status: number;
  fault: string;
  batchSize?: number;
  requestBody?: unknown;
}

interface Emulator {
  faults(plan: object): Promise<unknown>;
  calls(): Promise<CallLogEntry[]>;
  clearCalls(): Promise<void>;
}

/**
 * Bugs an adapter is known to have. A case that exposes one runs as `it.fails`: it documents the
 * bug and turns red once the bug is fixed, so the marker gets removed.
 */
type KnownIssue =
  /** updateRecords reports ok for records the CRM refused within a partly successful batch. */
  "updateIgnoresPerRecordErrors";

interface ContractFixtures {
  crm: "hubspot" | "salesforce";
  accessToken: string;
  accountId: string;
  /** The object type tasks are about and updates go to ("contact", "lead"). */
  recordType: string;
  ownerProperty: string;
  statusProperty: string;
  /** A property of the record type that createRecord leaves empty. */
  unsetProperty: string;
  /** Two valid owners, two valid status values. */
  owners: [string, string];
  statuses: [string, string];
  /** Well-formed, but nobody by that id. */
  invalidOwnerId: string;
  /** Well-formed, but no record by that id. */
  missingRecordId: string;
  /** A read the CRM refuses for good (an object type or a field it does not have). */
  refusedRead: { objectType: string; properties: string[] };
  /** How each of our priorities reads in the CRM. */
  priority: Record<Priority, string>;
  /** Retry-After the adapter should report for a rate-limit answer. */
  rateLimitRetryAfterMs: number;
  emulator: Emulator;
  setup(): Promise<void>;
  /** Creates a record as a human in the CRM's UI; returns its id. */
  createRecord(tag: string): Promise<string>;
  /** A human changes the record in the UI (behind the adapter's back). */
  humanUpdate(id: string, properties: Record<string, string>): Promise<void>;
  /** The record as the emulator stores it (not through the adapter). */
  storedRecord(id: string): Promise<Record<string, string | null>>;
  /** Every stored task whose key is one of `keys`, deleted ones excluded. */
  listTasks(keys: string[]): Promise<StoredTask[]>;
  /** A rep marks the task done in the UI. */
  repCompletesTask(taskId: string): Promise<void>;
  /** A rep deletes the task in the UI. */
  repDeletesTask(taskId: string): Promise<void>;
  /** Logged emails whose key is one of `keys`, as the record's timeline shows them. */
  listLoggedEmails(
    keys: string[],
  ): Promise<{ key: string; recordIds: string[]; ownerId: string | null; subject: string | null; outgoing: boolean }[]>;
  /** The opt-out to write for the record (its address, and HubSpot's subscription types). */
  optOutOf(recordId: string): EmailOptOut;
  /** Whether the CRM shows the record's person as opted out of email. */
  optedOut(recordId: string): Promise<boolean>;
  knownIssues?: Partial<Record<KnownIssue, string>>;
}

function emulatorAt(base: () => string): Emulator {
  return {
    faults: (plan) => control(base(), "PUT", "/_emulator/faults", plan),
    calls: () => control(base(), "GET", "/_emulator/calls"),
    clearCalls: () => control(base(), "DELETE", "/_emulator/calls"),
  };
}

let uniqueSerial = 0;
/** Unique across runs and files: the emulators are shared and keep state. */
const unique = (label: string) => `${label}-${Date.now().toString(36)}-${(++uniqueSerial).toString(36)}`;

/** Builds the adapter under test; options are the few every adapter takes. */
type MakeAdapter = (options?: { timeoutMs?: number }) => CrmPort;

function contract(name: string, makeAdapter: MakeAdapter, fixtures: ContractFixtures) {
  describe(`CrmPort contract: ${name}`, () => {
    let crm: CrmPort;
    let record = "";

    /** `it`, or `it.fails` while the adapter has this known bug. */
    const itUnless = (issue: KnownIssue) => (fixtures.knownIssues?.[issue] ? it.fails : it);
    /** `it`, or `it.skip` while the adapter has this known bug (for cases that would break the run). */
    const known = (issue: KnownIssue) => (fixtures.knownIssues?.[issue] ? ` [known issue: ${fixtures.knownIssues[issue]}]` : "");

    const write = (key: string, overrides: Partial<EffectOf<"createTask">> = {}): TaskWrite => ({
      key,
      task: {
        type: "createTask",
        crm: fixtures.crm,
        accountId: fixtures.accountId,
        objectType: fixtures.recordType,
        objectId: record,
        ownerId: fixtures.owners[0],
        subject: `Follow up ${key}`,
        body: "Ring them",
        dueAt: "2026-11-24T14:00:00.000Z",
        priority: "HIGH",
        channel: "CALL",
        ...overrides,
      },
    });
    const keys = (label: string, count: number) => {
      const run = unique(label);
      return Array.from({ length: count }, (_, i) => `${run}-${i}`);
    };
    const externalIds = (outcomes: Outcome[]) => outcomes.map((o) => (o.ok ? o.externalId : undefined));
    const failures = (outcomes: Outcome[]): Failure[] =>
      outcomes.map((o) => {
        if (o.ok) throw new Error(`expected a failure, got ${JSON.stringify(o)}`);
        return o.failure;
      });
    /** Calls whose request carried any of these keys: those this test made. */
    const callsCarrying = async (someKeys: string[]) =>
      (await fixtures.emulator.calls()).filter((c) => someKeys.some((k) => JSON.stringify(c.requestBody ?? "").includes(k)));
    const expectNoToken = (failure: Failure) => {
      expect(failure.message).not.toContain(fixtures.accessToken);
      expect(failure.message.length).toBeGreaterThan(0);
    };

    beforeAll(async () => {
      await fixtures.emulator.faults({});
      await fixtures.setup();
      crm = makeAdapter();
      record = await fixtures.createRecord(unique("contract"));
    });

    beforeEach(async () => {
      await fixtures.emulator.clearCalls();
    });

    afterEach(async () => {
      await fixtures.emulator.faults({});
    });

    it("describes itself", () => {
      expect(crm.crm).toBe(fixtures.crm);
      expect(crm.maxBatch).toBeGreaterThan(1);
    });

    describe("createTasks", () => {
      it("returns one ok outcome per input, in input order, and the CRM holds exactly those tasks", async () => {
        const priorities: Priority[] = ["LOW", "MEDIUM", "HIGH"];
        const batch = keys("create", 6).map((key, i) =>
          write(key, {
            ownerId: fixtures.owners[i % 2],
            priority: priorities[i % 3],
            dueAt: new Date(Date.UTC(2026, 10, 24 + i, 9 + i, 30)).toISOString(),
          }),
        );
        const outcomes = await crm.createTasks(batch);

        expect(outcomes).toHaveLength(batch.length);
        expect(outcomes.every((o) => o.ok)).toBe(true);
        const ids = externalIds(outcomes);
        expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);
        expect(new Set(ids).size).toBe(batch.length);

        const stored = await fixtures.listTasks(batch.map((w) => w.key));
        expect(stored).toHaveLength(batch.length);
        batch.forEach((w, i) => {
          const task = stored.find((t) => t.key === w.key);
          // In input order: outcome i is the task with key i.
          expect(task?.externalId).toBe(ids[i]);
          expect(task).toMatchObject({
            ownerId: w.task.ownerId,
            priority: fixtures.priority[w.task.priority],
            dueAtMs: Date.parse(w.task.dueAt),
            subject: w.task.subject,
          });
          expect(task!.recordIds).toEqual([record]);
        });
      });

      it("is idempotent by key: the same keys again create nothing and answer the same externalIds", async () => {
        const batch = keys("again", 4).map((key) => write(key));
        const first = await crm.createTasks(batch);
        expect(first.every((o) => o.ok)).toBe(true);

        const second = await crm.createTasks(batch);
        expect(second.every((o) => o.ok)).toBe(true);
        expect(externalIds(second)).toEqual(externalIds(first));

        // Reversed order: still one outcome per input, in input order.
        const reversed = await crm.createTasks([...batch].reverse());
        expect(externalIds(reversed)).toEqual(externalIds(first).reverse());

        const stored = await fixtures.listTasks(batch.map((w) => w.key));
        expect(stored).toHaveLength(batch.length);
      });

      it("creates only the new keys of a batch mixing earlier and new ones", async () => {
        const [a, b, c, d] = keys("mixed", 4).map((key) => write(key));
        const earlier = await crm.createTasks([a!, c!]);
        const outcomes = await crm.createTasks([a!, b!, c!, d!]);

        expect(outcomes.every((o) => o.ok)).toBe(true);
        const ids = externalIds(outcomes);
        expect([ids[0], ids[2]]).toEqual(externalIds(earlier));
        expect(new Set(ids).size).toBe(4);
        const stored = await fixtures.listTasks([a!, b!, c!, d!].map((w) => w.key));
        expect(stored.map((t) => t.key).sort()).toEqual([a!, b!, c!, d!].map((w) => w.key).sort());
        [a, b, c, d].forEach((w, i) => {
          expect(stored.find((t) => t.key === w!.key)!.externalId).toBe(ids[i]);
        });
      });

      it("after a lost response, the retry answers ok and nothing is duplicated", async () => {
        const batch = keys("lost", 5).map((key) => write(key));
        await fixtures.emulator.faults({ rateLostResponse: 1 });
        const sent = Date.now();
        const lost = await crm.createTasks(batch);
        // The dropped connection is reported as it happens, not when the adapter's 15 s timeout runs out.
        expect(Date.now() - sent).toBeLessThan(5_000);
        await fixtures.emulator.faults({});

        // The CRM did the work, but the adapter cannot know: it may have happened.
        const calls = await callsCarrying(batch.map((w) => w.key));
        expect(calls.some((c) => c.fault === "lost-response")).toBe(true);
        expect(lost).toHaveLength(batch.length);
        for (const failure of failures(lost)) {
          expect(failure.kind).toBe("transient");
          expectNoToken(failure);
        }
        expect(await fixtures.listTasks(batch.map((w) => w.key))).toHaveLength(batch.length);

        const retried = await crm.createTasks(batch);
        expect(retried.every((o) => o.ok)).toBe(true);
        const stored = await fixtures.listTasks(batch.map((w) => w.key));
        expect(stored).toHaveLength(batch.length);
        batch.forEach((w, i) => {
          expect(externalIds(retried)[i]).toBe(stored.find((t) => t.key === w.key)!.externalId);
        });
      });

      it("sends a batch of maxBatch tasks in a single API call", { timeout: 30_000 }, async () => {
        const batch = keys("full", crm.maxBatch).map((key) => write(key));
        const outcomes = await crm.createTasks(batch);
        expect(outcomes).toHaveLength(crm.maxBatch);
        expect(outcomes.every((o) => o.ok)).toBe(true);

        const calls = await callsCarrying(batch.map((w) => w.key));
        expect(calls).toHaveLength(1);
        expect(calls[0]).toMatchObject({ batchSize: crm.maxBatch, fault: "none" });
        expect(calls[0]!.status).toBeLessThan(300);
        expect(await fixtures.listTasks(batch.map((w) => w.key))).toHaveLength(crm.maxBatch);
      });

      it("fails only the input with an invalid owner, permanently, and creates the rest", async () => {
        const [good1, bad, good2] = keys("badowner", 3);
        const outcomes = await crm.createTasks([write(good1!), write(bad!, { ownerId: fixtures.invalidOwnerId }), write(good2!)]);

        expect(outcomes).toHaveLength(3);
        expect(outcomes[0]!.ok).toBe(true);
        expect(outcomes[2]!.ok).toBe(true);
        const [failure] = failures([outcomes[1]!]);
        expect(failure!.kind).toBe("permanent");
        expectNoToken(failure!);
        expect((await fixtures.listTasks([good1!, bad!, good2!])).map((t) => t.key).sort()).toEqual([good1, good2].sort());
      });

      it("says so in the subject when a LinkedIn step becomes a generic task", async () => {
        const [key] = keys("linkedin", 1);
        const outcomes = await crm.createTasks([write(key!, { channel: "LINKEDIN", subject: "Connect with Ada" })]);
        expect(outcomes[0]!.ok).toBe(true);
        const [task] = await fixtures.listTasks([key!]);
        expect(task!.subject).toMatch(/linkedin/i);
        expect(task!.subject).toContain("Connect with Ada");
      });
    });

    describe("updateRecords", () => {
      it("assigns the owner and sets properties, answering in input order", async () => {
        const other = await fixtures.createRecord(unique("update"));
        const outcomes = await crm.updateRecords([
          { objectType: fixtures.recordType, objectId: record, properties: { [fixtures.ownerProperty]: fixtures.owners[1] } },
          { objectType: fixtures.recordType, objectId: other, properties: { [fixtures.statusProperty]: fixtures.statuses[0] } },
        ]);
        expect(outcomes).toEqual([
          { ok: true, externalId: record },
          { ok: true, externalId: other },
        ]);
        expect(await fixtures.storedRecord(record)).toMatchObject({ [fixtures.ownerProperty]: fixtures.owners[1] });
        expect(await fixtures.storedRecord(other)).toMatchObject({ [fixtures.statusProperty]: fixtures.statuses[0] });

        // And back, in one batch, owner and status together.
        const back = await crm.updateRecords([
          {
            objectType: fixtures.recordType,
            objectId: record,
            properties: { [fixtures.ownerProperty]: fixtures.owners[0], [fixtures.statusProperty]: fixtures.statuses[1] },
          },
        ]);
        expect(back).toEqual([{ ok: true, externalId: record }]);
        expect(await fixtures.storedRecord(record)).toMatchObject({
          [fixtures.ownerProperty]: fixtures.owners[0],
          [fixtures.statusProperty]: fixtures.statuses[1],
        });
      });

      it("lets the later of two updates of one record in a batch win, and merges the rest", async () => {
        const one = await fixtures.createRecord(unique("twice"));
        const two = await fixtures.createRecord(unique("twice"));
        const outcomes = await crm.updateRecords([
          {
            objectType: fixtures.recordType,
            objectId: one,
            properties: { [fixtures.ownerProperty]: fixtures.owners[0], [fixtures.statusProperty]: fixtures.statuses[0] },
          },
          { objectType: fixtures.recordType, objectId: two, properties: { [fixtures.statusProperty]: fixtures.statuses[0] } },
          { objectType: fixtures.recordType, objectId: one, properties: { [fixtures.ownerProperty]: fixtures.owners[1] } },
          { objectType: fixtures.recordType, objectId: two, properties: { [fixtures.statusProperty]: fixtures.statuses[1] } },
        ]);
        expect(outcomes).toEqual([one, two, one, two].map((id) => ({ ok: true, externalId: id })));
        expect(await fixtures.storedRecord(one)).toMatchObject({
          [fixtures.ownerProperty]: fixtures.owners[1],
          [fixtures.statusProperty]: fixtures.statuses[0],
        });
        expect(await fixtures.storedRecord(two)).toMatchObject({ [fixtures.statusProperty]: fixtures.statuses[1] });
      });

      itUnless("updateIgnoresPerRecordErrors")(
        `fails an assignment to an invalid owner permanently${known("updateIgnoresPerRecordErrors")}`,
        async () => {
          const target = await fixtures.createRecord(unique("badassign"));
          const outcomes = await crm.updateRecords([
            { objectType: fixtures.recordType, objectId: target, properties: { [fixtures.ownerProperty]: fixtures.invalidOwnerId } },
          ]);
          expect(outcomes).toHaveLength(1);
          const [failure] = failures(outcomes);
          expect(failure!.kind).toBe("permanent");
          expectNoToken(failure!);
          expect((await fixtures.storedRecord(target))[fixtures.ownerProperty]).not.toBe(fixtures.invalidOwnerId);
        },
      );

      itUnless("updateIgnoresPerRecordErrors")(
        `fails only the bad updates of a batch, each in its place${known("updateIgnoresPerRecordErrors")}`,
        async () => {
          const good = await fixtures.createRecord(unique("goodupdate"));
          const badOwner = await fixtures.createRecord(unique("badowner"));
          const outcomes = await crm.updateRecords([
            { objectType: fixtures.recordType, objectId: fixtures.missingRecordId, properties: { [fixtures.statusProperty]: fixtures.statuses[0] } },
            { objectType: fixtures.recordType, objectId: good, properties: { [fixtures.statusProperty]: fixtures.statuses[1] } },
            { objectType: fixtures.recordType, objectId: badOwner, properties: { [fixtures.ownerProperty]: fixtures.invalidOwnerId } },
          ]);
          expect(outcomes).toHaveLength(3);
          expect(outcomes[1]).toEqual({ ok: true, externalId: good });
          for (const failure of failures([outcomes[0]!, outcomes[2]!])) {
            expect(failure.kind).toBe("permanent");
            expectNoToken(failure);
          }
          expect(await fixtures.storedRecord(good)).toMatchObject({ [fixtures.statusProperty]: fixtures.statuses[1] });
        },
      );
    });

    describe("findTasks and updateTasks", () => {
      /** Creates tasks for fresh keys (the last `unknown` of them never created); returns keys and task ids. */
      const tasksFor = async (label: string, created: number, unknown = 0) => {
        const all = keys(label, created + unknown);
        const outcomes = await crm.createTasks(all.slice(0, created).map((key) => write(key)));
        expect(outcomes.every((o) => o.ok)).toBe(true);
        return { keys: all, ids: externalIds(outcomes) as string[] };
      };
      const succeeded = (outcome: TaskUpdateOutcome) => {
        if (!outcome.ok) throw new Error(`expected success, got ${JSON.stringify(outcome)}`);
        return outcome;
      };
      const resultsOf = (outcome: TaskUpdateOutcome) => succeeded(outcome).tasks.map((t: TaskKeyResult) => [t.key, t.result, t.taskId]);
      const stored = async (someKeys: string[]) => new Map((await fixtures.listTasks(someKeys)).map((t) => [t.key, t]));
      /** Calls whose path is not a lookup: what a repeat must not make. */
      const writeCalls = async () => (await fixtures.emulator.calls()).filter((c) => c.method !== "GET" && !c.path.endsWith("/batch/read"));

      it("finds tasks by key, open or completed, leaving out keys no task holds", async () => {
        const {
          keys: [open, done, unknown],
          ids,
        } = await tasksFor("find", 2, 1);
        await fixtures.repCompletesTask(ids[1]!);
        const found = success(await crm.findTasks([open!, done!, unknown!]));
        expect([...found].sort((a, b) => a.key.localeCompare(b.key))).toEqual(
          [
            { key: open, id: ids[0], status: "open" },
            { key: done, id: ids[1], status: "completed" },
          ].sort((a, b) => a.key!.localeCompare(b.key!)),
        );
        expect(success(await crm.findTasks([unknown!]))).toEqual([]);
      });

      it("completes the open tasks, reports the rest, and changes nothing when repeated", async () => {
        const {
          keys: [a, b, done, unknown],
          ids,
        } = await tasksFor("complete", 3, 1);
        await fixtures.repCompletesTask(ids[2]!);
        const outcome = await crm.updateTasks([a!, b!, done!, unknown!], { kind: "complete" });
        expect(resultsOf(outcome)).toEqual([
          [a, "changed", ids[0]],
          [b, "changed", ids[1]],
          [done, "unchanged", ids[2]],
          [unknown, "missing", undefined],
        ]);
        expect(succeeded(outcome).externalId).toBe(`completed ${ids[0]},${ids[1]}; already completed ${ids[2]}; no task for 1 key`);
        const after = await stored([a!, b!, done!]);
        expect([a, b, done].map((k) => after.get(k!)?.completed)).toEqual([true, true, true]);

        await fixtures.emulator.clearCalls();
        const again = await crm.updateTasks([a!, b!, done!, unknown!], { kind: "complete" });
        expect(resultsOf(again).map(([, result]) => result)).toEqual(["unchanged", "unchanged", "unchanged", "missing"]);
        expect(await writeCalls()).toEqual([]);
      });

      it("deletes only open tasks, never one a rep completed, and a repeat deletes nothing more", async () => {
        const {
          keys: [a, done, b],
          ids,
        } = await tasksFor("delete", 3);
        await fixtures.repCompletesTask(ids[1]!);
        const outcome = await crm.updateTasks([a!, done!, b!], { kind: "delete" });
        expect(resultsOf(outcome)).toEqual([
          [a, "changed", ids[0]],
          [done, "kept", ids[1]],
          [b, "changed", ids[2]],
        ]);
        expect((await fixtures.listTasks([a!, done!, b!])).map((t) => [t.key, t.completed])).toEqual([[done, true]]);

        await fixtures.emulator.clearCalls();
        const again = await crm.updateTasks([a!, done!, b!], { kind: "delete" });
        expect(resultsOf(again)).toEqual([
          [a, "missing", undefined],
          [done, "kept", ids[1]],
          [b, "missing", undefined],
        ]);
        expect(await writeCalls()).toEqual([]);
        expect(await fixtures.listTasks([a!, done!, b!])).toHaveLength(1);
      });

      it("moves the due date of open tasks only, consistently, and a repeat moves nothing", async () => {
        const {
          keys: [a, done, b],
          ids,
        } = await tasksFor("reschedule", 3);
        await fixtures.repCompletesTask(ids[1]!);
        const dueAt = "2026-12-01T23:30:00.000Z";
        const outcome = await crm.updateTasks([a!, done!, b!], { kind: "reschedule", dueAt });
        expect(resultsOf(outcome)).toEqual([
          [a, "changed", ids[0]],
          [done, "kept", ids[1]],
          [b, "changed", ids[2]],
        ]);
        const after = await stored([a!, done!, b!]);
        expect([a, done, b].map((k) => after.get(k!)!.dueAtMs)).toEqual([Date.parse(dueAt), Date.parse(write(done!).task.dueAt), Date.parse(dueAt)]);
        expect([a, done, b].map((k) => after.get(k!)!.completed)).toEqual([false, true, false]);

        await fixtures.emulator.clearCalls();
        const again = await crm.updateTasks([a!, done!, b!], { kind: "reschedule", dueAt });
        expect(resultsOf(again).map(([, result]) => result)).toEqual(["unchanged", "kept", "unchanged"]);
        expect(await writeCalls()).toEqual([]);
      });

      it("hands open tasks to a new owner, keeps completed ones with whoever did them, and a repeat writes nothing", async () => {
        const {
          keys: [a, done],
          ids,
        } = await tasksFor("reassign", 2);
        await fixtures.repCompletesTask(ids[1]!);
        const to = fixtures.owners[1];
        const outcome = await crm.updateTasks([a!, done!], { kind: "reassign", ownerId: to });
        expect(resultsOf(outcome)).toEqual([
          [a, "changed", ids[0]],
          [done, "kept", ids[1]],
        ]);
        const after = await stored([a!, done!]);
        expect([after.get(a!)!.ownerId, after.get(done!)!.ownerId]).toEqual([to, fixtures.owners[0]]);

        await fixtures.emulator.clearCalls();
        const again = await crm.updateTasks([a!, done!], { kind: "reassign", ownerId: to });
        expect(resultsOf(again).map(([, result]) => result)).toEqual(["unchanged", "kept"]);
        expect(await writeCalls()).toEqual([]);
      });

      it("answers ok for keys no task holds, including a task a rep deleted, and writes nothing", async () => {
        const {
          keys: [gone, unknown],
          ids,
        } = await tasksFor("unknown", 1, 1);
        await fixtures.repDeletesTask(ids[0]!);
        expect(success(await crm.findTasks([gone!, unknown!]))).toEqual([]);
        await fixtures.emulator.clearCalls();
        for (const action of [{ kind: "complete" }, { kind: "delete" }, { kind: "reschedule", dueAt: "2026-12-01T09:00:00.000Z" }] as const) {
          const outcome = await crm.updateTasks([gone!, unknown!], action);
          expect(resultsOf(outcome)).toEqual([
            [gone, "missing", undefined],
            [unknown, "missing", undefined],
          ]);
          expect(succeeded(outcome).externalId).toBe("no task for 2 keys");
        }
        expect(await writeCalls()).toEqual([]);
      });

      it("looks up and writes a full batch of keys in one call each", { timeout: 30_000 }, async () => {
        const { keys: all, ids } = await tasksFor("fullupdate", 100);
        await fixtures.emulator.clearCalls();
        const outcome = await crm.updateTasks(all, { kind: "complete" });
        expect(succeeded(outcome).tasks.every((t) => t.result === "changed")).toBe(true);
        expect(succeeded(outcome).tasks.map((t) => t.taskId)).toEqual(ids);
        const calls = await fixtures.emulator.calls();
        expect(calls).toHaveLength(2);
        expect(calls.every((c) => c.status < 300 && c.fault === "none")).toBe(true);
        expect((await fixtures.listTasks(all)).every((t) => t.completed)).toBe(true);
      });
    });

    describe("logEmails and optOutEmails", () => {
      const logged = (key: string): EmailLogWrite => ({
        key,
        email: {
          objectType: fixtures.recordType,
          objectId: record,
          ownerId: fixtures.owners[0],
          fromAddress: "alex@mail.example.com",
          fromName: "Alex Rivera",
          toAddress: "ada@example.com",
          subject: `Your demo request ${key}`,
          text: "Hi Ada,\n\nThanks for asking for a demo.",
          html: "<p>Hi Ada,</p><p>Thanks for asking for a demo.</p>",
          sentAt: "2026-11-24T14:00:00.000Z",
        },
      });

      it("puts a sent email on the record's timeline as the owner's outgoing email, once however often it is logged", async () => {
        const [key] = keys("email-log", 1) as [string];
        const first = await crm.logEmails([logged(key)]);
        expect(first).toEqual([{ ok: true, externalId: expect.any(String) }]);
        // A retry after a lost answer, or a redelivered effect: nothing more on the timeline.
        expect((await crm.logEmails([logged(key)]))[0]).toMatchObject({ ok: true });
        const stored = await fixtures.listLoggedEmails([key]);
        expect(stored).toHaveLength(1);
        expect(stored[0]).toMatchObject({
          key,
          ownerId: fixtures.owners[0],
          outgoing: true,
          subject: expect.stringContaining(`Your demo request ${key}`),
        });
        expect(stored[0]!.recordIds).toContain(record);
      });

      it("writes the person's email opt-out, and writing it again changes nothing", async () => {
        const person = await fixtures.createRecord(unique("opt-out"));
        expect(await fixtures.optedOut(person)).toBe(false);
        expect(await crm.optOutEmails([fixtures.optOutOf(person)])).toEqual([{ ok: true, externalId: expect.any(String) }]);
        expect(await fixtures.optedOut(person)).toBe(true);
        expect(await crm.optOutEmails([fixtures.optOutOf(person)])).toEqual([{ ok: true, externalId: expect.any(String) }]);
        expect(await fixtures.optedOut(person)).toBe(true);
      });
    });

    describe("getRecord", () => {
      it("reads the record fresh, with what a human changed since", async () => {
        const id = await fixtures.createRecord(unique("read"));
        await fixtures.humanUpdate(id, { [fixtures.ownerProperty]: fixtures.owners[0], [fixtures.statusProperty]: fixtures.statuses[0] });
        // Every property asked for is there; a CRM may add some it always returns (HubSpot's hs_object_id).
        const read = success(await crm.getRecord(fixtures.recordType, id, [fixtures.ownerProperty, fixtures.statusProperty]));
        expect(read).toMatchObject({
          id,
          properties: { [fixtures.ownerProperty]: fixtures.owners[0], [fixtures.statusProperty]: fixtures.statuses[0] },
        });

        await fixtures.humanUpdate(id, { [fixtures.ownerProperty]: fixtures.owners[1], [fixtures.statusProperty]: fixtures.statuses[1] });
        const fresh = success(await crm.getRecord(fixtures.recordType, id, [fixtures.ownerProperty, fixtures.statusProperty]));
        expect(fresh?.properties).toMatchObject({ [fixtures.ownerProperty]: fixtures.owners[1], [fixtures.statusProperty]: fixtures.statuses[1] });
      });

      it("answers null for a property asked for but not set", async () => {
        const id = await fixtures.createRecord(unique("unset"));
        const read = success(await crm.getRecord(fixtures.recordType, id, [fixtures.statusProperty, fixtures.unsetProperty]));
        expect(read?.properties[fixtures.unsetProperty]).toBeNull();
      });

      it("answers null for a record that does not exist", async () => {
        expect(success(await crm.getRecord(fixtures.recordType, fixtures.missingRecordId, [fixtures.ownerProperty]))).toBeNull();
      });

      it("reports a read the CRM refuses for good as a permanent failure, not an outage", async () => {
        const { objectType, properties } = fixtures.refusedRead;
        const read = await crm.getRecord(objectType, record, properties);
        expect(read).toMatchObject({ ok: false, failure: { kind: "permanent" } });
      });
    });

    describe("failure classes", () => {
      it("classifies the CRM's rate-limit answer as rateLimited, with a Retry-After", async () => {
        const batch = keys("limited", 3).map((key) => write(key));
        await fixtures.emulator.faults({ rate429: 1 });
        const outcomes = await crm.createTasks(batch);
        expect(outcomes).toHaveLength(3);
        for (const failure of failures(outcomes)) {
          expect(failure).toMatchObject({ kind: "rateLimited", retryAfterMs: fixtures.rateLimitRetryAfterMs });
          expectNoToken(failure);
        }

        const updates = await crm.updateRecords([
          { objectType: fixtures.recordType, objectId: record, properties: { [fixtures.statusProperty]: fixtures.statuses[0] } },
        ]);
        expect(failures(updates).map((f) => f.kind)).toEqual(["rateLimited"]);
        await fixtures.emulator.faults({});
        expect(await fixtures.listTasks(batch.map((w) => w.key))).toEqual([]);
      });

      it("classifies the CRM's rate-limit and 5xx answers to task updates and reads", async () => {
        const [key] = keys("failupdate", 1);
        expect((await crm.createTasks([write(key!)]))[0]!.ok).toBe(true);
        await fixtures.emulator.faults({ rate429: 1 });
        const limited = await crm.updateTasks([key!], { kind: "complete" });
        const [rateLimited] = failures([limited]);
        expect(rateLimited).toMatchObject({ kind: "rateLimited", retryAfterMs: fixtures.rateLimitRetryAfterMs });
        expectNoToken(rateLimited!);
        await fixtures.emulator.faults({ rate429: 1 });
        expect(await crm.findTasks([key!])).toMatchObject({ ok: false, failure: { kind: "rateLimited" } });
        expect(await crm.getRecord(fixtures.recordType, record, [fixtures.ownerProperty])).toMatchObject({
          ok: false,
          failure: { kind: "rateLimited" },
        });

        await fixtures.emulator.faults({ rate5xx: 1 });
        const [transient] = failures([await crm.updateTasks([key!], { kind: "delete" })]);
        expect(transient!.kind).toBe("transient");
        expectNoToken(transient!);
        await fixtures.emulator.faults({});
        expect((await fixtures.listTasks([key!])).map((t) => t.completed)).toEqual([false]);
      });

      it("classifies 5xx answers as transient", async () => {
        const batch = keys("5xx", 3).map((key) => write(key));
        await fixtures.emulator.faults({ rate5xx: 1 });
        // Twice: the emulators alternate between 5xx statuses.
        for (let round = 0; round < 2; round++) {
          const outcomes = await crm.createTasks(batch);
          expect(outcomes).toHaveLength(3);
          for (const failure of failures(outcomes)) {
            expect(failure.kind).toBe("transient");
            expectNoToken(failure);
          }
        }
        const updates = await crm.updateRecords([
          { objectType: fixtures.recordType, objectId: record, properties: { [fixtures.statusProperty]: fixtures.statuses[0] } },
        ]);
        expect(failures(updates).map((f) => f.kind)).toEqual(["transient"]);
        const statuses = (await callsCarrying(batch.map((w) => w.key))).map((c) => c.status);
        expect(statuses.length).toBeGreaterThanOrEqual(2);
        expect(statuses.every((s) => s >= 500)).toBe(true);
      });

      it("classifies a call that outlives the adapter's timeout as transient", async () => {
        const impatient = makeAdapter({ timeoutMs: 200 });
        const batch = keys("slow", 2).map((key) => write(key));
        await fixtures.emulator.faults({ rateTimeout: 1, timeoutMs: 1_500 });
        const outcomes = await impatient.createTasks(batch);
        for (const failure of failures(outcomes)) {
          expect(failure.kind).toBe("transient");
          expect(failure.message).toMatch(/timed out/);
        }
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// HubSpot

const hubspot = emulatorAt(() => env.HUBSPOT_API_BASE);

/** The address each contact the contract made was given. */
const hubspotEmails = new Map<string, string>();

contract("HubSpot", (options) => new HubSpotCrm({ accessToken: "hubspot-dev-token", basePath: env.HUBSPOT_API_BASE, ...options }), {
  crm: "hubspot",
  accessToken: "hubspot-dev-token",
  accountId: "62515",
  recordType: "contact",
  ownerProperty: "hubspot_owner_id",
  statusProperty: "hs_lead_status",
  unsetProperty: "phone",
  owners: ["84213371", "84213372"],
  statuses: ["OPEN", "IN_PROGRESS"],
  invalidOwnerId: "999999999",
  missingRecordId: "999999999999",
  refusedRead: { objectType: "no_such_type", properties: ["email"] },
  priority: { LOW: "LOW", MEDIUM: "MEDIUM", HIGH: "HIGH" },
  rateLimitRetryAfterMs: 1_000, // the emulator's injected 429 says Retry-After: 1
  emulator: hubspot,
  async setup() {
    const step = await ensureHubSpotTaskKey("hubspot-dev-token", env.HUBSPOT_API_BASE);
    expect(step.ok, step.detail).toBe(true);
  },
  async createRecord(tag) {
    const created = await control(env.HUBSPOT_API_BASE, "POST", "/_emulator/ui/contacts", {
      properties: { email: `${tag}@example.com`, firstname: "Ada", lastname: tag },
    });
    hubspotEmails.set(String(created.id), `${tag}@example.com`);
    return String(created.id);
  },
  async humanUpdate(id, properties) {
    await control(env.HUBSPOT_API_BASE, "PATCH", `/_emulator/ui/contacts/${id}`, { properties });
  },
  async storedRecord(id) {
    const contacts = (await control(env.HUBSPOT_API_BASE, "GET", "/_emulator/objects/contacts")) as {
      id: string;
      properties: Record<string, string | null>;
    }[];
    const contact = contacts.find((c) => c.id === id);
    if (!contact) throw new Error(`no contact ${id}`);
    return contact.properties;
  },
  async listTasks(keys) {
    const tasks = (await control(env.HUBSPOT_API_BASE, "GET", "/_emulator/objects/tasks")) as {
      id: string;
      archived: boolean;
      properties: Record<string, string | null>;
      associations: Record<string, { id: string }[]>;
    }[];
    return tasks
      .filter((t) => !t.archived && keys.includes(t.properties.lead_follow_up_key ?? ""))
      .map((t) => ({
        externalId: t.id,
        key: t.properties.lead_follow_up_key!,
        recordIds: Object.values(t.associations)
          .flat()
          .map((a) => a.id),
        ownerId: t.properties.hubspot_owner_id ?? null,
        priority: t.properties.hs_task_priority ?? null,
        dueAtMs: Date.parse(t.properties.hs_timestamp ?? ""),
        subject: t.properties.hs_task_subject ?? null,
        completed: t.properties.hs_task_status === "COMPLETED",
      }));
  },
  async repCompletesTask(taskId) {
    await control(env.HUBSPOT_API_BASE, "PATCH", `/_emulator/ui/tasks/${taskId}`, { properties: { hs_task_status: "COMPLETED" } });
  },
  async repDeletesTask(taskId) {
    await control(env.HUBSPOT_API_BASE, "DELETE", `/_emulator/ui/tasks/${taskId}`);
  },
  async listLoggedEmails(keys) {
    const emails = (await control(env.HUBSPOT_API_BASE, "GET", "/_emulator/objects/emails")) as {
      properties: Record<string, string | null>;
      associations: Record<string, { id: string }[]>;
    }[];
    return emails
      .filter((e) => keys.includes(e.properties.lead_follow_up_key ?? ""))
      .map((e) => ({
        key: e.properties.lead_follow_up_key!,
        recordIds: Object.values(e.associations ?? {})
          .flat()
          .map((a) => a.id),
        ownerId: e.properties.hubspot_owner_id ?? null,
        subject: e.properties.hs_email_subject ?? null,
        outgoing: e.properties.hs_email_direction === "EMAIL",
      }));
  },
  optOutOf(recordId) {
    // The contract's records are made with `${tag}@example.com`; 7006 is a subscription type the emulator's portal has.
    return { objectType: "contact", objectId: recordId, email: hubspotEmails.get(recordId)!, subscriptionIds: ["7006"] };
  },
  async optedOut(recordId) {
    const preferences = (await control(env.HUBSPOT_API_BASE, "GET", "/_emulator/preferences")) as {
      recipient: string;
      subscriptionStatuses: { id: string; status: string }[];
    }[];
    const statuses = preferences.find((p) => p.recipient === hubspotEmails.get(recordId))?.subscriptionStatuses ?? [];
    return statuses.some((s) => s.id === "7006" && s.status === "NOT_SUBSCRIBED");
  },
});

// ---------------------------------------------------------------------------------------------
// Salesforce

const salesforce = emulatorAt(() => env.SALESFORCE_INSTANCE_URL);

contract(
  "Salesforce",
  (options) => new SalesforceCrm({ auth: { accessToken: "salesforce-dev-token" }, instanceUrl: env.SALESFORCE_INSTANCE_URL, ...options }),
  {
    crm: "salesforce",
    accessToken: "salesforce-dev-token",
    accountId: "00D5g000004ExmplEAA",
    recordType: "lead",
    ownerProperty: "OwnerId",
    statusProperty: "Status",
    unsetProperty: "Phone",
    owners: ["0055g00000IntegAAA", "0055g00000RepOnAAA"],
    statuses: ["Working - Contacted", "Closed - Not Converted"],
    invalidOwnerId: "0055g00000NoOneAAA",
    missingRecordId: "00Q5g00000NoOneAAA",
    refusedRead: { objectType: "lead", properties: ["No_Such_Field__c"] },
    priority: { LOW: "Low", MEDIUM: "Normal", HIGH: "High" },
    rateLimitRetryAfterMs: 15 * 60_000, // REQUEST_LIMIT_EXCEEDED carries no Retry-After: the daily window
    emulator: salesforce,
    async setup() {
      const step = await checkSalesforceTaskKey({ accessToken: "salesforce-dev-token" }, env.SALESFORCE_INSTANCE_URL);
      expect(step.ok, step.detail).toBe(true);
    },
    async createRecord(tag) {
      const created = await control(env.SALESFORCE_INSTANCE_URL, "POST", "/_emulator/ui/Lead", {
        LastName: tag,
        Company: "Example",
        Email: `${tag}@example.com`,
      });
      return String(created.id);
    },
    async humanUpdate(id, fields) {
      await control(env.SALESFORCE_INSTANCE_URL, "PATCH", `/_emulator/ui/Lead/${id}`, fields);
    },
    async storedRecord(id) {
      const leads = (await control(env.SALESFORCE_INSTANCE_URL, "GET", "/_emulator/records/Lead")) as Record<string, string | null>[];
      const lead = leads.find((l) => l.Id === id);
      if (!lead) throw new Error(`no Lead ${id}`);
      return lead;
    },
    async listTasks(keys) {
      const tasks = (await control(env.SALESFORCE_INSTANCE_URL, "GET", "/_emulator/records/Task")) as Record<string, any>[];
      return tasks
        .filter((t) => t.IsDeleted !== true && keys.includes(t.Idempotency_Key__c))
        .map((t) => {
          // The due date is the task's ActivityDate; the reminder carries the time.
          expect(t.ActivityDate).toBe(new Date(Date.parse(t.ReminderDateTime)).toISOString().slice(0, 10));
          return {
            externalId: t.Id,
            key: t.Idempotency_Key__c,
            recordIds: [t.WhoId, t.WhatId].filter(Boolean),
            ownerId: t.OwnerId ?? null,
            priority: t.Priority ?? null,
            dueAtMs: Date.parse(t.ReminderDateTime),
            subject: t.Subject ?? null,
            completed: t.IsClosed === true,
          };
        });
    },
    async repCompletesTask(taskId) {
      await control(env.SALESFORCE_INSTANCE_URL, "PATCH", `/_emulator/ui/Task/${taskId}`, { Status: "Completed" });
    },
    async repDeletesTask(taskId) {
      await control(env.SALESFORCE_INSTANCE_URL, "DELETE", `/_emulator/ui/Task/${taskId}`);
    },
    async listLoggedEmails(keys) {
      const tasks = (await control(env.SALESFORCE_INSTANCE_URL, "GET", "/_emulator/records/Task")) as Record<string, any>[];
      return tasks
        .filter((t) => t.IsDeleted !== true && keys.includes(t.Idempotency_Key__c))
        .map((t) => ({
          key: t.Idempotency_Key__c,
          recordIds: [t.WhoId, t.WhatId].filter(Boolean),
          ownerId: t.OwnerId ?? null,
          subject: t.Subject ?? null,
          outgoing: t.TaskSubtype === "Email" && t.IsClosed === true,
        }));
    },
    optOutOf(recordId) {
      return { objectType: "lead", objectId: recordId, email: "", subscriptionIds: [] };
    },
    async optedOut(recordId) {
      const leads = (await control(env.SALESFORCE_INSTANCE_URL, "GET", "/_emulator/records/Lead")) as Record<string, unknown>[];
      return leads.find((l) => l.Id === recordId)?.HasOptedOutOfEmail === true;
    },
  },
);
