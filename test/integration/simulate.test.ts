import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/domain/default-policy";
import { call } from "../support/requests";
import { decisionTableCounts } from "../support/store";
import { TEST_BINDINGS } from "../support/test-bindings";

const admin = (path: string, body: unknown) =>
  call(path, { method: "POST", body: JSON.stringify(body), headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json" } });

describe("POST /admin/simulate", () => {
  it("shows what a policy would do, with times and reasons, touching nothing", async () => {
    const before = await decisionTableCounts();
    const lead = "hubspot:62515:contact:900001";
    const response = await admin("/admin/simulate", {
      policy: DEFAULT_POLICY,
      until: "2026-12-31T00:00:00.000Z",
      events: [
        { recordKey: lead, occurredAt: "2026-11-02T15:00:00.000Z", kind: "created", properties: { hubspot_owner_id: "84213371", hubspotscore: "80" } },
        { recordKey: lead, occurredAt: "2026-11-05T15:00:00.000Z", kind: "propertyChanged", properties: { hs_lead_status: "OPEN" } },
      ],
    });
    expect(response.status).toBe(200);
    const body = await response.json() as any;
    expect(body.timeline.map((t: any) => [t.at, t.outcome])).toEqual([
      ["2026-11-02T15:00:00.000Z", "clock started"],
      ["2026-11-05T15:00:00.000Z", "clock reset"],
      ["2026-11-19T15:00:00.000Z", "reassigned"],
      // Reassigned to Sam, who then does nothing either: back to Alex two weeks later.
      ["2026-12-03T15:00:00.000Z", "reassigned"],
      ["2026-12-17T15:00:00.000Z", "reassigned"],
    ]);
    expect(body.timeline[2].effectDetails.map((e: any) => e.type)).toEqual(["assignOwner", "createTask", "postSlackMessage"]);
    expect(body.timeline[2].data).toMatchObject({ from: "84213371", to: "84213372" });
    expect(body.pending).toEqual([{ recordKey: lead, timer: "stale-check", at: "2026-12-31T15:00:00.000Z" }]);
    expect(await decisionTableCounts()).toEqual(before);
  });

  it("refuses an invalid policy or event with the reason", async () => {
    const response = await admin("/admin/simulate", { events: [{ recordKey: "nope", occurredAt: "x", kind: "created" }] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).issues.length).toBeGreaterThan(0);
  });
});
