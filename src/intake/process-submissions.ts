import type { PersonMatch } from "../crm/crm-port";
import { PRODUCT_FIELDS } from "../core/model/product-fields";
import { recordFacts } from "../storage/facts";
import { appendSubmissionSteps, loadSubmission, type StoredSubmission, setSubmissionStatus } from "../storage/intake-submissions";
import { activePolicy } from "../storage/policies";
import { effectId } from "../core/model/effect-id";
import type { EffectOf, EffectRequest } from "../core/model/effects";
import { HUBSPOT_LEGAL_BASIS } from "../core/policy/forms-policy";
import { type IntakeDecision, decideIntake } from "../core/intake/intake-decision";
import type { Crm } from "../core/model/crm-event";
import type { Policy } from "../core/policy/policy";
import type { RoutingDecision } from "../core/routing/routing";
import { registrableDomain } from "../core/intake/registrable-domain";
import { salesforceConsentTarget } from "../core/intake/salesforce-consent";
import { classify, FailureError, type Result } from "../platform/failure";
import type { Ports } from "../env/ports";
import type { SubmissionMessage } from "./submission-queue";

/** Statuses a submission is (still) processed from; spam, processed and dead ones are left alone. */
const PROCESSABLE = ["received", "processing", "failed"] as const;

/** Redelivery waits: the base (SUBMISSION_RETRY_BASE_MS, 5 s), then twice as long each time, up to 5 min; whole seconds, as the queue takes them. */
const retryDelaySeconds = (attempts: number, baseMs: number) => Math.ceil(Math.min(300_000, baseMs * 2 ** Math.max(0, attempts - 1)) / 1000);

/**
 * The submissions queue consumer: each stored submission is matched in its CRM (is this lead
 * known, does its company have an owner), scored, routed, and its write is stored in the outbox,
 * which writes it and then tells the record (src/outbox/effect-executors.ts upsertLead). Every
 * step is logged with its time. A failure (the CRM down, D1 busy) retries the message with
 * backoff; after the queue's retries its submission is dead and an admin retries it.
 */
export async function processSubmissions(batch: MessageBatch<SubmissionMessage>, env: Env, ports: Ports): Promise<void> {
  const { policy } = await activePolicy(env.DB);
  for (const message of batch.messages) {
    try {
      await processSubmission(message.body.submissionId, env, ports, policy);
      message.ack();
    } catch (error) {
      const failure = classify(error);
      console.error(`submission ${message.body.submissionId} failed (${failure.kind}, attempt ${message.attempts}): ${failure.message}`);
      // Visible to an admin meanwhile; if D1 itself is what failed, the next attempt says so.
      await setSubmissionStatus(env.DB, message.body.submissionId, "failed", new Date(ports.clock.now()), {
        from: ["processing"],
        step: { step: "failed", at: new Date(ports.clock.now()).toISOString(), detail: { error: failure.message, attempt: message.attempts } },
      }).catch((statusError) => console.error(`submission ${message.body.submissionId}: status not written: ${classify(statusError).message}`));
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts, ports.config.SUBMISSION_RETRY_BASE_MS) });
    }
  }
}

