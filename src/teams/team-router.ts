import { DurableObject } from "cloudflare:workers";
import { EMPTY_ROUTING_STATE, route, type RoutingDecision, type RoutingRequest, type RoutingState } from "../core/routing/routing";

/** Decisions remembered by their key: enough for any retry of a run. */
const REMEMBERED = 500;

/**
 * One per team. Every assignment of the team passes through here one at a time, so two leads
 * reassigned at the same moment can never take the same slot of the rotation. A request with a
 * decision key that was answered before gets the same answer again, without taking a new slot:
 * a rule run retried after its effects were stored must hand the lead to the same rep.
 *
 * The remembered decisions are rows (found by key, the oldest beyond REMEMBERED deleted), not one
 * stored list read and written whole on every assignment: that list cost a stale-lead storm a
 * tenth of its time. The rotation's state is kept in memory once read; every change is stored.
 */
export class TeamRouter extends DurableObject<Env> {
  private state?: RoutingState;
  private carriedOver = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS decisions (seq INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, decision TEXT NOT NULL)",
    );
  }

  async route(request: RoutingRequest): Promise<RoutingDecision> {
    await this.carryOver();
    if (request.decisionKey) {
      const known = this.ctx.storage.sql.exec<{ decision: string }>("SELECT decision FROM decisions WHERE key = ?", request.decisionKey).toArray()[0];
      if (known) return JSON.parse(known.decision) as RoutingDecision;
    }
    const { decision, state: next } = route(await this.standing(), request);
    if (request.decisionKey) this.remember(request.decisionKey, decision);
    this.state = next;
    await this.ctx.storage.put("state", next);
    return decision;
  }

  /** Where the rotation stands (each rep's credit and recent leads), for the console's team page. */
  async standing(): Promise<RoutingState> {
    this.state ??= (await this.ctx.storage.get<RoutingState>("state")) ?? EMPTY_ROUTING_STATE;
    return this.state;
  }

  /** Whom the rotation would pick now, taking no slot and remembering nothing: the dry run's answer. */
  async preview(request: Omit<RoutingRequest, "decisionKey">): Promise<RoutingDecision> {
    return route(await this.standing(), request).decision;
  }

  /**
   * Decisions stored as one list before are carried over into rows once. The list itself stays
   * (marked carried over) for a release, so a rollback still finds what it remembered.
   */
  private async carryOver(): Promise<void> {
    if (this.carriedOver) return;
    const [listed, done] = await Promise.all([
      this.ctx.storage.get<[string, RoutingDecision][]>("decisions"),
      this.ctx.storage.get<boolean>("decisionsCarriedOver"),
    ]);
    if (listed && !done) {
      for (const [key, decision] of listed) this.remember(key, decision);
      await this.ctx.storage.put("decisionsCarriedOver", true);
    }
    this.carriedOver = true;
  }

  private remember(key: string, decision: RoutingDecision): void {
    const { seq } = this.ctx.storage.sql
      .exec<{ seq: number }>(
        "INSERT INTO decisions (key, decision) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET decision = excluded.decision RETURNING seq",
        key,
        JSON.stringify(decision),
      )
      .one();
    this.ctx.storage.sql.exec("DELETE FROM decisions WHERE seq <= ?", seq - REMEMBERED);
  }
}
