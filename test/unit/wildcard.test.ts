import { describe, expect, it } from "vitest";
import { cadenceForSource, sourceMatches } from "../../src/core/policy/cadence-policy";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { wildcardMatches } from "../../src/core/policy/wildcard";

/** Milliseconds one call takes. */
const timed = (run: () => unknown) => {
  const started = performance.now();
  run();
  return performance.now() - started;
};

/**
 * What the matcher must agree with: the RegExp it replaced, with `.` spanning line breaks (the
 * one intended difference). Built here from the test's own generated text, never in src.
 */
const reference = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "is",
  ).test(value);

/** A small seeded generator, so a failure names a case that can be run again. */
function random(seed: number) {
  let state = seed >>> 0;
  return (below: number) => {
    state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0;
    state ^= state >>> 13;
    return state % below;
  };
}

describe("wildcard patterns (cadence routes, picklist checks)", () => {
  it.each([
    ["content_download_*", "Content_Download_Pricing", true],
    ["content_download_*", "content_download_", true],
    ["content_download_*", "content_downloads", false],
    ["*webinar*", "Spring-WEBINAR-2026", true],
    ["webinar*", "my webinar", false],
    ["demo_request", "DEMO_REQUEST", true],
    ["demo_request", "demo_request ", false],
    ["*", "", true],
    ["*", "anything at all", true],
    ["a*b*c", "abc", true],
    ["a*b*c", "acb", false],
    ["ab*ba", "aba", false],
    ["*aab", "aaab", true],
    ["a.b", "axb", false],
    ["(x)+[y]?$^\\{2}|", "(X)+[Y]?$^\\{2}|", true],
    ["Straße*", "STRASSE", false],
    ["Straße*", "straße 1", true],
    ["\u017f*", "s", false],
    ["k*", "\u212a", false],
    ["é*", "École", true],
    ["first*last", "first\nmiddle\nlast", true],
  ])("%j against %j: %s", (pattern, value, matches) => {
    expect(wildcardMatches(pattern, value)).toBe(matches);
    expect(reference(pattern, value)).toBe(matches);
  });

  it("agrees with a case-insensitive RegExp on 20,000 generated patterns and values", () => {
    const next = random(2311);
    const alphabet = ["a", "A", "b", "B", "ab", ".", "ß", "S", "s", "\u017f", "k", "K", "\u212a", "é", "É", "\n", "🧭"];
    const word = (length: number) => Array.from({ length }, () => alphabet[next(alphabet.length)]).join("");
    for (let i = 0; i < 20_000; i++) {
      const pattern = Array.from({ length: 1 + next(4) }, () => word(next(4))).join("*");
      const value = word(next(12));
      if (wildcardMatches(pattern, value) !== reference(pattern, value)) throw new Error(`${JSON.stringify(pattern)} ~ ${JSON.stringify(value)}`);
    }
  });

  it("answers in milliseconds where a backtracking RegExp takes seconds (10 stars, 35 characters)", () => {
    const pattern = `${"*a".repeat(10)}*b`;
    expect(timed(() => expect(sourceMatches(pattern, "a".repeat(35))).toBe(false))).toBeLessThan(50);
  });

  it('answers in milliseconds for the pattern that hung the Worker ("*a" × 18 + "*b" against 100 and 100,000 a\'s)', () => {
    const pattern = `${"*a".repeat(18)}*b`;
    expect(timed(() => expect(sourceMatches(pattern, "a".repeat(100))).toBe(false))).toBeLessThan(50);
    expect(timed(() => expect(sourceMatches(pattern, `${"a".repeat(100_000)}b`)).toBe(true))).toBeLessThan(50);
    // Many near-misses for each piece: still one pass over the value.
    const pieces = `*${"a".repeat(500)}b*${"a".repeat(500)}c`;
    expect(timed(() => expect(sourceMatches(pieces, "a".repeat(100_000))).toBe(false))).toBeLessThan(50);
  });

  it("a policy can route on such a pattern and a lead with a long source still gets its default cadence", () => {
    const base = Policy.parse(DEFAULT_POLICY).rules.cadences!;
    const rule = { ...base, routes: [{ source: `${"*a".repeat(18)}*b`, cadence: base.cadences[0]!.id }, ...base.routes] };
    const chosen = cadenceForSource(rule, "a".repeat(100));
    expect(chosen.id).toBe(cadenceForSource(base, "a".repeat(100)).id);
  });
});
