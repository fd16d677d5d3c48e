import { describe, expect, it } from "vitest";
import type { CrmPort, TaskUpdateOutcome } from "../../src/crm/crm-port";
import type { TaskAction } from "../../src/core/model/effects";
import type { PendingEffect } from "../../src/outbox/pending-effect";
import type { Failure } from "../../src/platform/failure";
import { executeTaskUpdates } from "../../src/outbox/task-update-calls";
import { planTaskUpdate } from "../../src/crm/task-updates";

/** A CRM where every key names the open task `task-<key>`; `fail` answers instead for calls holding its key. */
function fakeCrm(maxBatch: number, fail: Record<string, Failure> = {}) {
  const calls: { keys: string[]; action: TaskAction }[] = [];
  const crm = {
    crm: "hubspot",
    maxBatch,
    async updateTasks(keys: string[], action: TaskAction): Promise<TaskUpdateOutcome> {
      calls.push({ keys, action });
      const failing = keys.find((k) => fail[k]);
      if (failing) return { ok: false, failure: fail[failing]! };
      return {
        ok: true,
        externalId: "all",
        tasks: keys.map((key) => (key.startsWith("gone") ? { key, result: "missing" } : { key, taskId: `task-${key}`, result: "changed" })),
      };
    },
  } as unknown as CrmPort;
  return { crm, calls };
}

const effect = (taskKeys: string[], action: TaskAction = { kind: "complete" }, id = taskKeys.join("+")): PendingEffect<"updateTasks"> => ({
  id,
  effect: { type: "updateTasks", crm: "hubspot", accountId: "1", objectType: "contact", objectId: id, taskKeys, action },
});

describe("executeTaskUpdates", () => {
  it("shares one call among effects with the same action; each outcome tells about its own keys", async () => {
    const { crm, calls } = fakeCrm(100);
    const outcomes = await executeTaskUpdates(crm, [effect(["a", "b"]), effect(["c", "gone-1"]), effect(["b"])]);
    expect(calls).toEqual([{ keys: ["a", "b", "c", "gone-1"], action: { kind: "complete" } }]);
    expect(outcomes).toEqual([
      { ok: true, externalId: "completed task-a,task-b" },
      { ok: true, externalId: "completed task-c; no task for 1 key" },
      { ok: true, externalId: "completed task-b" },
    ]);
  });

  it("keeps different actions, and reschedules to different times, in separate calls, answering in batch order", async () => {
    const { crm, calls } = fakeCrm(100);
    const at = (dueAt: string) => ({ kind: "reschedule", dueAt }) as const;
    const outcomes = await executeTaskUpdates(crm, [
      effect(["a"], { kind: "delete" }),
      effect(["b"], at("2026-12-01T09:00:00.000Z")),
      effect(["c"], { kind: "delete" }),
      effect(["d"], at("2026-12-02T09:00:00.000Z")),
      effect(["e"], at("2026-12-01T09:00:00Z")),
    ]);
    expect(calls.map((c) => c.keys)).toEqual([["a", "c"], ["b", "e"], ["d"]]);
    expect(outcomes.map((o) => o.ok && o.externalId)).toEqual([
      "deleted task-a",
      "rescheduled task-b",
      "deleted task-c",
      "rescheduled task-d",
      "rescheduled task-e",
    ]);
  });

  it("packs effects into calls of at most maxBatch distinct keys without splitting an effect", async () => {
    const { crm, calls } = fakeCrm(4);
    await executeTaskUpdates(crm, [effect(["a", "b", "c"]), effect(["c", "d"]), effect(["e", "f"]), effect(["g", "h", "i"])]);
    expect(calls.map((c) => c.keys)).toEqual([
      ["a", "b", "c", "d"],
      ["e", "f"],
      ["g", "h", "i"],
    ]);
  });

  it("runs effects alone after a permanent failure of a shared call, so only the bad one fails", async () => {
    const permanent: Failure = { kind: "permanent", message: "FIELD_CUSTOM_VALIDATION_EXCEPTION" };
    const { crm, calls } = fakeCrm(100, { bad: permanent });
    const outcomes = await executeTaskUpdates(crm, [effect(["a"]), effect(["bad", "b"]), effect(["c"])]);
    expect(calls.map((c) => c.keys)).toEqual([["a", "bad", "b", "c"], ["a"], ["bad", "b"], ["c"]]);
    expect(outcomes).toEqual([
      { ok: true, externalId: "completed task-a" },
      { ok: false, failure: permanent },
      { ok: true, externalId: "completed task-c" },
    ]);
  });

  it("gives a transient failure to every effect of the call, to be retried together", async () => {
    const transient: Failure = { kind: "transient", message: "HubSpot 502" };
    const { crm, calls } = fakeCrm(100, { b: transient });
    const outcomes = await executeTaskUpdates(crm, [effect(["a"]), effect(["b"])]);
    expect(calls).toHaveLength(1);
    expect(outcomes).toEqual([
      { ok: false, failure: transient },
      { ok: false, failure: transient },
    ]);
  });

  it("sends nothing more after a rate-limit answer; the rest wait without spending an attempt", async () => {
    const limited: Failure = { kind: "rateLimited", message: "HubSpot 429", retryAfterMs: 10_000 };
    const { crm, calls } = fakeCrm(2, { a: limited });
    const outcomes = await executeTaskUpdates(crm, [effect(["a", "b"]), effect(["c", "d"]), effect(["e"], { kind: "delete" })]);
    expect(calls).toHaveLength(1);
    expect(outcomes[0]).toEqual({ ok: false, failure: limited });
    for (const outcome of outcomes.slice(1)) {
      expect(outcome).toEqual({
        ok: false,
        failure: { kind: "rateLimited", message: "not tried: HubSpot 429", retryAfterMs: 10_000, notAttempted: true },
      });
    }
  });
});

