import { type Failure, FailureError } from "../../platform/failure";
import type { RoutingDecision } from "../routing/routing";
import type { Ask, FreshRecord, RuleName, RuleShell, TaskState } from "./rule";

/**
 * What a live rule run saw of the world, recorded with the run so that a replay sees the same:
 * the instant it ran at, the fresh read stored before it, every answer its asks were given (a
 * CRM read, a routing, the state of tasks, or how the call failed) and the random numbers it
 * drew. Replaying a record's history with these under the policy it ran with makes the same
 * decisions; under another policy, the answers still say what the CRM held and the rotation did.
 */
export type RecordedAnswer = { rule: RuleName } & (
  | { kind: "read"; properties: string[]; answer?: FreshRecord | null; failure?: Failure }
  | { kind: "route"; teamId: string; excludeOwnerId?: string; key: string; answer?: RoutingDecision; failure?: Failure }
  | { kind: "tasks"; keys: string[]; answer?: TaskState[]; failure?: Failure }
);

export type RunTrigger = { event: string } | { timer: string; due: string };

export interface RunRecording {
  /** An event's dedupe key, or a timer's name and the deadline it was set for. */
  trigger: RunTrigger;
  /** The instant the run used as now (the alarm's, later than the event or deadline). */
  at: string;
  /** The events the record had received by then (the highest event sequence number): what its state was folded from. */
  events: number;
  /** A fresh read stored before the rules ran (after a gap or a value the CRM did not send). */
  refreshed?: Record<string, string | null>;
  answers: RecordedAnswer[];
  random: number[];
  /** The work was given up (the audit says why): the rules did not run. */
  skipped?: true;
}

/** The recorded form of an ask and what came of it. */
export function recordedAnswer(rule: RuleName, ask: Ask, outcome: { answer: unknown } | { failure: Failure }): RecordedAnswer {
  const result = "failure" in outcome ? { failure: outcome.failure } : { answer: outcome.answer };
  switch (ask.kind) {
    case "read":
      return { rule, kind: "read", properties: ask.properties, ...(result as { answer?: FreshRecord | null; failure?: Failure }) };
    case "route":
      return {
        rule,
        kind: "route",
        teamId: ask.teamId,
        ...(ask.excludeOwnerId ? { excludeOwnerId: ask.excludeOwnerId } : {}),
        key: ask.key,
        ...(result as { answer?: RoutingDecision; failure?: Failure }),
      };
    case "tasks":
      return { rule, kind: "tasks", keys: ask.keys, ...(result as { answer?: TaskState[]; failure?: Failure }) };
  }
}

/** Which recorded routings a replay may give again: all of them, or none for teams whose rotation it changes. */
export type RouteReplay = (answer: Extract<RecordedAnswer, { kind: "route" }>) => boolean;

/**
 * Answers asks from a run's recording first, in the order they were given: a read with the values
 * the CRM answered (what it was not asked then comes from `fallback`), a routing with the rep the
 * rotation picked, tasks as the CRM had them, a failure as the same failure. An ask the recording
 * has no answer for (a policy that asks something else) goes to `fallback`.
 */
export class RecordedAnswers {
  private readonly unused: RecordedAnswer[];
  private readonly replayRoute: RouteReplay;

  constructor(answers: readonly RecordedAnswer[], replayRoute: RouteReplay = () => true) {
    this.unused = [...answers];
    this.replayRoute = replayRoute;
  }

  /** A shell for one rule's asks: recorded answers first, then `fallback`. */
  shellFor(rule: RuleName, fallback: RuleShell): RuleShell {
    return {
      read: async (properties, previousOf) => {
        const found = this.take(rule, "read", (a) => properties.every((p) => a.properties.includes(p)));
        if (!found) return fallback.read(properties, previousOf);
        if (found.failure) throw new FailureError(found.failure);
        const answer = found.answer ?? null;
        if (!answer) return null;
        return {
          properties: Object.fromEntries(properties.map((p) => [p, answer.properties[p] ?? null])),
          ...(answer.previous ? { previous: answer.previous } : {}),
        };
      },
      route: async (teamId, excludeOwnerId, key) => {
        const found =
          this.take(rule, "route", (a) => a.teamId === teamId && a.key === key && this.replayRoute(a)) ??
          this.take(rule, "route", (a) => a.teamId === teamId && (a.excludeOwnerId ?? undefined) === excludeOwnerId && this.replayRoute(a));
        if (!found) return fallback.route(teamId, excludeOwnerId, key);
        if (found.failure) throw new FailureError(found.failure);
        return found.answer!;
      },
      tasks: async (keys) => {
        const found = this.take(rule, "tasks", (a) => keys.every((k) => a.keys.includes(k)));
        if (!found) return fallback.tasks(keys);
        if (found.failure) throw new FailureError(found.failure);
        const asked = new Set(keys);
        return (found.answer ?? []).filter((t) => asked.has(t.key));
      },
    };
  }

  private take<K extends RecordedAnswer["kind"]>(
    rule: RuleName,
    kind: K,
    fits: (answer: Extract<RecordedAnswer, { kind: K }>) => boolean,
  ): Extract<RecordedAnswer, { kind: K }> | undefined {
    const i = this.unused.findIndex((a) => a.rule === rule && a.kind === kind && fits(a as Extract<RecordedAnswer, { kind: K }>));
    if (i < 0) return undefined;
    return this.unused.splice(i, 1)[0] as Extract<RecordedAnswer, { kind: K }>;
  }
}

/** The random numbers a run drew, then `otherwise` once they run out (a policy that draws more). */
export function recordedRandom(draws: readonly number[], otherwise: () => number): () => number {
  let i = 0;
  return () => (i < draws.length ? draws[i++]! : otherwise());
}

/**
 * The values the run's reads were answered with, newest last: what the record keeps of them (the
 * CRM's values as of the run). A record that no longer exists, or a failed read, adds nothing.
 */
export function readsOf(answers: readonly RecordedAnswer[]): Record<string, string | null> {
  const values: Record<string, string | null> = {};
  for (const a of answers) if (a.kind === "read" && a.answer) Object.assign(values, a.answer.properties);
  return values;
}
