/*
 * Inserts that happen only when a condition holds at the moment they run, inside a batch's
 * transaction: the intake route's writes go in only if the idempotency claim before them is ours.
 */

/** A SQL condition with its parameters, bound after the statement's own. */
export interface SqlCondition {
  sql: string;
  params: unknown[];
}

/**
 * `INSERT … SELECT * FROM (VALUES …) WHERE condition`, then `tail` (an ON CONFLICT clause: the
 * WHERE also keeps SQLite from reading it as part of the SELECT). Without a condition the rows
 * always go in. Bind the rows' parameters, then `conditionParams(when)`.
 */
export function insertWhenSql(head: string, rows: string, when: SqlCondition | undefined, tail = ""): string {
  return `${head} SELECT * FROM (VALUES ${rows}) WHERE ${when?.sql ?? "1"} ${tail}`;
}

export const conditionParams = (when: SqlCondition | undefined): unknown[] => when?.params ?? [];
