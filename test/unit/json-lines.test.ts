import { describe, expect, it } from "vitest";
import { jsonLines, lineOf, parseErrorLine } from "../../src/console/json-lines";

describe("the lines of a JSON document's values", () => {
  const text = JSON.stringify(
    { timeZone: "Mars/Olympus", reps: [{ id: "a", weight: 1 }, { id: "b" }], rules: { staleLead: { threshold: "P1D" } } },
    null,
    2,
  );

  it("finds each key's line, array items included, and the nearest enclosing value for a missing key", () => {
    const lines = jsonLines(text);
    const lineWith = (needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
    expect(lineOf(lines, "timeZone")).toBe(lineWith('"timeZone"'));
    expect(lineOf(lines, "reps.1.id")).toBe(lineWith('"id": "b"'));
    expect(lineOf(lines, "rules.staleLead.threshold")).toBe(lineWith('"threshold"'));
    // reps.1 has no weight: the problem is shown where reps.1 starts.
    expect(lineOf(lines, "reps.1.weight")).toBe(lines.get("reps.1"));
    expect(lineOf(lines, "")).toBe(1);
  });

  it("gives nothing for text that is not JSON, and reads a parse error's position", () => {
    expect(jsonLines('{"a": ').size).toBe(0);
    expect(parseErrorLine('{\n"a": x}', "Unexpected token 'x', ... is not valid JSON at position 7")).toBe(2);
  });
});
