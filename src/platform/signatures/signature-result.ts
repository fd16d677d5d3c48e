/** The outcome of a signature check: which scheme passed, or why the request is refused. */
export type SignatureResult = { ok: true; scheme: string } | { ok: false; reason: string };
