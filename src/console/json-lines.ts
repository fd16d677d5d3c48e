/**
 * Where each value of a JSON document starts, by its path ("rules.staleLead.threshold" → line 212),
 * so the policy's validation errors can be shown at their line in the editor. A small scanner over
 * the text (JSON.parse keeps no positions); text that is not JSON gives an empty map. Depth and
 * size are bounded by the console's form limit; the scan is linear in the text.
 */
export function jsonLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const ws = () => {
    while (i < text.length) {
      const ch = text[i]!;
      if (ch === "\n") line++;
      else if (ch !== " " && ch !== "\t" && ch !== "\r") return;
      i++;
    }
  };
  const string = (): string => {
    // text[i] is the opening quote
    let out = "";
    i++;
    while (i < text.length && text[i] !== '"') {
      if (text[i] === "\\") {
        out += text[i + 1] ?? "";
        i += 2;
      } else {
        if (text[i] === "\n") line++;
        out += text[i];
        i++;
      }
    }
    i++;
    return out;
  };
  const value = (path: string, depth: number): void => {
    if (depth > 64) throw new Error("too deep");
    ws();
    lines.set(path, line);
    const ch = text[i];
    if (ch === "{") {
      i++;
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw new Error("expected a key");
        const keyLine = line;
        const key = string();
        const child = path ? `${path}.${key}` : key;
        ws();
        if (text[i] !== ":") throw new Error("expected :");
        i++;
        value(child, depth + 1);
        // A key's line is where people look for it, not where its value starts.
        lines.set(child, keyLine);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          return;
        }
        throw new Error("expected , or }");
      }
    }
    if (ch === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(path ? `${path}.${n}` : String(n), depth + 1);
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return;
        }
        throw new Error("expected , or ]");
      }
    }
    if (ch === '"') {
      string();
      return;
    }
    // A number, true, false or null: up to the next delimiter.
    while (i < text.length && !",}] \t\r\n".includes(text[i]!)) i++;
  };
  try {
    value("", 0);
  } catch {
    return new Map();
  }
  return lines;
}

/** The line of a path, or of the nearest enclosing value the document has (a missing key is reported at its object). */
export function lineOf(lines: Map<string, number>, path: string): number | undefined {
  for (let p = path; ; ) {
    const found = lines.get(p);
    if (found !== undefined) return found;
    if (p === "") return undefined;
    const cut = p.lastIndexOf(".");
    p = cut < 0 ? "" : p.slice(0, cut);
  }
}

/** For a JSON.parse error, its line: engines say "at position N" (V8) or "line L column C". */
export function parseErrorLine(text: string, message: string): number | undefined {
  const position = /position (\d+)/.exec(message);
  if (position) return text.slice(0, Number(position[1])).split("\n").length;
  const at = /line (\d+)/.exec(message);
  return at ? Number(at[1]) : undefined;
}
