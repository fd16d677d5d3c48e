import { badRequest } from "./errors.ts";

/** Canonical object types are the plural names the v3 paths use; custom objects keep their "2-…" id. */
export type ObjectType = string;

interface TypeInfo {
  plural: string;
  singular: string;
  typeId: string;
}

const STANDARD: TypeInfo[] = [
  { plural: "contacts", singular: "contact", typeId: "0-1" },
  { plural: "companies", singular: "company", typeId: "0-2" },
  { plural: "deals", singular: "deal", typeId: "0-3" },
  { plural: "tasks", singular: "task", typeId: "0-27" },
  // Meeting engagements; "meeting_event" is the singular HubSpot's v3 association labels use (meeting_event_to_contact).
  { plural: "meetings", singular: "meeting_event", typeId: "0-47" },
  { plural: "emails", singular: "email", typeId: "0-49" },
  { plural: "leads", singular: "lead", typeId: "0-136" },
];

const ALIASES = new Map<string, TypeInfo>();
for (const info of STANDARD) for (const alias of [info.plural, info.singular, info.typeId]) ALIASES.set(alias, info);

/** Accepts every spelling HubSpot accepts in a path (contacts, contact, 0-1) and custom "2-123". */
export function canonicalType(raw: string): ObjectType {
  const info = ALIASES.get(raw.toLowerCase());
  if (info) return info.plural;
  if (/^2-\d+$/.test(raw)) return raw;
  throw badRequest(`Unable to infer object type from: ${raw}`);
}

export function typeInfo(type: ObjectType): TypeInfo {
  return ALIASES.get(type) ?? { plural: type, singular: type, typeId: type };
}

/** Classic webhooks only exist for these; tasks have no subscription type (crm-facts 1.4). */
export const WEBHOOK_TYPES = new Set(["contacts", "companies", "deals"]);
/** Objects only generic (`object.*`, with objectTypeId) subscriptions cover, such as leads (crm-facts 1.4). */
export const GENERIC_WEBHOOK_TYPES = new Set(["leads"]);

export interface AssociationKind {
  from: ObjectType;
  to: ObjectType;
  typeId: number;
  inverseTypeId: number;
  /** The "primary"/unlabeled default used by PUT …/associations/default/…. */
  isDefault: boolean;
}

// HUBSPOT_DEFINED type ids; each pair is listed once and mirrored below.
const PAIRS: [ObjectType, ObjectType, number, number, boolean][] = [
  ["contacts", "companies", 279, 280, true],
  ["contacts", "companies", 1, 2, false],
  ["deals", "contacts", 3, 4, true],
  ["deals", "companies", 341, 342, true],
  ["deals", "companies", 5, 6, false],
  ["tasks", "contacts", 204, 203, true],
  ["tasks", "deals", 216, 215, true],
  ["tasks", "companies", 192, 191, true],
  ["meetings", "contacts", 200, 199, true],
  ["meetings", "companies", 188, 187, true],
  ["meetings", "deals", 212, 211, true],
  // Email engagements (the emails guide's association types: 198 email → contact, 197 back).
  ["emails", "contacts", 198, 197, true],
  ["emails", "companies", 186, 185, true],
  ["emails", "deals", 210, 209, true],
  // Leads (LeadAssociationTypeIdEnum of HubSpot's SDKs: LEAD_TO_PRIMARY_CONTACT 578, LEAD_TO_CONTACT
  // 608, LEAD_TO_TASK 646); the inverse ids (579, 609, 647) follow HubSpot's n / n+1 pairing and are
  // not documented.
  ["leads", "contacts", 578, 579, true],
  ["leads", "contacts", 608, 609, false],
  ["leads", "tasks", 646, 647, true],
];

const KINDS: AssociationKind[] = PAIRS.flatMap(([from, to, typeId, inverseTypeId, isDefault]) => [
  { from, to, typeId, inverseTypeId, isDefault },
  { from: to, to: from, typeId: inverseTypeId, inverseTypeId: typeId, isDefault },
]);

/** The HUBSPOT_DEFINED kind for a type id leaving `from`, which also tells the target type. */
export function kindById(from: ObjectType, typeId: number): AssociationKind | undefined {
  return KINDS.find((k) => k.from === from && k.typeId === typeId);
}

export function defaultKind(from: ObjectType, to: ObjectType): AssociationKind | undefined {
  return KINDS.find((k) => k.from === from && k.to === to && k.isDefault);
}

// Pairs that also have a "primary" type: their default type is reported as "…_unlabeled".
const UNLABELED = new Set([279, 280, 341, 342]);

/** The v3 "type" label of an association, e.g. task_to_contact or contact_to_company_unlabeled. */
export function associationLabel(from: ObjectType, to: ObjectType, typeId: number): string {
  const base = `${typeInfo(from).singular}_to_${typeInfo(to).singular}`;
  return UNLABELED.has(typeId) ? `${base}_unlabeled` : base;
}
