import { asc, sql } from "drizzle-orm";
import { excluded, orm } from "./orm";
import { webhookArrivals as arrivals } from "./schema";

/** The last accepted webhook per source (health, and the alert for a source gone silent). */
export async function noteWebhookArrival(db: D1Database, source: string, at: Date): Promise<void> {
  await orm(db)
    .insert(arrivals)
    .values({ source, lastAt: at.toISOString() })
    .onConflictDoUpdate({ target: arrivals.source, set: { lastAt: sql`max(${arrivals.lastAt}, ${excluded(arrivals.lastAt)})` } });
}

export async function webhookArrivals(db: D1Database): Promise<{ source: string; lastAt: string }[]> {
  return orm(db).select({ source: arrivals.source, lastAt: arrivals.lastAt }).from(arrivals).orderBy(asc(arrivals.source));
}
