import type { CalendarPort } from "../calendar/calendar-port";
import type { CrmPort } from "../crm/crm-port";
import type { CalendarProvider } from "../core/policy/booking-policy";
import type { EffectOf, EffectRequest } from "../core/model/effects";
import type { RoutingDecision, RoutingRequest } from "../core/routing/routing";
import type { Verification } from "../core/email/verification";
import type { Clock } from "../platform/clock";
import type { EffectOutcome, Outcome } from "../platform/outcome";
import type { SlackNotifier } from "../slack/slack-notifier";
import type { Config } from "./config";

/**
 * What the features are given to reach outside a pure function: the CRM and Slack clients, the
 * teams' rotations, the outbox's front door and the clock. src/ports.ts builds them from the
 * configuration, once per isolate and environment; the features only see this contract, so no
 * feature imports another to store an effect or to route a lead.
 */
export interface Ports {
  readonly config: Config;
  readonly clock: Clock;
  readonly random: () => number;
  /** The CRM of a target (`hubspot:{portal}`, `salesforce:{org}`), or undefined when it has no credentials. */
  crm(target: string): CrmPort | undefined;
  slack(): SlackNotifier | undefined;
  /** A calendar for booking (Google, Microsoft 365, HubSpot meetings), or undefined when it has no credentials. */
  calendar(provider: CalendarProvider): CalendarPort | undefined;
  /** The fair rotation of one team (its TeamRouter object). */
  route(teamId: string, request: RoutingRequest): Promise<RoutingDecision>;
  /** Whom that rotation would pick now, without taking the slot (a dry run). */
  previewRoute(teamId: string, request: Omit<RoutingRequest, "decisionKey">): Promise<RoutingDecision>;
  /** For these records, the old ids their tasks written before ids were derived carry, by derived id. */
  legacyTaskIds(leadKeys: readonly string[]): Promise<Map<string, string>>;
  /**
   * Stores effects in the outbox and queues them; known idempotency keys are ignored (revived, when
   * dead and `reviveDead`); `alongside` statements are stored in the same D1 transaction.
   */
  storeEffects(requests: readonly EffectRequest[], options?: { reviveDead?: boolean; alongside?: readonly D1PreparedStatement[] }): Promise<string[]>;
  /** Verifies an address (syntax, DNS over HTTPS, role, disposable, free mail), cached per domain; the verdict is stored. */
  verifyEmail(address: string): Promise<Verification>;
}

/** The sending of cadence emails (src/outreach), which the outbox runs like any effect: an outcome per effect, in order. */
export interface EmailSending {
  send(batch: { id: string; effect: EffectOf<"sendEmail"> }[]): Promise<EffectOutcome[]>;
}

/**
 * What intake does with the effects the record objects address to it (src/intake/record-reports.ts):
 * an outcome per effect, in order. The outbox runs them as any effect, retried and never twice.
 */
export interface IntakeReports {
  submissionsFollowedUp(effects: EffectOf<"noteSubmissionFollowedUp">[]): Promise<Outcome[]>;
  withdrawConsents(effects: EffectOf<"withdrawConsents">[]): Promise<Outcome[]>;
}

/** An owner the CRM refused for a lead, and why. */
export interface OwnerRefused {
  ownerId: string;
  reason: string;
}

/** A submission's lead, as the outbox wrote it to the CRM. */
export interface SubmissionWritten {
  submissionId: string;
  recordKey: string;
  created: boolean;
  /** Only when the CRM refused an owner: the ones refused, and the owner the lead was written with (null: none). */
  owner?: { refused: OwnerRefused[]; ownerId: string | null };
}