export async function processSubmission(id: string, env: Env, ports: Ports, policy: Policy): Promise<void> {
  const stored = await loadSubmission(env.DB, id);
  if (!stored || !(PROCESSABLE as readonly string[]).includes(stored.status)) return;
  const now = new Date(ports.clock.now());
  await setSubmissionStatus(env.DB, id, "processing", now, { from: ["received", "failed"] });
  const { crm: crmName } = stored.submission;
  const accountId = crmName === "hubspot" ? ports.config.HUBSPOT_PORTAL_ID : ports.config.SALESFORCE_ORG_ID;
  const crm = accountId ? ports.crm(`${crmName}:${accountId}`) : undefined;
  if (!accountId || !crm) {
    throw new FailureError({ kind: "transient", message: `${crmName} is not configured for intake (its account id and credentials)` });
  }

  // Match before create: the same person (HubSpot by email, which is read at once, unlike search;
  // Salesforce leads and contacts), and for a business email the account of its company.
  const people = unwrap(await crm.findPeople([stored.submission.email.address]));
  const domain = stored.submission.email.kind === "business" ? registrableDomain(stored.submission.email.domain) : null;
  const accounts = domain ? unwrap(await crm.findAccounts([domain])) : [];
  const decision = decideIntake({ policy, submission: stored, person: preferredMatch(people), account: accounts[0] });
  // Nobody owns the lead or its account: the team's fair rotation picks the rep (keyed, so a retry gets the same one).
  const { owner } = decision;
  const route =
    owner.kind === "team"
      ? await ports.route(owner.teamId, { policy, teamId: owner.teamId, crm: crmName, now, decisionKey: `submission:${id}:route` })
      : undefined;
  const { ownerId, routingReason } = ownerOf(decision, route);
  const write = leadWrite(decision, stored, ownerId, routingReason, accountId, ownerFallbacksOf(policy, decision, crmName, ownerId));
  const triage: EffectRequest[] =
    route?.kind === "fallback" && route.alertChannel
      ? [
          {
            idempotencyKey: `submission:${id}:triage`,
            leadKey: write.leadKey,
            rule: "intake",
            effect: {
              type: "postSlackMessage",
              channel: route.alertChannel,
              text: `A new lead from the ${stored.formKey} form went to the triage queue: ${route.reason}`,
            },
          },
        ]
      : [];
  // A write that died for this submission before (it was dead, and an admin retries it) is stored anew.
  await ports.storeEffects([write, ...subscriptions(stored, write.leadKey, accountId), ...salesforceConsents(stored, write, accountId), ...triage], {
    reviveDead: true,
  });

  const at = now.toISOString();
  const { score } = decision;
  await appendSubmissionSteps(env.DB, id, [
    { step: "matched", at, detail: { person: decision.match.person ?? null, account: decision.match.account ?? null } },
    { step: "scored", at, detail: score ? { score: score.score, tier: score.tier, reasons: score.reasons, model: score.model } : { model: null } },
    { step: "routed", at, detail: { ownerId: ownerId ?? null, ...(owner.kind === "team" ? { teamId: owner.teamId } : {}), reason: routingReason } },
    { step: "queued for the CRM", at, detail: { effect: write.idempotencyKey } },
  ]);
  const subject = {
    recordKey: write.leadKey,
    crm: crmName,
    objectType: decision.match.person?.objectType ?? (crmName === "hubspot" ? "contact" : "lead"),
    source: stored.submission.source,
  };
  await recordFacts(env.DB, [
    { kind: "submissionReceived", key: `submission:${id}:received`, at: stored.receivedAt, ...subject },
    ...(decision.match.person
      ? [{ kind: "duplicateSeen" as const, key: `submission:${id}:duplicate`, at: stored.receivedAt, ...subject, reason: "same email" }]
      : []),
  ]);
}

/** Salesforce: an existing contact before a lead (a known customer is not made a lead again); the oldest of each. */
export function preferredMatch(people: PersonMatch[]): PersonMatch | undefined {
  return people.find((p) => p.objectType === "contact") ?? people[0];
}

/** The owner the lead gets, and why in words: the one already known, or the rep the team's rotation picked. */
export function ownerOf(decision: IntakeDecision, route: RoutingDecision | undefined): { ownerId?: string; routingReason: string } {
  const { owner } = decision;
  const ownerId = owner.kind === "known" ? owner.ownerId : route?.ownerId;
  return { ...(ownerId ? { ownerId } : {}), routingReason: route ? `${owner.reason}; ${route.reason}` : owner.reason };
}

/**
 * Whom the lead goes to when the CRM refuses its owner (a rep it no longer has): the fallback owner
 * of the team intake routing picks, then nobody (src/outbox/effect-executors.ts upsertLead).
 */
export function ownerFallbacksOf(policy: Policy, decision: IntakeDecision, crm: Crm, ownerId: string | undefined): string[] {
  const fallback = policy.teams.find((t) => t.id === decision.teamId)?.fallbackOwners[crm];
  return ownerId && fallback && fallback !== ownerId ? [fallback] : [];
}

