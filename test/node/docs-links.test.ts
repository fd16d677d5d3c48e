import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * Every relative link in README.md and docs/*.md resolves: the file or folder exists, and an
 * `#anchor` names a heading of the target page as GitHub slugs it. Links to other sites are not
 * followed (that would make the suite depend on the network); links in code are not links.
 */
const root = new URL("../..", import.meta.url).pathname;

/** The markdown without fenced code blocks and inline code spans, which hold no links. */
function prose(markdown: string): string {
  return markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "").replace(/(`+)[^`\n][\s\S]*?\1/g, "");
}

/** The targets of inline links and images, and of reference definitions. */
function linksOf(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[(?:[^\][]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const definitions = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!);
  return [...inline, ...definitions];
}

/**
 * GitHub's heading anchors (github-slugger): the heading's text (links and emphasis reduced to
 * their words), lower-cased, without punctuation, spaces as hyphens; a repeated slug gets -1, -2, …
 */
function anchorsOf(markdown: string): Set<string> {
  const withoutFences = markdown.replace(/^(`{3,}|~{3,})[^\n]*\n[\s\S]*?^\1[ \t]*$/gm, "");
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const match of withoutFences.matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const text = match[1]!
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/<[^>]+>/g, "")
      .toLowerCase();
    const base = text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "").replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//");

/** What is wrong with each relative link of `file` (a path from the repository root). */
function brokenLinks(file: string, markdown: string, read: (path: string) => string | undefined): string[] {
  const problems: string[] = [];
  for (const target of linksOf(markdown)) {
    if (isExternal(target)) continue;
    const [rawPath, anchor] = target.split("#", 2) as [string, string | undefined];
    const path = decodeURIComponent(rawPath);
    const resolved = path === "" ? file : join(dirname(file), path);
    const content = read(resolved);
    if (content === undefined) {
      problems.push(`${file}: ${target}: no file ${resolved}`);
      continue;
    }
    if (anchor === undefined || anchor === "") continue;
    if (!resolved.endsWith(".md")) {
      problems.push(`${file}: ${target}: an anchor into ${resolved}, which is not a markdown page`);
    } else if (!anchorsOf(content).has(anchor)) {
      problems.push(`${file}: ${target}: ${resolved} has no heading #${anchor}`);
    }
  }
  return problems;
}

/** A repository path's text; "" for a folder; undefined when nothing is there. */
function readRepoPath(path: string): string | undefined {
  const full = join(root, path);
  if (!existsSync(full)) return undefined;
  return statSync(full).isDirectory() ? "" : readFileSync(full, "utf8");
}

const pages = [
  "README.md",
  ...readdirSync(join(root, "docs"))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

describe("links in README.md and docs/", () => {
  it("finds a missing file, a missing anchor and an anchor into a page that is not markdown, and follows GitHub's slugs", () => {
    const files: Record<string, string> = {
      "docs/a.md": "# Connect inbound email (replies)\n\n## `npm run check` and `/health`\n\n## Repeated\n\n## Repeated\n",
      "src/x.ts": "",
    };
    const page = [
      "[ok](a.md#connect-inbound-email-replies) [code](a.md#npm-run-check-and-health) [second](a.md#repeated-1)",
      "[gone](missing.md) [no anchor](a.md#nowhere) [source](../src/x.ts#L3) [web](https://example.com/x#y)",
      "`[in code](nowhere.md)`",
      "```",
      "[in a block](nowhere.md)",
      "```",
    ].join("\n");
    expect(brokenLinks("docs/b.md", page, (path) => files[path])).toEqual([
      "docs/b.md: missing.md: no file docs/missing.md",
      "docs/b.md: a.md#nowhere: docs/a.md has no heading #nowhere",
      "docs/b.md: ../src/x.ts#L3: an anchor into src/x.ts, which is not a markdown page",
    ]);
  });

  it("every relative link and anchor resolves", () => {
    expect(pages.length).toBeGreaterThan(1);
    const problems = pages.flatMap((page) => brokenLinks(page, readFileSync(join(root, page), "utf8"), readRepoPath));
    expect(problems, `checked ${pages.map((p) => relative(root, join(root, p))).join(", ")}`).toEqual([]);
  });
});
