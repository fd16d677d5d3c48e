import { kindById, type ObjectType } from "./object-types.ts";

export type AssociationCategory = "HUBSPOT_DEFINED" | "USER_DEFINED" | "INTEGRATOR_DEFINED" | "WORK";

export interface Association {
  fromType: ObjectType;
  fromId: string;
  toType: ObjectType;
  toId: string;
  category: AssociationCategory;
  typeId: number;
}

const key = (a: Association): string => `${a.fromType}:${a.fromId}>${a.toType}:${a.toId}:${a.category}:${a.typeId}`;

/** Directed association edges; HubSpot keeps both directions, so `link` adds the inverse too. */
export class AssociationsStore {
  private readonly edges = new Map<string, Association>();

  /** Adds the edge and its inverse (for HubSpot-defined kinds); returns the edges added or kept. */
  link(edge: Association): Association[] {
    const inverseTypeId = edge.category === "HUBSPOT_DEFINED" ? kindById(edge.fromType, edge.typeId)?.inverseTypeId : edge.typeId;
    const both = [edge];
    if (inverseTypeId !== undefined) {
      both.push({
        fromType: edge.toType,
        fromId: edge.toId,
        toType: edge.fromType,
        toId: edge.fromId,
        category: edge.category,
        typeId: inverseTypeId,
      });
    }
    for (const e of both) this.edges.set(key(e), e);
    return both;
  }

  /** Removes every edge between the two objects, in both directions. */
  unlink(fromType: ObjectType, fromId: string, toType: ObjectType, toId: string): void {
    for (const [k, e] of this.edges) {
      const forward = e.fromType === fromType && e.fromId === fromId && e.toType === toType && e.toId === toId;
      const backward = e.fromType === toType && e.fromId === toId && e.toType === fromType && e.toId === fromId;
      if (forward || backward) this.edges.delete(k);
    }
  }

  from(fromType: ObjectType, fromId: string, toType?: ObjectType): Association[] {
    return [...this.edges.values()].filter((e) => e.fromType === fromType && e.fromId === fromId && (toType === undefined || e.toType === toType));
  }

  reset(): void {
    this.edges.clear();
  }
}
