import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy, type PolicyInput } from "../../src/core/policy/policy";
import { EMPTY_ROUTING_STATE, route, type RoutingState } from "../../src/core/routing/routing";

const NOW = new Date("2026-11-24T15:00:00.000Z"); // Tuesday, 10:00 in New York, 15:00 in London

function policyWith(reps: PolicyInput["reps"], team: Partial<PolicyInput["teams"][number]> = {}): Policy {
  return Policy.parse({
    ...DEFAULT_POLICY,
    reps,
    teams: [{ ...DEFAULT_POLICY.teams[0]!, members: reps.map((r) => r.id), ...team }],
    rules: {},
  });
}

const rep = (id: string, weight: number, extra: Record<string, unknown> = {}) => ({
  id,
  name: id,
  owners: { hubspot: `owner-${id}` },
  timeZone: "America/New_York",
  weight,
  ...extra,
});

function simulate(policy: Policy, n: number, at: (i: number) => Date = () => NOW, start: RoutingState = EMPTY_ROUTING_STATE) {
  let state = start;
  const counts: Record<string, number> = {};
  const order: string[] = [];
  for (let i = 0; i < n; i++) {
    const result = route(state, { policy, teamId: "inbound", crm: "hubspot", now: at(i) });
    state = result.state;
    const who = result.decision.kind === "rep" ? result.decision.repId : "fallback";
    counts[who] = (counts[who] ?? 0) + 1;
    order.push(who);
  }
  return { counts, order, state };
}

describe("weighted round robin", () => {
  it("matches the weights within 2% over 10,000 assignments", () => {
    const policy = policyWith([rep("a", 1), rep("b", 2), rep("c", 3), rep("d", 4)]);
    const { counts } = simulate(policy, 10_000);
    for (const [id, weight] of [
      ["a", 1],
      ["b", 2],
      ["c", 3],
      ["d", 4],
    ] as const) {
      expect(Math.abs(counts[id]! / 10_000 - weight / 10)).toBeLessThan(0.02);
    }
  });

  it("interleaves instead of giving one rep a run of leads", () => {
    const { order } = simulate(policyWith([rep("a", 1), rep("b", 1), rep("c", 2)]), 8);
    expect(order).toEqual(["c", "a", "b", "c", "c", "a", "b", "c"]);
  });

  it("gives an out-of-office rep nothing, and no burst when they are back", () => {
    const away = policyWith([rep("a", 1), rep("b", 1, { outOfOffice: [{ from: "2026-11-24", to: "2026-11-24" }] })]);
    const during = simulate(away, 1_000);
    expect(during.counts).toEqual({ a: 1_000 });
    const back = policyWith([rep("a", 1), rep("b", 1)]);
    const after = simulate(back, 10, () => new Date("2026-11-25T15:00:00.000Z"), during.state);
    // Back from leave, b takes every other lead, not the thousand it "missed".
    expect(after.counts).toEqual({ a: 5, b: 5 });
    expect(after.order.slice(0, 4).filter((x) => x === "b")).toHaveLength(2);
  });

  it("never routes back to the owner who let the lead go stale", () => {
    const policy = policyWith([rep("a", 1), rep("b", 1)]);
    for (let i = 0; i < 20; i++) {
      const { decision } = route(EMPTY_ROUTING_STATE, { policy, teamId: "inbound", crm: "hubspot", excludeOwnerId: "owner-a", now: NOW });
      expect(decision).toMatchObject({ kind: "rep", repId: "b" });
    }
  });

  it("skips reps outside working hours when the team asks, and at capacity", () => {
    const late = new Date("2026-11-25T00:30:00.000Z"); // 19:30 in New York, 09:30 next day in Tokyo
    const policy = policyWith([rep("ny", 1), rep("tokyo", 1, { timeZone: "Asia/Tokyo" })], { respectWorkingHours: true });
    expect(simulate(policy, 5, () => late).counts).toEqual({ tokyo: 5 });
    const capped = policyWith([rep("a", 1, { capacity: 3 }), rep("b", 1, { capacity: 3 })]);
    expect(simulate(capped, 8).counts).toEqual({ a: 3, b: 3, fallback: 2 });
  });

  it("falls back to the team's owner, with the reasons, when nobody is eligible", () => {
    const policy = policyWith([rep("a", 1, { available: false })]);
    const { decision } = route(EMPTY_ROUTING_STATE, { policy, teamId: "inbound", crm: "hubspot", now: NOW });
    expect(decision).toMatchObject({ kind: "fallback", ownerId: "84213371", alertChannel: "C05LEADS001" });
    expect(decision.reason).toContain("a: unavailable");
  });
});
