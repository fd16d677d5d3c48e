import { describe, expect, it } from "vitest";
import { FormSpam } from "../../src/core/policy/forms-policy";
import { spamVerdict } from "../../src/core/intake/spam";
import { mergeTouches, type Touch } from "../../src/core/intake/touch";

describe("spamVerdict", () => {
  const spam = FormSpam.parse({ honeypotField: "website", minFillTime: "PT3S" });
  it("a filled honeypot is spam", () => {
    expect(spamVerdict(spam, { website: "http://spam.example", _fill_ms: "9000" })).toEqual({
      spam: true,
      reason: "honeypot field website was filled in",
    });
    expect(spamVerdict(spam, { website: "  ", _fill_ms: "9000" })).toEqual({ spam: false });
  });
  it("faster than the minimum fill time, or without the page's fill time, is spam", () => {
    expect(spamVerdict(spam, { _fill_ms: "2999" })).toEqual({ spam: true, reason: "filled in within 2999 ms, under the minimum 3000 ms" });
    expect(spamVerdict(spam, {})).toEqual({ spam: true, reason: "no fill time (_fill_ms) from the page" });
    expect(spamVerdict(spam, { _fill_ms: "-5" })).toMatchObject({ spam: true });
    expect(spamVerdict(spam, { _fill_ms: "3000" })).toEqual({ spam: false });
  });
  it("checks nothing a form does not ask for", () => {
    expect(spamVerdict(FormSpam.parse({}), { website: "x" })).toEqual({ spam: false });
  });
});

describe("mergeTouches", () => {
  const touch = (at: string, source: string): Touch => ({ at, formKey: "demo", utm: { source }, clickIds: {} });
  it("keeps the first touch and follows the newest with the last", () => {
    const one = mergeTouches(undefined, touch("2026-03-01T10:00:00Z", "ads"), "s1");
    expect(one).toMatchObject({ first: { submissionId: "s1" }, last: { submissionId: "s1" }, submissions: 1 });
    const two = mergeTouches(one, touch("2026-03-05T10:00:00Z", "newsletter"), "s2");
    expect(two).toMatchObject({
      first: { submissionId: "s1", utm: { source: "ads" } },
      last: { submissionId: "s2", utm: { source: "newsletter" } },
      submissions: 2,
    });
  });
  it("a late, older submission becomes the first touch and leaves the last alone", () => {
    const two = mergeTouches(mergeTouches(undefined, touch("2026-03-05T10:00:00Z", "b"), "s2"), touch("2026-03-01T10:00:00Z", "a"), "s1");
    expect(two).toMatchObject({ first: { submissionId: "s1" }, last: { submissionId: "s2" }, submissions: 2 });
  });
});
