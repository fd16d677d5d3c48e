import type { AssociationCategory, AssociationsStore } from "./associations-store.ts";
import { badRequest, HubSpotError, notFound } from "./errors.ts";
import { defaultKind, kindById, typeInfo, type ObjectType } from "./object-types.ts";
import type { ChangeSource, CrmObject, ObjectsStore } from "./objects-store.ts";
import type { OwnersStore } from "./owners-store.ts";
import type { PropertiesStore } from "./properties-store.ts";
import { normalizeProperties } from "./property-validation.ts";
import type { ValidationRules } from "./validation-rules.ts";
import type { WebhookEmitter } from "./webhooks.ts";

export interface HubSpotState {
  objects: ObjectsStore;
  associations: AssociationsStore;
  owners: OwnersStore;
  properties: PropertiesStore;
  webhooks: WebhookEmitter;
  /** The portal's validation rules, enforced on every write. */
  rules: ValidationRules;
}

/** The `associations` of a create input (PublicAssociationsForObject). */
export interface AssociationInput {
  to: { id: string };
  types: { associationCategory: AssociationCategory; associationTypeId: number }[];
}

export interface CreateInput {
  properties?: unknown;
  associations?: AssociationInput[];
}

/**
 * Every write, whether it comes from the API (this integration) or from the simulated UI, goes
 * through here, so validation, uniqueness, history and webhooks behave the same for both.
 */
export class Crm {
  readonly state: HubSpotState;
  private readonly now: () => number;
  private readonly strict: boolean;

  constructor(state: HubSpotState, now: () => number, strict: boolean) {
    this.state = state;
    this.now = now;
    this.strict = strict;
  }

  /** Finds a live (or, when asked, archived) object by id or by a unique idProperty. */
  find(type: ObjectType, id: string, idProperty?: string, archived = false): CrmObject {
    const object =
      idProperty && idProperty !== "hs_object_id"
        ? this.state.objects.findBy(type, this.uniqueProperty(type, idProperty), id, archived)
        : this.state.objects.get(type, id);
    if (!object || object.archived !== archived) throw notFound(id);
    return object;
  }

  /** The idProperty must be a hasUniqueValue property, as HubSpot requires for lookups and upserts. */
  uniqueProperty(type: ObjectType, name: string): string {
    const definition = this.state.properties.get(type, name);
    if (!definition?.hasUniqueValue) throw badRequest(`${name} is not a unique identifier property for ${typeInfo(type).plural}`);
    return name;
  }

  create(type: ObjectType, input: CreateInput, source: ChangeSource): CrmObject {
    const properties = normalizeProperties(this.validation(), type, input.properties, source, true);
    this.state.rules.check(type, properties);
    this.checkUnique(type, properties);
    const links = (input.associations ?? []).flatMap((a) => this.resolveAssociation(type, a));
    // HubSpot's leads guide: a lead "must be associated with an existing contact".
    if (type === "leads" && !links.some((l) => l.toType === "contacts")) {
      throw badRequest("A lead must be associated with an existing contact (association type 578, lead to primary contact)");
    }
    const at = this.now();
    const { object, changes } = this.state.objects.create(type, properties, source, at);
    for (const link of links) this.state.associations.link({ fromType: type, fromId: object.id, ...link });
    this.state.webhooks.created(type, object.id, changes, source, at);
    return object;
  }

  update(type: ObjectType, id: string, rawProperties: unknown, source: ChangeSource, idProperty?: string): CrmObject {
    const object = this.find(type, id, idProperty);
    const properties = normalizeProperties(this.validation(), type, rawProperties, source, false);
    this.state.rules.check(type, properties, object.properties);
    this.checkUnique(type, properties, object.id);
    const at = this.now();
    const changes = this.state.objects.update(object, properties, source, at);
    this.state.webhooks.changed(type, object.id, changes, source, at);
    return object;
  }

  /** HubSpot answers 204 for an id that does not exist, so this is a no-op then. */
  archive(type: ObjectType, id: string, source: ChangeSource, idProperty?: string): void {
    let object: CrmObject;
    try {
      object = this.find(type, id, idProperty);
    } catch {
      return;
    }
    const at = this.now();
    this.state.objects.archive(object, at);
    this.state.webhooks.deleted(type, object.id, source, at);
  }

  /** PUT …/associations/default/…: the default HubSpot-defined kind for the pair. */
  associateDefault(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string) {
    this.find(fromType, fromId);
    this.find(toType, toId);
    const kind = defaultKind(fromType, toType);
    if (!kind) throw badRequest(`No default association type exists between ${fromType} and ${toType}`);
    return this.state.associations.link({ fromType, fromId, toType, toId, category: "HUBSPOT_DEFINED", typeId: kind.typeId });
  }

  private resolveAssociation(fromType: ObjectType, input: AssociationInput) {
    const toId = String(input?.to?.id ?? "");
    if (!toId || !Array.isArray(input.types) || input.types.length === 0) {
      throw badRequest("Invalid association input: `to.id` and at least one `types` entry are required");
    }
    return input.types.map((t) => {
      const kind = t.associationCategory === "HUBSPOT_DEFINED" ? kindById(fromType, Number(t.associationTypeId)) : undefined;
      if (!kind) {
        throw badRequest(`${t.associationCategory} association type ${t.associationTypeId} is not valid from ${fromType}`);
      }
      const target = this.state.objects.get(kind.to, toId);
      if (!target || target.archived) {
        throw badRequest(`One or more associations are invalid: ${typeInfo(kind.to).singular} ${toId} does not exist`, {
          context: { [kind.to]: [toId] },
        });
      }
      return { toType: kind.to, toId, category: t.associationCategory, typeId: kind.typeId };
    });
  }

  private checkUnique(type: ObjectType, properties: Record<string, string>, selfId?: string): void {
    for (const name of this.state.properties.uniqueNames(type)) {
      const value = properties[name];
      if (!value) continue;
      const existing = this.state.objects.findBy(type, name, value);
      if (!existing || existing.id === selfId) continue;
      const message =
        type === "contacts" && name === "email"
          ? `Contact already exists. Existing ID: ${existing.id}`
          : `A ${typeInfo(type).singular} with ${name} "${value}" already exists. Existing ID: ${existing.id}`;
      throw new HubSpotError(409, "CONFLICT", message);
    }
  }

  private validation() {
    return { properties: this.state.properties, owners: this.state.owners, strict: this.strict };
  }
}
