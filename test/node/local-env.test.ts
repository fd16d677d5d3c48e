import { describe, expect, it } from "vitest";
import { migrationsApplied } from "../../scripts/local-env.ts";

/** wrangler 4's `d1 migrations apply --local` output, as `npm run dev` reads it to say how many it applied. */
describe("migrationsApplied", () => {
  it("reads the count wrangler announces before applying", () => {
    const output = [
      "Migrations to be applied:",
      "│ 0001_records.sql                     │",
      "? About to apply 15 migration(s)",
      "Your database may not be available to serve requests during the migration, continue?",
      "🤖 Using fallback value in non-interactive context: yes",
    ].join("\n");
    expect(migrationsApplied(output)).toBe(15);
  });

  it("is 0 when the database is up to date, and null when wrangler says neither", () => {
    expect(migrationsApplied("Resource location: local \n✅ No migrations to apply!\n")).toBe(0);
    expect(migrationsApplied("something else entirely")).toBeNull();
  });
});
