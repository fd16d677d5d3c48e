/**
 * The floor under a stale decision in this runtime: a Worker that does only what any design with
 * one object per record, whose alarm is its deadline, must do for a decision, each step in its
 * cheapest form and none of the product's own work (no rules, no policy, no audit, no retries):
 *
 * 1. the record's object wakes by its alarm (evicted, as thousands of records are) and reads and
 *    writes its state in its SQLite;
 * 2. it reads the record fresh: one GET of a small JSON from a local stand-in for the CRM;
 * 3. it asks the team's object for the new owner (one call, which writes the decision's row);
 * 4. it stores the effect, the fact and the record's row in one D1 batch, and queues the effect;
 * 5. the queue's consumer writes back per batch of up to 100: claims them, one CRM batch call
 *    to the stand-in, marks them done.
 *
 * Each step can be left out (FLOOR_STEPS, a comma list of read, route, store and write-back; all
 * by default), to see what each costs: without store, the fact alone is written. A decision is
 * stamped at the start of its alarm, as the product stamps its own, and keyed, so a retried
 * alarm changes nothing. `npm run bench:rules` runs it at the product's density, beside the
 * product; a product doing what a decision must cannot be faster than this.
 */
import { DurableObject } from "cloudflare:workers";

interface FloorEnv {
  RECORDS: DurableObjectNamespace<FloorRecord>;
  TEAMS: DurableObjectNamespace<FloorTeam>;
  DB: D1Database;
  EFFECTS: Queue<{ id: string }>;
  /** The CRM stand-in's base URL (the bench's local server). */
  CRM_URL: string;
  /** The steps to take (see above); empty or unset: all. */
  FLOOR_STEPS?: string;
}

const ALL_STEPS = ["read", "route", "store", "write-back"];

export class FloorTeam extends DurableObject<FloorEnv> {
  constructor(ctx: DurableObjectState, env: FloorEnv) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS decisions (record_key TEXT PRIMARY KEY, owner TEXT NOT NULL)");
  }

  route(recordKey: string): string {
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO decisions VALUES (?, ?)", recordKey, "84213372");
    return "84213372";
  }
}

export class FloorRecord extends DurableObject<FloorEnv> {
  async arm(recordKey: string, deadline: number): Promise<void> {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS state (id INTEGER PRIMARY KEY, record_key TEXT NOT NULL, decided INTEGER NOT NULL)");
    this.ctx.storage.sql.exec("INSERT OR REPLACE INTO state VALUES (1, ?, 0)", recordKey);
    await this.ctx.storage.setAlarm(deadline);
  }

  override async alarm(): Promise<void> {
    const at = new Date().toISOString();
    const steps = new Set(this.env.FLOOR_STEPS ? this.env.FLOOR_STEPS.split(",").map((step) => step.trim()) : ALL_STEPS);
    const { record_key: key } = this.ctx.storage.sql.exec<{ record_key: string }>("SELECT record_key FROM state WHERE id = 1").one();
    if (steps.has("read")) await (await fetch(`${this.env.CRM_URL}/contacts/${encodeURIComponent(key)}`)).json();
    const owner = steps.has("route") ? await this.env.TEAMS.getByName("team").route(key) : "84213372";
    this.ctx.storage.sql.exec("UPDATE state SET decided = 1 WHERE id = 1");
    const fact = this.env.DB.prepare("INSERT OR IGNORE INTO facts VALUES (?, 'reassigned', ?)").bind(key, at);
    if (!steps.has("store")) {
      await fact.run();
      return;
    }
    const id = `effect:${key}`;
    await this.env.DB.batch([
      this.env.DB.prepare("INSERT OR IGNORE INTO effects VALUES (?, ?, 'waiting')").bind(id, key),
      fact,
      this.env.DB.prepare("INSERT OR REPLACE INTO records VALUES (?, ?, ?)").bind(key, owner, at),
    ]);
    if (steps.has("write-back")) await this.env.EFFECTS.send({ id });
  }
}

export default {
  async fetch(request: Request, env: FloorEnv): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === "/health") return new Response("ok");
    if (url.pathname === "/arm" && request.method === "POST") {
      const items = (await request.json()) as { key: string; deadline: number }[];
      await Promise.all(items.map((item) => env.RECORDS.getByName(item.key).arm(item.key, item.deadline)));
      return new Response(null, { status: 204 });
    }
    return new Response("not found", { status: 404 });
  },

  async queue(batch: MessageBatch<{ id: string }>, env: FloorEnv): Promise<void> {
    const ids = batch.messages.map((m) => m.body.id);
    const list = JSON.stringify(ids);
    await env.DB.prepare("UPDATE effects SET state = 'running' WHERE id IN (SELECT value FROM json_each(?))").bind(list).run();
    await (
      await fetch(`${env.CRM_URL}/contacts/batch/update`, { method: "POST", body: JSON.stringify({ inputs: ids.map((id) => ({ id })) }) })
    ).json();
    await env.DB.prepare("UPDATE effects SET state = 'done' WHERE id IN (SELECT value FROM json_each(?))").bind(list).run();
    batch.ackAll();
  },
} satisfies ExportedHandler<FloorEnv, { id: string }>;
