export type DiffLine = { op: "same" | "add" | "del"; text: string };

/**
 * A line diff (longest common subsequence) of two texts, for comparing policy versions as
 * pretty-printed JSON. Runs of unchanged lines longer than 2 × context are folded to one "…" line.
 */
export function lineDiff(before: string, after: string, context = 3): DiffLine[] {
  const a = before.split("\n");
  const b = after.split("\n");
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ op: "same", text: a[i]! });
      i++;
      j++;
    } else if (j < b.length && (i === a.length || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) lines.push({ op: "add", text: b[j++]! });
    else lines.push({ op: "del", text: a[i++]! });
  }
  return fold(lines, context);
}

function fold(lines: DiffLine[], context: number): DiffLine[] {
  const out: DiffLine[] = [];
  let run: DiffLine[] = [];
  const flush = (atEnd: boolean) => {
    const keepHead = out.length === 0 ? 0 : context;
    const keepTail = atEnd ? 0 : context;
    if (run.length > keepHead + keepTail + 1) {
      out.push(
        ...run.slice(0, keepHead),
        { op: "same", text: `… ${run.length - keepHead - keepTail} unchanged lines` },
        ...run.slice(run.length - keepTail),
      );
    } else out.push(...run);
    run = [];
  };
  for (const line of lines) {
    if (line.op === "same") run.push(line);
    else {
      flush(false);
      out.push(line);
    }
  }
  flush(true);
  return out;
}
