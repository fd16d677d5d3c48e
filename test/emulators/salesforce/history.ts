import { field, type Schema } from "./schema.ts";
import type { Commit } from "./store.ts";
import { type Fields, isoDateTime } from "./validate.ts";

/** OpportunityHistory snapshots these whenever one of them changes. */
const SNAPSHOT_FIELDS = ["StageName", "Amount", "CloseDate", "Probability"];
const DATA_TYPES: Record<string, string> = {
  picklist: "Picklist",
  reference: "EntityId",
  currency: "Currency",
  date: "Date",
  datetime: "DateTime",
  percent: "Percent",
  double: "Double",
  boolean: "Boolean",
};

/**
 * The history rows Salesforce writes for a commit's Opportunity changes: a "created" row and a
 * snapshot on create, then a row per tracked field change (Owner for OwnerId) and a snapshot when
 * stage, amount, close date or probability move. This is how the previous stage is found.
 */
export function opportunityHistory(commit: Commit, schema: Schema, trackedFields: string[]): { type: string; fields: Fields }[] {
  const opportunity = schema.get("Opportunity")!;
  const at = isoDateTime(commit.commitTimestamp);
  const base = { CreatedDate: at, CreatedById: commit.actor.userId, IsDeleted: false };
  const rows: { type: string; fields: Fields }[] = [];
  for (const change of commit.changes) {
    if (change.type !== "Opportunity") continue;
    const snapshot = {
      ...base,
      SystemModstamp: at,
      OpportunityId: change.id,
      ...Object.fromEntries(SNAPSHOT_FIELDS.map((name) => [name, change.after[name] ?? null])),
    };
    if (change.kind === "CREATE") {
      rows.push({
        type: "OpportunityFieldHistory",
        fields: { ...base, OpportunityId: change.id, Field: "created", DataType: null, OldValue: null, NewValue: null },
      });
      rows.push({ type: "OpportunityHistory", fields: snapshot });
    } else if (change.kind === "UPDATE") {
      for (const name of trackedFields) {
        if (!change.changedFields.includes(name)) continue;
        rows.push({
          type: "OpportunityFieldHistory",
          fields: {
            ...base,
            OpportunityId: change.id,
            Field: name === "OwnerId" ? "Owner" : name,
            DataType: DATA_TYPES[field(opportunity, name)?.type ?? ""] ?? "Text",
            OldValue: change.before?.[name] ?? null,
            NewValue: change.after[name] ?? null,
          },
        });
      }
      if (SNAPSHOT_FIELDS.some((name) => change.changedFields.includes(name))) rows.push({ type: "OpportunityHistory", fields: snapshot });
    }
  }
  return rows;
}
