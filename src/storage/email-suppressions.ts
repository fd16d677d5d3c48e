import { inArray } from "drizzle-orm";
import { orm } from "./orm";
import { type EmailSuppressionRow, emailSuppressions } from "./schema";

/*
 * The suppression list (table email_suppressions, owned by outreach): hard bounces, spam
 * complaints, unsubscribes. Checked before every send. An address stays on it; the first
 * reason stands (a later one adds nothing a person would act on differently).
 */

export type SuppressionReason = EmailSuppressionRow["reason"];
export type { EmailSuppressionRow };

export async function suppress(
  db: D1Database,
  entry: { recipient: string; reason: SuppressionReason; source: string; detail?: string; at: Date },
): Promise<boolean> {
  const result = await orm(db)
    .insert(emailSuppressions)
    .values({
      recipient: entry.recipient,
      reason: entry.reason,
      source: entry.source,
      detail: entry.detail ?? null,
      suppressedAt: entry.at.toISOString(),
    })
    .onConflictDoNothing()
    .run();
  return (result.meta.changes ?? 0) > 0;
}

/** Which of these canonical addresses are suppressed, and why. */
export async function suppressionsOf(db: D1Database, recipients: readonly string[]): Promise<Map<string, EmailSuppressionRow>> {
  const unique = [...new Set(recipients)];
  if (unique.length === 0) return new Map();
  const rows = await orm(db).select().from(emailSuppressions).where(inArray(emailSuppressions.recipient, unique));
  return new Map(rows.map((r) => [r.recipient, r]));
}