describe("planTaskUpdate", () => {
  const dueAt = "2026-11-25T01:00:00.000Z";
  const open = (key: string, dueDate?: string | null) => ({
    key,
    id: `task-${key}`,
    status: "open" as const,
    dueAtMs: Date.parse(dueAt),
    ...(dueDate === undefined ? {} : { dueDate }),
  });

  it("leaves a task due at that instant alone, unless its date-only due field shows another day", () => {
    const action = { kind: "reschedule", dueAt, dueDate: "2026-11-24" } as const;
    const plan = planTaskUpdate(
      ["hubspot", "same-day", "other-day"],
      [open("hubspot"), open("same-day", "2026-11-24"), open("other-day", "2026-11-25")],
      action,
    );
    expect(plan.settled.map((s) => `${s.key} ${s.result}`)).toEqual(["hubspot unchanged", "same-day unchanged"]);
    expect(plan.toChange.map((t) => t.key)).toEqual(["other-day"]);
    // Without the owner's date, the UTC date is what the field should show.
    expect(planTaskUpdate(["other-day"], [open("other-day", "2026-11-25")], { kind: "reschedule", dueAt }).settled).toHaveLength(1);
  });
});

describe("executeTaskUpdates, rescheduling", () => {
  it("does not share a call between moves to the same instant on different owners' days", async () => {
    const { crm, calls } = fakeCrm(100);
    const dueAt = "2026-11-25T01:00:00.000Z";
    await executeTaskUpdates(crm, [
      effect(["a"], { kind: "reschedule", dueAt, dueDate: "2026-11-24" }),
      effect(["b"], { kind: "reschedule", dueAt, dueDate: "2026-11-25" }),
    ]);
    expect(calls.map((c) => c.keys)).toEqual([["a"], ["b"]]);
  });
});

describe("executeTaskUpdates, reassigning", () => {
  it("shares one call among moves to the same owner, each task with its own due day", async () => {
    const { crm, calls } = fakeCrm(100);
    await executeTaskUpdates(crm, [
      effect(["a"], { kind: "reassign", ownerId: "o2", dueDates: { a: "2026-11-23" } }),
      effect(["b"], { kind: "reassign", ownerId: "o2", dueDates: { b: "2026-11-24" } }),
    ]);
    expect(calls).toEqual([{ keys: ["a", "b"], action: { kind: "reassign", ownerId: "o2", dueDates: { a: "2026-11-23", b: "2026-11-24" } } }]);
  });
});
