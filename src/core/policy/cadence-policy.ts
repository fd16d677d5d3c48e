import { z } from "zod";
import { durationMillis, WorkingHours } from "../calendar/calendar";
import { Crm } from "../model/crm-event";
import { TaskChannel, TaskPriority } from "../model/effects";
import { DurationWithin, Id, PerCrm, SlackChannel, ThresholdWithin } from "./policy-fields";
import { templateIssues } from "./template";
import { wildcardMatches } from "./wildcard";

/**
 * Follow-up cadences: which sequence of CRM tasks a new lead gets (by its source), when each
 * step is due (in the lead's business hours), what it says (templates with fallbacks), and when
 * the sequence must stop. Part of the policy document; validated with it.
 */
const FieldName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]*$/, "letters, digits and _ (a merge field name)");

/** Days after enrollment (a number), or an ISO 8601 duration for finer offsets ("PT2H"); at most a year. */
const Offset = z.union([
  z
    .number()
    .int()
    .min(0)
    .max(365)
    .transform((days) => `P${days}D`),
  DurationWithin("PT0S", "P365D"),
]);

export const CadenceStep = z.object({
  id: Id,
  offset: Offset,
  channel: TaskChannel,
  subject: z.string().min(1).max(200),
  body: z.string().max(5_000).default(""),
  priority: TaskPriority.default("MEDIUM"),
  /** The record's owner, or a team's queue user (the team's fallback owner in that CRM). */
  owner: z.union([z.literal("recordOwner"), z.object({ team: Id })]).default("recordOwner"),
  /** Also DM the owner in Slack when the task is written, with done / snooze / pause buttons. */
  nudge: z.boolean().default(false),
  /**
   * "auto": an EMAIL step sent to the lead as the step's owner (subject and body are the email's);
   * "task" (the default): a CRM task for the rep, as any step. An email that cannot go (no
   * lawful basis, an undeliverable or suppressed address, the ESP refusing it) becomes the task.
   */
  send: z.enum(["task", "auto"]).default("task"),
  /** What an automatic email is for: one of the policy's email purposes, whose lawful basis it needs. */
  purpose: Id.optional(),
  /** An automatic email answers the cadence's previous one ("Re: " its subject, In-Reply-To, References); false starts a new thread. */
  thread: z.boolean().default(true),
});
export type CadenceStep = z.infer<typeof CadenceStep>;

export const Cadence = z.object({
  id: Id,
  name: z.string().min(1).max(100),
  steps: z.array(CadenceStep).min(1).max(30),
});
export type Cadence = z.infer<typeof Cadence>;

export const STOP_REASONS = ["replied", "meeting booked", "unsubscribed", "stage moved on", "disqualified"] as const;

/** A CRM property that ends a cadence: set at all, set to one of some values, or moved outside some values. */
export const StopCondition = z.object({
  reason: z.enum(STOP_REASONS),
  crm: Crm,
  property: z.string().min(1),
  when: z.union([z.literal("set"), z.object({ in: z.array(z.string()).min(1) }), z.object({ notIn: z.array(z.string()).min(1) })]),
});
export type StopCondition = z.infer<typeof StopCondition>;

/** A template field and where its value comes from in each CRM; `fallback` is used when the record has none. */
const MergeField = z.object({
  property: PerCrm(z.string().min(1)),
  fallback: z.string().trim().min(1, "a fallback must not be empty: it is what the lead reads when the record has no value"),
});

/** Fields every template may use without declaring them: they come from the policy's reps. */
export const BUILT_IN_FIELDS: Record<string, string> = { ownerName: "our team", ownerFirstName: "our team" };

export const Sla = z.object({
  /** The first contact step must be completed within this long after it is due. */
  within: ThresholdWithin("PT1M", "P30D"),
  /** Hot leads (score at or above) get a shorter SLA. */
  hot: z
    .object({ scoreProperty: PerCrm(z.string().min(1)), scoreAtLeast: z.number().min(-10_000).max(10_000), within: ThresholdWithin("PT1M", "P30D") })
    .optional(),
  /** After the owner's reminder, how long before the team channel hears about it. */
  escalateAfter: ThresholdWithin("PT1M", "P30D"),
  /** Where escalations go; the cadence team's alert channel when absent. */
  escalateChannel: SlackChannel.optional(),
});

