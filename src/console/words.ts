import type { Crm, CrmEvent } from "../core/model/crm-event";
import type { Effect } from "../core/model/effects";
import { PRODUCT_FIELDS } from "../core/model/product-fields";
import { OWNER_PROPERTY } from "../core/policy/policy-needs";
import { localInstant } from "./format";
import type { People } from "./people";

/**
 * What the console says instead of internal names: rules, deadlines, events and effects described
 * in words a sales manager reads, with owners by name and values by the CRM's labels. The ids stay
 * with them, one click away, for whoever must look a thing up.
 */

const RULES: Record<string, string> = {
  "stale-lead": "Stale lead",
  "stage-gate": "Stage gate",
  cadence: "Cadence",
  rules: "Rules",
  intake: "Form intake",
  records: "Record",
  manual: "Admin",
  alerts: "Alerts",
};
export const ruleName = (rule: string) => RULES[rule] ?? rule;

/** A rule's deadline, in words: what happens when it comes. */
const DEADLINES: Record<string, string> = {
  "stale-lead:check": "Stale-lead check: unless someone works the lead first, it is reassigned (or parked, if its score is low)",
  "stage-gate:revert": "Stage gate: the deal moves back unless its required fields are filled",
  "cadence:step": "Next cadence step: its task is written for the owner",
  "cadence:sla": "Speed-to-lead deadline: the owner is reminded if the first step is not done",
};
export const deadlineName = (name: string) => DEADLINES[name] ?? name;

/** Wake-ups that are the record's own housekeeping, not a deadline of the lead. */
export const isHousekeeping = (name: string) => !name.includes(":");

const CRM_NAME: Record<Crm, string> = { hubspot: "HubSpot", salesforce: "Salesforce" };

/** Instants written in text (audit reasons carry ISO strings) shown in the viewer's zone. */
export function localTimesIn(text: string, zone: string): string {
  return text.replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?Z\b/g, (iso) => localInstant(iso, zone));
}

/** A property as its change reads: "owner → Sam Chen", "lead status → Bad Timing", "score → 80". */
export function propertyChange(people: People, crm: Crm, objectType: string, name: string, value: string | null): string {
  if (value === null || value === "") return `${fieldName(crm, name)} cleared`;
  if (name === OWNER_PROPERTY[crm]) return `owner → ${people.ownerName(value, crm)}`;
  return `${fieldName(crm, name)} → ${people.label(crm, objectType, name, value)}`;
}

const FIELD_NAMES: Record<string, string> = {
  hubspot_owner_id: "owner",
  OwnerId: "owner",
  hs_lead_status: "lead status",
  Status: "status",
  lifecyclestage: "lifecycle stage",
  dealstage: "deal stage",
  StageName: "stage",
  firstname: "first name",
  lastname: "last name",
  FirstName: "first name",
  LastName: "last name",
  hs_next_step: "next step",
  NextStep: "next step",
  amount: "amount",
  Amount: "amount",
  email: "email",
  Email: "email",
  lead_source: "lead source",
  LeadSource: "lead source",
};

export function fieldName(crm: Crm, name: string): string {
  const product = Object.entries(PRODUCT_FIELDS[crm]).find(([, field]) => field === name)?.[0];
  if (product)
    return { score: "score", tier: "score tier", reasons: "score reasons", model: "scoring model", routingReason: "routing reason" }[product] ?? name;
  return FIELD_NAMES[name] ?? name;
}

