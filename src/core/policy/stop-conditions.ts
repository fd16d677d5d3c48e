import type { StopCondition } from "./cadence-policy";
import type { Crm } from "../model/crm-event";

// CRM booleans arrive as "true" / "false": "false" is not a reply date or an opt-out.
const isSet = (value: string | null | undefined) => value !== null && value !== undefined && value.trim() !== "" && value !== "false";

/** Whether one property value meets a stop condition; absent values stop only "notIn" conditions that list nothing absent. */
export function conditionMet(condition: StopCondition, value: string | null | undefined): boolean {
  if (condition.when === "set") return isSet(value);
  const text = value?.trim() ?? "";
  if ("in" in condition.when) return condition.when.in.some((v) => v.toLowerCase() === text.toLowerCase());
  // "Moved on" needs a value to have moved to: an empty stage is not a stage.
  return text !== "" && !condition.when.notIn.some((v) => v.toLowerCase() === text.toLowerCase());
}

export interface StopMatch {
  reason: StopCondition["reason"];
  /** What was seen, in words: "hs_email_optout = true". */
  evidence: string;
}

/**
 * The first stop condition of this CRM met by the given properties. Only properties present in
 * `properties` are judged, so a change event is judged by what it changed.
 */
export function firstStop(conditions: readonly StopCondition[], crm: Crm, properties: Record<string, string | null>): StopMatch | null {
  for (const condition of conditions) {
    if (condition.crm !== crm || !(condition.property in properties)) continue;
    const value = properties[condition.property];
    if (conditionMet(condition, value)) return { reason: condition.reason, evidence: `${condition.property} = ${value ?? "(empty)"}` };
  }
  return null;
}

export function stopProperties(conditions: readonly StopCondition[], crm: Crm): string[] {
  return conditions.filter((c) => c.crm === crm).map((c) => c.property);
}

/**
 * The unsubscribe a change shows, by the policy's "unsubscribed" stop conditions: the one CRM
 * change that withdraws consent, whether or not a cadence is running to stop. A stored snapshot
 * holds only what changed (RecordStore's onlyChanges), so an old opt-out it repeats is not seen.
 */
export function unsubscribeIn(conditions: readonly StopCondition[], crm: Crm, properties: Record<string, string | null>): StopMatch | null {
  return firstStop(
    conditions.filter((c) => c.reason === "unsubscribed"),
    crm,
    properties,
  );
}
