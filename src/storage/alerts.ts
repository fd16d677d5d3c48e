import { asc, desc } from "drizzle-orm";
import type { AlertState } from "../core/alerts/alerts";
import { field, jsonBatches, jsonRows } from "./json-batches";
import { excluded, orm } from "./orm";
import { alerts } from "./schema";

export type AlertRow = AlertState;

/** Every alert, the firing ones first. */
export async function listAlerts(db: D1Database): Promise<AlertRow[]> {
  return orm(db).select().from(alerts).orderBy(desc(alerts.firing), asc(alerts.id));
}

export async function saveAlerts(db: D1Database, states: readonly AlertState[]): Promise<void> {
  if (states.length === 0) return;
  const rows = states.map((s) => ({ ...s, firing: s.firing ? 1 : 0 }));
  const d1 = orm(db);
  const saves = jsonBatches(rows).map((json) =>
    d1
      .insert(alerts)
      .select(
        jsonRows(alerts, json, {
          id: field("id"),
          firing: field("firing"),
          title: field("title"),
          detail: field("detail"),
          since: field("since"),
          lastSentAt: field("lastSentAt"),
          sentLevel: field("sentLevel"),
          evaluatedAt: field("evaluatedAt"),
        }),
      )
      .onConflictDoUpdate({
        target: alerts.id,
        set: {
          firing: excluded(alerts.firing),
          title: excluded(alerts.title),
          detail: excluded(alerts.detail),
          since: excluded(alerts.since),
          lastSentAt: excluded(alerts.lastSentAt),
          sentLevel: excluded(alerts.sentLevel),
          evaluatedAt: excluded(alerts.evaluatedAt),
        },
      }),
  );
  await d1.batch([saves[0]!, ...saves.slice(1)]);
}
