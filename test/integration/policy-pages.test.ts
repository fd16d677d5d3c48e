import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { activePolicy } from "../../src/storage/policies";
import { policyVersions } from "../../src/storage/policy-history";
import { consoleApp, csrfOf, signIn } from "../support/console";
import { admin } from "../support/rule-flows";

/**
 * The policy's common parts without JSON (issue 27): each section's form changes its part, and the
 * whole policy is validated and saved as a version with who and what; the JSON stays as "advanced".
 */
const fetch = consoleApp();
let cookie: string;
const get = async (path: string) => {
  const response = await fetch(path, { headers: { cookie } });
  return { status: response.status, html: await response.text() };
};
const post = async (path: string, fields: [string, string][]) => {
  const { html } = await get("/console/policy");
  return fetch(path, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams([["_csrf", csrfOf(html)], ...fields]),
  });
};

beforeAll(async () => {
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(DEFAULT_POLICY) })).status).toBe(201);
  cookie = await signIn(fetch);
});

describe("the policy pages", () => {
  it("list the sections and the history with who changed what", async () => {
    const { html } = await get("/console/policy");
    for (const title of ["Teams", "Stale leads", "Stage gates", "Cadences", "Speed-to-lead SLA", "Lead scoring", "Advanced"])
      expect(html).toContain(title);
    expect(html).toContain('id="policy-history"');
  });

  it("change the stale-lead threshold in words, saved as a version by its author", async () => {
    const { html } = await get("/console/policy/stale");
    expect(html).toContain("now: 14 d");
    const saved = await post("/console/policy/stale", [
      ["enabled", "on"],
      ["threshold.amount", "3"],
      ["threshold.unit", "days"],
      ["threshold.business", "on"],
      ["scoreThreshold", "60"],
      ["targetTeam", "inbound"],
      ["taskSubject", "Call this stale lead today"],
      ["taskDueIn.amount", "4"],
      ["taskDueIn.unit", "hours"],
      ["maxCount", "3"],
      ["maxWithin.amount", "30"],
      ["maxWithin.unit", "days"],
    ]);
    expect(saved.status).toBe(303);
    const { policy } = await activePolicy(env.DB);
    expect(policy.rules.staleLead).toMatchObject({
      threshold: { duration: "P3D", businessHours: true },
      scoreThreshold: 60,
      task: { dueIn: "PT4H" },
    });
    expect((await policyVersions(env.DB, 1))[0]).toMatchObject({ savedBy: "admin", note: "stale-lead rule" });
  });

  it("refuses what the policy refuses, at its path, and saves nothing", async () => {
    const before = (await activePolicy(env.DB)).version;
    const refused = await post("/console/policy/stale", [
      ["threshold.amount", "0"],
      ["threshold.unit", "minutes"],
      ["scoreThreshold", "60"],
      ["targetTeam", "inbound"],
      ["taskDueIn.amount", "4"],
      ["taskDueIn.unit", "hours"],
      ["maxCount", "3"],
      ["maxWithin.amount", "30"],
      ["maxWithin.unit", "days"],
    ]);
    expect(refused.status).toBe(400);
    const html = await refused.text();
    expect(html).toContain("Nothing was saved");
    expect(html).toContain("rules.staleLead");
    expect((await activePolicy(env.DB)).version).toBe(before);
  });

  it("edits a stage gate's required fields, shown by the stage's label", async () => {
    const { html } = await get("/console/policy/gates");
    expect(html).toContain("hs_next_step");
    const saved = await post("/console/policy/gates", [
      ["grace.amount", "4"],
      ["grace.unit", "hours"],
      ["grace.business", "on"],
      ["revert", "on"],
      ["required.0", "hs_next_step\namount\nclosedate"],
      ["required.1", "NextStep\nAmount"],
    ]);
    expect(saved.status).toBe(303);
    expect((await activePolicy(env.DB)).policy.rules.stageGates!.gates[0]!.required).toEqual(["hs_next_step", "amount", "closedate"]);
  });

  it("shows a cadence's steps in order with their text for a sample lead, fallbacks where it has no value, and saves a step's text", async () => {
    const { html } = await get("/console/policy/cadences");
    const steps = [...html.matchAll(/id="step-inbound-sales-([a-z0-9-]+)"/g)].map((m) => m[1]);
    // In the order they run (by their offset), whatever order the policy lists them in.
    const days = (offset: unknown) => (typeof offset === "number" ? offset : Number(/P(\d+)D/.exec(String(offset))?.[1] ?? 0));
    const inbound = DEFAULT_POLICY.rules.cadences!.cadences.find((c) => c.id === "inbound-sales")!;
    expect(steps).toEqual([...inbound.steps].sort((a, b) => days(a.offset) - days(b.offset)).map((s) => s.id));
    expect(html).toContain("Reply to Jane&#39;s demo request and offer a call");
    // Without a first name the lead reads the fallback.
    const { html: noName } = await get("/console/policy/cadences?sample.company=Acme");
    expect(noName).toContain("Reply to the new lead&#39;s demo request and offer a call");
    const saved = await post("/console/policy/cadences/inbound-sales/day-2-resource", [
      ["offset.amount", "2"],
      ["offset.unit", "days"],
      ["subject", 'Send {{ firstName | fallback: "the lead" }} the ROI guide'],
      ["body", "Hi {{ firstName }},\nhere it is."],
    ]);
    expect(saved.status).toBe(303);
    const step = (await activePolicy(env.DB)).policy.rules.cadences!.cadences[0]!.steps.find((s) => s.id === "day-2-resource")!;
    expect(step.subject).toContain("the ROI guide");
    expect((await get("/console/policy/cadences")).html).toContain("Send Jane the ROI guide");
  });

  it("scores a sample submission live, with the reasons", async () => {
    const { html } = await get(
      "/console/policy/scoring?form=demo&field.jobTitle=VP+of+Sales&field.company=Northwind&country=US&emailKind=business&phone=valid",
    );
    const score = Number(/id="sample-score-value">(\d+)</.exec(html)?.[1]);
    expect(score).toBeGreaterThan(0);
    const { html: free } = await get("/console/policy/scoring?form=demo&field.jobTitle=Intern&country=US&emailKind=free&phone=missing");
    expect(Number(/id="sample-score-value">(-?\d+)</.exec(free)?.[1])).toBeLessThan(score);
  });

  it("keeps the JSON as the advanced editor, its problems at their line, and serves the policy's JSON Schema", async () => {
    const { html } = await get("/console/policy/advanced");
    expect(html).toContain('src="/policy-editor.js"');
    const text = JSON.stringify({ ...(await activePolicy(env.DB)).policy, timeZone: "Mars/Olympus_Mons" }, null, 2);
    const refused = await post("/console/policy/save", [["policy", text]]);
    expect(refused.status).toBe(400);
    const line = text.split("\n").findIndex((l) => l.includes('"timeZone"')) + 1;
    expect(await refused.text()).toContain(`<span>line ${line}: </span><code>timeZone</code>`);
    const schema = (await (await fetch("/console/policy/schema.json", { headers: { cookie } })).json()) as any;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["timeZone", "reps", "teams", "rules", "scoring"]));
  });
});
