import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/core/model/crm-event";
import { applyEvent, applyFreshRead, emptyRecordState, foldEvents } from "../../src/core/model/record-state";

const base = {
  recordKey: "hubspot:1:contact:7",
  crm: "hubspot",
  accountId: "1",
  objectType: "contact",
  objectId: "7",
  changedBy: { source: "CRM_UI" },
  fromThisIntegration: false,
  via: "hubspot-webhook",
} as const;
let n = 0;
const at = (minute: number) => new Date(Date.UTC(2026, 10, 23, 9, minute)).toISOString();
const change = (minute: number, properties: Record<string, string | null>): Extract<CrmEvent, { kind: "propertyChanged" }> => ({
  ...base,
  dedupeKey: `k${n++}`,
  occurredAt: at(minute),
  kind: "propertyChanged",
  properties,
  snapshot: false,
});

const events: CrmEvent[] = [
  { ...base, dedupeKey: "c", occurredAt: at(0), kind: "created", properties: {} },
  change(1, { hs_lead_status: "NEW", firstname: "Ada" }),
  change(2, { hs_lead_status: "OPEN" }),
  { ...base, dedupeKey: "d", occurredAt: at(3), kind: "deleted", privacy: false },
  { ...base, dedupeKey: "r", occurredAt: at(4), kind: "restored" },
  change(5, { firstname: null }),
];

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe("foldEvents", () => {
  it("reaches the same state in every arrival order", () => {
    const expected = foldEvents(events)!;
    expect(expected).toMatchObject({ status: "active", createdAt: at(0), eventCount: 6, firstEventAt: at(0), lastEventAt: at(5) });
    expect(expected.properties.hs_lead_status!.value).toBe("OPEN");
    expect(expected.properties.firstname!.value).toBeNull();
    for (const order of permutations(events)) {
      // The record's object applies events as they arrive, without sorting.
      expect(order.reduce(applyEvent, emptyRecordState(order[0]!))).toEqual(expected);
    }
  });
});

/** Every arrival order of `list` reaches the same state as the sorted fold. */
function sameInEveryOrder(list: CrmEvent[]) {
  const expected = foldEvents(list)!;
  for (const order of permutations(list)) expect(order.reduce(applyEvent, emptyRecordState(order[0]!))).toEqual(expected);
  return expected;
}

describe("ties of occurredAt", () => {
  const tied = (order: string | undefined, properties: Record<string, string | null>, key = `t${n++}`): CrmEvent => ({
    ...change(7, properties),
    dedupeKey: key,
    ...(order === undefined ? {} : { order }),
  });

  it("go by the CRM's order, whatever arrives first", () => {
    const state = sameInEveryOrder([tied("0002", { Status: "B" }), tied("0001", { Status: "A" }), tied("0003", { Rating: "Hot" })]);
    expect(state.properties.Status).toMatchObject({ value: "B", order: "0002" });
  });

  it("without an order, go by a fixed rule on the values themselves", () => {
    const state = sameInEveryOrder([tied(undefined, { Status: "B" }), tied(undefined, { Status: "A" }), tied(undefined, { Status: null })]);
    expect(state.properties.Status!.value).toBe("B");
  });

  it("between a delete and a restore, the delete wins at one instant", () => {
    const instant = { ...base, occurredAt: at(9) };
    const state = sameInEveryOrder([
      { ...instant, dedupeKey: "del", kind: "deleted", privacy: false },
      { ...instant, dedupeKey: "res", kind: "restored" },
    ]);
    expect(state.status).toBe("deleted");
  });
});

