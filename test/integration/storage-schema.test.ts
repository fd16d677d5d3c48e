import { env } from "cloudflare:workers";
import { is } from "drizzle-orm";
import { getTableConfig, SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, it } from "vitest";
import * as schema from "../../src/storage/schema";

/*
 * migrations/*.sql is the schema of record; src/storage/schema.ts is its typed mirror. After the
 * migrations are applied (test/support/apply-migrations.ts), every table of the database must have
 * its drizzle table and every drizzle table its table, with the same columns in the same order
 * (name, declared type, NOT NULL, default, place in the primary key), the same indexes and unique
 * constraints, and AUTOINCREMENT where the migration says it.
 */

const tables: SQLiteTable[] = (Object.values(schema) as unknown[]).filter((value): value is SQLiteTable => is(value, SQLiteTable));

interface PragmaColumn {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

const pragma = async <T>(sql: string) => (await env.DB.prepare(sql).all<T>()).results;

/** A column as both sides can say it. */
interface ColumnShape {
  name: string;
  type: string;
  /** Compared for columns outside the primary key: SQLite reports a key column's NOT NULL only when declared. */
  notNull: boolean | "key";
  default: string | null;
  /** 1-based place in the primary key, 0 outside it. */
  pk: number;
}

function drizzleColumns(table: SQLiteTable): ColumnShape[] {
  const config = getTableConfig(table);
  const compositeKey = config.primaryKeys[0]?.columns.map((c) => c.name) ?? [];
  return config.columns.map((column) => {
    const pk = column.primary ? 1 : compositeKey.indexOf(column.name) + 1;
    const driverDefault = column.default === undefined ? null : column.mapToDriverValue(column.default);
    return {
      name: column.name,
      type: column.getSQLType().toUpperCase(),
      notNull: pk > 0 ? "key" : column.notNull,
      default: driverDefault === null ? null : String(driverDefault),
      pk,
    };
  });
}

async function migratedColumns(name: string): Promise<ColumnShape[]> {
  const columns = await pragma<PragmaColumn>(`PRAGMA table_info(${name})`);
  return columns.map((c) => ({ name: c.name, type: c.type, notNull: c.pk > 0 ? "key" : c.notnull === 1, default: c.dflt_value, pk: c.pk }));
}

interface IndexShape {
  name: string;
  columns: string[];
  unique: boolean;
}

function drizzleIndexes(table: SQLiteTable): { indexes: IndexShape[]; uniques: string[] } {
  const config = getTableConfig(table);
  const indexes = config.indexes.map((i) => ({
    name: i.config.name,
    columns: i.config.columns.map((c) => (c as { name: string }).name),
    unique: i.config.unique,
  }));
  const uniques = [
    ...config.columns.filter((c) => c.isUnique).map((c) => [c.name]),
    ...config.uniqueConstraints.map((u) => u.columns.map((c) => c.name)),
  ];
  return { indexes: sortByName(indexes), uniques: uniques.map((u) => u.join(",")).sort() };
}

/** Indexes a migration created (origin c) and unique constraints (origin u); the primary key is compared with the columns. */
async function migratedIndexes(name: string): Promise<{ indexes: IndexShape[]; uniques: string[] }> {
  const list = await pragma<{ name: string; unique: number; origin: string }>(`PRAGMA index_list(${name})`);
  const withColumns = await Promise.all(
    list.map(async (i) => ({ ...i, columns: (await pragma<{ seqno: number; name: string }>(`PRAGMA index_info(${i.name})`)).map((c) => c.name) })),
  );
  return {
    indexes: sortByName(withColumns.filter((i) => i.origin === "c").map((i) => ({ name: i.name, columns: i.columns, unique: i.unique === 1 }))),
    uniques: withColumns
      .filter((i) => i.origin === "u")
      .map((i) => i.columns.join(","))
      .sort(),
  };
}

const sortByName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));

describe("drizzle schema mirrors the migrations", () => {
  it("has a drizzle table for every migrated table, and no other", async () => {
    const migrated = await pragma<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
    );
    expect(tables.map((t) => getTableConfig(t).name).sort()).toEqual(migrated.map((t) => t.name));
    expect(tables.length).toBeGreaterThanOrEqual(25);
  });

  for (const table of tables) {
    const name = getTableConfig(table).name;

    it(`${name}: the same columns, types, NOT NULL, defaults and primary key`, async () => {
      expect(drizzleColumns(table)).toEqual(await migratedColumns(name));
    });

    it(`${name}: the same indexes and unique constraints`, async () => {
      expect(drizzleIndexes(table)).toEqual(await migratedIndexes(name));
    });

    it(`${name}: AUTOINCREMENT where the migration says it`, async () => {
      const [created] = await pragma<{ sql: string }>(`SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '${name}'`);
      const autoIncrement = getTableConfig(table).columns.some((c) => (c as { autoIncrement?: boolean }).autoIncrement === true);
      expect(autoIncrement).toBe(/\bAUTOINCREMENT\b/i.test(created!.sql));
    });
  }
});
