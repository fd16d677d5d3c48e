import { z } from "zod";

/**
 * The rules' memory of one record, one slice per rule, kept by the record's Durable Object. It is
 * stored with RULE_STATE_VERSION and parsed with this schema when read back, so a change of shape
 * is a new version with a migration, never a cast.
 */
export const RULE_STATE_VERSION = 2;

const Instant = z.string();

export const StaleState = z.object({
  /** The latest qualifying activity; the clock runs from here. */
  lastActivityAt: Instant,
  deadline: Instant.nullable(),
  /** Parked in nurture: no longer chased. */
  parked: z.boolean(),
  /** The owner when the deadline passed; never routed back to them. */
  staleOwnerId: z.string().optional(),
  /** When the lead was handed to a new owner for going stale, newest last: the reassignment cap counts these. */
  reassignedAt: z.array(Instant).optional(),
});
export type StaleState = z.infer<typeof StaleState>;

export const GateState = z.object({
  /** The last stage seen, ours included: what a revert goes back to. */
  lastStage: z.string().optional(),
  /** A gated stage entered without its required fields; revertAt is set once the owner has been nudged. */
  pending: z
    .object({ stage: z.string(), previousStage: z.string().optional(), missing: z.array(z.string()), revertAt: Instant.optional(), since: Instant })
    .optional(),
});
export type GateState = z.infer<typeof GateState>;

export const CadenceStepState = z.object({
  id: z.string(),
  dueAt: Instant,
  /** planned → written (a task exists, or is on its way) → done (completed from Slack); skipped: no owner, or gone from the policy. */
  state: z.enum(["planned", "written", "done", "skipped"]),
  ownerId: z.string().optional(),
  /** The task's subject as written, so a Slack reply about the step can still say what it was. */
  subject: z.string().optional(),
  /** A step sent as an email: its Message-ID, subject and References, which the next email threads on. */
  email: z.object({ messageId: z.string(), subject: z.string(), references: z.array(z.string()) }).optional(),
});
export type CadenceStepState = z.infer<typeof CadenceStepState>;

const Threshold = z.object({ duration: z.string(), businessHours: z.boolean() });

export const CadenceState = z.object({
  cadenceId: z.string(),
  source: z.string().nullable(),
  enrolledAt: Instant,
  zone: z.string(),
  /** Where the zone came from, in words ("phone +49 30… → DE → Europe/Berlin"). */
  zoneReason: z.string(),
  /** active: steps to come; finished: every step written; stopped / paused: no more steps. */
  status: z.enum(["active", "finished", "stopped", "paused"]),
  stop: z.object({ reason: z.string(), at: Instant }).optional(),
  steps: z.array(CadenceStepState),
  sla: z
    .object({
      stepId: z.string(),
      dueAt: Instant,
      state: z.enum(["pending", "met", "breached", "escalated", "moot"]),
      escalateAt: Instant.optional(),
      /** The allowance chosen at enrollment (the hot one for a hot lead), for moving the deadline with its step. */
      within: Threshold.optional(),
    })
    .optional(),
  /** The lead's email addresses as read at enrollment (raw property values): HubSpot's creation webhook carries none. */
  addresses: z.array(z.string()).optional(),
  /** The lead's name as the latest step's read saw it, for Slack messages about it. */
  leadName: z.string().optional(),
  /** Emails to the lead stopped (a hard bounce): later email steps become the owner's tasks. */
  emailBlocked: z.object({ reason: z.string(), at: Instant }).optional(),
});
export type CadenceState = z.infer<typeof CadenceState>;
export type CadenceSla = NonNullable<CadenceState["sla"]>;

/** The built-in rules' slices; a rule added later keeps its own slice beside them (checked by that rule). */
export const RuleState = z
  .object({ stale: StaleState.optional(), gate: GateState.optional(), cadence: CadenceState.optional() })
  .catchall(z.unknown());
export type RuleState = z.infer<typeof RuleState>;

/**
 * Reads stored rule state of any version. Version 1 (the kv blob before the rule contract) had
 * the same slices, but marked a gate entry not yet nudged with `revertAt: ""`.
 */
export function parseRuleState(body: unknown, version: number): RuleState {
  if (version === 1 && body && typeof body === "object") {
    const v1 = body as { gate?: { pending?: { revertAt?: string } } };
    if (v1.gate?.pending?.revertAt === "") delete v1.gate.pending.revertAt;
  }
  return RuleState.parse(body ?? {});
}
