import { eq, inArray, lt, sql } from "drizzle-orm";
import type { LeadTouches, Touch } from "../core/intake/touch";
import { conditionName, rowsWhen, type SqlCondition } from "./conditional-insert";
import { compiledShapes, excluded, orm } from "./orm";
import { intakeLeadTouches } from "./schema";

/*
 * First and last touch per person (table intake_lead_touches), updated with every submission that
 * is not spam. The statement is mergeTouches (src/core/intake/touch.ts) in SQL, so two submissions of
 * one person at once cannot lose either: the first touch is the oldest, the last the newest.
 */

const t = intakeLeadTouches;
const ph = sql.placeholder;
const whenEarlier = sql`${excluded(t.firstAt)} < ${t.firstAt}`;
const whenLater = sql`${excluded(t.lastAt)} >= ${t.lastAt}`;

const upsertTouch = compiledShapes(conditionName, (q, when: SqlCondition | undefined) =>
  q
    .insert(t)
    .select(
      rowsWhen(
        t,
        [
          {
            email: ph("email"),
            firstTouchJson: ph("touch"),
            firstSubmissionId: ph("submissionId"),
            firstAt: ph("at"),
            lastTouchJson: ph("touch"),
            lastSubmissionId: ph("submissionId"),
            lastAt: ph("at"),
            submissions: sql`1`,
          },
        ],
        when,
      ),
    )
    .onConflictDoUpdate({
      target: t.email,
      set: {
        firstTouchJson: sql`case when ${whenEarlier} then ${excluded(t.firstTouchJson)} else ${t.firstTouchJson} end`,
        firstSubmissionId: sql`case when ${whenEarlier} then ${excluded(t.firstSubmissionId)} else ${t.firstSubmissionId} end`,
        firstAt: sql`min(${t.firstAt}, ${excluded(t.firstAt)})`,
        lastTouchJson: sql`case when ${whenLater} then ${excluded(t.lastTouchJson)} else ${t.lastTouchJson} end`,
        lastSubmissionId: sql`case when ${whenLater} then ${excluded(t.lastSubmissionId)} else ${t.lastSubmissionId} end`,
        lastAt: sql`max(${t.lastAt}, ${excluded(t.lastAt)})`,
        submissions: sql`${t.submissions} + 1`,
      },
    }),
);

/** Records a submission's touch, when `when` holds (in the route's batch: the claim is ours). */
export function touchStatement(db: D1Database, email: string, touch: Touch, submissionId: string, when?: SqlCondition): D1PreparedStatement {
  return upsertTouch(db, when, { email, touch: JSON.stringify(touch), submissionId, at: touch.at }, when?.values);
}

/** A person's touches, or null before their first submission. */
export async function leadTouches(db: D1Database, email: string): Promise<LeadTouches | null> {
  const [row] = await orm(db)
    .select({
      firstTouchJson: t.firstTouchJson,
      firstSubmissionId: t.firstSubmissionId,
      lastTouchJson: t.lastTouchJson,
      lastSubmissionId: t.lastSubmissionId,
      submissions: t.submissions,
    })
    .from(t)
    .where(eq(t.email, email));
  if (!row) return null;
  return {
    first: { ...(JSON.parse(row.firstTouchJson) as Touch), submissionId: row.firstSubmissionId },
    last: { ...(JSON.parse(row.lastTouchJson) as Touch), submissionId: row.lastSubmissionId },
    submissions: row.submissions,
  };
}

/** Deletes up to `limit` people's touches whose last submission was before `before`; returns how many. */
export async function forgetTouches(db: D1Database, before: Date, limit = 1_000): Promise<number> {
  const d1 = orm(db);
  const { meta } = await d1
    .delete(t)
    .where(inArray(t.email, d1.select({ email: t.email }).from(t).where(lt(t.lastAt, before.toISOString())).limit(limit)));
  return meta.changes ?? 0;
}
