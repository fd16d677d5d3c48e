import { eq, sql } from "drizzle-orm";
import { recordName } from "../core/model/record-name";
import type { RecordState } from "../core/model/record-state";
import { compiled, excluded, orm } from "./orm";
import { records, recordSearch } from "./schema";

const ph = sql.placeholder;

/** Properties a record's email is read from, per CRM. */
const EMAIL = ["email", "Email"];

export interface Searchable {
  email: string | null;
  name: string | null;
  /** The name as the CRM writes it, for showing. */
  display: string | null;
}

/** What the console finds a record by: its email and its name, lower-cased (search is case-insensitive). */
export function searchableOf(state: RecordState): Searchable {
  const email =
    EMAIL.map((n) => state.properties[n]?.value?.trim())
      .find((v): v is string => !!v)
      ?.toLowerCase() ?? null;
  const display = recordName(state);
  return { email, name: display?.toLowerCase() ?? null, display };
}

const search = recordSearch;

/** An unchanged row is left alone: the update's WHERE skips it, and D1 counts no write. */
const upsertSearch = compiled((q) =>
  q
    .insert(search)
    .values({ recordKey: ph("recordKey"), email: ph("email"), name: ph("name"), displayName: ph("displayName"), updatedAt: ph("updatedAt") })
    .onConflictDoUpdate({
      target: search.recordKey,
      set: {
        email: excluded(search.email),
        name: excluded(search.name),
        displayName: excluded(search.displayName),
        updatedAt: excluded(search.updatedAt),
      },
      setWhere: sql`${search.email} is not ${excluded(search.email)} or ${search.displayName} is not ${excluded(search.displayName)}`,
    }),
);

/** Upserts the record's search row; an unchanged row is left alone (no write). */
export function upsertSearchRow(db: D1Database, key: string, searchable: Searchable, now: Date): D1PreparedStatement {
  return upsertSearch(db, {
    recordKey: key,
    email: searchable.email,
    name: searchable.name,
    displayName: searchable.display,
    updatedAt: now.toISOString(),
  });
}

export interface SearchHit {
  recordKey: string;
  email: string | null;
  /** As the CRM writes it. */
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
    select ${records.recordKey} as recordKey, ${search.email} as email, coalesce(${search.displayName}, ${search.name}) as name, ${records.crm} as crm,
           ${records.objectType} as objectType, ${records.status} as status, ${records.lastEventAt} as lastEventAt
    from hits join ${search} on ${search.recordKey} = hits.record_key join ${records} on ${records.recordKey} = hits.record_key
    order by ${records.lastEventAt} desc limit ${limit}`);
  return results;
}

/** One record's email and name, as the console heads its page with them. */
export async function searchRowOf(db: D1Database, recordKey: string): Promise<{ email: string | null; name: string | null } | null> {
  const [row] = await orm(db)
    .select({ email: search.email, name: sql<string | null>`coalesce(${search.displayName}, ${search.name})` })
    .from(search)
    .where(eq(search.recordKey, recordKey));
  return row ?? null;
}

/** The names (else emails) of these records, by record key: how lists name the leads they mention. */
export async function namesOf(db: D1Database, recordKeys: readonly string[]): Promise<Map<string, string>> {
  const keys = [...new Set(recordKeys)];
  if (keys.length === 0) return new Map();
  // The keys as one JSON array: a long list would pass D1's 100 bound values as separate ones.
  const results = await orm(db)
    .select({ recordKey: search.recordKey, name: sql<string | null>`coalesce(${search.displayName}, ${search.name}, ${search.email})` })
    .from(search)
    .where(sql`${search.recordKey} in (select value from json_each(${JSON.stringify(keys)}))`);
  return new Map(results.flatMap((r) => (r.name ? [[r.recordKey, r.name] as [string, string]] : [])));
}
