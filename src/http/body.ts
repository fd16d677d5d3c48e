import { concatBytes } from "../verify/bytes";
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
