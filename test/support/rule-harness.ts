import { type Decision, decide, type RuleShell, type Trigger } from "../../src/core/rules/decide";
import type { CrmEvent } from "../../src/core/model/crm-event";
import type { Policy } from "../../src/core/policy/policy";
import { applyEvent, emptyRecordState, type RecordState } from "../../src/core/model/record-state";
import type { RoutingDecision } from "../../src/core/routing/routing";
import type { TaskState } from "../../src/core/rules/rule";
import type { RuleState } from "../../src/core/rules/rule-state";

/** One ask the rules made of the shell, as the test's fake world saw it. */
export type Asked =
  | { kind: "read"; properties: string[]; previousOf?: string[] }
  | { kind: "route"; teamId: string; excludeOwnerId?: string; key: string }
  | { kind: "tasks"; keys: string[] };

/**
 * A record driven through the real decide(): its events fold into the record as the record
 * object folds them, and the rules' asks are answered by a fake world the test sets up (the
 * CRM's current properties, its tasks, the router's next pick). Every ask is logged.
 */
export class RecordUnderTest {
  state: RuleState = {};
  record: RecordState;
  /** What a fresh read answers; null: the record no longer exists in the CRM. */
  crm: Record<string, string | null> | null;
  /** Earlier values the CRM's history answers for `previousOf`. */
  history: Record<string, string | null> = {};
  tasks: TaskState[] = [];
  /** The router's answers, in order. */
  routes: RoutingDecision[] = [];
  asked: Asked[] = [];

  constructor(
    readonly policy: Policy,
    first: CrmEvent,
    crm: Record<string, string | null> | null = {},
    readonly options: { policyVersion?: number; random?: () => number; record?: Partial<RecordState> } = {},
  ) {
    this.record = { ...applyEvent(emptyRecordState(first), first), ...options.record };
    this.crm = crm;
  }

  /** The event reaches the record (folded first, as the record object does), then its rules. */
  event(event: CrmEvent, now = event.occurredAt): Promise<Decision> {
    this.record = applyEvent(this.record, event);
    return this.run({ kind: "event", event }, now);
  }

  /** Runs the rules on an event that is already part of the record (the one it was created with). */
  replay(event: CrmEvent, now = event.occurredAt): Promise<Decision> {
    return this.run({ kind: "event", event }, now);
  }

  timer(name: string, now: string): Promise<Decision> {
    return this.run({ kind: "timer", name }, now);
  }

  async run(trigger: Trigger, now: string): Promise<Decision> {
    this.asked = [];
    const decision = await decide(
      this.state,
      trigger,
      {
        record: this.record,
        now: new Date(now),
        policy: { version: this.options.policyVersion ?? 3, policy: this.policy, createdAt: "2026-01-01T00:00:00.000Z" },
        random: this.options.random ?? (() => 0.5),
      },
      this.shell(),
    );
    this.state = decision.state;
    return decision;
  }

  private shell(): RuleShell {
    return {
      read: async (properties, previousOf) => {
        this.asked.push({ kind: "read", properties, ...(previousOf ? { previousOf } : {}) });
        if (this.crm === null) return null;
        const crm = this.crm;
        const fresh = { properties: Object.fromEntries(properties.map((p) => [p, crm[p] ?? null])) };
        return previousOf ? { ...fresh, previous: Object.fromEntries(previousOf.map((p) => [p, this.history[p] ?? null])) } : fresh;
      },
      route: async (teamId, excludeOwnerId, key) => {
        this.asked.push({ kind: "route", teamId, ...(excludeOwnerId ? { excludeOwnerId } : {}), key });
        const decision = this.routes.shift();
        if (!decision) throw new Error("the test gave the router no answer");
        return decision;
      },
      tasks: async (keys) => {
        this.asked.push({ kind: "tasks", keys });
        return this.tasks.filter((t) => keys.includes(t.key));
      },
    };
  }
}
