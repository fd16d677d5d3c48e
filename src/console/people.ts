import type { Crm } from "../core/model/crm-event";
import type { Policy, Rep } from "../core/policy/policy";
import { sameSalesforceId } from "../core/model/salesforce-id";

const CRM_NAME: Record<Crm, string> = { hubspot: "HubSpot", salesforce: "Salesforce" };

/** A label for a value of a CRM field (a deal stage, a lead status), read from the CRM and cached. */
export type FieldLabels = (crm: Crm, objectType: string, property: string, value: string) => string | undefined;

/**
 * Who and what the console names: a CRM owner id by the rep the roster says it is (one rep,
 * whichever CRM the id is from), and a field's value by the CRM's own label. Ids stay one click
 * away (a title, a <details>), never the first thing a manager reads.
 */
export class People {
  readonly policy: Policy;
  private readonly labels: FieldLabels;

  constructor(policy: Policy, labels: FieldLabels = () => undefined) {
    this.policy = policy;
    this.labels = labels;
  }

  /** The rep whose owner id this is, in either CRM. */
  repOfOwner(ownerId: string | null | undefined, crm?: Crm): Rep | undefined {
    if (!ownerId) return undefined;
    return this.policy.reps.find((rep) =>
      (crm ? [crm] : (["hubspot", "salesforce"] as const)).some((c) =>
        c === "salesforce" ? sameSalesforceId(rep.owners.salesforce, ownerId) : rep.owners[c] === ownerId,
      ),
    );
  }

  /** A rep by their policy id. */
  rep(id: string | null | undefined): Rep | undefined {
    return id ? this.policy.reps.find((r) => r.id === id) : undefined;
  }

  /** An owner as people say it: the rep's name, a team's fallback owner, or "HubSpot owner 123" when nobody in the policy has the id. */
  ownerName(ownerId: string | null | undefined, crm?: Crm): string {
    if (!ownerId) return "nobody";
    const rep = this.repOfOwner(ownerId, crm);
    if (rep) return rep.name;
    const team = this.policy.teams.find((t) => Object.values(t.fallbackOwners).includes(ownerId));
    if (team) return `the fallback owner of ${team.name}`;
    return crm ? `${CRM_NAME[crm]} owner ${ownerId}` : `owner ${ownerId}`;
  }

  teamName(id: string | null | undefined): string {
    if (!id) return "–";
    return this.policy.teams.find((t) => t.id === id)?.name ?? id;
  }

  cadenceName(id: string | null | undefined): string {
    if (!id) return "–";
    return this.policy.rules.cadences?.cadences.find((c) => c.id === id)?.name ?? id;
  }

  /** A field's value by the CRM's label for it ("Contract Sent" for contractsent), or the value itself. */
  label(crm: Crm, objectType: string, property: string, value: string | null | undefined): string {
    if (value === null || value === undefined || value === "") return "–";
    return this.labels(crm, objectType, property, value) ?? value;
  }
}

export const crmName = (crm: string) => CRM_NAME[crm as Crm] ?? crm;
