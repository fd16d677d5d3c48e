import type { z } from "zod";
import { isValidZone } from "../calendar/calendar";
import type { Policy, Rep } from "./policy";
import { sameSalesforceId } from "../model/salesforce-id";

/**
 * The roster bootstrap: the CRMs' owners and Slack's members, matched by email into a proposed
 * `reps` list for the policy. Pure: the reads are done before, and nothing is saved after (the
 * admin reviews the proposal and PUTs the policy).
 */

export type RosterCrm = "hubspot" | "salesforce";

/** A HubSpot owner or a Salesforce user. */
export interface CrmPerson {
  crm: RosterCrm;
  id: string;
  name: string;
  email?: string;
  /** HubSpot owners may be queues (shared inboxes), not people. */
  kind: "person" | "queue";
  /** Salesforce's TimeZoneSidKey (an IANA zone, mostly). */
  timeZone?: string;
}

export interface SlackMember {
  id: string;
  name: string;
  email?: string;
  /** Slack's `tz`. */
  timeZone?: string;
  deleted: boolean;
  bot: boolean;
}

export interface RosterInput {
  policy: Policy;
  /** Undefined: that system was not read (its ids in the policy are carried over as they are). */
  hubspot?: CrmPerson[];
  salesforce?: CrmPerson[];
  slack?: SlackMember[];
}

export interface RosterMatch {
  rep: string;
  email?: string;
  hubspot?: string;
  salesforce?: string;
  slack?: string;
  /** An existing rep of the policy this person is (their settings are kept), or a new one. */
  existing: boolean;
  timeZoneFrom: "slack" | "salesforce" | "policy's rep" | "policy";
}

export interface RosterGap {
  source: RosterCrm | "slack";
  /** The person's id in that source, when the gap is about someone read there. */
  id?: string;
  name?: string;
  email?: string;
  /** The proposed rep the gap belongs to, when there is one. */
  rep?: string;
  reason: string;
}

export interface RosterProposal {
  reps: z.input<typeof Rep>[];
  matches: RosterMatch[];
  /** What did not match, and why. */
  unmatched: RosterGap[];
  /** Reps of the current policy that no one read matches. */
  dropped: { rep: string; reason: string }[];
}

const CRM_NAME: Record<RosterCrm, string> = { hubspot: "HubSpot owner", salesforce: "Salesforce user" };

/** Work addresses are matched ignoring case only: `+tags` and dots are different mailboxes in most companies. */
const emailKey = (email: string | undefined) => email?.trim().toLowerCase() || undefined;

interface Group {
  email?: string;
  hubspot?: CrmPerson;
  salesforce?: CrmPerson;
  slack?: SlackMember;
}

export function proposeRoster(input: RosterInput): RosterProposal {
  const { policy } = input;
  const unmatched: RosterGap[] = [];
  const groups: Group[] = [];
  const byEmail = new Map<string, Group>();

  for (const person of [...(input.hubspot ?? []), ...(input.salesforce ?? [])]) {
    const gap = { source: person.crm, id: person.id, name: person.name, ...(person.email ? { email: person.email } : {}) };
    if (person.kind === "queue") {
      unmatched.push({ ...gap, reason: "a queue, not a person: not a rep (it can be a team's fallback owner)" });
      continue;
    }
    const key = emailKey(person.email);
    if (!key) {
      unmatched.push({ ...gap, reason: "has no email address, so it could not be matched with the other systems" });
      groups.push(person.crm === "hubspot" ? { hubspot: person } : { salesforce: person });
      continue;
    }
    let group = byEmail.get(key);
    if (!group) {
      group = { email: person.email!.trim() };
      byEmail.set(key, group);
      groups.push(group);
    }
    const taken = group[person.crm];
    if (taken) {
      unmatched.push({ ...gap, reason: `has the same email as ${CRM_NAME[person.crm]} ${taken.id}, who is proposed instead` });
      continue;
    }
    group[person.crm] = person;
  }

  if (input.slack) {
    const members = new Map<string, SlackMember>();
    for (const member of input.slack) {
      const key = emailKey(member.email);
      // A live account wins over a deactivated one with the same address.
      if (key && !member.bot && (!members.has(key) || members.get(key)!.deleted)) members.set(key, member);
    }
    for (const group of groups) {
      const member = group.email ? members.get(emailKey(group.email)!) : undefined;
      if (member && !member.deleted) group.slack = member;
      else if (member)
        unmatched.push({ source: "slack", id: member.id, name: member.name, email: group.email, reason: "this Slack account is deactivated" });
    }
  }

  const existingOf = assignExisting(groups, policy.reps);
  const taken = new Set(policy.reps.map((r) => r.id));
  const reps: z.input<typeof Rep>[] = [];
  const matches: RosterMatch[] = [];
  groups.forEach((group, i) => {
    const existing = existingOf.get(i);
    const person = (group.hubspot ?? group.salesforce)!;
    const id = existing?.id ?? freshId(group.email ?? person.name, taken);
    taken.add(id);
    const owners = {
      hubspot: input.hubspot ? group.hubspot?.id : existing?.owners.hubspot,
      salesforce: input.salesforce ? group.salesforce?.id : existing?.owners.salesforce,
    };
    const slackUserId = input.slack ? group.slack?.id : existing?.slackUserId;
    const zone = timeZoneOf(group, existing, policy);
    const { id: _id, name: _name, owners: _owners, slackUserId: _slack, timeZone: _zone, ...settings } = existing ?? ({} as Partial<Rep>);
    reps.push({
      ...settings,
      id,
      name: existing?.name ?? person.name,
      owners: Object.fromEntries(Object.entries(owners).filter(([, v]) => v)),
      ...(slackUserId ? { slackUserId } : {}),
      timeZone: zone.timeZone,
    });
    matches.push({
      rep: id,
      ...(group.email ? { email: group.email } : {}),
      ...(owners.hubspot ? { hubspot: owners.hubspot } : {}),
      ...(owners.salesforce ? { salesforce: owners.salesforce } : {}),
      ...(slackUserId ? { slack: slackUserId } : {}),
      existing: !!existing,
      timeZoneFrom: zone.from,
    });
    const gapOf = (source: RosterGap["source"], reason: string): RosterGap => ({
      source,
      rep: id,
      name: person.name,
      ...(group.email ? { email: group.email } : {}),
      reason,
    });
    if (!group.email) return;
    if (input.hubspot && !group.hubspot) unmatched.push(gapOf("hubspot", "no HubSpot owner with this email"));
    if (input.salesforce && !group.salesforce)
      unmatched.push(gapOf("salesforce", "no active Salesforce user of the chosen profiles with this email"));
    if (input.slack && !group.slack) unmatched.push(gapOf("slack", "no Slack member with this email: this rep gets no Slack messages"));
  });

  const kept = new Set([...existingOf.values()].map((r) => r.id));
  const dropped = policy.reps.filter((r) => !kept.has(r.id)).map((r) => ({ rep: r.id, reason: droppedReason(r, input) }));
  return { reps, matches, unmatched, dropped };
}

