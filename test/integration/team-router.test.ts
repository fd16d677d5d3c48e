import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";

const policy = Policy.parse(DEFAULT_POLICY);

describe("the team's router", () => {
  it("answers a routing asked again under its decision key with the same rep, without taking another slot", async () => {
    const router = env.TEAM_ROUTER.getByName(`inbound-router-test-${Date.now()}`);
    const request = { policy, teamId: "inbound", crm: "hubspot" as const, now: new Date("2026-11-23T15:00:00.000Z") };
    const first = await router.route({ ...request, decisionKey: "lead-1:stale:deadline:route" });
    // A retried run of the same decision: the same rep, and the rotation has not moved.
    expect(await router.route({ ...request, decisionKey: "lead-1:stale:deadline:route" })).toEqual(first);
    const next = await router.route({ ...request, decisionKey: "lead-2:stale:deadline:route" });
    expect(next.kind === "rep" && first.kind === "rep" && next.repId !== first.repId).toBe(true);
  });

  it("remembers the last 500 decisions by key, as rows: the oldest beyond them are forgotten", async () => {
    const router = env.TEAM_ROUTER.getByName(`inbound-router-bounded-${Date.now()}`);
    const request = { policy, teamId: "inbound", crm: "hubspot" as const, now: new Date("2026-11-23T15:00:00.000Z") };
    const first = await router.route({ ...request, decisionKey: "lead-0:route" });
    for (let i = 1; i <= 500; i++) await router.route({ ...request, decisionKey: `lead-${i}:route` });
    const keys = await runInDurableObject(router, (_, state) =>
      state.storage.sql
        .exec<{ key: string }>("SELECT key FROM decisions ORDER BY seq")
        .toArray()
        .map((r) => r.key),
    );
    expect(keys).toHaveLength(500);
    expect(keys[0]).toBe("lead-1:route");
    expect(keys.at(-1)).toBe("lead-500:route");
    // lead-500 is still known: asked again, the same answer, and nothing stored anew.
    const last = await router.route({ ...request, decisionKey: "lead-500:route" });
    expect(await router.route({ ...request, decisionKey: "lead-500:route" })).toEqual(last);
    expect(first.kind).toBe("rep");
  });

  it("carries decisions stored as one list (before they were rows) over once: a known key gets its rep again", async () => {
    const router = env.TEAM_ROUTER.getByName(`inbound-router-carried-${Date.now()}`);
    const request = { policy, teamId: "inbound", crm: "hubspot" as const, now: new Date("2026-11-23T15:00:00.000Z") };
    const remembered = { kind: "rep", repId: "someone", ownerId: "1", reason: "remembered before the rows" } as const;
    await runInDurableObject(router, async (_, state) => {
      await state.storage.put("decisions", [["lead-old:route", remembered]]);
    });
    expect(await router.route({ ...request, decisionKey: "lead-old:route" })).toEqual(remembered);
    const stored = await runInDurableObject(router, async (_, state) => ({
      rows: state.storage.sql
        .exec<{ key: string }>("SELECT key FROM decisions")
        .toArray()
        .map((r) => r.key),
      list: await state.storage.get("decisions"),
      carried: await state.storage.get("decisionsCarriedOver"),
    }));
    expect(stored).toEqual({ rows: ["lead-old:route"], list: [["lead-old:route", remembered]], carried: true });
  });
});
