import { drizzle } from "drizzle-orm/d1";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { intakeConsents as t } from "./src/storage/schema.ts";
const d1 = drizzle(undefined as any);
  const latest = d1.$with("latest").as(
    d1
      .select({
        email: t.email,
        consentId: t.consentId,
        action: t.action,
        recordedAt: t.recordedAt,
        n: sql<number>`row_number() over (partition by ${t.email}, ${t.consentId} order by ${t.recordedAt} desc, rowid desc)`.as("n"),
      })
      .from(t),
  );
  const c = alias(t, "c");
  const q = d1
    .with(latest)
    .delete(t)
    .where(
      inArray(
        sql`rowid`,
        d1
          .select({ rowid: sql`${c}.rowid` })
          .from(c)
          .innerJoin(latest, and(eq(latest.email, c.email), eq(latest.consentId, c.consentId), eq(latest.n, 1)))
          .where(and(eq(latest.action, "withdrawn"), lt(latest.recordedAt, "X")))
          .limit(5),
      ),
    );
console.log(q.toSQL());
