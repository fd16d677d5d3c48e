import { DurableObject } from "cloudflare:workers";
import { EMPTY_ROUTING_STATE, route, type RoutingDecision, type RoutingRequest, type RoutingState } from "../domain/routing";

/**
 * One per team. Every assignment of the team passes through here one at a time, so two leads
 * reassigned at the same moment can never take the same slot of the rotation.
 */
export class TeamRouter extends DurableObject<Env> {
  async route(request: RoutingRequest): Promise<RoutingDecision> {
    const state = (await this.ctx.storage.get<RoutingState>("state")) ?? EMPTY_ROUTING_STATE;
    const { decision, state: next } = route(state, request);
    await this.ctx.storage.put("state", next);
    return decision;
  }
}
