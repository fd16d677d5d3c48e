import { recordName } from "../core/model/record-name";
import type { RecordState } from "../core/model/record-state";

/** Properties a record's email is read from, per CRM. */
const EMAIL = ["email", "Email"];

export interface Searchable {
  email: string | null;
  name: string | null;
}

/** What the console finds a record by: its email and its name, lower-cased (search is case-insensitive). */
export function searchableOf(state: RecordState): Searchable {
  const email =
    EMAIL.map((n) => state.properties[n]?.value?.trim())
      .find((v): v is string => !!v)
      ?.toLowerCase() ?? null;
  return { email, name: recordName(state)?.toLowerCase() ?? null };
}

/** Upserts the record's search row; an unchanged row is left alone (no write). */
export function upsertSearchRow(db: D1Database, key: string, searchable: Searchable, now: Date): D1PreparedStatement {
  return db
    .prepare(
      `insert into record_search (record_key, email, name, updated_at) values (?1, ?2, ?3, ?4)
       on conflict (record_key) do update set email = excluded.email, name = excluded.name, updated_at = excluded.updated_at
       where record_search.email is not excluded.email or record_search.name is not excluded.name`,
    )
    .bind(key, searchable.email, searchable.name, now.toISOString());
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
  const { results } = await db
    .prepare(
      `with hits as (
         select record_key from record_search where record_key = ?1
         union select record_key from record_search where email >= ?2 and email < ?2 || char(1114111)
         union select record_key from record_search where name like '%' || ?3 || '%' escape '\\'
       )
       select r.record_key as recordKey, s.email, s.name, r.crm, r.object_type as objectType, r.status, r.last_event_at as lastEventAt
       from hits h join record_search s on s.record_key = h.record_key join records r on r.record_key = h.record_key
       order by r.last_event_at desc limit ?4`,
    )
    .bind(query.trim(), q, like, limit)
    .all<SearchHit>();
  return results;
}
