import { defaultPropertiesFor } from "./default-properties.ts";
import type { ObjectType } from "./object-types.ts";

export interface PropertyOption {
  label: string;
  value: string;
  displayOrder?: number;
  hidden?: boolean;
  description?: string;
}

/** What callers (options, POST /crm/v3/properties) give; everything else gets HubSpot's defaults. */
export interface PropertyInput {
  name: string;
  label?: string;
  type?: string;
  fieldType?: string;
  description?: string;
  groupName?: string;
  options?: PropertyOption[];
  hasUniqueValue?: boolean;
  referencedObjectType?: string;
  externalOptions?: boolean;
  /** Emulator-only: the API may not write it (HubSpot answers READ_ONLY_VALUE); the UI may. */
  readOnlyValue?: boolean;
  /** Emulator-only: creation without it is rejected (tasks' hs_timestamp). */
  required?: boolean;
}

/** The Property shape of /crm/v3/properties, plus the two emulator-only flags. */
export interface PropertyDefinition {
  name: string;
  label: string;
  type: string;
  fieldType: string;
  description: string;
  groupName: string;
  options: Required<Omit<PropertyOption, "description">>[];
  displayOrder: number;
  calculated: boolean;
  externalOptions: boolean;
  hasUniqueValue: boolean;
  hidden: boolean;
  hubspotDefined: boolean;
  formField: boolean;
  referencedObjectType?: string;
  modificationMetadata: { archivable: boolean; readOnlyDefinition: boolean; readOnlyValue: boolean };
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  required: boolean;
}

export function defineProperty(input: PropertyInput, hubspotDefined: boolean, at: number): PropertyDefinition {
  const when = new Date(at).toISOString();
  const definition: PropertyDefinition = {
    name: input.name,
    label: input.label ?? input.name,
    type: input.type ?? "string",
    fieldType: input.fieldType ?? "text",
    description: input.description ?? "",
    groupName: input.groupName ?? (hubspotDefined ? "hubspot_defined" : "custom"),
    options: (input.options ?? []).map((o, i) => ({ label: o.label, value: o.value, displayOrder: o.displayOrder ?? i, hidden: o.hidden ?? false })),
    displayOrder: -1,
    calculated: false,
    externalOptions: input.externalOptions ?? false,
    hasUniqueValue: input.hasUniqueValue ?? false,
    hidden: false,
    hubspotDefined,
    formField: !hubspotDefined,
    modificationMetadata: { archivable: !hubspotDefined, readOnlyDefinition: hubspotDefined, readOnlyValue: input.readOnlyValue ?? false },
    createdAt: when,
    updatedAt: when,
    archived: false,
    required: input.required ?? false,
  };
  if (input.referencedObjectType) definition.referencedObjectType = input.referencedObjectType;
  return definition;
}

/** The API view of a definition: without the emulator-only `required` flag. */
export function publicProperty(definition: PropertyDefinition): Omit<PropertyDefinition, "required"> {
  const { required: _required, ...rest } = definition;
  return rest;
}

export class PropertiesStore {
  private readonly byType = new Map<ObjectType, Map<string, PropertyDefinition>>();
  private readonly seeded: Record<string, PropertyInput[]>;
  private readonly now: () => number;

  constructor(seeded: Record<string, PropertyInput[]>, now: () => number) {
    this.seeded = seeded;
    this.now = now;
  }

  /** The definitions of a type, created lazily from HubSpot's defaults plus the seeded ones. */
  of(type: ObjectType): Map<string, PropertyDefinition> {
    let map = this.byType.get(type);
    if (!map) {
      map = new Map();
      for (const input of defaultPropertiesFor(type)) map.set(input.name, defineProperty(input, true, this.now()));
      for (const input of this.seeded[type] ?? []) {
        const base = map.get(input.name);
        map.set(input.name, defineProperty({ ...(base ? fromDefinition(base) : {}), ...input }, base?.hubspotDefined ?? false, this.now()));
      }
      this.byType.set(type, map);
    }
    return map;
  }

  get(type: ObjectType, name: string): PropertyDefinition | undefined {
    return this.of(type).get(name);
  }

  add(type: ObjectType, input: PropertyInput): PropertyDefinition {
    const definition = defineProperty(input, false, this.now());
    this.of(type).set(input.name, definition);
    return definition;
  }

  uniqueNames(type: ObjectType): string[] {
    return [...this.of(type).values()].filter((d) => d.hasUniqueValue).map((d) => d.name);
  }

  /** Back to defaults plus seeded definitions: API-created properties go. */
  reset(): void {
    this.byType.clear();
  }
}

function fromDefinition(d: PropertyDefinition): PropertyInput {
  return {
    name: d.name,
    label: d.label,
    type: d.type,
    fieldType: d.fieldType,
    description: d.description,
    groupName: d.groupName,
    options: d.options,
    hasUniqueValue: d.hasUniqueValue,
    referencedObjectType: d.referencedObjectType,
    externalOptions: d.externalOptions,
    readOnlyValue: d.modificationMetadata.readOnlyValue,
    required: d.required,
  };
}
