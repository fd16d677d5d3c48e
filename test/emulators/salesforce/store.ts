import { randomUUID } from "node:crypto";
import { type SaveError, type SaveResult, saveError } from "./errors.ts";
import { opportunityHistory } from "./history.ts";
import { isIdShaped, makeId, shortId } from "./ids.ts";
import { type SObjectDef, type Schema, field } from "./schema.ts";
import { applyDefaults, applyDerived, type Fields, isoDateTime, prepareInput, validateRecord, type ValidationContext } from "./validate.ts";

export interface StoredRecord {
  type: string;
  /** Insertion order, the tie-breaker when a query's ORDER BY values are equal. */
  seq: number;
  fields: Fields;
}

/** Who makes a change and how; becomes the change event's commitUser and changeOrigin. */
export interface Actor {
  userId: string;
  origin: "api" | "ui";
  apiVersion: string;
  /** The `client` of the Sforce-Call-Options header. */
  client?: string;
  /** Sforce-Auto-Assign: absent means TRUE. */
  autoAssign: boolean;
}

export type ChangeType = "CREATE" | "UPDATE" | "DELETE" | "UNDELETE";

export interface Change {
  kind: ChangeType;
  type: string;
  id: string;
  before?: Fields;
  after: Fields;
  changedFields: string[];
  nulledFields: string[];
}

export interface Commit {
  actor: Actor;
  changes: Change[];
  transactionKey: string;
  commitTimestamp: number;
}

export interface Transaction {
  actor: Actor;
  /** One timestamp per transaction, as every record of one DML call shares it. */
  at: number;
  changes: Change[];
  undo: (() => void)[];
}

export interface StoreSettings {
  now: () => number;
  /** Owner that the Lead assignment rule sets when Sforce-Auto-Assign is absent or TRUE; none by default. */
  leadAssignmentOwnerId?: string;
  /** Opportunity fields whose changes land in OpportunityFieldHistory. */
  opportunityHistoryFields: string[];
}

const AUDIT_FIELDS = new Set(["LastModifiedById", "LastModifiedDate"]);

export class RecordStore {
  private readonly records = new Map<string, StoredRecord>();
  /** 15-character id → stored id, so both forms find a record. */
  private readonly byShortId = new Map<string, string>();
  private readonly byType = new Map<string, Map<string, StoredRecord>>();
  /** `${type}.${field}` → value → id, for unique (external id) fields of live records. */
  private readonly unique = new Map<string, Map<string, string>>();
  private readonly listeners: ((commit: Commit) => void)[] = [];
  private serial = 100_000;
  private seq = 0;

  readonly schema: Schema;
  private readonly settings: StoreSettings;

  constructor(schema: Schema, settings: StoreSettings) {
    this.schema = schema;
    this.settings = settings;
  }

  onCommit(listener: (commit: Commit) => void): void {
    this.listeners.push(listener);
  }

  get(id: string): StoredRecord | undefined {
    if (!isIdShaped(id)) return undefined;
    const stored = this.byShortId.get(shortId(id));
    return stored === undefined ? undefined : this.records.get(stored);
  }

  list(type: string, includeDeleted = false): StoredRecord[] {
    const all = [...(this.byType.get(type)?.values() ?? [])];
    return includeDeleted ? all : all.filter((r) => r.fields.IsDeleted !== true);
  }

  findByUnique(type: string, fieldName: string, value: string): StoredRecord | undefined {
    const id = this.unique.get(`${type}.${fieldName}`)?.get(value);
    return id === undefined ? undefined : this.records.get(id);
  }

  clear(): void {
    this.records.clear();
    this.byShortId.clear();
    this.byType.clear();
    this.unique.clear();
  }