describe("a change whose value was not sent (HubSpot Sensitive Data)", () => {
  const unsent = (minute: number, names: string[]): CrmEvent => ({ ...change(minute, {}), valuesNotSent: names });

  it("keeps the value known, marks it stale, and a newer value ends the staleness, in any order", () => {
    const marked = sameInEveryOrder([change(1, { ssn: "known" }), unsent(2, ["ssn"])]);
    expect(marked.properties.ssn!.value).toBe("known");
    expect(marked.staleProperties).toEqual({ ssn: { occurredAt: at(2) } });

    const answered = sameInEveryOrder([change(1, { ssn: "known" }), unsent(2, ["ssn"]), change(3, { ssn: "newer" })]);
    expect(answered.properties.ssn!.value).toBe("newer");
    expect(answered.staleProperties).toEqual({});
  });

  it("is not stale when a value as new is known, and is stale with no value known at all", () => {
    expect(sameInEveryOrder([change(4, { ssn: "same time" }), unsent(4, ["ssn"])]).staleProperties).toEqual({});
    const only = sameInEveryOrder([unsent(4, ["ssn"]), change(5, { other: "x" })]);
    expect(only.properties).not.toHaveProperty("ssn");
    expect(only.staleProperties).toEqual({ ssn: { occurredAt: at(4) } });
  });

  it("a fresh read answers it, and a read older than the mark does not", () => {
    const stale = foldEvents([change(1, { ssn: "known" }), unsent(2, ["ssn"])])!;
    expect(applyFreshRead(stale, { ssn: "read" }, at(1)).staleProperties).toEqual({ ssn: { occurredAt: at(2) } });
    const fresh = applyFreshRead(stale, { ssn: "read" }, at(3));
    expect(fresh.properties.ssn).toMatchObject({ value: "read", occurredAt: at(3), changedBy: { source: "read" } });
    expect(fresh.staleProperties).toEqual({});
  });
});

describe("gap events", () => {
  const gap = (minute: number, change: "create" | "update" | "delete" | "undelete"): CrmEvent => ({
    ...base,
    dedupeKey: `g${n++}`,
    occurredAt: at(minute),
    kind: "gap",
    change,
  });

  it("mark the record for a fresh read, and a delete or undelete sets its status, in any order", () => {
    const state = sameInEveryOrder([change(1, { Status: "Open" }), gap(2, "update"), gap(3, "delete")]);
    expect(state).toMatchObject({ refreshNeeded: true, refreshNeededSince: { occurredAt: at(3) }, status: "deleted" });
    expect(state.properties.Status!.value).toBe("Open");
  });

  it("a read at least as new as the newest gap clears the mark; an older one does not", () => {
    const state = foldEvents([gap(2, "update"), gap(4, "create")])!;
    expect(state.createdAt).toBe(at(4));
    expect(applyFreshRead(state, {}, at(3))).toMatchObject({ refreshNeeded: true });
    expect(applyFreshRead(state, { Status: "Working" }, at(4))).toMatchObject({ refreshNeeded: false, refreshNeededSince: null });
  });
});

describe("associations", () => {
  const link = (minute: number, toObjectId: string, removed: boolean): CrmEvent => ({
    ...base,
    dedupeKey: `a${n++}`,
    occurredAt: at(minute),
    kind: "associationChanged",
    associationType: "CONTACT_TO_COMPANY",
    toObjectId,
    toObjectType: "company",
    removed,
  });

  it("end as the newest change of each says, whatever the arrival order", () => {
    const state = sameInEveryOrder([link(1, "c1", false), link(2, "c1", true), link(1, "c2", false), link(3, "c3", false)]);
    expect(state.associations).toEqual({ CONTACT_TO_COMPANY: ["c2", "c3"] });
  });

  it("a removal and an addition at one instant: the removal wins", () => {
    expect(sameInEveryOrder([link(5, "c9", false), link(5, "c9", true)]).associations).toEqual({ CONTACT_TO_COMPANY: [] });
  });
});

describe("states stored before these fields existed", () => {
  it("take new events without them", () => {
    const {
      staleProperties: _s,
      refreshNeeded: _r,
      refreshNeededSince: _f,
      associationChanges: _a,
      ...old
    } = foldEvents([change(1, { Status: "A" })])!;
    const next = applyEvent(old, { ...change(2, {}), valuesNotSent: ["ssn"] });
    expect(next.staleProperties).toEqual({ ssn: { occurredAt: at(2) } });
    expect(applyEvent(old, { ...base, dedupeKey: "x", occurredAt: at(3), kind: "gap", change: "update" })).toMatchObject({ refreshNeeded: true });
  });
});
