import { type AnyColumn, getTableColumns, is, SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Values } from "./orm";

/*
 * Inserts that happen only when a condition holds at the moment they run, inside a batch's
 * transaction: the intake route's writes go in only if the idempotency claim before them is ours,
 * and the claim only if the policy it was read with is still the active one.
 */

/**
 * A condition a batch's writes carry: its SQL, built once with placeholders, and their values.
 * Its placeholder names start with its name, so they never meet the statement's own, and the
 * name tells a compiled statement's shapes apart (one per condition).
 */
export interface SqlCondition {
  name: string;
  sql: SQL;
  values: Values;
}

/** The shape key of a statement that may carry a condition. */
export const conditionName = (when: SqlCondition | undefined): string => when?.name ?? "always";

/** Every column of a table, each given: a value, a placeholder or SQL. */
export type FullRow<T extends SQLiteTable> = { [K in keyof T["$inferInsert"]]-?: unknown };

/** A value (or placeholder) bound as the column binds it (a boolean as 0 or 1); SQL as it is. */
const valueFor = (value: unknown, column: AnyColumn): SQL => (is(value, SQL) ? value : sql`${sql.param(value, column)}`);

/**
 * `select * from (values (…), …) where condition`: rows for `insert(table).select(…)` that go in
 * only while `when` holds (always without one). The WHERE also keeps SQLite from reading an ON
 * CONFLICT after it as part of the SELECT. Each row names every column, in the table's order (the
 * order drizzle lists them in the insert).
 */
export function rowsWhen<T extends SQLiteTable>(table: T, rows: readonly FullRow<T>[], when?: SqlCondition): SQL {
  const columns = Object.entries(getTableColumns(table)) as [keyof FullRow<T>, AnyColumn][];
  const tuples = rows.map(
    (row) =>
      sql`(${sql.join(
        columns.map(([key, column]) => valueFor(row[key], column)),
        sql`, `,
      )})`,
  );
  return sql`select * from (values ${sql.join(tuples, sql`, `)}) where ${when?.sql ?? sql`true`}`;
}
