import { recordName } from "../core/model/record-name";
import type { RecordState } from "../core/model/record-state";

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

/** Upserts the record's search row; an unchanged row is left alone (no write). */
export function upsertSearchRow(db: D1Database, key: string, searchable: Searchable, now: Date): D1PreparedStatement {
  return db
    .prepare(
      `insert into record_search (record_key, email, name, display_name, updated_at) values (?1, ?2, ?3, ?4, ?5)
       on conflict (record_key) do update set email = excluded.email, name = excluded.name, display_name = excluded.display_name, updated_at = excluded.updated_at
       where record_search.email is not excluded.email or record_search.display_name is not excluded.display_name`,
    )
    .bind(key, searchable.email, searchable.name, searchable.display, now.toISOString());
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
  const { results } = await db
    .prepare(
      `with hits as (
         select record_key from record_search where record_key = ?1
         union select record_key from record_search where email >= ?2 and email < ?2 || char(1114111)
         union select record_key from record_search where name like '%' || ?3 || '%' escape '\\'
       )
       select r.record_key as recordKey, s.email, coalesce(s.display_name, s.name) as name, r.crm, r.object_type as objectType, r.status, r.last_event_at as lastEventAt
       from hits h join record_search s on s.record_key = h.record_key join records r on r.record_key = h.record_key
       order by r.last_event_at desc limit ?4`,
    )
    .bind(query.trim(), q, like, limit)
    .all<SearchHit>();
  return results;
}

/** One record's email and name, as the console heads its page with them. */
export async function searchRowOf(db: D1Database, recordKey: string): Promise<{ email: string | null; name: string | null } | null> {
  return db
    .prepare("select email, coalesce(display_name, name) as name from record_search where record_key = ?1")
    .bind(recordKey)
    .first<{ email: string | null; name: string | null }>();
}

/** The names (else emails) of these records, by record key: how lists name the leads they mention. */
export async function namesOf(db: D1Database, recordKeys: readonly string[]): Promise<Map<string, string>> {
  const keys = [...new Set(recordKeys)];
  if (keys.length === 0) return new Map();
  const { results } = await db
    .prepare(
      "select record_key as recordKey, coalesce(display_name, name, email) as name from record_search where record_key in (select value from json_each(?1))",
    )
    .bind(JSON.stringify(keys))
    .all<{ recordKey: string; name: string | null }>();
  return new Map(results.flatMap((r) => (r.name ? [[r.recordKey, r.name] as [string, string]] : [])));
}
