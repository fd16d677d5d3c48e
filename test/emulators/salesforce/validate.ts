import { type SaveError, saveError } from "./errors.ts";
import { isIdShaped } from "./ids.ts";
import { CLOSED_LOST_STAGE, CLOSED_WON_STAGE, type FieldDef, type SObjectDef, field } from "./schema.ts";

export type Fields = Record<string, unknown>;

export interface ReferenceTarget {
  type: string;
  fields: Fields;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Datetimes are kept in ISO form (…Z); the REST API prints them as …+0000. */
export function isoDateTime(ms: number): string {
  return new Date(ms).toISOString();
}

function parserError(value: unknown, kind: string): SaveError {
  return saveError(
    "JSON_PARSER_ERROR",
    `Cannot deserialize instance of ${kind} from VALUE_STRING value ${String(value)} or request may be missing a required field`,
  );
}

/** Coerces a JSON value to the field's type, as the REST deserializer would. */
function coerce(def: FieldDef, value: unknown): { value: unknown } | { error: SaveError } {
  if (value === null || value === undefined) return { value: def.type === "boolean" ? false : null };
  if (typeof value === "object") return { error: parserError(JSON.stringify(value), def.type) };
  switch (def.type) {
    case "boolean":
      if (typeof value === "boolean") return { value };
      if (value === "true" || value === "false") return { value: value === "true" };
      return { error: parserError(value, "boolean") };
    case "double":
    case "currency":
    case "percent": {
      const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: parserError(value, "double") };
    }
    case "date":
      return typeof value === "string" && DATE.test(value) && !Number.isNaN(Date.parse(value)) ? { value } : { error: parserError(value, "date") };
    case "datetime": {
      const ms = typeof value === "string" ? Date.parse(value) : typeof value === "number" ? value : NaN;
      return Number.isNaN(ms) ? { error: parserError(value, "datetime") } : { value: isoDateTime(ms) };
    }
    default: {
      const text = String(value);
      return { value: def.type === "email" ? text.trim() : text };
    }
  }
}

export type Mode = "create" | "update";

