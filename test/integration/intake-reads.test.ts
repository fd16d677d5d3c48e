import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { hubspotEmulator } from "../support/emulators";
import { DEMO, intakeHarness } from "../support/intake";
import { eventually, leadSnapshot } from "../support/requests";
import { admin, deliverHubSpotWebhooks } from "../support/rule-flows";

/**
 * Fewer calls per lead: a lead our form just created is known to its record (what the form's
 * write set, and the webhooks since), so the cadence's enrolment and first step read nothing
 * back from HubSpot: no single-record read for a new lead.
 */
const harness = intakeHarness();
const run = Date.now().toString(36);

beforeAll(async () => {
  // As the intake benchmark: the first task is due at once, at any hour.
  const policy = structuredClone(DEFAULT_POLICY);
  policy.workingHours = { days: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "24:00" };
  policy.holidays = [];
  policy.rules.cadences!.firstTouchDelay = { min: "PT0S", max: "PT0S" };
  for (const rep of policy.reps ?? []) if (rep.workingHours) rep.workingHours = policy.workingHours;
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(policy) })).status).toBe(201);
  const setup = (await (await admin("/admin/crm/setup", { method: "POST" })).json()) as any;
  expect(setup.hubspotProductProperties.ok, setup.hubspotProductProperties.detail).toBe(true);
});

describe("calls per new lead", () => {
  it("a new lead is enrolled and gets its first task without reading its contact back", { timeout: 60_000 }, async () => {
    await hubspotEmulator.clearCalls();
    const email = `reads.${run}@northwind.example`;
    const response = await harness.post("demo", { ...DEMO, email });
    expect(response.status).toBe(202);
    const contact = await eventually(async () => {
      const found = (await hubspotEmulator.objects("contacts")).find((c: any) => c.properties.email === email);
      if (!found) throw new Error("no contact yet");
      return found;
    }, 30_000);
    await deliverHubSpotWebhooks();
    const task = await eventually(async () => {
      const found = (await hubspotEmulator.objects("tasks")).find((t: any) => t.associations?.contacts?.some((a: any) => a.id === contact.id));
      if (!found) throw new Error("no task yet");
      return found;
    }, 30_000);
    expect(task.properties.hs_task_subject).toBeTruthy();
    const snapshot = await eventually(async () => {
      const found = await leadSnapshot(`hubspot:62515:contact:${contact.id}`);
      if (found.status !== 200) throw new Error(`record: ${found.status}`);
      return found;
    }, 10_000);
    expect(snapshot.body.state.submission).toMatchObject({ createdRecord: true, writtenAt: expect.any(String) });

    const calls = (await hubspotEmulator.calls()) as { method: string; path: string }[];
    expect(calls.filter((c) => c.method === "GET" && c.path.endsWith(`/contacts/${contact.id}`))).toEqual([]);
  });
});
