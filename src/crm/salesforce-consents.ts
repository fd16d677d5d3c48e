import type { SalesforceConsentTarget } from "../core/model/effects";
import type { Failure, Result } from "../platform/failure";
import type { Outcome } from "../platform/outcome";
import type { ConsentWrite, PersonMatch } from "./crm-port";
import { soqlString } from "./soql";
import { chunks } from "./task-updates";

/*
 * Consents written to Salesforce (SalesforceCrm.recordConsents): a checkbox and its date on the
 * Lead or Contact, or a ContactPointTypeConsent for the person's Individual (Data Protection and
 * Privacy), found or created and linked from the person's IndividualId. Each write is idempotent:
 * a field is set to the same value again, and a ContactPointTypeConsent is looked up by its Name
 * (unique to its effect) before one is created.
 */

/** What recordConsents needs of the adapter: its calls, each paced, timed out and classified there. */
export interface SalesforceConsentApi {
  findPeople(emails: string[]): Promise<Result<PersonMatch[]>>;
  query<T extends object>(soql: string, what: string): Promise<Result<T[]>>;
  /** The fields of Lead or Contact by lower-case name, with their canonical name and type (describe). */
  fields(objectType: "lead" | "contact"): Promise<Result<Map<string, { name: string; type: string }>>>;
  /** sObject Collections, one outcome per record (externalId: the record's id). */
  create(sobject: string, records: Record<string, unknown>[]): Promise<Outcome[]>;
  update(sobject: string, records: Record<string, unknown>[]): Promise<Outcome[]>;
  destroy(sobject: string, ids: string[]): Promise<Outcome[]>;
}

type Person = NonNullable<ConsentWrite["person"]>;
const SOBJECT = { lead: "Lead", contact: "Contact" } as const;

/** Names per lookup: each is up to 255 characters in the query's URL, which should stay well under 16 KB. */
const NAMES_PER_QUERY = 20;
const IDS_PER_QUERY = 100;

/** Salesforce's answer when the org has not enabled Data Protection and Privacy, in words an admin acts on. */
const NO_CONSENT_OBJECTS =
  "this org has no Consent objects (Individual, ContactPointTypeConsent, IndividualId): enable Data Protection and Privacy in Setup and give the integration user access to them, or map the consent to a checkbox field";

const failed = (failure: Failure): Outcome => ({ ok: false, failure });
const permanent = (message: string): Outcome => failed({ kind: "permanent", message });

/** A failure of the Consent objects' reads that means the org does not have them gets the admin's words. */
function consentObjectsFailure(failure: Failure): Failure {
  return failure.code === "INVALID_TYPE" || failure.code === "INVALID_FIELD"
    ? { ...failure, message: `${NO_CONSENT_OBJECTS} (${failure.message})` }
    : failure;
}

export async function recordSalesforceConsents(writes: ConsentWrite[], api: SalesforceConsentApi): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(writes.length);
  const people = await peopleOf(writes, api);
  if (!people.ok) return writes.map(() => failed(people.failure));
  const fieldWrites: { i: number; person: Person }[] = [];
  const objectWrites: { i: number; person: Person }[] = [];
  writes.forEach((write, i) => {
    const person = people.value[i];
    // The lead's write is done (or there is none to wait for) yet nobody has the address: it may
    // still be on its way (a lost answer, a merge); retried, then dead and visible.
    if (!person) outcomes[i] = failed({ kind: "transient", message: "no Salesforce lead or contact has this address yet" });
    else (write.target.kind === "field" ? fieldWrites : objectWrites).push({ i, person });
  });
  await recordFields(writes, fieldWrites, api, outcomes);
  await recordConsentObjects(writes, objectWrites, api, outcomes);
  return outcomes;
}

/** The person of each write: the one given (the record the lead's write wrote), else by email a contact before a lead, the oldest. */
async function peopleOf(writes: ConsentWrite[], api: SalesforceConsentApi): Promise<Result<(Person | undefined)[]>> {
  const unknown = writes.filter((w) => !w.person).map((w) => w.email);
  if (unknown.length === 0) return { ok: true, value: writes.map((w) => w.person) };
  const found = await api.findPeople(unknown);
  if (!found.ok) return found;
  const byEmail = new Map<string, Person>();
  for (const objectType of ["contact", "lead"] as const) {
    for (const match of found.value) {
      const email = match.email.toLowerCase();
      if (match.objectType === objectType && !byEmail.has(email)) byEmail.set(email, { objectType, id: match.id });
    }
  }
  return { ok: true, value: writes.map((w) => w.person ?? byEmail.get(w.email.toLowerCase())) };
}

