import { describe, expect, it } from "vitest";
import type { RecordState } from "../../src/core/model/record-state";
import { SEARCH_PROPERTIES } from "../../src/core/policy/policy-needs";
import { searchableOf } from "../../src/storage/record-search";

/**
 * The properties the installation kit subscribes to for the console's search (SEARCH_PROPERTIES)
 * are the ones the search row is built from: a record holding only them is found by email and name.
 */
describe("SEARCH_PROPERTIES", () => {
  const isEmail = (name: string) => name.toLowerCase() === "email";
  for (const [crm, types] of Object.entries(SEARCH_PROPERTIES)) {
    for (const [objectType, names] of Object.entries(types)) {
      it(`${crm} ${objectType}: ${names.join(", ")} give the search its email and name`, () => {
        const properties = Object.fromEntries(names.map((name) => [name, { value: isEmail(name) ? "Ada@Example.com" : `Ada-${name}` }]));
        const found = searchableOf({ crm, properties } as unknown as RecordState);
        const name = names
          .filter((name) => !isEmail(name))
          .map((name) => `Ada-${name}`)
          .join(" ");
        expect(found).toEqual({
          email: names.some(isEmail) ? "ada@example.com" : null,
          name: name.toLowerCase(),
          display: name,
        });
      });
    }
  }
});