export const CadenceRule = z.object({
  enabled: z.boolean().default(true),
  objectTypes: z.array(z.string().min(1)).min(1),
  /** The property whose value chooses the cadence (HubSpot custom lead_source, Salesforce LeadSource). */
  sourceProperty: PerCrm(z.string().min(1)),
  /** First match wins; `*` matches any run of characters ("content_download_*"). */
  routes: z.array(z.object({ source: z.string().min(1).max(200), cadence: Id })).default([]),
  defaultCadence: Id,
  cadences: z.array(Cadence).min(1),
  /** Team for steps owned by the record owner when the record has none, and for escalations. */
  team: Id,
  leadZone: z.object({
    timeZoneProperty: PerCrm(z.string().min(1)),
    phoneProperties: PerCrm(z.array(z.string().min(1))),
    /** For phone numbers written without a country code (ISO 3166 alpha-2, e.g. "US"). */
    defaultCountry: z
      .string()
      .regex(/^[A-Z]{2}$/, "a two-letter country code")
      .optional(),
  }),
  /** The lead's business hours (in the lead's zone); the policy's working hours when absent. */
  workingHours: WorkingHours.optional(),
  /** The first touch waits a random time in this window, so it does not arrive in half a second. */
  firstTouchDelay: z
    .object({ min: DurationWithin("PT0S", "PT4H"), max: DurationWithin("PT0S", "PT4H", "a first touch hours late is no longer speed to lead") })
    .default({ min: "PT3M", max: "PT7M" }),
  mergeFields: z.record(FieldName, MergeField).default({}),
  /** Addresses an inbound reply is matched against. */
  emailProperties: PerCrm(z.array(z.string().min(1))),
  stopWhen: z.array(StopCondition).default([]),
  /** What happens to tasks already written but still open when the cadence stops. */
  onStop: z.enum(["complete", "delete"]).default("complete"),
  sla: Sla.optional(),
});
export type CadenceRule = z.infer<typeof CadenceRule>;

/**
 * `*` as "any characters", everything else literal, case-insensitive (sources are typed by
 * people). Linear in the pattern and the value: see wildcard.ts for why no RegExp is built.
 */
export function sourceMatches(pattern: string, value: string): boolean {
  return wildcardMatches(pattern, value);
}

export function cadenceForSource(rule: CadenceRule, source: string | null | undefined): Cadence {
  const route = source ? rule.routes.find((r) => sourceMatches(r.source, source.trim())) : undefined;
  const id = route?.cadence ?? rule.defaultCadence;
  return rule.cadences.find((c) => c.id === id)!;
}

/** Cross-field checks of the cadence rule, reported with paths under `rules.cadences`. */
export function cadenceIssues(rule: CadenceRule, teams: ReadonlySet<string>): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  const ids = new Set(rule.cadences.map((c) => c.id));
  const known = [...Object.keys(rule.mergeFields), ...Object.keys(BUILT_IN_FIELDS)];
  if (!teams.has(rule.team)) issues.push({ path: ["team"], message: `unknown team "${rule.team}"` });
  if (!ids.has(rule.defaultCadence)) issues.push({ path: ["defaultCadence"], message: `unknown cadence "${rule.defaultCadence}"` });
  rule.routes.forEach((route, i) => {
    if (!ids.has(route.cadence)) issues.push({ path: ["routes", i, "cadence"], message: `unknown cadence "${route.cadence}"` });
  });
  if (durationMillis(rule.firstTouchDelay.min) > durationMillis(rule.firstTouchDelay.max)) {
    issues.push({ path: ["firstTouchDelay", "max"], message: "max must not be shorter than min" });
  }
  rule.cadences.forEach((cadence, c) => {
    if (rule.cadences.findIndex((other) => other.id === cadence.id) !== c)
      issues.push({ path: ["cadences", c, "id"], message: `duplicate cadence id "${cadence.id}"` });
    let previous = -1;
    cadence.steps.forEach((step, s) => {
      const path = ["cadences", c, "steps", s];
      if (cadence.steps.findIndex((other) => other.id === step.id) !== s)
        issues.push({ path: [...path, "id"], message: `duplicate step id "${step.id}"` });
      const offset = durationMillis(step.offset);
      if (offset < previous)
        issues.push({ path: [...path, "offset"], message: "steps must be listed in the order they happen (offsets never decrease)" });
      previous = Math.max(previous, offset);
      if (typeof step.owner === "object" && !teams.has(step.owner.team))
        issues.push({ path: [...path, "owner", "team"], message: `unknown team "${step.owner.team}"` });
      for (const field of ["subject", "body"] as const) {
        for (const message of templateIssues(step[field], known)) issues.push({ path: [...path, field], message });
      }
    });
  });
  return issues;
}
