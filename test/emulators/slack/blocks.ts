/** Block Kit allows at most 50 blocks in a message. */
export const MAX_BLOCKS = 50;

export type BlocksResult = { ok: true; blocks?: unknown[] } | { ok: false; messages: string[] };

/**
 * Checks what Slack checks first: blocks is an array (or its JSON string) of objects that name
 * their `type`. Deeper Block Kit rules are not emulated.
 */
export function readBlocks(value: unknown): BlocksResult {
  if (value === undefined || value === null || value === "") return { ok: true };
  let blocks = value;
  if (typeof blocks === "string") {
    try {
      blocks = JSON.parse(blocks);
    } catch {
      return { ok: false, messages: ["[ERROR] failed to parse blocks as JSON"] };
    }
  }
  if (!Array.isArray(blocks)) return { ok: false, messages: ["[ERROR] must be an array [json-pointer:/blocks]"] };
  if (blocks.length > MAX_BLOCKS) return { ok: false, messages: [`[ERROR] no more than ${MAX_BLOCKS} items allowed [json-pointer:/blocks]`] };
  const messages: string[] = [];
  blocks.forEach((block, i) => {
    if (!block || typeof block !== "object" || Array.isArray(block)) messages.push(`[ERROR] must be an object [json-pointer:/blocks/${i}]`);
    else if (typeof (block as { type?: unknown }).type !== "string")
      messages.push(`[ERROR] missing required field: type [json-pointer:/blocks/${i}]`);
  });
  return messages.length > 0 ? { ok: false, messages } : { ok: true, blocks };
}
