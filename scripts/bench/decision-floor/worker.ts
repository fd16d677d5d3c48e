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
 * `npm run bench:rules` runs it at the product's density, beside the product, so the two figures
 * are read side by side; a product can only be as fast as this.
 */
import { DurableObject } from "cloudflare:workers";

interface FloorEnv {
  RECORDS: DurableObjectNamespace<FloorRecord>;
  TEAMS: DurableObjectNamespace<FloorTeam>;
  DB: D1Database;
  EFFECTS: Queue<{ id: string }>;
  /** The CRM stand-in's base URL (the bench's local server). */
  CRM_URL: string;
}

export class FloorTeam extends DurableObject<FloorEnv> {
  route(recordKey: string): string {
    this.ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS decisions (record_key TEXT PRIMARY KEY, owner TEXT NOT NULL)");
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
    const { record_key: key } = this.ctx.storage.sql.exec<{ record_key: string }>("SELECT record_key FROM state WHERE id = 1").one();
    await (await fetch(`${this.env.CRM_URL}/contacts/${encodeURIComponent(key)}`)).json();
    const owner = await this.env.TEAMS.getByName("team").route(key);
    this.ctx.storage.sql.exec("UPDATE state SET decided = 1 WHERE id = 1");
    const at = new Date().toISOString();
    const id = crypto.randomUUID();
    await this.env.DB.batch([
      this.env.DB.prepare("INSERT INTO effects VALUES (?, ?, 'waiting')").bind(id, key),
      this.env.DB.prepare("INSERT INTO facts VALUES (?, 'reassigned', ?)").bind(key, at),
      this.env.DB.prepare("INSERT OR REPLACE INTO records VALUES (?, ?, ?)").bind(key, owner, at),
    ]);
    await this.env.EFFECTS.send({ id });
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
