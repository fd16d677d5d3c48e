import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Only src/storage touches D1 (issue 24): queries are written there with drizzle against the
 * schema that test/integration/storage-schema.test.ts holds to the migrations. Anywhere else in
 * src, a raw D1 statement (`.prepare(`) or a drizzle instance (`drizzle(`) is a query outside the
 * storage layer. (`npm run deps` refuses drizzle-orm imports outside src/storage as well.)
 */
const SRC = path.join(import.meta.dirname, "../../src");
const STORAGE = path.join(SRC, "storage");

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });

/** The places in a file's code (comment lines left out) that reach D1 directly. */
function d1Calls(text: string): number[] {
  const code = text.replace(/^[ \t]*(\/\/|\/\*|\*).*$/gm, "");
  return [...code.matchAll(/\.prepare\s*\(|\bdrizzle\s*\(/g)].map((m) => code.slice(0, m.index).split("\n").length);
}

describe("D1 is reached through src/storage alone", () => {
  it("finds the calls it looks for", () => {
    expect(d1Calls('const row = await env.DB.prepare("select 1").first();')).toEqual([1]);
    expect(d1Calls("const d1 = drizzle(db);\n// db.prepare( in a comment")).toEqual([1]);
    expect(d1Calls("const x = 1;\nawait c.env.DB\n  .prepare(sql)")).toEqual([3]);
  });

  it("src outside src/storage calls neither .prepare( nor drizzle(", () => {
    const found = sources(SRC)
      .filter((file) => !file.startsWith(STORAGE + path.sep))
      .flatMap((file) => d1Calls(readFileSync(file, "utf8")).map((line) => `${path.relative(SRC, file)}:${line}`));
    expect(found).toEqual([]);
  });
});