/** The outbox's write of a submission: upsert by email, with the decision's properties, the owner and the routing reason. */
export function leadWrite(
  decision: IntakeDecision,
  stored: Pick<StoredSubmission, "id" | "formKey" | "submission">,
  ownerId: string | undefined,
  routingReason: string,
  accountId: string,
  ownerFallbacks: readonly string[] = [],
): EffectRequest & { effect: EffectOf<"upsertLead"> } {
  const { submission } = stored;
  const person = decision.match.person;
  const objectType = person?.objectType ?? (submission.crm === "hubspot" ? "contact" : "lead");
  return {
    idempotencyKey: `submission:${stored.id}:write`,
    // The record, when known; a new one is named by its submission until the CRM gives it an id.
    leadKey: person ? `${submission.crm}:${accountId}:${objectType}:${person.id}` : `intake:${submission.crm}:${accountId}:${stored.id}`,
    rule: "intake",
    effect: {
      type: "upsertLead",
      crm: submission.crm,
      accountId,
      objectType,
      email: submission.email.address,
      ...(person ? { recordId: person.id } : {}),
      properties: {
        ...decision.properties,
        ...(ownerId ? { [submission.crm === "hubspot" ? "hubspot_owner_id" : "OwnerId"]: ownerId } : {}),
        [PRODUCT_FIELDS[submission.crm].routingReason]: routingReason,
      },
      ...(ownerId && ownerFallbacks.length > 0 ? { ownerFallbacks: [...ownerFallbacks] } : {}),
      submission: {
        id: stored.id,
        formKey: stored.formKey,
        source: submission.source,
        at: submission.receivedAt,
        ...(submission.timeZone ? { timeZone: submission.timeZone } : {}),
      },
    },
  };
}

/**
 * The consents given that the policy maps to a HubSpot subscription type, as subscriptions with
 * their legal basis and what was agreed to (the proof itself stays in intake_consents).
 */
export function subscriptions(stored: Pick<StoredSubmission, "id" | "formKey" | "submission">, leadKey: string, accountId: string): EffectRequest[] {
  const { submission } = stored;
  if (submission.crm !== "hubspot") return [];
  return submission.consents.flatMap((consent): EffectRequest[] => {
    const legalBasis = HUBSPOT_LEGAL_BASIS[consent.legalBasis as keyof typeof HUBSPOT_LEGAL_BASIS];
    if (!consent.hubspotSubscriptionId || !legalBasis) return [];
    return [
      {
        idempotencyKey: `submission:${stored.id}:consent:${consent.id}`,
        leadKey,
        rule: "intake",
        effect: {
          type: "subscribeEmail",
          crm: "hubspot",
          accountId,
          email: submission.email.address,
          subscriptionId: consent.hubspotSubscriptionId,
          legalBasis,
          legalBasisExplanation: `${consent.purpose}: agreed on form ${stored.formKey}, text version ${consent.version}, at ${submission.receivedAt} (submission ${stored.id})`,
        },
      },
    ];
  });
}

/**
 * The consents given that the policy maps to a Salesforce field or to the Consent objects, as
 * effects that wait for the lead's write and then record them on the record it wrote (the proof
 * itself stays in intake_consents).
 */
export function salesforceConsents(
  stored: Pick<StoredSubmission, "id" | "formKey" | "submission">,
  write: Pick<EffectRequest, "idempotencyKey" | "leadKey">,
  accountId: string,
): EffectRequest[] {
  const { submission } = stored;
  if (submission.crm !== "salesforce") return [];
  return submission.consents.flatMap((consent): EffectRequest[] => {
    const given = {
      consentId: consent.id,
      purpose: consent.purpose,
      legalBasis: consent.legalBasis,
      version: consent.version,
      formKey: stored.formKey,
      submissionId: stored.id,
      ...(submission.touch.page ? { page: submission.touch.page } : {}),
    };
    const target = consent.salesforce && salesforceConsentTarget(consent.salesforce, given);
    if (!target) return [];
    return [
      {
        idempotencyKey: `submission:${stored.id}:consent:${consent.id}`,
        leadKey: write.leadKey,
        rule: "intake",
        effect: {
          type: "recordSalesforceConsent",
          crm: "salesforce",
          accountId,
          email: submission.email.address,
          afterWrite: effectId(write.idempotencyKey),
          status: "OptIn",
          at: submission.receivedAt,
          target,
        },
      },
    ];
  });
}

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new FailureError(result.failure);
  return result.value;
}
