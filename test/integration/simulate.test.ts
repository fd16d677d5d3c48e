import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { call } from "../support/requests";
import { decisionTableCounts } from "../support/store";
import { TEST_BINDINGS } from "../support/test-bindings";

const admin = (path: string, body: unknown) =>
  call(path, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${TEST_BINDINGS.ADMIN_TOKEN}`, "content-type": "application/json" },
  });

describe("POST /admin/simulate", () => {
  it("shows what a policy would do, with times and reasons, touching nothing", async () => {
    const before = await decisionTableCounts();
    const lead = "hubspot:62515:contact:900001";
    const response = await admin("/admin/simulate", {
      policy: { ...DEFAULT_POLICY, rules: { ...DEFAULT_POLICY.rules, cadences: undefined } },
      until: "2026-12-31T00:00:00.000Z",
      events: [
        {
          recordKey: lead,
          occurredAt: "2026-11-02T15:00:00.000Z",
          kind: "created",
          properties: { hubspot_owner_id: "84213371", lead_follow_up_score: "80" },
        },
        { recordKey: lead, occurredAt: "2026-11-05T15:00:00.000Z", kind: "propertyChanged", properties: { hs_lead_status: "OPEN" } },
      ],
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as any;
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
    expect(body.pending).toEqual([{ recordKey: lead, timer: "stale-lead:check", at: "2026-12-31T15:00:00.000Z" }]);
    expect(await decisionTableCounts()).toEqual(before);
  });

  it("plans a cadence's step times in the lead's zone, and shows a reply stopping it", async () => {
    const before = await decisionTableCounts();
    const lead = "hubspot:62515:contact:900002";
    // Saturday 02:00 in Berlin: the first touch waits for Monday morning there.
    const created = {
      recordKey: lead,
      occurredAt: "2026-11-28T01:00:00.000Z",
      kind: "created",
      properties: { lead_source: "demo_request", firstname: "Lena", phone: "+49 30 1234567", hubspot_owner_id: "84213371" },
    };
    const policy = { ...DEFAULT_POLICY, rules: { cadences: DEFAULT_POLICY.rules.cadences } };
    const plan = (await (await admin("/admin/simulate", { policy, until: "2026-11-28T02:00:00.000Z", events: [created] })).json()) as any;
    expect(plan.cadences).toEqual([
      expect.objectContaining({ recordKey: lead, cadenceId: "inbound-sales", zone: "Europe/Berlin", status: "active" }),
    ]);
    expect(plan.cadences[0].steps.map((s: any) => s.local)).toEqual([
      "Mon 30 Nov, 09:05 (Europe/Berlin)",
      "Wed 2 Dec, 09:05 (Europe/Berlin)",
      "Fri 4 Dec, 09:05 (Europe/Berlin)",
      "Mon 7 Dec, 09:05 (Europe/Berlin)",
      "Fri 11 Dec, 09:05 (Europe/Berlin)",
      "Mon 14 Dec, 09:05 (Europe/Berlin)",
    ]);

    const reply = { recordKey: lead, occurredAt: "2026-12-01T10:00:00.000Z", kind: "emailReceived", subject: "Re: demo" };
    const run = (await (await admin("/admin/simulate", { policy, until: "2026-12-31T00:00:00.000Z", events: [created, reply] })).json()) as any;
    // Nobody completes tasks in a dry run: the first touch misses its SLA before the reply comes.
    expect(run.timeline.map((t: any) => t.outcome)).toEqual(["enrolled", "step written", "SLA breached", "stopped"]);
    expect(run.cadences[0]).toMatchObject({ status: "stopped" });
    expect(await decisionTableCounts()).toEqual(before);
  });

  it("refuses an invalid policy or event with the reason", async () => {
    const response = await admin("/admin/simulate", { events: [{ recordKey: "nope", occurredAt: "x", kind: "created" }] });
    expect(response.status).toBe(400);
    expect(((await response.json()) as any).issues.length).toBeGreaterThan(0);
  });
});