/** Maps the request's fields to canonical names and types; unknown or read-only fields are errors. */
export function prepareInput(def: SObjectDef, input: Fields, mode: Mode): { fields: Fields; errors: SaveError[] } {
  const fields: Fields = {};
  const errors: SaveError[] = [];
  for (const [name, raw] of Object.entries(input)) {
    if (name === "attributes") continue;
    const f = field(def, name);
    if (!f) {
      errors.push(saveError("INVALID_FIELD", `No such column '${name}' on sobject of type ${def.name}`));
      continue;
    }
    if (f.name === "Id") {
      if (mode === "create") errors.push(saveError("INVALID_FIELD_FOR_INSERT_UPDATE", "cannot specify Id in an insert call", ["Id"]));
      continue;
    }
    if (mode === "create" ? !f.createable : !f.updateable) {
      errors.push(
        saveError(
          "INVALID_FIELD_FOR_INSERT_UPDATE",
          `Unable to create/update fields: ${f.name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
          [f.name],
        ),
      );
      continue;
    }
    const coerced = coerce(f, raw);
    if ("error" in coerced) errors.push(coerced.error);
    else fields[f.name] = coerced.value;
  }
  return { fields, errors };
}

export function applyDefaults(def: SObjectDef, fields: Fields): void {
  for (const f of def.fields) {
    if (f.defaultValue !== undefined && (fields[f.name] === undefined || fields[f.name] === null)) fields[f.name] = f.defaultValue;
  }
}

/** Read-only fields the platform computes from others. */
export function applyDerived(def: SObjectDef, fields: Fields): void {
  if (def.byLowerName.get("name")?.compound) {
    fields.Name = [fields.FirstName, fields.LastName].filter((p) => typeof p === "string" && p !== "").join(" ") || null;
  }
  if (def.name === "Opportunity") {
    fields.IsClosed = fields.StageName === CLOSED_WON_STAGE || fields.StageName === CLOSED_LOST_STAGE;
    fields.IsWon = fields.StageName === CLOSED_WON_STAGE;
  }
  if (def.name === "Task") {
    fields.IsClosed = fields.Status === "Completed";
    fields.IsHighPriority = fields.Priority === "High";
  }
}

export interface ValidationContext {
  lookup: (id: string) => ReferenceTarget | undefined;
  typeOfPrefix: (prefix: string) => string | undefined;
}

function checkReference(f: FieldDef, value: string, ctx: ValidationContext): SaveError | undefined {
  const label = f.relationshipName ? `${f.relationshipName} ID` : f.name;
  if (!isIdShaped(value)) return saveError("MALFORMED_ID", `${label}: id value of incorrect type: ${value}`, [f.name]);
  // Queues (00G) can own records; the emulator does not model them, so any queue id is accepted.
  if (f.name === "OwnerId" && value.startsWith("00G")) return undefined;
  const prefixType = ctx.typeOfPrefix(value.slice(0, 3));
  if (!prefixType || !f.referenceTo?.includes(prefixType)) {
    return saveError("FIELD_INTEGRITY_EXCEPTION", `${label}: id value of incorrect type: ${value}`, [f.name]);
  }
  const target = ctx.lookup(value);
  if (!target) return saveError("INVALID_CROSS_REFERENCE_KEY", `${label}: invalid cross reference id`, [f.name]);
  if (target.fields.IsDeleted === true) return saveError("ENTITY_IS_DELETED", "entity is deleted", [f.name]);
  if (target.type === "User" && target.fields.IsActive === false) {
    return saveError("INACTIVE_OWNER_OR_USER", "owner or user is inactive", [f.name]);
  }
  return undefined;
}

/**
 * Rules checked on the merged record. `changed` limits reference checks to what this save sets,
 * so a record keeps saving after something it points to is deleted, as in Salesforce.
 */
export function validateRecord(def: SObjectDef, record: Fields, changed: Set<string>, ctx: ValidationContext): SaveError[] {
  const errors: SaveError[] = [];
  const missing = def.fields.filter((f) => f.required && (record[f.name] === null || record[f.name] === undefined || record[f.name] === ""));
  if (missing.length > 0) {
    const names = missing.map((f) => f.name);
    errors.push(saveError("REQUIRED_FIELD_MISSING", `Required fields are missing: [${names.join(", ")}]`, names));
  }
  for (const f of def.fields) {
    const value = record[f.name];
    if (!changed.has(f.name) || value === null || value === undefined) continue;
    if (f.restricted && f.picklist && !f.picklist.includes(String(value))) {
      errors.push(
        saveError("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", `${f.name}: bad value for restricted picklist field: ${String(value)}`, [f.name]),
      );
    }
    if (f.type === "email" && !EMAIL.test(String(value))) {
      errors.push(saveError("INVALID_EMAIL_ADDRESS", `${f.name}: invalid email address: ${String(value)}`, [f.name]));
    }
    if (f.type === "reference" && f.createable) {
      const error = checkReference(f, String(value), ctx);
      if (error) errors.push(error);
    }
  }
  // Event.EndDateTime: "If IsAllDayEvent is false, a value must be supplied for either DurationInMinutes or EndDateTime."
  if (def.name === "Event" && record.IsAllDayEvent !== true) {
    const start = record.StartDateTime ?? record.ActivityDateTime;
    if (start === null || start === undefined) {
      errors.push(saveError("REQUIRED_FIELD_MISSING", "Required fields are missing: [StartDateTime]", ["StartDateTime"]));
    } else if (
      (record.EndDateTime === null || record.EndDateTime === undefined) &&
      (record.DurationInMinutes === null || record.DurationInMinutes === undefined)
    ) {
      errors.push(saveError("REQUIRED_FIELD_MISSING", "Required fields are missing: [DurationInMinutes]", ["DurationInMinutes"]));
    } else if (typeof record.EndDateTime === "string" && Date.parse(record.EndDateTime) < Date.parse(String(start))) {
      errors.push(saveError("FIELD_INTEGRITY_EXCEPTION", "End Date Time: End time can't be before start time.", ["EndDateTime"]));
    }
  }
  if (def.name === "Task" && typeof record.WhoId === "string" && record.WhoId.startsWith("00Q") && record.WhatId) {
    errors.push(
      saveError(
        "FIELD_INTEGRITY_EXCEPTION",
        "Related To ID: You can't associate a lead with a Related To record. Clear the Related To field or choose a contact.",
        ["WhatId"],
      ),
    );
  }
  return errors;
}
