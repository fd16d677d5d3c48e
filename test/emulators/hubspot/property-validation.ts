import { badRequest, invalidProperties, type PropertyProblem } from "./errors.ts";
import type { ObjectType } from "./object-types.ts";
import type { ChangeSource } from "./objects-store.ts";
import type { OwnersStore } from "./owners-store.ts";
import type { PropertiesStore, PropertyDefinition } from "./properties-store.ts";

export interface ValidationContext {
  properties: PropertiesStore;
  owners: OwnersStore;
  /** When false, unknown properties and option lists are not checked (values are still normalized). */
  strict: boolean;
}

/**
 * Checks and normalizes property values the way HubSpot does before storing them: unknown
 * properties, read-only ones, enumeration options and owners are refused with HubSpot's
 * "Property values were not valid" 400; datetimes are stored as ISO strings, emails lowercased.
 */
export function normalizeProperties(
  ctx: ValidationContext,
  type: ObjectType,
  input: unknown,
  source: ChangeSource,
  creating: boolean,
): Record<string, string> {
  if (input === undefined && creating) input = {};
  if (!input || typeof input !== "object" || Array.isArray(input)) throw badRequest("Invalid input JSON: properties must be an object");
  const problems: PropertyProblem[] = [];
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(input as Record<string, unknown>)) {
    const value = raw === null || raw === undefined ? "" : String(raw);
    const definition = ctx.properties.get(type, name);
    if (!definition) {
      if (ctx.strict) problems.push({ name, error: "PROPERTY_DOESNT_EXIST", message: `Property "${name}" does not exist` });
      else out[name] = value;
      continue;
    }
    if (definition.modificationMetadata.readOnlyValue && source.changeSource === "INTEGRATION") {
      problems.push({ name, error: "READ_ONLY_VALUE", message: `${name} is a read only property; its value cannot be set.` });
      continue;
    }
    const normalized = normalizeValue(ctx, definition, value);
    if (typeof normalized === "string") out[name] = normalized;
    else problems.push(normalized);
  }
  if (creating) {
    for (const definition of ctx.properties.of(type).values()) {
      if (definition.required && !out[definition.name]) {
        problems.push({ name: definition.name, error: "REQUIRED_PROPERTY", message: `${definition.name} is required` });
      }
    }
  }
  if (problems.length > 0) throw invalidProperties(problems);
  return out;
}

function normalizeValue(ctx: ValidationContext, d: PropertyDefinition, value: string): string | PropertyProblem {
  if (value === "") return value;
  const name = d.name;
  switch (d.type) {
    case "number":
      return Number.isFinite(Number(value)) ? value : { name, error: "INVALID_FLOAT", message: `${value} is not a valid number` };
    case "datetime":
    case "date": {
      const ms = /^-?\d+$/.test(value) ? Number(value) : Date.parse(value);
      if (!Number.isFinite(ms)) return { name, error: "INVALID_DATE", message: `${value} is not a valid date` };
      const iso = new Date(ms).toISOString();
      return d.type === "date" ? iso.slice(0, 10) : iso;
    }
    case "bool":
      value = value.toLowerCase();
      break;
    default:
      break;
  }
  if (name === "email") return value.toLowerCase();
  if (!ctx.strict) return value;
  if (d.referencedObjectType === "OWNER") {
    const owner = ctx.owners.get(value);
    return owner && !owner.archived ? value : { name, error: "INVALID_OPTION", message: `${value} was not one of the allowed options` };
  }
  if ((d.type === "enumeration" || d.type === "bool") && d.options.length > 0) {
    const allowed = d.options.map((o) => o.value);
    const values = d.fieldType === "checkbox" ? value.split(";") : [value];
    const bad = values.find((v) => !allowed.includes(v));
    if (bad !== undefined) {
      return { name, error: "INVALID_OPTION", message: `${bad} was not one of the allowed options: [${allowed.join(", ")}]` };
    }
  }
  return value;
}
