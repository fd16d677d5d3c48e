import { env } from "cloudflare:workers";
import { DateTime } from "luxon";
import { beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { activePolicy } from "../../src/storage/policies";
import { policyVersions } from "../../src/storage/policy-history";
import { consoleApp, cookieOf, csrfOf, signIn } from "../support/console";
import { admin } from "../support/rule-flows";

/**
 * The team page (issue 27): a manager marks a rep out of office and back, or changes a weight,
 * in two clicks; each change is a policy version with who made it. And the question the issue
 * quotes: "a rep that goes on vacation will then get MORE leads when they get added back into
 * rotation. We want the rotation to be even from the point they are added back in."
 */
const fetch = consoleApp();
const TEAM = "rotation";
const rep = (id: string, name: string, n: number) => ({
  id,
  name,
  owners: { hubspot: `9100000${n}` },
  timeZone: "Europe/London",
  weight: 1,
});
const POLICY = {
  ...DEFAULT_POLICY,
  reps: [
    ...DEFAULT_POLICY.reps,
    rep("ana", "Ana Lima", 1),
    rep("ben", "Ben Cho", 2),
    rep("cleo", "Cleo Park", 3),
    // 25 hours apart: their calendar days always differ, from each other and mostly from the viewer's.
    { ...rep("kiri", "Kiri Tane", 4), timeZone: "Pacific/Kiritimati" },
    { ...rep("pago", "Pago Sione", 5), timeZone: "Pacific/Pago_Pago" },
  ],
  teams: [
    ...DEFAULT_POLICY.teams,
    { id: TEAM, name: "Rotation", members: ["ana", "ben", "cleo"], capacityWindow: "P1D", fallbackOwners: { hubspot: "84213371" } },
  ],
};

let cookie: string;
/** The page the POST redirects to, with the notice cookie the POST set (the browser would carry it). */
const page = async (notice?: Response) => {
  const flash = notice ? cookieOf(notice, "console_flash") : undefined;
  const response = await fetch("/console/team", { headers: { cookie: flash ? `${cookie}; ${flash}` : cookie } });
  expect(response.status).toBe(200);
  return response.text();
};
const post = async (path: string, fields: Record<string, string>) => {
  const response = await fetch(path, {
    method: "POST",
    redirect: "manual",
    headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ _csrf: csrfOf(await page()), ...fields }),
  });
  return response;
};

/** `n` leads through the team's rotation (its TeamRouter), under the active policy; who got each, in order. */
async function route(n: number): Promise<string[]> {
  const { policy } = await activePolicy(env.DB);
  const router = env.TEAM_ROUTER.getByName(TEAM);
  const order: string[] = [];
  for (let i = 0; i < n; i++) {
    const decision = await router.route({ policy, teamId: TEAM, crm: "hubspot", now: new Date() });
    order.push(decision.kind === "rep" ? decision.repId : "fallback");
  }
  return order;
}
const tally = (order: string[]) => Object.fromEntries(["ana", "ben", "cleo"].map((id) => [id, order.filter((x) => x === id).length]));

beforeAll(async () => {
  expect((await admin("/admin/policy", { method: "PUT", body: JSON.stringify(POLICY) })).status).toBe(201);
  cookie = await signIn(fetch);
});

describe("the team page", () => {
  it("marks a rep out of office and back in two clicks, each a policy version with who and when", async () => {
    const html = await page();
    expect(html).toContain("Ben Cho");
    expect(html).toMatch(/id="rep-ben"[\s\S]*?Available/);
    const today = DateTime.now().setZone("Europe/London").toISODate()!;
    const until = DateTime.now().setZone("Europe/London").plus({ days: 3 }).toISODate()!;

    const away = await post("/console/team/ben/away", { from: today, to: until });
    expect(away.status).toBe(303);
    const after = await page(away);
    expect(after).toMatch(/Saved as v\d+\./);
    expect(after).toMatch(/id="rep-ben"[\s\S]*?Out of office until/);
    const [latest] = await policyVersions(env.DB, 1);
    expect(latest).toMatchObject({ savedBy: "admin" });
    expect(latest!.note).toContain("Ben Cho out of office");
    expect((await activePolicy(env.DB)).policy.reps.find((r) => r.id === "ben")!.outOfOffice).toEqual([{ from: today, to: until }]);

    const back = await post("/console/team/ben/back", {});
    expect(back.status).toBe(303);
    expect(await page()).toMatch(/id="rep-ben"[\s\S]*?Available/);
    expect((await policyVersions(env.DB, 1))[0]!.note).toBe("Ben Cho back");
  });

  it("offers each rep's own today for an absence: the days are the rep's, whatever the viewer's zone", async () => {
    const html = await page();
    for (const [id, zone] of [
      ["kiri", "Pacific/Kiritimati"],
      ["pago", "Pacific/Pago_Pago"],
    ]) {
      const form = new RegExp(`action="/console/team/${id}/away"[\\s\\S]*?name="from" value="([0-9-]+)"[\\s\\S]*?name="to" value="([0-9-]+)"`).exec(
        html,
      );
      const today = DateTime.now().setZone(zone!).toISODate();
      expect(form?.slice(1), id).toEqual([today, today]);
    }
  });

  it("refuses a change the policy's rules refuse, and saves nothing", async () => {
    const before = (await activePolicy(env.DB)).version;
    const bad = await post("/console/team/ben/settings", { weight: "0", capacity: "" });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("Nothing was saved");
    const backwards = await post("/console/team/ben/away", { from: "2026-12-20", to: "2026-12-10" });
    expect(backwards.status).toBe(400);
    expect((await activePolicy(env.DB)).version).toBe(before);
  });

  it("a rep back from leave rejoins the rotation evenly: their share from then on, no catch-up leads", async () => {
    // Before the leave: an even rotation.
    expect(tally(await route(6))).toEqual({ ana: 2, ben: 2, cleo: 2 });

    const today = DateTime.now().setZone("Europe/London").toISODate()!;
    expect((await post("/console/team/ben/away", { from: today, to: today })).status).toBe(303);
    const during = await route(20);
    expect(tally(during)).toEqual({ ana: 10, ben: 0, cleo: 10 });

    expect((await post("/console/team/ben/back", {})).status).toBe(303);
    const after = await route(30);
    // From the point Ben is back, every three leads one is his: not the twenty he missed, and not fewer.
    expect(tally(after)).toEqual({ ana: 10, ben: 10, cleo: 10 });
    for (let i = 0; i + 3 <= after.length; i += 3)
      expect(new Set(after.slice(i, i + 3)).size, `leads ${i + 1}–${i + 3}: ${after.slice(i, i + 3)}`).toBe(3);
  });

  it("a weight changed on the page changes the shares from then on", async () => {
    expect((await post("/console/team/cleo/settings", { weight: "2", capacity: "" })).status).toBe(303);
    expect((await policyVersions(env.DB, 1))[0]!.note).toBe("Cleo Park: weight 2, no capacity limit");
    expect(tally(await route(40))).toEqual({ ana: 10, ben: 10, cleo: 20 });
    expect(await page()).toMatch(/id="rep-cleo"[\s\S]*?value="2"/);
  });
});
