import { eq, lte } from "drizzle-orm";
import { excluded, orm } from "./orm";
import { consentWriteHolds } from "./schema";

/*
 * Holds on a person's consent writes (migration 0013): the Salesforce consent effects of one
 * person run one consumer at a time. A hold is taken in one statement per person, which either
 * inserts it or takes over one that has lapsed, and answers only when it is now ours.
 */

const holds = consentWriteHolds;

/** Of these hold keys (a person's address, their record), the ones `holder` now holds until `until`; the others someone else holds. */
export async function holdPeople(db: D1Database, people: readonly string[], holder: string, now: Date, until: Date): Promise<Set<string>> {
  const unique = [...new Set(people)];
  if (unique.length === 0) return new Set();
  const d1 = orm(db);
  const takes = unique.map((person) =>
    d1
      .insert(holds)
      .values({ person, holder, heldUntil: until.toISOString() })
      .onConflictDoUpdate({
        target: holds.person,
        set: { holder: excluded(holds.holder), heldUntil: excluded(holds.heldUntil) },
        setWhere: lte(holds.heldUntil, now.toISOString()),
      })
      .returning({ person: holds.person }),
  );
  const results = await d1.batch([takes[0]!, ...takes.slice(1)]);
  return new Set(results.flatMap((rows) => rows.map((row) => row.person)));
}

/** Lets go of everything `holder` holds. */
export async function releasePeople(db: D1Database, holder: string): Promise<void> {
  await orm(db).delete(holds).where(eq(holds.holder, holder));
}