/**
 * Checkbox mode: the field true (false for a withdrawal) and the date field the moment, on the
 * person's record. Several writes for one record (two consents, two submissions) are one update,
 * the latest moment winning for a field they share.
 */
async function recordFields(writes: ConsentWrite[], items: { i: number; person: Person }[], api: SalesforceConsentApi, outcomes: Outcome[]) {
  for (const objectType of ["lead", "contact"] as const) {
    const mine = items.filter((item) => item.person.objectType === objectType);
    if (mine.length === 0) continue;
    const fields = await api.fields(objectType);
    if (!fields.ok) {
      for (const item of mine) outcomes[item.i] = failed(fields.failure);
      continue;
    }
    const byRecord = new Map<string, { values: Record<string, unknown>; items: number[] }>();
    for (const item of [...mine].sort((a, b) => writes[a.i]!.at.localeCompare(writes[b.i]!.at))) {
      const write = writes[item.i]!;
      const set = fieldValues(SOBJECT[objectType], write, write.target as Extract<SalesforceConsentTarget, { kind: "field" }>, fields.value);
      if ("error" in set) {
        outcomes[item.i] = permanent(set.error);
        continue;
      }
      const record = byRecord.get(item.person.id) ?? { values: {}, items: [] };
      Object.assign(record.values, set.values);
      record.items.push(item.i);
      byRecord.set(item.person.id, record);
    }
    if (byRecord.size === 0) continue;
    const ids = [...byRecord.keys()];
    const saved = await api.update(
      SOBJECT[objectType],
      ids.map((Id) => ({ Id, ...byRecord.get(Id)!.values })),
    );
    ids.forEach((id, n) => {
      const outcome = saved[n]!;
      for (const i of byRecord.get(id)!.items) outcomes[i] = outcome.ok ? { ok: true, externalId: `${objectType}:${id}` } : outcome;
    });
  }
}

/** The values a checkbox write sets, or why the org's fields cannot take them (a field missing, or of another type). */
function fieldValues(
  sobject: string,
  write: ConsentWrite,
  target: Extract<SalesforceConsentTarget, { kind: "field" }>,
  fields: Map<string, { name: string; type: string }>,
): { values: Record<string, unknown> } | { error: string } {
  const missing = (name: string, kind: string) =>
    `${sobject} has no field ${name} the integration user can see: create it (${kind}) on Lead and Contact in Setup → Object Manager and give the integration user edit access, or change the policy`;
  const checkbox = fields.get(target.field.toLowerCase());
  if (!checkbox) return { error: missing(target.field, "Checkbox") };
  if (checkbox.type !== "boolean") return { error: `${sobject}.${checkbox.name} is a ${checkbox.type} field, not a checkbox` };
  const values: Record<string, unknown> = { [checkbox.name]: write.status === "OptIn" };
  if (target.dateField) {
    const date = fields.get(target.dateField.toLowerCase());
    if (!date) return { error: missing(target.dateField, "Date/Time") };
    // A date field takes the day (UTC) only; a date/time field the instant.
    if (date.type === "date") values[date.name] = write.at.slice(0, 10);
    else if (date.type === "datetime") values[date.name] = write.at;
    else return { error: `${sobject}.${date.name} is a ${date.type} field, not a date or date/time` };
  }
  return { values };
}

