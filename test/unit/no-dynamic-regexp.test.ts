import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * No regular expression is built at run time anywhere in src: one built from policy or request
 * text can backtrack for minutes (issue 23: a cadence route of 19 stars pinned the Worker). Only
 * literals are allowed, and string methods that turn a string argument into a RegExp (`match`,
 * `matchAll`, `search`) may only be given a literal or a constant holding one.
 */
const SRC = path.join(import.meta.dirname, "../../src");

const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });

describe("no RegExp from text", () => {
  it("src builds no RegExp and hands match/matchAll/search only regex literals", () => {
    const problems: string[] = [];
    for (const file of sources(SRC)) {
      // Comment lines may name what they like.
      const text = readFileSync(file, "utf8").replace(/^\s*(\/\/|\/\*|\*).*$/gm, "");
      const where = (index: number) => `${path.relative(SRC, file)}:${text.slice(0, index).split("\n").length}`;
      for (const found of text.matchAll(/\bRegExp\s*\(/g)) problems.push(`${where(found.index)}: RegExp(…)`);
      // Constants that hold a regex literal: `const WORD = /…/u;`.
      const literals = new Set([...text.matchAll(/\bconst\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*\//g)].map((m) => m[1]));
      for (const found of text.matchAll(/\.(match|matchAll|search)\(\s*([^)\s,]*)/g)) {
        const argument = found[2]!;
        if (!argument.startsWith("/") && !literals.has(argument)) problems.push(`${where(found.index)}: .${found[1]}(${argument})`);
      }
    }
    expect(problems).toEqual([]);
  });
});
