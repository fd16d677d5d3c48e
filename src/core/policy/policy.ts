import { z } from "zod";
import { addBusinessDuration, isValidZone, nextWorkingTime, WorkingHours } from "../calendar/calendar";
import { isKnownHolidayCalendar } from "../calendar/public-holidays";
import { cadenceIssues, CadenceRule } from "./cadence-policy";
import { EmailPolicy, EmailSender, emailIssues } from "./email-policy";
import { BookingPolicy, bookingIssues, RepCalendar } from "./booking-policy";
import { Form, formsIssues } from "./forms-policy";
import { IntakeRouting, intakeRoutingIssues } from "./intake-routing-policy";
import { DurationWithin, durationProblem, Id, LocalDate, PerCrm, SlackChannel, SlackUser, ThresholdWithin } from "./policy-fields";
import { ScoringModel, scoringIssues } from "./scoring-policy";

/**
 * The policy: who sells, in which teams, and the rules the service enforces. One document,
 * validated as a whole before it can affect a lead; every accepted version is kept and every
 * decision names the version it used.
 */
const Zone = z.string().refine(isValidZone, "not an IANA time zone (e.g. Europe/Berlin)");

/** A country's public holidays ("US", "DE-BY", "GB-ENG"), as the date-holidays package knows them. */
const HolidayCalendar = z
  .string()
  .refine(isKnownHolidayCalendar, "not a holiday calendar date-holidays knows (a country code, e.g. US, DE-BY, GB-ENG)");

/** A lead score as a CRM field holds it (ours is 0–100; other scoring tools count in points). */
const Score = z.number().min(-10_000).max(10_000);

export const Rep = z.object({
  id: Id,
  name: z.string().min(1),
  /** The rep's owner id in each CRM (HubSpot owner id, Salesforce user id). */
  owners: PerCrm(z.string().min(1)),
  slackUserId: SlackUser.optional(),
  timeZone: Zone,
  workingHours: WorkingHours.optional(),
  /** Share of assignments relative to teammates (2 = twice as many as 1). */
  weight: z.number().positive().max(100).default(1),
  /** Most leads assigned to this rep within capacityWindow. */
  capacity: z.number().int().min(1).max(10_000).optional(),
  available: z.boolean().default(true),
  outOfOffice: z.array(z.object({ from: LocalDate, to: LocalDate })).default([]),
  /** The From of the cadence emails sent as this rep, on the deployment's sending domain. */
  sender: EmailSender.optional(),
  /** Public holidays where the rep works (instead of the team's or the policy's). */
  holidayCalendar: HolidayCalendar.optional(),
  /** Where visitors book meetings with this rep (booking); a rep without one is not offered. */
  calendar: RepCalendar.optional(),
});
export type Rep = z.infer<typeof Rep>;

export const Team = z.object({
  id: Id,
  name: z.string().min(1),
  members: z.array(Id).min(1),
  /** Skip reps outside their working hours when routing. */
  respectWorkingHours: z.boolean().default(false),
  /** The router keeps each rep's assignment instants this long, so the window is bounded. */
  capacityWindow: DurationWithin("PT1H", "P31D").default("P1D"),
  /** Who gets a lead when no member is eligible (a queue user or a manager), per CRM. */
  fallbackOwners: PerCrm(z.string().min(1)),
  /** Where "nobody was eligible" alerts go. */
  alertChannel: SlackChannel.optional(),
  /** Public holidays where the team works (instead of the policy's); a rep's own wins. */
  holidayCalendar: HolidayCalendar.optional(),
});
export type Team = z.infer<typeof Team>;

export const StaleLeadRule = z.object({
  enabled: z.boolean().default(true),
  /** Record types the rule follows, e.g. contact (HubSpot) and lead (Salesforce). */
  objectTypes: z.array(z.string().min(1)).min(1),
  /** Without qualifying activity for this long, a lead is stale. */
  threshold: ThresholdWithin("PT10S", "P90D"),
  /** Changes to these properties count as rep activity and reset the clock. */
  activityProperties: PerCrm(z.array(z.string().min(1)).min(1)),
  /** The lead score property, and the score from which a stale lead is reassigned, not parked. */
  scoreProperty: PerCrm(z.string().min(1)),
  scoreThreshold: Score,
  targetTeam: Id,
  /** High-score branch: the task for the new owner. */
  task: z.object({
    subject: z.string().min(1).max(200),
    body: z.string().max(5_000).default(""),
    dueIn: DurationWithin("PT0S", "P30D").default("PT4H"),
  }),
  /** Low-score branch: the status that parks the lead in nurture. */
  hibernate: PerCrm(z.object({ property: z.string().min(1), value: z.string().min(1) })),
  /**
   * At most this many stale reassignments of one lead within the window: beyond it, nobody is
   * working the lead wherever it goes (a small team passing it back and forth), so a person
   * must look. The team channel is told, and the lead stays where it is until the window frees.
   */
  maxReassignments: z
    .object({ count: z.number().int().min(1).max(100), within: DurationWithin("PT1H", "P365D") })
    .default({ count: 3, within: "P30D" }),
});
export type StaleLeadRule = z.infer<typeof StaleLeadRule>;

export const StageGate = z.object({
  crm: z.enum(["hubspot", "salesforce"]),
  pipeline: z.string().min(1).optional(),
  stage: z.string().min(1),
  required: z.array(z.string().min(1)).min(1),
});