/** Consent objects mode, in four steps: already recorded? the persons' Individuals; Individuals made and linked; the consents. */
async function recordConsentObjects(writes: ConsentWrite[], items: { i: number; person: Person }[], api: SalesforceConsentApi, outcomes: Outcome[]) {
  if (items.length === 0) return;
  const target = (i: number) => writes[i]!.target as Extract<SalesforceConsentTarget, { kind: "consentObject" }>;
  const failAll = (list: { i: number }[], failure: Failure) => {
    for (const item of list) outcomes[item.i] = failed(failure);
  };

  // 1. A retry finds the consent an earlier attempt created (its answer lost, or a later step failed).
  const recorded = await recordedConsents(
    items.map((item) => target(item.i).name),
    api,
  );
  if (!recorded.ok) return failAll(items, consentObjectsFailure(recorded.failure));
  const pending = items.filter((item) => {
    const id = recorded.value.get(target(item.i).name);
    if (id) outcomes[item.i] = { ok: true, externalId: id };
    return !id;
  });
  if (pending.length === 0) return;

  // 2. The Individual each person is linked to, if any.
  const individuals = new Map<string, string>();
  const names = new Map<string, { FirstName: string | null; LastName: string | null }>();
  for (const objectType of ["lead", "contact"] as const) {
    const ids = [...new Set(pending.filter((item) => item.person.objectType === objectType).map((item) => item.person.id))];
    for (const part of chunks(ids, IDS_PER_QUERY)) {
      const rows = await api.query<{ Id: string; IndividualId: string | null; FirstName: string | null; LastName: string | null }>(
        `SELECT Id, IndividualId, FirstName, LastName FROM ${SOBJECT[objectType]} WHERE Id IN (${part.map(soqlString).join(", ")})`,
        `read the ${objectType}s' Individuals`,
      );
      if (!rows.ok) return failAll(pending, consentObjectsFailure(rows.failure));
      for (const row of rows.value) {
        names.set(row.Id.slice(0, 15), { FirstName: row.FirstName, LastName: row.LastName });
        if (row.IndividualId) individuals.set(row.Id.slice(0, 15), row.IndividualId);
      }
    }
  }
  const ready = pending.filter((item) => {
    if (names.has(item.person.id.slice(0, 15))) return true;
    outcomes[item.i] = permanent(`the ${item.person.objectType} ${item.person.id} is gone (deleted or merged)`);
    return false;
  });

  // 3. People without one get an Individual, linked from their IndividualId. If the link fails
  // the new Individual is removed again, so a retry does not leave one behind each time.
  const unlinked = [
    ...new Map(ready.filter((item) => !individuals.has(item.person.id.slice(0, 15))).map((item) => [item.person.id, item.person])).values(),
  ];
  if (unlinked.length > 0) {
    const made = await api.create(
      "Individual",
      unlinked.map((person) => {
        const name = names.get(person.id.slice(0, 15))!;
        return { FirstName: name.FirstName, LastName: name.LastName };
      }),
    );
    const linkFailures = new Map<string, Outcome>();
    const orphans: string[] = [];
    for (const objectType of ["lead", "contact"] as const) {
      const links = unlinked.flatMap((person, n) => {
        const outcome = made[n]!;
        if (person.objectType !== objectType) return [];
        if (!outcome.ok || !outcome.externalId) {
          linkFailures.set(person.id, outcome.ok ? permanent("Salesforce returned no id for the new Individual") : outcome);
          return [];
        }
        return [{ person, individualId: outcome.externalId }];
      });
      if (links.length === 0) continue;
      const linked = await api.update(
        SOBJECT[objectType],
        links.map((l) => ({ Id: l.person.id, IndividualId: l.individualId })),
      );
      links.forEach((l, n) => {
        const outcome = linked[n]!;
        if (outcome.ok) individuals.set(l.person.id.slice(0, 15), l.individualId);
        else {
          linkFailures.set(l.person.id, outcome);
          orphans.push(l.individualId);
        }
      });
    }
    // Best effort: an Individual nobody links to is harmless, only untidy.
    if (orphans.length > 0) await api.destroy("Individual", orphans);
    for (const item of ready) {
      const failure = linkFailures.get(item.person.id);
      if (failure) outcomes[item.i] = failure;
    }
  }

  // 4. The consents themselves.
  const creatable = ready.filter((item) => individuals.has(item.person.id.slice(0, 15)));
  if (creatable.length === 0) return;
  const created = await api.create(
    "ContactPointTypeConsent",
    creatable.map((item) => {
      const write = writes[item.i]!;
      const t = target(item.i);
      return {
        Name: t.name,
        PartyId: individuals.get(item.person.id.slice(0, 15)),
        DataUsePurposeId: t.dataUsePurposeId,
        ContactPointType: t.contactPointType,
        PrivacyConsentStatus: write.status,
        EffectiveFrom: write.at,
        CaptureDate: write.at,
        // Given on a web form (a withdrawal comes from the CRM, by a way it does not say); what it
        // lets us contact the person by is ContactPointType.
        ...(write.status === "OptIn" ? { CaptureContactPointType: "Web" } : {}),
        CaptureSource: t.captureSource,
      };
    }),
  );
  creatable.forEach((item, n) => {
    outcomes[item.i] = created[n]!;
  });
}

/** The ContactPointTypeConsents holding these Names, by Name (SOQL compares text ignoring case: only the exact name counts). */
async function recordedConsents(names: string[], api: SalesforceConsentApi): Promise<Result<Map<string, string>>> {
  const wanted = new Set(names);
  const found = new Map<string, string>();
  for (const part of chunks([...wanted], NAMES_PER_QUERY)) {
    const rows = await api.query<{ Id: string; Name: string }>(
      `SELECT Id, Name FROM ContactPointTypeConsent WHERE Name IN (${part.map(soqlString).join(", ")})`,
      "find consents by name",
    );
    if (!rows.ok) return rows;
    for (const row of rows.value) if (wanted.has(row.Name)) found.set(row.Name, row.Id);
  }
  return { ok: true, value: found };
}