  /** Inserts a record as-is: no validation, history or change events (seed data). */
  seed(type: string, fields: Fields): StoredRecord {
    const def = this.requireType(type);
    const at = isoDateTime(this.settings.now());
    const record: Fields = { IsDeleted: false, CreatedDate: at, LastModifiedDate: at, SystemModstamp: at, ...fields };
    record.Id ??= makeId(def.keyPrefix, this.serial++);
    record.CreatedById ??= record.Id;
    record.LastModifiedById ??= record.CreatedById;
    applyDefaults(def, record);
    applyDerived(def, record);
    for (const name of Object.keys(record)) if (!field(def, name)) delete record[name];
    const stored = { type: def.name, seq: this.seq++, fields: record };
    this.apply(String(record.Id), stored);
    return stored;
  }

  /** `at` backdates the transaction (a change a human made earlier); default now. */
  begin(actor: Actor, at: number = this.settings.now()): Transaction {
    return { actor, at, changes: [], undo: [] };
  }

  rollback(tx: Transaction): void {
    for (const undo of tx.undo.reverse()) undo();
    tx.undo = [];
    tx.changes = [];
  }

  commit(tx: Transaction): void {
    if (tx.changes.length === 0) return;
    const commit: Commit = { actor: tx.actor, changes: tx.changes, transactionKey: randomUUID(), commitTimestamp: tx.at };
    // Field history is the platform's own write: it follows the commit and is never rolled back.
    for (const row of opportunityHistory(commit, this.schema, this.settings.opportunityHistoryFields)) this.seed(row.type, row.fields);
    for (const listener of this.listeners) listener(commit);
  }

  create(tx: Transaction, type: string, input: Fields): SaveResult {
    const def = this.schema.get(type);
    if (!def?.createable) return failed(saveError("INVALID_TYPE_FOR_OPERATION", `entity type cannot be inserted: ${type}`));
    const { fields, errors } = prepareInput(def, input, "create");
    if (errors.length > 0) return failed(errors);
    const now = isoDateTime(tx.at);
    const record: Fields = { ...fields };
    if (def.hasOwner) record.OwnerId ??= tx.actor.userId;
    this.autoAssign(def, tx.actor, record);
    applyDefaults(def, record);
    const invalid = this.validate(def, record, new Set(Object.keys(record)));
    if (invalid.length > 0) return failed(invalid);
    const uniqueness = this.checkUnique(def, record, undefined);
    if (uniqueness) return failed(uniqueness);
    const id = makeId(def.keyPrefix, this.serial++);
    Object.assign(record, {
      Id: id,
      IsDeleted: false,
      CreatedDate: now,
      CreatedById: tx.actor.userId,
      LastModifiedDate: now,
      LastModifiedById: tx.actor.userId,
      SystemModstamp: now,
    });
    applyDerived(def, record);
    this.write(tx, id, { type: def.name, seq: this.seq++, fields: record });
    tx.changes.push({ kind: "CREATE", type: def.name, id, after: record, changedFields: [], nulledFields: [] });
    return { id, success: true, errors: [] };
  }

  update(tx: Transaction, type: string | undefined, id: string, input: Fields): SaveResult {
    const found = this.resolve(type, id);
    if ("error" in found) return failed(found.error);
    const { record: stored, def } = found;
    if (!def.updateable) return failed(saveError("INVALID_TYPE_FOR_OPERATION", `entity type cannot be updated: ${def.name}`), stored.fields.Id);
    const { fields, errors } = prepareInput(def, input, "update");
    if (errors.length > 0) return failed(errors, stored.fields.Id);
    const before = stored.fields;
    const after: Fields = { ...before, ...fields };
    const changedInput = new Set(Object.keys(fields));
    if (this.autoAssign(def, tx.actor, after)) changedInput.add("OwnerId");
    const invalid = this.validate(def, after, changedInput);
    if (invalid.length > 0) return failed(invalid, stored.fields.Id);
    const uniqueness = this.checkUnique(def, after, String(before.Id));
    if (uniqueness) return failed(uniqueness, stored.fields.Id);
    const now = isoDateTime(tx.at);
    Object.assign(after, { LastModifiedDate: now, LastModifiedById: tx.actor.userId, SystemModstamp: now });
    applyDerived(def, after);
    const recordId = String(before.Id);
    this.write(tx, recordId, { ...stored, fields: after });
    // Business fields first, then the audit fields, as in real change events.
    const changedFields = def.fields
      .filter((f) => f.name !== "SystemModstamp" && (f.name === "LastModifiedDate" || !sameValue(before[f.name], after[f.name])))
      .map((f) => f.name)
      .sort((a, b) => Number(AUDIT_FIELDS.has(a)) - Number(AUDIT_FIELDS.has(b)));
    const nulledFields = changedFields.filter((name) => after[name] === null || after[name] === undefined);
    tx.changes.push({ kind: "UPDATE", type: def.name, id: recordId, before, after, changedFields, nulledFields });
    return { id: recordId, success: true, errors: [] };
  }

