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
  const { results } = await db
    .prepare("select crm, object_type as objectType, property, value, label, position from crm_labels order by crm, object_type, property, position")
    .all<LabelRow>();
  return results;
}

/** Replaces one account's labels with what its CRM answered now (one batch). */
export async function storeLabels(
  db: D1Database,
  crm: string,
  accountId: string,
  sets: readonly { objectType: string; property: string; options: readonly { value: string; label: string }[] }[],
  at: Date,
): Promise<void> {
  const insert = db.prepare(
    "insert or replace into crm_labels (crm, account_id, object_type, property, value, label, position, read_at) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
  );
  await db.batch([
    db.prepare("delete from crm_labels where crm = ?1 and account_id = ?2").bind(crm, accountId),
    ...sets.flatMap((set) =>
      set.options.map((o, i) => insert.bind(crm, accountId, set.objectType, set.property, o.value, o.label.slice(0, 200), i, at.toISOString())),
    ),
  ]);
}

/** Claims the next read of a target's labels when the last one started before `staleBefore`: true for the one caller that should read. */
export async function claimLabelRead(db: D1Database, target: string, now: Date, staleBefore: Date): Promise<boolean> {
  const result = await db
    .prepare(
      `insert into crm_label_reads (target, read_at) values (?1, ?2)
       on conflict (target) do update set read_at = excluded.read_at where crm_label_reads.read_at < ?3`,
    )
    .bind(target, now.toISOString(), staleBefore.toISOString())
    .run();
  return (result.meta.changes ?? 0) > 0;
}
