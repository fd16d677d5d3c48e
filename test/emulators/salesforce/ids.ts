/**
 * Salesforce record ids: 3-character key prefix, 12 more characters, then a 3-character
 * checksum that makes the 18-character form safe for case-insensitive systems.
 */
const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";

/** Characters 4–6 of a real id name the instance ("5g") and a reserved digit; fixed here. */
const POD = "5g0";

export const ID_SHAPE = /^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/;

export function isIdShaped(value: unknown): value is string {
  return typeof value === "string" && ID_SHAPE.test(value);
}

/** The documented case-safe suffix: one character per 5-character chunk, a bit per uppercase letter. */
export function checksumSuffix(id15: string): string {
  let suffix = "";
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charCodeAt(chunk * 5 + i);
      if (c >= 65 && c <= 90) bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET[bits];
  }
  return suffix;
}

function base62(n: number, width: number): string {
  let out = "";
  do {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(width, "0");
}

export function makeId(keyPrefix: string, serial: number): string {
  const id15 = `${keyPrefix}${POD}${base62(serial, 9)}`;
  return id15 + checksumSuffix(id15);
}

/** Both forms of an id share their first 15 characters, which are case-sensitive. */
export function shortId(id: string): string {
  return id.slice(0, 15);
}
