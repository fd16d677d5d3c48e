import { afterRead, afterRoute, type Rule, type Step, unchanged } from "./rule";
import type { StaleState } from "./rule-state";
import { asInstant, deadlineAfter, OWNER_PROPERTY, ownerDueDate, repByOwner, unique } from "./rule-support";
import { keyOf, reassignmentCap, recentReassignments } from "./stale-lead-cap";
import type { StaleConfig, StaleCtx } from "./stale-lead-config";

type Ctx = StaleCtx;

/**
 * Stale-lead reassignment: no qualifying activity within the threshold → at the deadline, read
 * the lead fresh (a missed webhook must not cost a rep their lead), then reassign a hot lead to
 * the next rep of the target team with a high-priority task, or park a cold one in nurture.
 */
export const staleLeadRule: Rule<StaleState, StaleConfig> = {
  name: "stale-lead",
  slice: "stale",

  resolve(policy, record) {
    const rule = policy.rules.staleLead;
    if (!rule?.enabled || !rule.objectTypes.includes(record.objectType)) return null;
    const crm = record.crm;
    const activity = rule.activityProperties[crm] ?? [];
    const hibernate = rule.hibernate[crm];
    const scoreProperty = rule.scoreProperty[crm];
    return {
      threshold: rule.threshold,
      activity,
      scoreProperty,
      scoreThreshold: rule.scoreThreshold,
      targetTeam: rule.targetTeam,
      task: rule.task,
      hibernate,
      maxReassignments: rule.maxReassignments,
      alertChannel: policy.teams.find((t) => t.id === rule.targetTeam)?.alertChannel,
      reads: unique([...activity, OWNER_PROPERTY[crm], scoreProperty, hibernate?.property]),
    };
  },

  on: {
    created(state, event, ctx) {
      // Our own writes are not rep activity; that includes the echo of a record we created.
      if (event.fromThisIntegration) return unchanged(state);
      if (state && event.occurredAt <= state.lastActivityAt && !state.parked) return unchanged(state);
      return restart(state, new Date(event.occurredAt), ctx, { outcome: "clock started", reason: "new lead" });
    },
    // A form's lead arrived when it was submitted: its clock starts then (this service wrote the record).
    submitted(state, event, ctx) {
      if (state && event.occurredAt <= state.lastActivityAt && !state.parked) return unchanged(state);
      return restart(state, new Date(event.occurredAt), ctx, { outcome: "clock started", reason: `submitted ${event.formKey} (${event.source})` });
    },
    propertyChanged(state, event, ctx) {
      // Our own writes are not rep activity (the reassignment restarts the clock itself).
      if (event.fromThisIntegration) return unchanged(state);
      const touched = ctx.config.activity.filter((p) => p in event.properties);
      if (touched.length === 0) return unchanged(state);
      // A date-valued activity property (LastActivityDate, notes_last_updated) says when it happened.
      const stated = touched.map((p) => asInstant(event.properties[p])).filter((d): d is Date => !!d && d <= new Date(event.occurredAt));
      const at = stated.length ? new Date(Math.max(...stated.map((d) => d.getTime()))) : new Date(event.occurredAt);
      if (state && at.toISOString() <= state.lastActivityAt && !state.parked) return unchanged(state);
      return restart(state, at, ctx, { outcome: "clock reset", reason: `activity: ${touched.join(", ")}` });
    },
    deleted: () => stop("the record was deleted"),
    merged: (state, event) => (event.survivorId === event.objectId ? unchanged(state) : stop("the record was merged")),
  },

  timers: {
    check(state, _, ctx) {
      // A deadline that moved since this timer was set is not due yet.
      if (!state || state.parked || !state.deadline || state.deadline > ctx.at) return unchanged(state);
      return { state, ask: { kind: "read", properties: ctx.config.reads, resume: "judge" } };
    },
  },

  continuations: {
    /** At the deadline, with the lead as the CRM has it now: activity the webhooks missed, else reassign or park. */
    judge: afterRead<StaleState, StaleConfig>((state, fresh, ctx) => {
      if (!state) return unchanged(state);
      if (!fresh) return { state: undefined, audit: [{ outcome: "stopped", reason: "the record no longer exists in the CRM" }] };
      const props = fresh.properties;
      const { config } = ctx;
      // A future date (Salesforce dates a closed task's activity by its due date) counts as now.
      const latest = config.activity
        .map((p) => asInstant(props[p]))
        .filter((d): d is Date => !!d)
        .map((d) => (d > ctx.now ? ctx.now : d))
        .sort((a, b) => b.getTime() - a.getTime())[0];
      if (latest && latest.toISOString() > state.lastActivityAt) {
        return restart(state, latest, ctx, { outcome: "clock reset", reason: "the fresh read shows activity the webhooks missed" });
      }
      const ownerId = props[OWNER_PROPERTY[ctx.crm]] ?? undefined;
      const score = Number(props[config.scoreProperty ?? ""] ?? Number.NaN);
      const withOwner: StaleState = { ...state, staleOwnerId: ownerId };
      if (Number.isFinite(score) && score >= config.scoreThreshold) {
        const capped = reassignmentCap(withOwner, ctx);
        if (capped) return capped;
        return {
          state: withOwner,
          ask: { kind: "route", teamId: config.targetTeam, excludeOwnerId: ownerId, key: `${keyOf(ctx, state)}:route`, resume: "reassign" },
        };
      }
      const effects = config.hibernate
        ? [
            ctx.effect(`${keyOf(ctx, state)}:hibernate`, {
              type: "updateProperties",
              ...ctx.target,
              properties: { [config.hibernate.property]: config.hibernate.value },
            }),
          ]
        : [];
      return {
        state: { ...withOwner, deadline: null, parked: true },
        effects,
        timers: { check: null },
        audit: [
          {
            outcome: "parked",
            reason: `no activity since ${state.lastActivityAt}; score ${Number.isFinite(score) ? score : "unknown"} is below ${config.scoreThreshold}`,
            data: { score, ownerId, status: config.hibernate?.value },
            effects,
          },
        ],
      };
    }),

    /** The router's pick: the new owner gets the lead, a high-priority task and a Slack message; the cadence's tasks follow. */
    reassign: afterRoute<StaleState, StaleConfig>((state, decision, ctx) => {
      if (!state) return unchanged(state);
      const key = keyOf(ctx, state);
      const effects = [];
      if (decision.ownerId) {
        const dueAt = deadlineAfter(ctx.now, { duration: ctx.config.task.dueIn, businessHours: false }, ctx.policy).toISOString();
        effects.push(ctx.effect(`${key}:assign`, { type: "assignOwner", ...ctx.target, ownerId: decision.ownerId }));
        effects.push(
          ctx.effect(`${key}:task`, {
            type: "createTask",
            ...ctx.target,
            ownerId: decision.ownerId,
            subject: ctx.config.task.subject,
            body: ctx.config.task.body,
            dueAt,
            dueDate: ownerDueDate(ctx.policy, ctx.crm, decision.ownerId, dueAt),
            priority: "HIGH",
            channel: "CALL",
          }),
        );
      }
      const previous = repByOwner(ctx.policy, ctx.crm, state.staleOwnerId)?.name ?? state.staleOwnerId ?? "nobody";
      const slackTo = decision.kind === "rep" ? decision.slackUserId : decision.alertChannel;
      if (slackTo) {
        const text =
          decision.kind === "rep"
            ? `A lead was reassigned to you: no activity by ${previous} since ${state.lastActivityAt.slice(0, 10)}. A high-priority task is waiting.`
            : `Nobody could take a stale lead (${ctx.record.key}): ${decision.reason}`;
        effects.push(ctx.effect(`${key}:slack`, { type: "postSlackMessage", channel: slackTo, text }));
      }
      // Reassigned: the new owner's clock starts now. Nobody to take it: look again in an hour
      // (never at the deadline that just passed, which would fire again at once).
      const next: StaleState = decision.ownerId
        ? {
            lastActivityAt: ctx.at,
            deadline: deadlineAfter(ctx.now, ctx.config.threshold, ctx.policy).toISOString(),
            parked: false,
            reassignedAt: [...recentReassignments(state, ctx), ctx.at],
          }
        : { ...state, deadline: deadlineAfter(ctx.now, { duration: "PT1H", businessHours: false }, ctx.policy).toISOString() };
      return {
        state: next,
        effects,
        timers: { check: next.deadline },
        signals: decision.ownerId ? [{ kind: "ownerAssigned", ownerId: decision.ownerId, reason: "the stale-lead reassignment" }] : [],
        audit: [
          {
            outcome: decision.kind === "rep" ? "reassigned" : "fallback",
            reason: `no activity since ${state.lastActivityAt}; ${decision.reason}`,
            data: { routing_reason: decision.reason, from: state.staleOwnerId, to: decision.ownerId },
            effects,
          },
        ],
      };
    }),
  },
};

function restart(state: StaleState | undefined, from: Date, ctx: Ctx, why: { outcome: string; reason: string }): Step<StaleState> {
  const deadline = deadlineAfter(from, ctx.config.threshold, ctx.policy).toISOString();
  return {
    state: { lastActivityAt: from.toISOString(), deadline, parked: false, ...(state?.reassignedAt ? { reassignedAt: state.reassignedAt } : {}) },
    timers: { check: deadline },
    audit: [{ ...why, data: { deadline, activityAt: from.toISOString() } }],
  };
}

const stop = (reason: string): Step<StaleState> => ({ state: undefined, timers: { check: null }, audit: [{ outcome: "stopped", reason }] });
