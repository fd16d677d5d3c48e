import { type AnyColumn, is, Param, Placeholder, type Query, SQL, sql } from "drizzle-orm";
import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { SQLiteAsyncDialect } from "drizzle-orm/sqlite-core";

/*
 * How the storage modules reach D1, and the only place in src that does (a unit test keeps
 * `drizzle(` and `.prepare(` inside src/storage). Queries are written with drizzle against the
 * schema (schema.ts): the query builder where it fits, its `sql` template with column references
 * where D1's SQL needs more (json_each, upserts with conditions, window functions).
 *
 * Two ways to run them:
 * - orm(db): drizzle over the binding, for reads and writes that run now and then (the console,
 *   the cron, admin routes). It builds each query's SQL as it runs.
 * - compiled(…): for statements that run per request or per event (the intake route's batch, the
 *   outbox, facts, the record projection). Building a drizzle query costs some tens of
 *   microseconds; a compiled statement is built once per isolate with placeholders
 *   (sql.placeholder) for its values, and each call only binds them to a plain D1 statement, the
 *   same work as a hand-written prepare().bind(). Its results are D1's (rows keyed by column
 *   names as the SQL says them), and D1 statements go into db.batch() as they are.
 */

export type Orm = DrizzleD1Database;

const orms = new WeakMap<D1Database, Orm>();

/** Drizzle over a D1 binding (one per binding: it holds nothing but the binding). */
export function orm(db: D1Database): Orm {
  let found = orms.get(db);
  if (!found) {
    found = drizzle(db);
    orms.set(db, found);
  }
  return found;
}

/**
 * Builds statements, never runs them: it has no database. compiled() builds each statement's SQL
 * with it once.
 */
const builder: Orm = drizzle(undefined as unknown as D1Database);
const dialect = new SQLiteAsyncDialect();

/** What compiled() can build from: a query of the builder, or an `sql` template. */
export type Buildable = SQL | { toSQL(): Query };

/**
 * Where each bound value of a compiled statement comes from: a value fixed when it was built, or
 * a placeholder's value by name (encoded as its column binds it, a boolean as 0 or 1). Worked out
 * once, so binding is a loop over the slots, with no drizzle left on the per-call path.
 */
type Slot = { fixed: unknown } | { name: string; encode?: (value: unknown) => unknown };

interface Statement {
  sql: string;
  slots: Slot[];
}

function statementOf(built: Buildable): Statement {
  const query = is(built, SQL) ? dialect.sqlToQuery(built) : built.toSQL();
  const slots = query.params.map((param): Slot => {
    if (is(param, Placeholder)) return { name: param.name };
    if (is(param, Param) && is(param.value, Placeholder)) {
      const encoder = param.encoder;
      return { name: param.value.name, encode: (value) => encoder.mapToDriverValue(value) };
    }
    return { fixed: param };
  });
  return { sql: query.sql, slots };
}

/** The values of a statement's placeholders, by name. */
export type Values = Record<string, unknown>;

/** Binds a statement, built once, to this call's values (`more`: a condition's, looked up after them). */
function bind(db: D1Database, statement: Statement, values: Values, more?: Values): D1PreparedStatement {
  const params = new Array<unknown>(statement.slots.length);
  for (let i = 0; i < params.length; i++) {
    const slot = statement.slots[i]!;
    if ("fixed" in slot) {
      params[i] = slot.fixed;
      continue;
    }
    const value = slot.name in values ? values[slot.name] : more?.[slot.name];
    if (value === undefined) throw new Error(`no value for placeholder "${slot.name}"`);
    params[i] = slot.encode ? slot.encode(value) : value;
  }
  return db.prepare(statement.sql).bind(...params);
}

/** A statement built once per isolate (on first use), bound per call; `V` names its placeholders. */
export function compiled<V extends Values>(build: (q: Orm) => Buildable): (db: D1Database, values: V, more?: Values) => D1PreparedStatement {
  let statement: Statement | undefined;
  return (db, values, more) => {
    statement ??= statementOf(build(builder));
    return bind(db, statement, values, more);
  };
}

/**
 * compiled() for a statement of a few shapes (with a guard or without, n rows): each shape,
 * named by `keyOf`, is built once. Callers keep the shapes few.
 */
export function compiledShapes<S, V extends Values>(
  keyOf: (shape: S) => string,
  build: (q: Orm, shape: S) => Buildable,
): (db: D1Database, shape: S, values: V, more?: Values) => D1PreparedStatement {
  const statements = new Map<string, Statement>();
  return (db, shape, values, more) => {
    const key = keyOf(shape);
    let statement = statements.get(key);
    if (!statement) {
      statement = statementOf(build(builder, shape));
      statements.set(key, statement);
    }
    return bind(db, statement, values, more);
  };
}

/** `excluded.column` in an upsert's DO UPDATE: the value the insert proposed. */
export const excluded = (column: AnyColumn): SQL => sql`excluded.${sql.identifier(column.name)}`;

/** Values as one bound JSON array: `inArray(column, anyOf(values))` matches any of them, however many (D1 binds at most 100 parameters). */
export const anyOf = (values: readonly unknown[]): SQL => sql`(select value from json_each(${JSON.stringify(values)}))`;
