import { type AnyColumn, getTableColumns, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";

/**
 * D1 binds at most 100 parameters per statement, so many rows go in as one JSON array read with
 * json_each. Each array stays well under D1's 2 MB limit for a bound value, counted in UTF-8
 * bytes as D1 counts them; a row larger than that goes alone. (The same split as the outbox's.)
 */
const MAX_JSON_BYTES = 1_000_000;
const utf8 = new TextEncoder();

export function jsonBatches(rows: readonly object[]): string[] {
  const arrays: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = utf8.encode(json).byteLength + 1;
    if (current.length > 0 && bytes + size > MAX_JSON_BYTES) {
      arrays.push(`[${current.join(",")}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length > 0) arrays.push(`[${current.join(",")}]`);
  return arrays;
}

/** A field of the JSON row `r` (a name of ours, never input): `r.value ->> 'name'`, NULL when absent. */
export const field = (name: string): SQL => {
  if (!/^\w+$/.test(name)) throw new Error(`not a field name: ${name}`);
  return sql.raw(`r.value ->> '${name}'`);
};

/**
 * `select … from json_each(array) as r where true`: the rows of one of jsonBatches' arrays, for
 * insert(table).select(…). Each column is named (a field of the row, or SQL such as a constant),
 * in the table's order as drizzle lists them. The WHERE keeps SQLite from reading an ON CONFLICT
 * after it as a join's.
 */
export function jsonRows<T extends SQLiteTable>(table: T, array: unknown, row: { [K in keyof T["$inferInsert"]]-?: SQL }): SQL {
  const columns = Object.keys(getTableColumns(table) as Record<string, AnyColumn>) as (keyof T["$inferInsert"])[];
  return sql`select ${sql.join(
    columns.map((key) => row[key]),
    sql`, `,
  )} from json_each(${array}) as r where true`;
}
