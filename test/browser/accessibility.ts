import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect } from "vitest";

/** axe-core from npm, injected into the page (the context bypasses the console's CSP for it). */
const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

interface AxeViolation {
  id: string;
  impact: "minor" | "moderate" | "serious" | "critical" | null;
  help: string;
  nodes: { target: string[] }[];
}

/** Runs axe-core on the page as it is: no serious or critical violation of WCAG 2.1 A and AA (issue 27). */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  await page.addScriptTag({ content: AXE });
  const violations = (await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: (context: unknown, options: unknown) => Promise<{ violations: unknown[] }> } }).axe;
    const result = await axe.run((globalThis as any).document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return result.violations;
  })) as AxeViolation[];
  const bad = violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} (${v.nodes
          .map((n) => n.target.join(" "))
          .slice(0, 3)
          .join("; ")})`,
    );
  expect(bad, `${name}: axe-core`).toEqual([]);
}

/** The page fits its viewport's width: nothing makes the window scroll sideways. */
export async function expectFitsWidth(page: Page, name: string): Promise<void> {
  const { scroll, width } = await page.evaluate(() => {
    const w = globalThis as any;
    return { scroll: w.document.documentElement.scrollWidth as number, width: w.innerWidth as number };
  });
  expect(scroll, `${name}: page width ${scroll} px in a ${width} px window`).toBeLessThanOrEqual(width);
}

/** Every link, button and field can be reached with Tab: walks the tab order and returns what it met. */
export async function tabStops(page: Page, max = 400): Promise<string[]> {
  await page.evaluate(() => (globalThis as any).document.activeElement?.blur());
  const seen: string[] = [];
  let lost = 0;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press("Tab");
    const id = await page.evaluate(() => {
      const doc = (globalThis as any).document;
      const el = doc.activeElement;
      if (!el || el === doc.body) return null;
      return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}:${String(el.getAttribute("aria-label") ?? el.textContent ?? el.name ?? "")
        .trim()
        .slice(0, 40)}` as string;
    });
    // Focus on the page itself between two stops (a scroll container the browser lets the keyboard scroll): go on.
    if (!id) {
      if (++lost > 3) break;
      continue;
    }
    lost = 0;
    if (!seen.includes(id)) seen.push(id);
  }
  return seen;
}
