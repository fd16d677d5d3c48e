import { sha256, toHex, utf8 } from "../../platform/bytes";
import type { IntakeSubmission, RawFields } from "./intake-submission";
import { TURNSTILE_FIELD } from "../policy/forms-policy";

/*
 * Idempotent intake, after the IETF httpapi draft "The Idempotency-Key HTTP Header Field": the
 * same key with the same payload gets the stored answer again, the same key with another payload
 * 422, and a key whose first request is still being handled 409. Without a key, the same person
 * sending the same form with the same fields within the form's duplicate window (a double click,
 * a reload) is the same submission.
 */

/** A Turnstile token can be verified for 300 seconds after the widget made it (Cloudflare's documented life). */
export const TURNSTILE_TOKEN_LIFE_MS = 300_000;
/** How long the claim a token was accepted with is kept at least: past the token's life, with a margin for clocks. */
export const SPENT_TOKEN_MEMORY_MS = TURNSTILE_TOKEN_LIFE_MS + 60_000;

/** The draft's key is a Structured Field String ("…"); bare tokens are accepted too, as many clients send them. */
export function parseIdempotencyKey(header: string | null | undefined): { ok: true; key?: string } | { ok: false; message: string } {
  if (header === null || header === undefined) return { ok: true };
  const text = header.trim();
  let key: string;
  if (text.startsWith('"')) {
    const quoted = /^"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"$/.exec(text);
    if (!quoted) return { ok: false, message: 'Idempotency-Key: a quoted string ("…") of printable ASCII, with \\" and \\\\ as the only escapes' };
    key = quoted[1]!.replace(/\\(["\\])/g, "$1");
  } else {
    if (!/^[\x21-\x7e]+$/.test(text)) return { ok: false, message: "Idempotency-Key: printable ASCII without spaces, or a quoted string" };
    key = text;
  }
  if (key.length < 1 || key.length > 255) return { ok: false, message: "Idempotency-Key: 1 to 255 characters" };
  return { ok: true, key };
}

async function digest(value: unknown): Promise<string> {
  return toHex(await sha256(utf8(JSON.stringify(value))));
}

const sortedEntries = (record: Readonly<Record<string, string>>) => Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * The payload fingerprint an Idempotency-Key is bound to: the form and every posted field, except
 * the Turnstile token and the fill time, which a retry of the same submission may carry anew.
 */
export function payloadFingerprint(formKey: string, raw: RawFields, fillTimeField: string): Promise<string> {
  const fields = Object.fromEntries(Object.entries(raw).filter(([name]) => name !== TURNSTILE_FIELD && name !== fillTimeField));
  return digest([formKey, sortedEntries(fields)]);
}

/**
 * What makes two keyless submissions one: the form, the address and what the person said
 * (normalised fields, so case and spacing do not count, and consents). Attribution and context may
 * differ between the two clicks.
 */
export function duplicateKey(submission: IntakeSubmission): Promise<string> {
  return digest([
    submission.formKey,
    submission.email.canonical,
    sortedEntries(submission.fields),
    submission.consents.map((c) => `${c.id}@${c.version}`).sort(),
  ]);
}

/** A stored answer, given again to a replay. */
export interface StoredAnswer {
  status: 202 | 303;
  submissionId: string;
  /** The thank-you page of a 303. */
  location?: string;
}

/** A key's record, as the store holds it. */
export interface IdempotencyRecord {
  fingerprint: string;
  state: "in_progress" | "done";
  answer?: StoredAnswer;
  /** Its submission was judged spam (read where it matters: a spent token's replay). */
  spam?: boolean;
}

export type ClaimOutcome = { kind: "replay"; answer: StoredAnswer } | { kind: "mismatch" } | { kind: "inProgress" };

/**
 * What a request that could not claim its key gets, from the record that holds it. Keyless
 * duplicates are matched by their content, so their fingerprints are not compared.
 */
export function outcomeOfExisting(record: IdempotencyRecord, fingerprint: string, explicitKey: boolean): ClaimOutcome {
  if (explicitKey && record.fingerprint !== fingerprint) return { kind: "mismatch" };
  if (record.state === "done" && record.answer) return { kind: "replay", answer: record.answer };
  return { kind: "inProgress" };
}
