/** The last accepted webhook per source (health, and the alert for a source gone silent). */
export async function noteWebhookArrival(db: D1Database, source: string, at: Date): Promise<void> {
  await db
    .prepare(
      "insert into webhook_arrivals (source, last_at) values (?1, ?2) on conflict (source) do update set last_at = max(last_at, excluded.last_at)",
    )
    .bind(source, at.toISOString())
    .run();
}

export async function webhookArrivals(db: D1Database): Promise<{ source: string; lastAt: string }[]> {
  const { results } = await db
    .prepare("select source, last_at as lastAt from webhook_arrivals order by source")
    .all<{ source: string; lastAt: string }>();
  return results;
}
