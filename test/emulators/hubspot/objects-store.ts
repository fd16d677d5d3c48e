import type { ObjectType } from "./object-types.ts";

/** Who made a change, as HubSpot reports it in webhooks and property history. */
export interface ChangeSource {
  /** MEETINGS: HubSpot's meetings tool (a booking through a scheduling page). */
  changeSource: "INTEGRATION" | "CRM_UI" | "MEETINGS";
  sourceId: string;
  userId?: number;
}

export interface HistoryEntry {
  value: string;
  timestamp: number;
  sourceType: string;
  sourceId: string;
  updatedByUserId?: number;
}

export interface CrmObject {
  id: string;
  type: ObjectType;
  properties: Record<string, string>;
  /** Newest first, as propertiesWithHistory returns it. */
  history: Record<string, HistoryEntry[]>;
  createdAt: number;
  updatedAt: number;
  archived: boolean;
  archivedAt?: number;
}

/** A property whose value actually changed; only these produce history and webhooks. */
export interface PropertyChange {
  name: string;
  value: string;
}

// Derived on every write, so the caller never sets them.
const MODIFIED_STAMPS: Record<string, string[]> = { contacts: ["hs_lastmodifieddate", "lastmodifieddate"] };
const CREATED_STAMPS: Record<string, string[]> = { tasks: ["createdate", "hs_createdate"] };

export class ObjectsStore {
  private readonly byType = new Map<ObjectType, Map<string, CrmObject>>();
  /**
   * Ids by value of the properties looked up by value (unique keys, emails), built on the first
   * lookup and kept current by every write: a scan per lookup made each batch create of a
   * 10,000-task benchmark slower than the last.
   */
  private readonly byValue = new Map<string, Map<string, Set<string>>>();
  private nextId = 0;
  private readonly firstId: number;

  constructor(firstId = 1001) {
    this.firstId = firstId;
    this.reset();
  }

  private table(type: ObjectType): Map<string, CrmObject> {
    let table = this.byType.get(type);
    if (!table) this.byType.set(type, (table = new Map()));
    return table;
  }

  get(type: ObjectType, id: string): CrmObject | undefined {
    return this.table(type).get(id);
  }

  /** All objects of a type in id order, archived ones included. */
  all(type: ObjectType): CrmObject[] {
    return [...this.table(type).values()];
  }

  types(): ObjectType[] {
    return [...this.byType.keys()];
  }

  /** The live object holding `value` in `property`; emails compare case-insensitively like HubSpot's. */
  findBy(type: ObjectType, property: string, value: string, archived = false): CrmObject | undefined {
    const table = this.table(type);
    for (const id of this.valueIndex(type, property).get(indexedValue(property, value)) ?? []) {
      const object = table.get(id);
      if (object && object.archived === archived) return object;
    }
    return undefined;
  }

  private valueIndex(type: ObjectType, property: string): Map<string, Set<string>> {
    const key = `${type}\u0000${property}`;
    let index = this.byValue.get(key);
    if (!index) {
      this.byValue.set(key, (index = new Map()));
      for (const object of this.table(type).values()) {
        const value = object.properties[property];
        if (value !== undefined) addTo(index, indexedValue(property, value), object.id);
      }
    }
    return index;
  }

  create(type: ObjectType, properties: Record<string, string>, source: ChangeSource, at: number): { object: CrmObject; changes: PropertyChange[] } {
    const id = String(this.nextId++);
    const stamp = new Date(at).toISOString();
    const object: CrmObject = { id, type, properties: {}, history: {}, createdAt: at, updatedAt: at, archived: false };
    this.table(type).set(id, object);
    const system: Record<string, string> = { hs_object_id: id, createdate: stamp };
    for (const name of CREATED_STAMPS[type] ?? []) system[name] = stamp;
    const changes = this.apply(object, { ...system, ...properties }, source, at);
    return { object, changes };
  }

  update(object: CrmObject, properties: Record<string, string>, source: ChangeSource, at: number): PropertyChange[] {
    return this.apply(object, properties, source, at);
  }

  archive(object: CrmObject, at: number): void {
    object.archived = true;
    object.archivedAt = at;
    object.updatedAt = at;
  }

  reset(): void {
    this.byType.clear();
    this.byValue.clear();
    this.nextId = this.firstId;
  }

  private apply(object: CrmObject, properties: Record<string, string>, source: ChangeSource, at: number): PropertyChange[] {
    const changes: PropertyChange[] = [];
    for (const [name, value] of Object.entries(properties)) {
      if (object.properties[name] === value) continue;
      const index = this.byValue.get(`${object.type}\u0000${name}`);
      if (index) {
        const previous = object.properties[name];
        if (previous !== undefined) index.get(indexedValue(name, previous))?.delete(object.id);
        addTo(index, indexedValue(name, value), object.id);
      }
      object.properties[name] = value;
      const entry: HistoryEntry = { value, timestamp: at, sourceType: source.changeSource, sourceId: source.sourceId };
      if (source.userId !== undefined) entry.updatedByUserId = source.userId;
      (object.history[name] ??= []).unshift(entry);
      changes.push({ name, value });
    }
    if (changes.length > 0) {
      object.updatedAt = at;
      const stamp = new Date(at).toISOString();
      for (const name of MODIFIED_STAMPS[object.type] ?? ["hs_lastmodifieddate"]) object.properties[name] = stamp;
    }
    return changes;
  }
}

/** Emails compare case-insensitively, like HubSpot's. */
function indexedValue(property: string, value: string): string {
  return property === "email" ? value.toLowerCase() : value;
}

function addTo(index: Map<string, Set<string>>, value: string, id: string): void {
  let ids = index.get(value);
  if (!ids) index.set(value, (ids = new Set()));
  ids.add(id);
}
