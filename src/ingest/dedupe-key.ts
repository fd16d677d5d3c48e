import { sha256, toHex, utf8 } from "../verify/bytes";

/**
 * A stable key for an event's identity. The parts are serialised as JSON so that no choice of
 * values can make two different identities collide ("a:b","c" vs "a","b:c").
 */
export async function dedupeKey(prefix: string, parts: readonly (string | number | boolean | null | undefined)[]) {
  const digest = await sha256(utf8(JSON.stringify(parts.map((p) => p ?? null))));
  return `${prefix}:${toHex(digest).slice(0, 40)}`;
}
