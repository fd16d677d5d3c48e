import type { AssociationInput, Crm } from "./crm.ts";
import { canonicalType } from "./object-types.ts";
import type { ChangeSource, CrmObject } from "./objects-store.ts";
import type { OwnersStore } from "./owners-store.ts";

export interface UiOptions {
  /** The HubSpot user acting; defaults to the first owner's user (1712 with the default owners). */
  userId?: number;
}

/**
 * A human in the HubSpot UI: the same write path as the API, but sourced CRM_UI / "userId:<n>",
 * which is how the middleware tells a rep's change from its own echo.
 */
export class HubSpotUi {
  private readonly crm: Crm;
  private readonly owners: OwnersStore;

  constructor(crm: Crm, owners: OwnersStore) {
    this.crm = crm;
    this.owners = owners;
  }

  source(options: UiOptions = {}): ChangeSource {
    const userId = options.userId ?? this.owners.list(false).find((o) => o.userId !== undefined)?.userId ?? 1712;
    return { changeSource: "CRM_UI", sourceId: `userId:${userId}`, userId };
  }

  create(objectType: string, properties: Record<string, string>, options: UiOptions & { associations?: AssociationInput[] } = {}): CrmObject {
    return this.crm.create(canonicalType(objectType), { properties, associations: options.associations }, this.source(options));
  }

  update(objectType: string, id: string, properties: Record<string, string>, options: UiOptions = {}): CrmObject {
    return this.crm.update(canonicalType(objectType), id, properties, this.source(options));
  }

  archive(objectType: string, id: string, options: UiOptions = {}): void {
    this.crm.archive(canonicalType(objectType), id, this.source(options));
  }
}
