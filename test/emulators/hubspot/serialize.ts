import { ALWAYS_READ, ALWAYS_READ_DEFAULT, DEFAULT_READ } from "./default-properties.ts";
import type { HubSpotState } from "./crm.ts";
import { associationLabel, canonicalType, type ObjectType } from "./object-types.ts";
import type { CrmObject } from "./objects-store.ts";

export interface ReadOptions {
  properties?: string[];
  propertiesWithHistory?: string[];
  associations?: string[];
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Repeated params and comma-separated lists are both accepted, as HubSpot does. */
export function listParam(query: URLSearchParams, name: string): string[] | undefined {
  const values = query
    .getAll(name)
    .flatMap((v) => v.split(","))
    .map((v) => v.trim())
    .filter(Boolean);
  return values.length > 0 ? values : undefined;
}

export function readOptionsFrom(query: URLSearchParams): ReadOptions {
  return {
    properties: listParam(query, "properties"),
    propertiesWithHistory: listParam(query, "propertiesWithHistory"),
    associations: listParam(query, "associations"),
  };
}

/**
 * SimplePublicObject(WithAssociations): the requested properties (null when unset; names that are
 * neither defined nor stored are silently left out, as HubSpot does), HubSpot's default set when
 * none are named, and history newest first.
 */
export function toPublicObject(state: HubSpotState, object: CrmObject, read: ReadOptions = {}): Record<string, unknown> {
  const known = state.properties.of(object.type);
  const names = read.properties
    ? [...new Set([...read.properties.filter((n) => known.has(n) || n in object.properties), ...(ALWAYS_READ[object.type] ?? ALWAYS_READ_DEFAULT)])]
    : (DEFAULT_READ[object.type] ?? ALWAYS_READ_DEFAULT);
  const properties: Record<string, string | null> = {};
  for (const name of [...names].sort()) properties[name] = object.properties[name] ?? null;

  const result: Record<string, unknown> = { id: object.id, properties };
  if (read.propertiesWithHistory) {
    const history: Record<string, unknown[]> = {};
    for (const name of read.propertiesWithHistory.filter((n) => known.has(n) || n in object.history)) {
      history[name] = (object.history[name] ?? []).map((h) => ({ ...h, timestamp: iso(h.timestamp) }));
    }
    result.propertiesWithHistory = history;
  }
  result.createdAt = iso(object.createdAt);
  result.updatedAt = iso(object.updatedAt);
  result.archived = object.archived;
  if (object.archivedAt !== undefined) result.archivedAt = iso(object.archivedAt);
  if (read.associations) {
    const associations = associationsOf(state, object, read.associations);
    if (Object.keys(associations).length > 0) result.associations = associations;
  }
  return result;
}

/** The v3 `associations` block: only types that have at least one live association appear. */
function associationsOf(state: HubSpotState, object: CrmObject, wanted: string[]): Record<string, unknown> {
  const out: Record<string, { results: { id: string; type: string }[] }> = {};
  for (const raw of wanted) {
    let toType: ObjectType;
    try {
      toType = canonicalType(raw);
    } catch {
      continue;
    }
    const results = state.associations
      .from(object.type, object.id, toType)
      .filter((a) => state.objects.get(a.toType, a.toId)?.archived === false)
      .map((a) => ({ id: a.toId, type: associationLabel(a.fromType, a.toType, a.typeId) }));
    if (results.length > 0) out[toType] = { results };
  }
  return out;
}

/** The /_emulator/objects view: everything, archived objects and full history included. */
export function toInspection(state: HubSpotState, object: CrmObject): Record<string, unknown> {
  const associations: Record<string, { id: string; typeId: number; category: string }[]> = {};
  for (const a of state.associations.from(object.type, object.id)) {
    (associations[a.toType] ??= []).push({ id: a.toId, typeId: a.typeId, category: a.category });
  }
  return {
    id: object.id,
    type: object.type,
    properties: { ...object.properties },
    propertiesWithHistory: Object.fromEntries(
      Object.entries(object.history).map(([k, v]) => [k, v.map((h) => ({ ...h, timestamp: iso(h.timestamp) }))]),
    ),
    createdAt: iso(object.createdAt),
    updatedAt: iso(object.updatedAt),
    archived: object.archived,
    ...(object.archivedAt !== undefined ? { archivedAt: iso(object.archivedAt) } : {}),
    associations,
  };
}
