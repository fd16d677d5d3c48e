import { concatBytes } from "../bytes";
import { HttpError } from "./errors";

/** Webhook bodies above this are refused: HubSpot batches are ~30 KB, Salesforce's far below. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * Reads the raw body bytes (signatures cover bytes, not re-serialised JSON), refusing more than
 * `limit` bytes without buffering them, whether or not Content-Length was declared.
 */
export async function readRawBody(request: Request, limit = MAX_WEBHOOK_BODY_BYTES): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  // A declared length is the most the runtime delivers: read it whole, natively (reading chunk by
  // chunk in JavaScript costs a form's answer most of a millisecond).
  if (declared !== null && /^\d+$/.test(declared)) {
    const whole = new Uint8Array(await request.arrayBuffer());
    if (whole.byteLength > limit) throw tooLarge(limit);
    return whole;
  }
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return concatBytes(...chunks);
}

const tooLarge = (limit: number) => new HttpError(413, "payload_too_large", `body exceeds ${limit} bytes`);

export function requireContentType(request: Request, accepted: readonly string[]): void {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (!accepted.includes(type)) {
    throw new HttpError(415, "unsupported_media_type", `expected Content-Type ${accepted.join(" or ")}, got ${type || "none"}`);
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export function decodeUtf8(body: Uint8Array): string {
  try {
    return decoder.decode(body);
  } catch {
    throw new HttpError(400, "invalid_payload", "body is not valid UTF-8");
  }
}

export function parseJson(body: Uint8Array): unknown {
  try {
    return JSON.parse(decodeUtf8(body));
  } catch (error) {
    if (error instanceof HttpError) throw error;
    throw new HttpError(400, "invalid_json", `body is not JSON: ${(error as Error).message}`);
  }
}

/** The bytes a form-encoded name or value stands for: `+` is a space, `%XX` a byte, anything else its own UTF-8. */
function percentDecodedBytes(text: string): Uint8Array {
  const raw = new TextEncoder().encode(text);
  const bytes = new Uint8Array(raw.length);
  let n = 0;
  const hex = (b: number | undefined) => b !== undefined && ((b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0x2b) bytes[n++] = 0x20;
    else if (b === 0x25 && hex(raw[i + 1]) && hex(raw[i + 2])) {
      bytes[n++] = Number.parseInt(String.fromCharCode(raw[i + 1]!, raw[i + 2]!), 16);
      i += 2;
    } else bytes[n++] = b;
  }
  return bytes.subarray(0, n);
}

/**
 * A form-encoded body's fields, as URLSearchParams reads them, except that percent-encoded bytes
 * that are not UTF-8 are refused (400, naming the field), as raw bytes that are not UTF-8 are:
 * URLSearchParams would put U+FFFD in their place, and the lead's name would be stored broken.
 */
export function formFields(body: Uint8Array): URLSearchParams {
  const text = decodeUtf8(body);
  const params = new URLSearchParams(text);
  // Only a name or value URLSearchParams decoded to a U+FFFD can hide broken bytes: a body without one is read once.
  if (!text.includes("%")) return params;
  let replaced = false;
  for (const [name, value] of params) replaced ||= name.includes("\uFFFD") || value.includes("\uFFFD");
  if (!replaced) return params;
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const parts = eq < 0 ? [pair] : [pair.slice(0, eq), pair.slice(eq + 1)];
    if (parts.every((part) => isUtf8(percentDecodedBytes(part)))) continue;
    const [[name]] = [...new URLSearchParams(pair)] as [[string, string]];
    const message = "percent-encoded bytes that are not UTF-8";
    throw new HttpError(400, "invalid_payload", `${name}: ${message}`, { issues: [{ field: name, message }] });
  }
  return params;
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    decoder.decode(bytes);
    return true;
  } catch {
    return false;
  }
}
