/**
 * D1 binds at most 100 parameters per statement, so many rows go in as one JSON array read with
 * json_each. Each array stays well under D1's 2 MB limit for a bound value, counted in UTF-8
 * bytes as D1 counts them; a row larger than that goes alone. (The same split as the outbox's.)
 */
const MAX_JSON_BYTES = 1_000_000;
const utf8 = new TextEncoder();

export function jsonBatches(rows: readonly object[]): string[] {
  const arrays: string[] = [];
  let current: string[] = [];
  let bytes = 2;
  for (const row of rows) {
    const json = JSON.stringify(row);
    const size = utf8.encode(json).byteLength + 1;
    if (current.length > 0 && bytes + size > MAX_JSON_BYTES) {
      arrays.push(`[${current.join(",")}]`);
      current = [];
      bytes = 2;
    }
    current.push(json);
    bytes += size;
  }
  if (current.length > 0) arrays.push(`[${current.join(",")}]`);
  return arrays;
}