/** An event of the record, in words. */
export function eventWords(people: People, event: CrmEvent): { title: string; detail: string } {
  const crm = CRM_NAME[event.crm];
  const by = event.fromThisIntegration
    ? "this service"
    : event.changedBy.source === "CRM_UI"
      ? "someone in the CRM"
      : (event.changedBy.source ?? "the CRM");
  const changes = (properties: Record<string, string | null>) =>
    Object.entries(properties)
      .map(([name, value]) => propertyChange(people, event.crm, event.objectType, name, value))
      .join("; ");
  switch (event.kind) {
    case "created":
      return {
        title: `Created in ${crm}${event.fromThisIntegration ? " by this service" : ""}`,
        detail: changes(event.properties) || "no fields sent with it",
      };
    case "propertyChanged":
      return {
        title: event.fromThisIntegration ? "Our own change came back from the CRM" : `Changed by ${by}`,
        detail:
          changes(event.properties) || (event.valuesNotSent?.length ? `${event.valuesNotSent.join(", ")} changed (values not sent)` : "nothing new"),
      };
    case "submitted":
      return {
        title: `Form "${event.formKey}" submitted`,
        detail: [
          `source ${event.source}`,
          event.timeZone ? `browser in ${event.timeZone}` : "",
          event.createdRecord ? "a new lead" : "a returning lead",
        ]
          .filter(Boolean)
          .join("; "),
      };
    case "deleted":
      return { title: `Deleted in ${crm}`, detail: event.privacy ? "a privacy deletion" : "" };
    case "restored":
      return { title: `Restored in ${crm}`, detail: "" };
    case "merged":
      return { title: "Merged", detail: `kept ${event.survivorId}; merged ${event.mergedIds.join(", ")}` };
    case "associationChanged":
      return { title: event.removed ? "Association removed" : "Association added", detail: `${event.associationType} ${event.toObjectId}` };
    case "gap":
      return { title: `${crm} changed it without saying how`, detail: "the record is read fresh before its rules act" };
    case "emailReceived":
      return { title: "The lead replied by email", detail: `"${event.subject}" from ${event.from}` };
    case "slackAction":
      return { title: `Slack button "${event.action}" pressed`, detail: `step ${event.stepId}` };
    case "emailStatus":
      return {
        title:
          event.status === "bounced"
            ? `An email to ${event.address} bounced${event.permanent ? " (hard: no more emails to it)" : " (soft)"}`
            : event.status === "complained"
              ? `${event.address} marked an email as spam`
              : `${event.address} unsubscribed`,
        detail: event.detail,
      };
    case "meetingBooked":
      return {
        title: "The lead booked a meeting",
        detail: `at ${event.startsAt}${event.ownerId ? ` with ${people.ownerName(event.ownerId, event.crm)}` : ""}; booking ${event.bookingId}`,
      };
  }
}

/** An effect, in words: "Task for Sam Chen: Reassigned stale lead: call today (due …)". */
export function effectWords(people: People, effect: Effect, zone: string): string {
  switch (effect.type) {
    case "createTask":
      return `Task for ${people.ownerName(effect.ownerId, effect.crm)}: "${effect.subject}", due ${localInstant(effect.dueAt, zone)}`;
    case "assignOwner":
      return `Owner set to ${people.ownerName(effect.ownerId, effect.crm)}`;
    case "updateProperties":
      return `CRM fields set: ${Object.entries(effect.properties)
        .map(([name, value]) => propertyChange(people, effect.crm, effect.objectType, name, value))
        .join("; ")}`;
    case "updateTasks":
      return `${effect.taskKeys.length === 1 ? "Its task" : `${effect.taskKeys.length} tasks`} ${taskAction(people, effect)}`;
    case "postSlackMessage":
      return `Slack message: "${effect.text.slice(0, 160)}${effect.text.length > 160 ? "…" : ""}"`;
    case "respondInSlack":
      return "Answer to a Slack button";
    case "upsertLead":
      return `Lead written to ${CRM_NAME[effect.crm]} from form "${effect.submission.formKey}"${
        effect.properties[OWNER_PROPERTY[effect.crm]] ? ` for ${people.ownerName(effect.properties[OWNER_PROPERTY[effect.crm]], effect.crm)}` : ""
      }`;
    case "subscribeEmail":
      return `Email subscription ${effect.subscriptionId} for ${effect.email}`;
    case "sendEmail":
      return `Email as ${effect.from.name ?? effect.from.address} to ${effect.to.address}: "${effect.subject}", due ${localInstant(effect.dueAt, zone)}`;
    case "logEmail":
      return `Email logged in ${CRM_NAME[effect.crm]}: "${effect.subject}"`;
    case "optOutEmail":
      return `${effect.email} opted out of email in ${CRM_NAME[effect.crm]}`;
    case "writeMeeting":
      return `Meeting ${{ book: "logged", move: "moved", cancel: "cancelled" }[effect.action]} in ${CRM_NAME[effect.crm]}: "${effect.title}" at ${localInstant(effect.startsAt, zone)}${
        effect.ownerId ? ` with ${people.ownerName(effect.ownerId, effect.crm)}` : ""
      }`;
    default:
      return effect.type.replace(/([A-Z])/g, " $1").toLowerCase();
  }
}

function taskAction(people: People, effect: Extract<Effect, { type: "updateTasks" }>): string {
  const action = effect.action;
  switch (action.kind) {
    case "complete":
      return "closed";
    case "reassign":
      return `moved to ${people.ownerName(action.ownerId, effect.crm)}`;
    default:
      return action.kind;
  }
}