  /** Upsert by a unique external-id field (or Id): updates the one match, else creates. */
  upsert(tx: Transaction, type: string, extField: string, value: string, input: Fields): SaveResult | undefined {
    const def = this.schema.get(type);
    if (!def) return failed(saveError("INVALID_TYPE", `sObject type '${type}' is not supported.`));
    const f = field(def, extField);
    if (!f || !(f.externalId || f.name === "Id")) return undefined;
    const { [f.name]: _ignored, ...rest } = canonicalKeys(def, input);
    if (f.name === "Id") {
      const result = this.update(tx, def.name, value, rest);
      return { ...result, created: false };
    }
    const existing = this.findByUnique(def.name, f.name, value);
    if (existing) return { ...this.update(tx, def.name, String(existing.fields.Id), rest), created: false };
    return { ...this.create(tx, def.name, { ...rest, [f.name]: value }), created: true };
  }

  remove(tx: Transaction, type: string | undefined, id: string): SaveResult {
    const found = this.resolve(type, id);
    if ("error" in found) return failed(found.error);
    const { record: stored, def } = found;
    const recordId = String(stored.fields.Id);
    if (!def.deletable) return failed(saveError("DELETE_FAILED", `entity type cannot be deleted: ${def.name}`), recordId);
    const now = isoDateTime(tx.at);
    const after = { ...stored.fields, IsDeleted: true, LastModifiedDate: now, LastModifiedById: tx.actor.userId, SystemModstamp: now };
    this.write(tx, recordId, { ...stored, fields: after });
    tx.changes.push({ kind: "DELETE", type: def.name, id: recordId, before: stored.fields, after, changedFields: [], nulledFields: [] });
    return { id: recordId, success: true, errors: [] };
  }

