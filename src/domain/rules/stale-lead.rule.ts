import type { AuditValue, DecideContext, Decision, RuleInput, RuleState } from "../decision";
import { noDecision } from "../decision";
import type { EffectRequest } from "../effects";
import { asInstant, deadlineAfter, ownerDueDate, OWNER_PROPERTY, repByOwner } from "./rule-support";

/**
 * Stale-lead reassignment: no qualifying activity within the threshold → at the deadline, read
 * the lead fresh (a missed webhook must not cost a rep their lead), then reassign a hot lead to
 * the next rep of the target team with a high-priority task, or park a cold one in nurture.
 */
export function staleLeadRule(state: RuleState, input: RuleInput, ctx: DecideContext): Decision {
  const rule = ctx.policy.rules.staleLead;
  const { record } = ctx;
  if (!rule?.enabled || !rule.objectTypes.includes(record.objectType)) return noDecision(state);
  const crm = record.crm;
  const activity = rule.activityProperties[crm] ?? [];
  const now = ctx.now.toISOString();
  const audit = (outcome: string, reason: string, data: Record<string, AuditValue> = {}, effects: EffectRequest[] = []) => ({
    at: now,
    rule: "stale-lead" as const,
    outcome,
    reason,
    data,
    policyVersion: ctx.policyVersion,
    effects: effects.map((e) => e.idempotencyKey),
  });
  const restartClock = (from: Date, parked = false): RuleState => ({
    ...state,
    stale: { lastActivityAt: from.toISOString(), deadline: parked ? null : deadlineAfter(from, rule.threshold, ctx.policy).toISOString(), parked },
  });

  switch (input.kind) {
    case "crmEvent": {
      const event = input.event;
      if (event.kind === "deleted" || (event.kind === "merged" && event.survivorId !== event.objectId)) {
        return {
          ...noDecision({ ...state, stale: undefined }),
          timers: { "stale-check": null },
          audit: [audit("stopped", `the record was ${event.kind}`)],
        };
      }
      // Our own writes are not rep activity (the reassignment restarts the clock itself).
      if (event.fromThisIntegration) return noDecision(state);
      const touched = event.kind === "created" ? [] : event.kind === "propertyChanged" ? activity.filter((p) => p in event.properties) : [];
      if (event.kind !== "created" && touched.length === 0) return noDecision(state);
      // A date-valued activity property (LastActivityDate, notes_last_updated) says when it happened.
      const stated =
        event.kind === "propertyChanged"
          ? touched.map((p) => asInstant(event.properties[p])).filter((d): d is Date => !!d && d <= new Date(event.occurredAt))
          : [];
      const at = stated.length ? new Date(Math.max(...stated.map((d) => d.getTime()))) : new Date(event.occurredAt);
      if (state.stale && at.toISOString() <= state.stale.lastActivityAt && !state.stale.parked) return noDecision(state);
      const next = restartClock(at);
      return {
        ...noDecision(next),
        timers: { "stale-check": next.stale!.deadline },
        audit: [
          audit(
            event.kind === "created" ? "clock started" : "clock reset",
            event.kind === "created" ? "new lead" : `activity: ${touched.join(", ")}`,
            { deadline: next.stale!.deadline, activityAt: at.toISOString() },
          ),
        ],
      };
    }
    case "timer": {
      // A deadline that moved since this timer was queued is not due yet.
      if (input.name !== "stale-check" || !state.stale || state.stale.parked || !state.stale.deadline || state.stale.deadline > now)
        return noDecision(state);
      return {
        ...noDecision(state),
        requests: [
          {
            kind: "read",
            purpose: "stale-check",
            properties: [
              ...activity,
              OWNER_PROPERTY[crm],
              rule.scoreProperty[crm] ?? "",
              ...(rule.hibernate[crm] ? [rule.hibernate[crm]!.property] : []),
            ].filter(Boolean),
          },
        ],
      };
    }
    case "freshRead": {
      if (input.purpose !== "stale-check" || !state.stale) return noDecision(state);
      if (!input.properties) {
        return { ...noDecision({ ...state, stale: undefined }), audit: [audit("stopped", "the record no longer exists in the CRM")] };
      }
      const props = input.properties;
      // A future date (Salesforce dates a closed task's activity by its due date) counts as now.
      const latest = activity
        .map((p) => asInstant(props[p]))
        .filter((d): d is Date => !!d)
        .map((d) => (d > ctx.now ? ctx.now : d))
        .sort((a, b) => b.getTime() - a.getTime())[0];
      if (latest && latest.toISOString() > state.stale.lastActivityAt) {
        const next = restartClock(latest);
        return {
          ...noDecision(next),
          timers: { "stale-check": next.stale!.deadline },
          audit: [audit("clock reset", "the fresh read shows activity the webhooks missed", { activityAt: latest.toISOString() })],
        };
      }
      const ownerId = props[OWNER_PROPERTY[crm]] ?? undefined;
      const score = Number(props[rule.scoreProperty[crm] ?? ""] ?? NaN);
      const withOwner: RuleState = { ...state, stale: { ...state.stale, staleOwnerId: ownerId } };
      if (Number.isFinite(score) && score >= rule.scoreThreshold) {
        return {
          ...noDecision(withOwner),
          requests: [{ kind: "route", purpose: "stale-reassign", teamId: rule.targetTeam, excludeOwnerId: ownerId }],
        };
      }
      const hibernate = rule.hibernate[crm];
      const key = `${record.key}:stale:${state.stale.deadline}`;
      const effects: EffectRequest[] = hibernate
        ? [
            {
              idempotencyKey: `${key}:hibernate`,
              leadKey: record.key,
              rule: "stale-lead",
              effect: {
                type: "updateProperties",
                crm,
                accountId: record.accountId,
                objectType: record.objectType,
                objectId: record.objectId,
                properties: { [hibernate.property]: hibernate.value },
              },
            },
          ]
        : [];
      const next: RuleState = { ...withOwner, stale: { ...withOwner.stale!, deadline: null, parked: true } };
      return {
        ...noDecision(next),
        effects,
        timers: { "stale-check": null },
        audit: [
          audit(
            "parked",
            `no activity since ${state.stale.lastActivityAt}; score ${Number.isFinite(score) ? score : "unknown"} is below ${rule.scoreThreshold}`,
            { score, ownerId, status: hibernate?.value },
            effects,
          ),
        ],
      };
    }
    case "routed": {
      if (!state.stale) return noDecision(state);
      const { decision } = input;
      const key = `${record.key}:stale:${state.stale.deadline}`;
      const target = { crm, accountId: record.accountId, objectType: record.objectType, objectId: record.objectId };
      const effects: EffectRequest[] = [];
      if (decision.ownerId) {
        const dueAt = deadlineAfter(ctx.now, { duration: rule.task.dueIn, businessHours: false }, ctx.policy).toISOString();
        effects.push({
          idempotencyKey: `${key}:assign`,
          leadKey: record.key,
          rule: "stale-lead",
          effect: { type: "assignOwner", ...target, ownerId: decision.ownerId },
        });
        effects.push({
          idempotencyKey: `${key}:task`,
          leadKey: record.key,
          rule: "stale-lead",
          effect: {
            type: "createTask",
            ...target,
            ownerId: decision.ownerId,
            subject: rule.task.subject,
            body: rule.task.body,
            dueAt,
            dueDate: ownerDueDate(ctx.policy, crm, decision.ownerId, dueAt),
            priority: "HIGH",
            channel: "CALL",
          },
        });
      }
      const previous = repByOwner(ctx.policy, crm, state.stale.staleOwnerId)?.name ?? state.stale.staleOwnerId ?? "nobody";
      const slackTo = decision.kind === "rep" ? decision.slackUserId : decision.alertChannel;
      if (slackTo) {
        const text =
          decision.kind === "rep"
            ? `A lead was reassigned to you: no activity by ${previous} since ${state.stale.lastActivityAt.slice(0, 10)}. A high-priority task is waiting.`
            : `Nobody could take a stale lead (${record.key}): ${decision.reason}`;
        effects.push({
          idempotencyKey: `${key}:slack`,
          leadKey: record.key,
          rule: "stale-lead",
          effect: { type: "postSlackMessage", channel: slackTo, text },
        });
      }
      // Reassigned: the new owner's clock starts now. Nobody to take it: look again in an hour
      // (never at the deadline that just passed, which would fire again at once).
      const next: RuleState = decision.ownerId
        ? {
            ...state,
            stale: {
              lastActivityAt: ctx.now.toISOString(),
              deadline: deadlineAfter(ctx.now, rule.threshold, ctx.policy).toISOString(),
              parked: false,
            },
          }
        : {
            ...state,
            stale: { ...state.stale, deadline: deadlineAfter(ctx.now, { duration: "PT1H", businessHours: false }, ctx.policy).toISOString() },
          };
      return {
        ...noDecision(next),
        effects,
        timers: { "stale-check": next.stale?.deadline ?? null },
        audit: [
          audit(
            decision.kind === "rep" ? "reassigned" : "fallback",
            `no activity since ${state.stale.lastActivityAt}; ${decision.reason}`,
            { routing_reason: decision.reason, from: state.stale.staleOwnerId, to: decision.ownerId },
            effects,
          ),
        ],
      };
    }
    default:
      return noDecision(state);
  }
}
