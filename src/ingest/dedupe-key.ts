import { sha256, toHex, utf8 } from "../platform/bytes";

/** Identities up to this length are kept as they are: hashing 100 events costs the ack path. */
const MAX_PLAIN_LENGTH = 160;

/**
 * A stable key for an event's identity. The parts are serialised as JSON so that no choice of
 * values can make two different identities collide ("a:b","c" vs "a","b:c"); a long identity
 * (a long property value, say) is replaced by its SHA-256.
 */
export async function dedupeKey(prefix: string, parts: readonly (string | number | boolean | null | undefined)[]) {
  const identity = JSON.stringify(parts.map((p) => p ?? null));
  if (identity.length <= MAX_PLAIN_LENGTH) return `${prefix}:${identity}`;
  return `${prefix}#${toHex(await sha256(utf8(identity))).slice(0, 40)}`;
}
