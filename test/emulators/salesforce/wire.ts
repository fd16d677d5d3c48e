import type { SObjectDef } from "./schema.ts";
import type { Fields } from "./validate.ts";

/** Salesforce prints datetimes as 2025-11-22T10:00:00.000+0000. */
export function restDateTime(iso: string): string {
  return iso.replace(/Z$/, "+0000");
}

export function recordUrl(version: string, type: string, id: string): string {
  return `/services/data/v${version}/sobjects/${type}/${id}`;
}

/** The REST shape of a record's fields: every named field present, null when unset. */
export function formatRecord(def: SObjectDef, fields: Fields, names?: string[]): Fields {
  const out: Fields = {};
  const wanted = names ?? def.fields.map((f) => f.name);
  for (const name of wanted) {
    const f = def.byLowerName.get(name.toLowerCase());
    if (!f) continue;
    const value = fields[f.name] ?? null;
    out[f.name] = f.type === "datetime" && typeof value === "string" ? restDateTime(value) : value;
  }
  return out;
}

export function restRecord(def: SObjectDef, fields: Fields, version: string, names?: string[]): Fields {
  return { attributes: { type: def.name, url: recordUrl(version, def.name, String(fields.Id)) }, ...formatRecord(def, fields, names) };
}
