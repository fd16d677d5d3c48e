import { DurableObject } from "cloudflare:workers";
import { EMPTY_ROUTING_STATE, route, type RoutingDecision, type RoutingRequest, type RoutingState } from "../core/routing/routing";

/** Decisions remembered by their key: enough for any retry of a run, small enough to load each time. */
const REMEMBERED = 500;

/**
 * One per team. Every assignment of the team passes through here one at a time, so two leads
 * reassigned at the same moment can never take the same slot of the rotation. A request with a
 * decision key that was answered before gets the same answer again, without taking a new slot:
 * a rule run retried after its effects were stored must hand the lead to the same rep.
 */
export class TeamRouter extends DurableObject<Env> {
  async route(request: RoutingRequest): Promise<RoutingDecision> {
    const decided = (await this.ctx.storage.get<[string, RoutingDecision][]>("decisions")) ?? [];
    const known = request.decisionKey ? decided.find(([key]) => key === request.decisionKey) : undefined;
    if (known) return known[1];
    const state = (await this.ctx.storage.get<RoutingState>("state")) ?? EMPTY_ROUTING_STATE;
    const { decision, state: next } = route(state, request);
    await this.ctx.storage.put({
      state: next,
      ...(request.decisionKey ? { decisions: [...decided, [request.decisionKey, decision]].slice(-REMEMBERED) } : {}),
    });
    return decision;
  }

  /** Where the rotation stands (each rep's credit and recent leads), for the console's team page. */
  async standing(): Promise<RoutingState> {
    return (await this.ctx.storage.get<RoutingState>("state")) ?? EMPTY_ROUTING_STATE;
  }

  /** Whom the rotation would pick now, taking no slot and remembering nothing: the dry run's answer. */
  async preview(request: Omit<RoutingRequest, "decisionKey">): Promise<RoutingDecision> {
    const state = (await this.ctx.storage.get<RoutingState>("state")) ?? EMPTY_ROUTING_STATE;
    return route(state, request).decision;
  }
}
