/*
 * Holds on a person's consent writes (migration 0013): the Salesforce consent effects of one
 * person run one consumer at a time. A hold is taken in one statement per person, which either
 * inserts it or takes over one that has lapsed, and answers only when it is now ours.
 */

/** Of these hold keys (a person's address, their record), the ones `holder` now holds until `until`; the others someone else holds. */
export async function holdPeople(db: D1Database, people: readonly string[], holder: string, now: Date, until: Date): Promise<Set<string>> {
  const unique = [...new Set(people)];
  if (unique.length === 0) return new Set();
  const results = await db.batch<{ person: string }>(
    unique.map((person) =>
      db
        .prepare(
          `INSERT INTO consent_write_holds (person, holder, held_until) VALUES (?1, ?2, ?3)
           ON CONFLICT (person) DO UPDATE SET holder = excluded.holder, held_until = excluded.held_until
           WHERE consent_write_holds.held_until <= ?4
           RETURNING person`,
        )
        .bind(person, holder, until.toISOString(), now.toISOString()),
    ),
  );
  return new Set(results.flatMap((r) => r.results.map((row) => row.person)));
}

/** Lets go of everything `holder` holds. */
export async function releasePeople(db: D1Database, holder: string): Promise<void> {
  await db.prepare("DELETE FROM consent_write_holds WHERE holder = ?").bind(holder).run();
}
