import { describe, expect, it } from "vitest";
import type { CrmEvent } from "../../src/domain/crm-event";
import { applyEvent, emptyRecordState, foldEvents } from "../../src/domain/record-state";

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
const change = (minute: number, properties: Record<string, string | null>): CrmEvent => ({
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
