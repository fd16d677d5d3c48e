import { and, asc, eq, lt } from "drizzle-orm";
import { excluded, orm } from "./orm";
import { crmLabelReads, crmLabels } from "./schema";

/** The CRMs' labels for field values (deal stages, lead statuses), kept a day: see migrations/0016. */
export interface LabelRow {
  crm: string;
  objectType: string;
  property: string;
  value: string;
  label: string;
  position: number;
}

export async function readLabels(db: D1Database): Promise<LabelRow[]> {
  return orm(db)
    .select({
      crm: crmLabels.crm,
      objectType: crmLabels.objectType,
      property: crmLabels.property,
      value: crmLabels.value,
      label: crmLabels.label,
      position: crmLabels.position,
    })
    .from(crmLabels)
    .orderBy(asc(crmLabels.crm), asc(crmLabels.objectType), asc(crmLabels.property), asc(crmLabels.position));
}

/** Replaces one account's labels with what its CRM answered now (one batch). */
export async function storeLabels(
  db: D1Database,
  crm: string,
  accountId: string,
  sets: readonly { objectType: string; property: string; options: readonly { value: string; label: string }[] }[],
  at: Date,
): Promise<void> {
  const d1 = orm(db);
  const rows = sets.flatMap((set) =>
    set.options.map((o, position) => ({
      crm,
      accountId,
      objectType: set.objectType,
      property: set.property,
      value: o.value,
      label: o.label.slice(0, 200),
      position,
      readAt: at.toISOString(),
    })),
  );
  // One row a statement: a pipeline's stages would take a multi-row insert past D1's 100 bound values.
  await d1.batch([
    d1.delete(crmLabels).where(and(eq(crmLabels.crm, crm), eq(crmLabels.accountId, accountId))),
    ...rows.map((row) =>
      d1
        .insert(crmLabels)
        .values(row)
        .onConflictDoUpdate({
          target: [crmLabels.crm, crmLabels.accountId, crmLabels.objectType, crmLabels.property, crmLabels.value],
          set: { label: excluded(crmLabels.label), position: excluded(crmLabels.position), readAt: excluded(crmLabels.readAt) },
        }),
    ),
  ]);
}

/** Claims the next read of a target's labels when the last one started before `staleBefore`: true for the one caller that should read. */
export async function claimLabelRead(db: D1Database, target: string, now: Date, staleBefore: Date): Promise<boolean> {
  const result = await orm(db)
    .insert(crmLabelReads)
    .values({ target, readAt: now.toISOString() })
    .onConflictDoUpdate({
      target: crmLabelReads.target,
      set: { readAt: excluded(crmLabelReads.readAt) },
      setWhere: lt(crmLabelReads.readAt, staleBefore.toISOString()),
    });
  return (result.meta.changes ?? 0) > 0;
}
