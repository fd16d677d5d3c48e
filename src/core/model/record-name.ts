import type { Crm } from "./crm-event";
import type { RecordState } from "./record-state";

/**
 * A record's name as people say it: a person's first and last name, a deal's or company's name,
 * Salesforce's compound Name ({"FirstName":…,"LastName":…} in change events). What the console
 * shows and finds leads by, and what the rules read once at enrolment so a lead created in the
 * CRM (whose HubSpot creation webhook carries nothing) is known by name.
 */
export const NAME_PROPERTIES: Record<Crm, { first: string; last: string; whole: string[] }> = {
  hubspot: { first: "firstname", last: "lastname", whole: ["dealname", "name"] },
  salesforce: { first: "FirstName", last: "LastName", whole: ["Name"] },
};

/** The name properties a rule reads of a person. */
export const personNameProperties = (crm: Crm) => [NAME_PROPERTIES[crm].first, NAME_PROPERTIES[crm].last];

function compoundName(raw: string | null): string | null {
  if (!raw?.startsWith("{")) return raw;
  try {
    const parts = JSON.parse(raw) as Record<string, unknown>;
    return (
      ["Salutation", "FirstName", "MiddleName", "LastName"]
        .map((k) => (typeof parts[k] === "string" ? parts[k] : ""))
        .join(" ")
        .trim() || null
    );
  } catch {
    return raw;
  }
}

/** The record's name, as its properties give it; null when the service knows none. */
export function recordName(state: Pick<RecordState, "crm" | "properties">): string | null {
  const value = (name: string) => state.properties[name]?.value?.trim() || null;
  const names = NAME_PROPERTIES[state.crm];
  const person = [value(names.first), value(names.last)].filter(Boolean).join(" ");
  const whole = names.whole.map((n) => compoundName(value(n))).find((v) => !!v) ?? null;
  return (person || whole)?.replace(/\s+/g, " ") || null;
}