export const StageGateRule = z.object({
  enabled: z.boolean().default(true),
  objectTypes: z.array(z.string().min(1)).min(1),
  stageProperty: PerCrm(z.string().min(1)),
  gates: z.array(StageGate).min(1),
  /** After the nudge, how long the owner has to fill the fields before the stage is moved back. */
  gracePeriod: ThresholdWithin("PT10S", "P30D"),
  revert: z.boolean().default(true),
  /** Link template for Slack messages; {objectId} and {accountId} are filled in. */
  recordUrl: PerCrm(z.string().min(1)),
});
export type StageGateRule = z.infer<typeof StageGateRule>;

export const Policy = z
  .object({
    /** The zone business-hour durations are counted in unless a rep's own zone applies. */
    timeZone: Zone,
    workingHours: WorkingHours,
    holidays: z.array(LocalDate).default([]),
    /** A country's public holidays besides the explicit dates (which always apply). */
    holidayCalendar: HolidayCalendar.optional(),
    reps: z.array(Rep).min(1),
    teams: z.array(Team).min(1),
    rules: z.object({
      staleLead: StaleLeadRule.optional(),
      stageGates: StageGateRule.optional(),
      cadences: CadenceRule.optional(),
    }),
    /** Web forms that post to POST /intake/{key}. */
    forms: z.array(Form).max(100).default([]),
    /** The lead score given at intake. */
    scoring: ScoringModel.optional(),
    /** Which team a lead from a form goes to. */
    routing: IntakeRouting.optional(),
    /** Cadence emails: purposes and their lawful basis, daily caps (docs/email.md). */
    email: EmailPolicy.optional(),
    /** Meetings booked on the spot, right after a form's submission. */
    booking: BookingPolicy.optional(),
  })
  .superRefine((policy, ctx) => {
    const reps = new Set(policy.reps.map((r) => r.id));
    const teams = new Set(policy.teams.map((t) => t.id));
    policy.reps.forEach((rep, i) => {
      if (policy.reps.findIndex((r) => r.id === rep.id) !== i)
        ctx.addIssue({ code: "custom", path: ["reps", i, "id"], message: `duplicate rep id "${rep.id}"` });
    });
    policy.teams.forEach((team, t) => {
      team.members.forEach((member, m) => {
        if (!reps.has(member)) ctx.addIssue({ code: "custom", path: ["teams", t, "members", m], message: `unknown rep "${member}"` });
      });
    });
    const stale = policy.rules.staleLead;
    if (stale && !teams.has(stale.targetTeam)) {
      ctx.addIssue({ code: "custom", path: ["rules", "staleLead", "targetTeam"], message: `unknown team "${stale.targetTeam}"` });
    }
    const cadences = policy.rules.cadences;
    if (cadences) {
      for (const issue of cadenceIssues(cadences, teams))
        ctx.addIssue({ code: "custom", path: ["rules", "cadences", ...issue.path], message: issue.message });
    }
    for (const issue of emailIssues(policy.email, cadences, policy.reps)) ctx.addIssue({ code: "custom", ...issue });
    for (const issue of formsIssues(policy.forms)) ctx.addIssue({ code: "custom", path: ["forms", ...issue.path], message: issue.message });
    if (policy.scoring) {
      const formKeys = new Set(policy.forms.map((f) => f.key));
      for (const issue of scoringIssues(policy.scoring, formKeys))
        ctx.addIssue({ code: "custom", path: ["scoring", ...issue.path], message: issue.message });
    }
    if (policy.booking) {
      const formKeys = new Set(policy.forms.map((f) => f.key));
      for (const issue of bookingIssues(policy.booking, formKeys))
        ctx.addIssue({ code: "custom", path: ["booking", ...issue.path], message: issue.message });
    }
    if (policy.routing) {
      for (const issue of intakeRoutingIssues(policy.routing, teams))
        ctx.addIssue({ code: "custom", path: ["routing", ...issue.path], message: issue.message });
    }
    // Deadlines are computed long after the policy is accepted: anything the calendar cannot
    // compute (a 30th of February, "P1M" in business hours) is refused now, with its path.
    const calendar = { zone: policy.timeZone, hours: policy.workingHours, holidays: policy.holidays };
    const probe = new Date(Date.UTC(2026, 0, 5, 12));
    try {
      nextWorkingTime(probe, calendar);
    } catch (error) {
      ctx.addIssue({ code: "custom", path: ["holidays"], message: (error as Error).message });
    }
    const thresholds: [string[], { duration: string; businessHours: boolean } | undefined][] = [
      [["rules", "staleLead", "threshold"], stale?.threshold],
      [["rules", "stageGates", "gracePeriod"], policy.rules.stageGates?.gracePeriod],
      [["rules", "cadences", "sla", "within"], cadences?.sla?.within],
      [["rules", "cadences", "sla", "hot", "within"], cadences?.sla?.hot?.within],
      [["rules", "cadences", "sla", "escalateAfter"], cadences?.sla?.escalateAfter],
    ];
    for (const [path, threshold] of thresholds) {
      // One outside its range is refused already, and adding a huge one in working days would be slow.
      if (!threshold?.businessHours || durationProblem(threshold.duration, "PT0S", "P90D")) continue;
      try {
        addBusinessDuration(probe, threshold.duration, calendar);
      } catch (error) {
        ctx.addIssue({ code: "custom", path, message: (error as Error).message });
      }
    }
  });
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

/** A stored policy: the document and the version number it was accepted as. */
export interface VersionedPolicy {
  version: number;
  policy: Policy;
  createdAt: string;
}
