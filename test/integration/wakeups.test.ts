import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Wakeups } from "../../src/records/wakeups";

describe("wake-ups: rows with the alarm as a cursor", () => {
  it("a claimed wake-up is leased, not lost: unfinished work comes due again; finished work is gone", async () => {
    await runInDurableObject(env.RECORDS.getByName("hubspot:1:contact:wakeups-test"), async (_agent, state) => {
      Wakeups.createTable(state.storage);
      const wakeups = new Wakeups(state.storage);
      // Far in the future, so the runtime does not fire the alarm on its own during the test.
      const base = Date.now() + 1e9;
      const t = (ms: number) => base + ms;
      wakeups.set("stale-lead:check", t(1_000));
      wakeups.set("stage-gate:revert", t(5_000));
      await wakeups.rearm();
      expect(await state.storage.getAlarm()).toBe(t(1_000));

      const [claim] = wakeups.claimDue(t(2_000), 30_000);
      // The claim says which deadline it is for: a retried run still names the deadline it was set for.
      expect(claim).toEqual({ name: "stale-lead:check", lease: t(32_000), deadline: t(1_000) });
      expect(wakeups.claimDue(t(2_000), 30_000)).toEqual([]); // a duplicate alarm finds nothing due
      // The handler died before finishing: the wake-up is still there, due when the lease ends.
      expect(wakeups.pending().map((w) => w.name)).toEqual(["stage-gate:revert", "stale-lead:check"]);
      const reclaimed = wakeups.claimDue(t(32_000), 30_000);
      expect(reclaimed.map((c) => c.name).sort()).toEqual(["stage-gate:revert", "stale-lead:check"]);
      // The lease moved when it is due, not the deadline it stands for.
      expect(reclaimed.find((c) => c.name === "stale-lead:check")?.deadline).toBe(t(1_000));

      // A handler that moved its own deadline keeps the new one when it finishes.
      const [again] = wakeups.claimDue(t(70_000), 30_000).filter((c) => c.name === "stale-lead:check");
      wakeups.set("stale-lead:check", t(999_000));
      wakeups.finish(again!);
      expect(wakeups.pending().find((w) => w.name === "stale-lead:check")?.dueAt).toBe(new Date(t(999_000)).toISOString());
      wakeups.set("stage-gate:revert", null);
      await wakeups.rearm();
      expect(await state.storage.getAlarm()).toBe(t(999_000));
    });
  });
});
