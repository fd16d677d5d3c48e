import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { type CrmPerson, proposeRoster, type SlackMember } from "../../src/core/policy/roster";

const policy = Policy.parse(DEFAULT_POLICY);
const hubspot = (id: string, name: string, email?: string, kind: CrmPerson["kind"] = "person"): CrmPerson => ({
  crm: "hubspot",
  id,
  name,
  kind,
  ...(email ? { email } : {}),
});
const salesforce = (id: string, name: string, email: string, timeZone?: string): CrmPerson => ({
  crm: "salesforce",
  id,
  name,
  email,
  kind: "person",
  ...(timeZone ? { timeZone } : {}),
});
const slack = (id: string, email: string, extra: Partial<SlackMember> = {}): SlackMember => ({
  id,
  name: email.split("@")[0]!,
  email,
  deleted: false,
  bot: false,
  ...extra,
});

describe("proposeRoster", () => {
  it("matches owners, users and Slack members by email (ignoring case) into reps a policy accepts", () => {
    const proposal = proposeRoster({
      policy,
      hubspot: [hubspot("501", "Ada Lovelace", "Ada.Lovelace@Acme.example"), hubspot("502", "Grace Hopper", "grace@acme.example")],
      salesforce: [salesforce("0058d00000AdaLvAAA", "Ada Lovelace", "ada.lovelace@acme.example", "Europe/London")],
      slack: [slack("U0ADA", "ada.lovelace@acme.example", { timeZone: "Europe/Berlin" }), slack("U0GRACE", "GRACE@acme.example")],
    });
    expect(proposal.reps).toEqual([
      {
        id: "ada-lovelace",
        name: "Ada Lovelace",
        owners: { hubspot: "501", salesforce: "0058d00000AdaLvAAA" },
        slackUserId: "U0ADA",
        timeZone: "Europe/Berlin",
      },
      { id: "grace", name: "Grace Hopper", owners: { hubspot: "502" }, slackUserId: "U0GRACE", timeZone: "America/New_York" },
    ]);
    expect(proposal.matches.map((m) => [m.rep, m.timeZoneFrom, m.existing])).toEqual([
      ["ada-lovelace", "slack", false],
      ["grace", "policy", false],
    ]);
    expect(proposal.unmatched).toEqual([
      {
        source: "salesforce",
        rep: "grace",
        name: "Grace Hopper",
        email: "grace@acme.example",
        reason: "no active Salesforce user of the chosen profiles with this email",
      },
    ]);
    // The demo reps match no one here: both are dropped, saying why.
    expect(proposal.dropped).toEqual([
      {
        rep: "alex",
        reason: "no one read matches it: its HubSpot owner 84213371 and Salesforce user 0055g00000RepOnAAA are not among the people read",
      },
      {
        rep: "sam",
        reason: "no one read matches it: its HubSpot owner 84213372 and Salesforce user 0055g00000RepTwAAA are not among the people read",
      },
    ]);
    const candidate = { ...DEFAULT_POLICY, reps: proposal.reps, teams: [{ ...DEFAULT_POLICY.teams[0]!, members: ["ada-lovelace", "grace"] }] };
    expect(Policy.safeParse(candidate).success).toBe(true);
  });

  it("keeps an existing rep's id and settings when its ids match, and carries over the ids of systems not read", () => {
    const proposal = proposeRoster({
      policy,
      hubspot: [hubspot("84213371", "Alex Rivera", "alex.rivera@example.com"), hubspot("84213372", "Sam Chen", "sam.chen@example.com")],
    });
    expect(proposal.reps).toEqual([
      {
        id: "alex",
        name: "Alex Rivera",
        owners: { hubspot: "84213371", salesforce: "0055g00000RepOnAAA" },
        slackUserId: "U05REPONE01",
        timeZone: "America/New_York",
        weight: 1,
        capacity: 25,
        available: true,
        outOfOffice: [],
        sender: { address: "alex@mail.example.com" },
        calendar: { provider: "google", id: "alex.rivera@example.com" },
      },
      expect.objectContaining({
        id: "sam",
        name: "Sam Chen",
        owners: { hubspot: "84213372", salesforce: "0055g00000RepTwAAA" },
        timeZone: "Europe/London",
      }),
    ]);
    expect(proposal.matches.map((m) => [m.rep, m.existing, m.timeZoneFrom])).toEqual([
      ["alex", true, "policy's rep"],
      ["sam", true, "policy's rep"],
    ]);
    expect(proposal.unmatched).toEqual([]);
    expect(proposal.dropped).toEqual([]);
  });

  it("says what did not match: queues, people without an email, deactivated Slack accounts, people missing from a system", () => {
    const proposal = proposeRoster({
      policy: { ...policy, reps: [] as never },
      hubspot: [
        hubspot("601", "Support inbox", "support@acme.example", "queue"),
        hubspot("602", "No Mail", undefined),
        hubspot("603", "Lin Wei", "lin@acme.example"),
        hubspot("604", "Lin Wei (old seat)", "LIN@acme.example"),
      ],
      slack: [slack("U0LINOLD", "lin@acme.example", { deleted: true }), slack("U0BOT", "bot@acme.example", { bot: true })],
    });
    expect(proposal.reps.map((r) => [r.id, r.owners, r.slackUserId])).toEqual([
      ["no-mail", { hubspot: "602" }, undefined],
      ["lin", { hubspot: "603" }, undefined],
    ]);
    expect(proposal.unmatched.map((g) => [g.source, g.id ?? g.rep, g.reason])).toEqual([
      ["hubspot", "601", "a queue, not a person: not a rep (it can be a team's fallback owner)"],
      ["hubspot", "602", "has no email address, so it could not be matched with the other systems"],
      ["hubspot", "604", "has the same email as HubSpot owner 603, who is proposed instead"],
      ["slack", "U0LINOLD", "this Slack account is deactivated"],
      ["slack", "lin", "no Slack member with this email: this rep gets no Slack messages"],
    ]);
  });

  it("takes a live Slack account over a deactivated one, and Salesforce's zone when Slack has none", () => {
    const proposal = proposeRoster({
      policy,
      salesforce: [salesforce("0058d00000KenjiAAA", "Kenji Sato", "kenji@acme.example", "Asia/Tokyo")],
      slack: [slack("U0KENJIOLD", "kenji@acme.example", { deleted: true }), slack("U0KENJI", "kenji@acme.example", { timeZone: "Not/AZone" })],
    });
    expect(proposal.reps).toEqual([
      { id: "kenji", name: "Kenji Sato", owners: { salesforce: "0058d00000KenjiAAA" }, slackUserId: "U0KENJI", timeZone: "Asia/Tokyo" },
    ]);
    expect(proposal.matches[0]!.timeZoneFrom).toBe("salesforce");
    expect(proposal.dropped.map((d) => d.reason)).toEqual([
      "no one read matches it: its Salesforce user 0055g00000RepOnAAA is not among the people read; HubSpot was not read",
      "no one read matches it: its Salesforce user 0055g00000RepTwAAA is not among the people read; HubSpot was not read",
    ]);
  });

  it("gives each new rep an id of its own, never one of the policy's", () => {
    const proposal = proposeRoster({
      policy,
      hubspot: [
        hubspot("701", "Alex Other", "alex@acme.example"),
        hubspot("702", "José Núñez", "José.Núñez@acme.example"),
        hubspot("703", "A", "alex@other.example"),
      ],
    });
    expect(proposal.reps.map((r) => r.id)).toEqual(["alex-2", "jose-nunez", "alex-3"]);
  });
});
