import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { duplicateKey, outcomeOfExisting, parseIdempotencyKey, payloadFingerprint } from "../../src/core/intake/idempotency";
import { validateSubmission } from "../../src/core/intake/intake-submission";
import { Policy } from "../../src/core/policy/policy";

describe("parseIdempotencyKey", () => {
  it("reads the draft's quoted string, unescaping, and bare tokens", () => {
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toEqual({ ok: true, key: "8e03978e-40d5-43e8-bc93-6894a57f9324" });
    expect(parseIdempotencyKey('"a \\"quoted\\" key"')).toEqual({ ok: true, key: 'a "quoted" key' });
    expect(parseIdempotencyKey("8e03978e-40d5")).toEqual({ ok: true, key: "8e03978e-40d5" });
    expect(parseIdempotencyKey(null)).toEqual({ ok: true });
  });

  it("refuses what is neither", () => {
    for (const bad of ['"unterminated', '"bad \\n escape"', "two words", '""', `"${"k".repeat(256)}"`, "é"]) {
      expect(parseIdempotencyKey(bad).ok, bad).toBe(false);
    }
  });
});

describe("fingerprints", () => {
  it("bind the payload, but not the Turnstile token or the fill time a retry carries anew", async () => {
    const a = await payloadFingerprint("demo", { email: "a@b.co", "cf-turnstile-response": "t1", _fill_ms: "4000" }, "_fill_ms");
    expect(await payloadFingerprint("demo", { _fill_ms: "9000", email: "a@b.co", "cf-turnstile-response": "t2" }, "_fill_ms")).toBe(a);
    expect(await payloadFingerprint("demo", { email: "a@b.co", company: "x" }, "_fill_ms")).not.toBe(a);
    expect(await payloadFingerprint("other", { email: "a@b.co" }, "_fill_ms")).not.toBe(a);
  });

  it("a double click is the same person, form and fields, whatever the attribution", async () => {
    const form = Policy.parse(DEFAULT_POLICY).forms[0]!;
    const at = new Date("2026-03-10T15:00:00Z");
    const base = {
      email: "Jane@Northwind.example",
      firstName: "Jane",
      lastName: "Doe",
      company: "Northwind",
      consent_privacy: "on",
      "cf-turnstile-response": "x",
    };
    const submit = (raw: Record<string, string>) => {
      const result = validateSubmission(form, raw, { receivedAt: at });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      return duplicateKey(result.submission);
    };
    const first = await submit(base);
    expect(await submit({ ...base, email: "JANE@northwind.example", firstName: " Jane ", utm_source: "ads" })).toBe(first);
    expect(await submit({ ...base, email: "jane+x@northwind.example" })).not.toBe(first);
    expect(await submit({ ...base, company: "Northwind Traders" })).not.toBe(first);
    expect(await submit({ ...base, consent_marketing: "on" })).not.toBe(first);
  });
});

describe("outcomeOfExisting", () => {
  const done = { fingerprint: "f", state: "done" as const, answer: { status: 202 as const, submissionId: "s1" } };
  it("same key and payload: the stored answer; another payload: mismatch; still running: in progress", () => {
    expect(outcomeOfExisting(done, "f", true)).toEqual({ kind: "replay", answer: done.answer });
    expect(outcomeOfExisting(done, "g", true)).toEqual({ kind: "mismatch" });
    expect(outcomeOfExisting({ fingerprint: "f", state: "in_progress" }, "f", true)).toEqual({ kind: "inProgress" });
    expect(outcomeOfExisting({ fingerprint: "f", state: "in_progress" }, "g", true)).toEqual({ kind: "mismatch" });
  });
  it("keyless duplicates are matched by content: the raw payload may differ", () => {
    expect(outcomeOfExisting(done, "g", false)).toEqual({ kind: "replay", answer: done.answer });
  });
});
