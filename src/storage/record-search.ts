import { eq, sql } from "drizzle-orm";
import type { RecordState } from "../core/model/record-state";
import { compiled, excluded, orm } from "./orm";
import { records, recordSearch } from "./schema";

const ph = sql.placeholder;

/** Properties a record's email and name are read from, per CRM (contacts and leads, deals and opportunities). */
const EMAIL = ["email", "Email"];
const FIRST = ["firstname", "FirstName"];
const LAST = ["lastname", "LastName"];
/** Deals and opportunities, and Salesforce's compound Name ({"FirstName":…,"LastName":…} in change events). */
const WHOLE = ["dealname", "Name"];

export interface Searchable {
  email: string | null;
  name: string | null;
}

const value = (state: RecordState, names: readonly string[]) =>
  names.map((n) => state.properties[n]?.value?.trim()).find((v): v is string => !!v) ?? null;

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

/** What the console finds a record by: its email and its name, lower-cased (search is case-insensitive). */
export function searchableOf(state: RecordState): Searchable {
  const email = value(state, EMAIL)?.toLowerCase() ?? null;
  const parts = [value(state, FIRST), value(state, LAST)].filter(Boolean).join(" ");
  const name = (parts || compoundName(value(state, WHOLE)))?.replace(/\s+/g, " ").toLowerCase() ?? null;
  return { email, name: name || null };
}

const search = recordSearch;

/** An unchanged row is left alone: the update's WHERE skips it, and D1 counts no write. */
const upsertSearch = compiled((q) =>
  q
    .insert(search)
    .values({ recordKey: ph("recordKey"), email: ph("email"), name: ph("name"), updatedAt: ph("updatedAt") })
    .onConflictDoUpdate({
      target: search.recordKey,
      set: { email: excluded(search.email), name: excluded(search.name), updatedAt: excluded(search.updatedAt) },
      setWhere: sql`${search.email} is not ${excluded(search.email)} or ${search.name} is not ${excluded(search.name)}`,
    }),
);

/** Upserts the record's search row; an unchanged row is left alone (no write). */
export function upsertSearchRow(db: D1Database, key: string, searchable: Searchable, now: Date): D1PreparedStatement {
  return upsertSearch(db, { recordKey: key, email: searchable.email, name: searchable.name, updatedAt: now.toISOString() });
}

/** A record's search row: what the console titles it with. */
export async function searchRowOf(db: D1Database, recordKey: string): Promise<Searchable | null> {
  const [row] = await orm(db).select({ email: search.email, name: search.name }).from(search).where(eq(search.recordKey, recordKey));
  return row ?? null;
}

export interface SearchHit {
  recordKey: string;
  email: string | null;
  name: string | null;
  crm: string;
  objectType: string;
  status: string;
  lastEventAt: string;
}

/**
 * Records by record key (exact), email (prefix, through its index) or name (any part), newest
 * activity first. LIKE's wildcards in the query are taken literally.
 */
export async function searchRecords(db: D1Database, query: string, limit = 50): Promise<SearchHit[]> {
  const q = query.trim().toLowerCase();
  if (!q) return [];
  const like = q.replace(/[\\%_]/g, (c) => `\\${c}`);
  const exact = query.trim();
  // The three ways in, each on its own index (the key, the email prefix, a scan of the narrow names), then the hits' records.
  const hits = sql`select ${search.recordKey} from ${search} where ${search.recordKey} = ${exact}
    union select ${search.recordKey} from ${search} where ${search.email} >= ${q} and ${search.email} < ${q} || char(1114111)
    union select ${search.recordKey} from ${search} where ${search.name} like '%' || ${like} || '%' escape '\\'`;
  const results = await orm(db).all<SearchHit>(sql`with hits as (${hits})
    select ${records.recordKey} as recordKey, ${search.email} as email, ${search.name} as name, ${records.crm} as crm,
           ${records.objectType} as objectType, ${records.status} as status, ${records.lastEventAt} as lastEventAt
    from hits join ${search} on ${search.recordKey} = hits.record_key join ${records} on ${records.recordKey} = hits.record_key
    order by ${records.lastEventAt} desc limit ${limit}`);
  return results;
}