  undelete(tx: Transaction, id: string): SaveResult {
    const stored = this.get(id);
    if (!stored) return failed(saveError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"));
    const def = this.requireType(stored.type);
    const recordId = String(stored.fields.Id);
    if (stored.fields.IsDeleted !== true) return failed(saveError("UNDELETE_FAILED", "Entity is not in the recycle bin"), recordId);
    const now = isoDateTime(tx.at);
    const after = { ...stored.fields, IsDeleted: false, LastModifiedDate: now, LastModifiedById: tx.actor.userId, SystemModstamp: now };
    const uniqueness = this.checkUnique(def, after, recordId);
    if (uniqueness) return failed(uniqueness);
    this.write(tx, recordId, { ...stored, fields: after });
    tx.changes.push({ kind: "UNDELETE", type: def.name, id: recordId, before: stored.fields, after, changedFields: [], nulledFields: [] });
    return { id: recordId, success: true, errors: [] };
  }

  private requireType(type: string): SObjectDef {
    const def = this.schema.get(type);
    if (!def) throw new Error(`unknown sObject type ${type}`);
    return def;
  }

  private resolve(type: string | undefined, id: string): { record: StoredRecord; def: SObjectDef } | { error: SaveError } {
    if (!isIdShaped(id)) return { error: saveError("MALFORMED_ID", `malformed id ${id}`, ["Id"]) };
    const record = this.get(id);
    if (!record || (type !== undefined && record.type.toLowerCase() !== type.toLowerCase())) {
      return { error: saveError("NOT_FOUND", "The requested resource does not exist") };
    }
    if (record.fields.IsDeleted === true) return { error: saveError("ENTITY_IS_DELETED", "entity is deleted") };
    return { record, def: this.requireType(record.type) };
  }

  private autoAssign(def: SObjectDef, actor: Actor, record: Fields): boolean {
    const owner = this.settings.leadAssignmentOwnerId;
    if (def.name !== "Lead" || !owner || !actor.autoAssign || actor.origin !== "api") return false;
    record.OwnerId = owner;
    return true;
  }

  private validate(def: SObjectDef, record: Fields, changed: Set<string>): SaveError[] {
    const ctx: ValidationContext = {
      lookup: (id) => this.get(id),
      typeOfPrefix: (prefix) => this.schema.byKeyPrefix(prefix)?.name,
    };
    const errors = validateRecord(def, record, changed, ctx);
    if (errors.length === 0) {
      // References are answered in 18-character form whichever form was sent.
      for (const f of def.fields) {
        const value = record[f.name];
        if (f.type === "reference" && typeof value === "string") record[f.name] = this.get(value)?.fields.Id ?? value;
      }
    }
    return errors;
  }

  private checkUnique(def: SObjectDef, record: Fields, selfId: string | undefined): SaveError | undefined {
    for (const f of def.fields) {
      const value = record[f.name];
      if (!f.unique || value === null || value === undefined || value === "") continue;
      const holder = this.findByUnique(def.name, f.name, String(value));
      if (holder && holder.fields.Id !== selfId) {
        return saveError("DUPLICATE_VALUE", `duplicate value found: ${f.name} duplicates value on record with id: ${String(holder.fields.Id)}`);
      }
    }
    return undefined;
  }

  private write(tx: Transaction, id: string, next: StoredRecord): void {
    const previous = this.records.get(id);
    this.apply(id, next);
    tx.undo.push(() => this.apply(id, previous));
  }

  /** The one place records and their indexes change. */
  private apply(id: string, next: StoredRecord | undefined): void {
    const previous = this.records.get(id);
    if (previous) {
      for (const [key, value] of this.uniqueEntries(previous)) this.unique.get(key)?.delete(value);
    }
    if (!next) {
      this.records.delete(id);
      this.byShortId.delete(shortId(id));
      this.byType.get(previous?.type ?? "")?.delete(id);
      return;
    }
    this.records.set(id, next);
    this.byShortId.set(shortId(id), id);
    let ofType = this.byType.get(next.type);
    if (!ofType) this.byType.set(next.type, (ofType = new Map()));
    ofType.set(id, next);
    for (const [key, value] of this.uniqueEntries(next)) {
      let index = this.unique.get(key);
      if (!index) this.unique.set(key, (index = new Map()));
      index.set(value, id);
    }
  }

  private uniqueEntries(record: StoredRecord): [string, string][] {
    if (record.fields.IsDeleted === true) return [];
    const def = this.schema.get(record.type);
    const entries: [string, string][] = [];
    for (const f of def?.fields ?? []) {
      const value = record.fields[f.name];
      if (f.unique && value !== null && value !== undefined && value !== "") entries.push([`${record.type}.${f.name}`, String(value)]);
    }
    return entries;
  }
}

function failed(error: SaveError | SaveError[], id?: unknown): SaveResult {
  const errors = Array.isArray(error) ? error : [error];
  return id === undefined ? { success: false, errors } : { id: String(id), success: false, errors };
}

function canonicalKeys(def: SObjectDef, input: Fields): Fields {
  const out: Fields = {};
  for (const [name, value] of Object.entries(input)) out[field(def, name)?.name ?? name] = value;
  return out;
}

function sameValue(a: unknown, b: unknown): boolean {
  return (a ?? null) === (b ?? null);
}
