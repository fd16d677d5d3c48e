import type { Rule } from "./rule";
import type { CadenceState } from "./rule-state";
import { type CadenceConfig, resolveCadence } from "./cadence/cadence-config";
import { onEmailStatus } from "./cadence/cadence-email";
import { enrol, onCreated, onSubmitted } from "./cadence/cadence-enrol";
import { checkSla, slaDue } from "./cadence/cadence-sla";
import { onSlackAction } from "./cadence/cadence-slack";
import { stepDue, writeSteps } from "./cadence/cadence-steps";
import { followOwner, onDeleted, onEmailReceived, onMeetingBooked, onMerged, onPropertyChanged } from "./cadence/cadence-stops";

/**
 * Follow-up cadences: a new lead is enrolled in the cadence its source calls for; each step
 * becomes a CRM task at a human time in the lead's zone; every step first re-reads the lead and
 * the cadence stops (closing its open tasks) the moment the lead replies, books, unsubscribes,
 * moves on or is disqualified. A speed-to-lead SLA reminds the owner, then the team.
 */
export const cadenceRule: Rule<CadenceState, CadenceConfig> = {
  name: "cadence",
  slice: "cadence",
  resolve: resolveCadence,
  on: {
    created: onCreated,
    submitted: onSubmitted,
    propertyChanged: onPropertyChanged,
    emailReceived: onEmailReceived,
    meetingBooked: onMeetingBooked,
    deleted: onDeleted,
    merged: onMerged,
    slackAction: onSlackAction,
    emailStatus: onEmailStatus,
  },
  timers: { step: stepDue, sla: slaDue },
  // Another rule gave the lead a new owner in this run: the open tasks follow now, not when the CRM echoes it.
  signals: { ownerAssigned: (cadence, signal, ctx) => followOwner(cadence, signal.ownerId, ctx.at, ctx) },
  continuations: { enrol, writeSteps, checkSla },
};