/**
 * Which existing rep each group is: the one sharing the most ids with it (HubSpot owner,
 * Salesforce user, Slack member), each rep at most once, so a re-import keeps ids and settings.
 */
function assignExisting(groups: Group[], reps: Rep[]): Map<number, Rep> {
  const candidates: { group: number; rep: Rep; score: number }[] = [];
  groups.forEach((group, g) => {
    for (const rep of reps) {
      const score =
        Number(!!group.hubspot && rep.owners.hubspot === group.hubspot.id) +
        Number(!!group.salesforce && sameSalesforceId(rep.owners.salesforce, group.salesforce.id)) +
        Number(!!group.slack && rep.slackUserId === group.slack.id);
      if (score > 0) candidates.push({ group: g, rep, score });
    }
  });
  candidates.sort((a, b) => b.score - a.score || a.group - b.group);
  const assigned = new Map<number, Rep>();
  const used = new Set<string>();
  for (const { group, rep } of candidates) {
    if (assigned.has(group) || used.has(rep.id)) continue;
    assigned.set(group, rep);
    used.add(rep.id);
  }
  return assigned;
}

function timeZoneOf(group: Group, existing: Rep | undefined, policy: Policy): { timeZone: string; from: RosterMatch["timeZoneFrom"] } {
  if (group.slack?.timeZone && isValidZone(group.slack.timeZone)) return { timeZone: group.slack.timeZone, from: "slack" };
  const salesforce = group.salesforce?.timeZone;
  if (salesforce && isValidZone(salesforce)) return { timeZone: salesforce, from: "salesforce" };
  if (existing) return { timeZone: existing.timeZone, from: "policy's rep" };
  return { timeZone: policy.timeZone, from: "policy" };
}

/** A policy id (lower-case letters, digits, - and _) from an address's local part or a name, unique among `taken`. */
function freshId(from: string, taken: Set<string>): string {
  const base =
    from
      .split("@")[0]!
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .replace(/[^a-z0-9_-]+/g, "-")
      .replace(/^[-_]+|[-_]+$/g, "") || "rep";
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

function droppedReason(rep: Rep, input: RosterInput): string {
  const read = (["hubspot", "salesforce"] as const).filter((crm) => rep.owners[crm] && input[crm]);
  const unread = (["hubspot", "salesforce"] as const).filter((crm) => rep.owners[crm] && !input[crm]);
  const parts = [
    read.length > 0
      ? `its ${read.map((crm) => `${CRM_NAME[crm]} ${rep.owners[crm]}`).join(" and ")} ${read.length > 1 ? "are" : "is"} not among the people read`
      : "",
    unread.length > 0 ? `${unread.map((crm) => (crm === "hubspot" ? "HubSpot" : "Salesforce")).join(" and ")} was not read` : "",
  ].filter(Boolean);
  return `no one read matches it: ${parts.join("; ") || "it has no owner id"}`;
}
