import { sourceMatches } from "../core/policy/cadence-policy";
import type { Policy } from "../core/policy/policy";

/**
 * The Salesforce record types the kit forwards changes of (salesforce/: their Change Data Capture
 * selections and triggers), by the policy's object type names. Other names in a policy's
 * objectTypes ("deal") are another CRM's.
 */
export const SALESFORCE_RECORD_TYPES: Readonly<Record<string, string>> = { lead: "Lead", contact: "Contact", opportunity: "Opportunity" };

/** A value the policy writes to a Salesforce field or compares a field with; a `*` pattern needs one matching value. */
export interface PicklistUse {
  sobject: string;
  field: string;
  value: string;
  /** "write": the value must exist as written; "test": any case, and patterns match. */
  use: "write" | "test";
  /** The policy path that names the value. */
  path: string;
}

export interface DescribedField {
  name: string;
  type: string;
  picklistValues?: { value: string; active: boolean }[];
}

const sobjectsOf = (objectTypes: readonly string[]) => objectTypes.flatMap((t) => (SALESFORCE_RECORD_TYPES[t] ? [SALESFORCE_RECORD_TYPES[t]!] : []));

/** Every value the policy's rules write to or test a Salesforce field with, on each record type they follow. */
export function salesforcePicklistUses(policy: Policy): PicklistUse[] {
  const uses: PicklistUse[] = [];
  const add = (objectTypes: readonly string[], field: string | undefined, values: readonly string[], use: PicklistUse["use"], path: string) => {
    if (!field) return;
    for (const sobject of sobjectsOf(objectTypes)) for (const value of values) uses.push({ sobject, field, value, use, path });
  };
  const { staleLead, stageGates, cadences } = policy.rules;
  if (staleLead?.enabled && staleLead.hibernate.salesforce) {
    const { property, value } = staleLead.hibernate.salesforce;
    add(staleLead.objectTypes, property, [value], "write", "rules.staleLead.hibernate.salesforce");
  }
  if (stageGates?.enabled) {
    stageGates.gates.forEach((gate, i) => {
      if (gate.crm === "salesforce")
        add(stageGates.objectTypes, stageGates.stageProperty.salesforce, [gate.stage], "test", `rules.stageGates.gates.${i}.stage`);
    });
  }
  if (cadences?.enabled) {
    cadences.stopWhen.forEach((condition, i) => {
      if (condition.crm !== "salesforce" || condition.when === "set") return;
      const values = "in" in condition.when ? condition.when.in : condition.when.notIn;
      add(cadences.objectTypes, condition.property, values, "test", `rules.cadences.stopWhen.${i}.when`);
    });
    cadences.routes.forEach((route, i) => {
      if (route.source !== "*")
        add(cadences.objectTypes, cadences.sourceProperty.salesforce, [route.source], "test", `rules.cadences.routes.${i}.source`);
    });
  }
  return uses;
}

const PICKLIST_TYPES = new Set(["picklist", "multipicklist"]);

/**
 * What the org lacks for these uses, in words an admin can act on: fields that do not exist, and
 * values a picklist does not offer. Values of fields that are not picklists (checkboxes, text)
 * are not checked.
 */
export function picklistProblems(uses: readonly PicklistUse[], fieldsBySObject: ReadonlyMap<string, readonly DescribedField[]>): string[] {
  const problems = new Map<string, { values: Set<string>; paths: Set<string> }>();
  const note = (key: string, value: string | undefined, path: string) => {
    const entry = problems.get(key) ?? { values: new Set<string>(), paths: new Set<string>() };
    problems.set(key, entry);
    if (value !== undefined) entry.values.add(value);
    entry.paths.add(path);
  };
  for (const use of uses) {
    const field = fieldsBySObject.get(use.sobject)?.find((f) => f.name.toLowerCase() === use.field.toLowerCase());
    if (!field) {
      note(`${use.sobject} has no field ${use.field}`, undefined, use.path);
      continue;
    }
    if (!PICKLIST_TYPES.has(field.type)) continue;
    const active = (field.picklistValues ?? []).filter((v) => v.active).map((v) => v.value);
    const offered =
      use.use === "write"
        ? active.includes(use.value)
        : use.value.includes("*")
          ? active.some((v) => sourceMatches(use.value, v))
          : active.some((v) => v.toLowerCase() === use.value.toLowerCase());
    if (!offered) note(`add to ${use.sobject}.${field.name}`, use.value, use.path);
  }
  return [...problems].map(([what, { values, paths }]) => {
    const listed = values.size > 0 ? `: ${[...values].map((v) => `"${v}"`).join(", ")}` : "";
    return `${what}${listed} (${[...paths].join(", ")})`;
  });
}
