import { describe, expect, it } from "vitest";
import { DEFAULT_POLICY } from "../../src/core/policy/default-policy";
import { Policy } from "../../src/core/policy/policy";
import { validateSubmission } from "../../src/core/intake/intake-submission";
import { modelVersion, type ScoringInput, scoreLead, scoringInputOf } from "../../src/core/intake/scoring";
import { ScoringModel } from "../../src/core/policy/scoring-policy";

const model = Policy.parse(DEFAULT_POLICY).scoring!;
const at = new Date("2026-03-10T15:00:00Z");
const lead = (over: Partial<ScoringInput> = {}): ScoringInput => ({
  formKey: "demo",
  fields: { email: "jane@northwind.example", firstName: "Jane", lastName: "Doe", company: "Northwind", jobTitle: "VP of Sales" },
  country: "US",
  emailKind: "business",
  phone: "valid",
  at,
  ...over,
});
const sum = (lines: { points: number }[]) => lines.reduce((s, l) => s + l.points, 0);

describe("scoreLead with the default model", () => {
  it("scores a VP's demo request from a business address with a valid phone, every point explained", () => {
    const score = scoreLead(model, lead());
    expect(score.breakdown.map((l) => [l.group, l.rule, l.points])).toEqual([
      ["fit", "role-vp", 18],
      ["fit", "country-core", 5],
      ["intent", "form-demo", 30],
      ["dataQuality", "email-business", 5],
      ["dataQuality", "phone-valid", 5],
    ]);
    expect(score.score).toBe(63);
    expect(score.tier).toBe("warm");
    expect(score.breakdown[0]!.evidence).toBe('jobTitle "VP of Sales" has "vp"');
    expect(score.reasons).toEqual(["+30 Demo request: form demo", '+18 Senior role: jobTitle "VP of Sales" has "vp"', "+5 Core market: country US"]);
    expect(score.model).toMatch(/^default@[0-9a-f]{8}$/);
  });

  it("is hot at 70: an executive asking urgently", () => {
    const score = scoreLead(model, lead({ fields: { jobTitle: "Chief Revenue Officer", message: "We need pricing ASAP" } }));
    expect(score.breakdown.find((l) => l.rule === "urgency-message")?.evidence).toBe('message "We need pricing ASAP" has "asap"');
    expect(score.score).toBe(20 + 5 + 30 + 8 + 5 + 5);
    expect(score.tier).toBe("hot");
  });

  it("matches whole words only: a Director is not a CTO, an SVP is not a VP by the vp word", () => {
    const director = scoreLead(model, lead({ fields: { jobTitle: "Director of Sales" } }));
    expect(director.breakdown.filter((l) => l.group === "fit").map((l) => l.rule)).toEqual(["role-director", "country-core"]);
    const svp = scoreLead(model, lead({ fields: { jobTitle: "SVP, Marketing" } }));
    expect(svp.breakdown.find((l) => l.rule === "role-vp")?.evidence).toBe('jobTitle "SVP, Marketing" has "svp"');
  });

  it("counts only the first matching rule of a factor", () => {
    // "Head of" (VP rule) and "Manager" both match; the role factor takes the first listed.
    const score = scoreLead(model, lead({ fields: { jobTitle: "Head of Sales Operations Manager" } }));
    expect(score.breakdown.filter((l) => l.rule.startsWith("role-")).map((l) => l.rule)).toEqual(["role-vp"]);
  });

  it("caps the tier for a disposable address, whatever the points, and says so", () => {
    const score = scoreLead(
      model,
      lead({ emailKind: "disposable", fields: { jobTitle: "CEO", message: "urgent" }, previousSubmissionAt: "2026-03-08T10:00:00Z" }),
    );
    expect(score.score).toBe(20 + 5 + 30 + 8 + 15 - 30 + 5);
    expect(score.uncappedTier).toBe("warm");
    expect(score.tier).toBe("cold");
    expect(score.breakdown.at(-1)).toMatchObject({ rule: "email-disposable", label: "tier cap", points: 0 });
    expect(score.reasons.at(-1)).toBe("tier held at cold by email-disposable");
  });

  it("an invalid phone holds a hot lead at warm", () => {
    const score = scoreLead(
      model,
      lead({ phone: "invalid", fields: { jobTitle: "Founder", message: "quote this week please" }, previousSubmissionAt: "2026-03-09T15:00:00Z" }),
    );
    expect(score.score).toBe(20 + 5 + 30 + 8 + 15 + 5 - 10);
    expect(score.tier).toBe("warm");
    expect(score.uncappedTier).toBe("hot");
  });

  it("behaviour: a return within 7 days counts, an older one does not", () => {
    const recent = scoreLead(model, lead({ previousSubmissionAt: "2026-03-04T15:00:00Z" }));
    expect(recent.breakdown.find((l) => l.rule === "returning-7d")?.evidence).toBe("submitted before, 6 days ago (2026-03-04T15:00:00Z)");
    const old = scoreLead(model, lead({ previousSubmissionAt: "2026-03-02T14:59:00Z" }));
    expect(old.breakdown.some((l) => l.rule === "returning-7d")).toBe(false);
  });

  it("free mail loses points; no phone is neither valid nor invalid", () => {
    const score = scoreLead(model, lead({ emailKind: "free", phone: "missing", fields: {} }));
    expect(score.breakdown.map((l) => l.rule)).toEqual(["country-core", "form-demo", "email-free"]);
    expect(score.score).toBe(25);
    expect(score.tier).toBe("cold");
  });
});

describe("caps and ranges", () => {
  const capped = ScoringModel.parse({
    id: "caps",
    groups: {
      fit: {
        cap: 10,
        rules: [
          { id: "a", label: "A", points: 8, when: { kind: "country", countries: ["DE"] } },
          { id: "b", label: "B", points: 8, when: { kind: "form", forms: ["demo"] } },
        ],
      },
      intent: { cap: 100, rules: [{ id: "c", label: "C", points: 100, when: { kind: "form", forms: ["demo"] } }] },
      behaviour: { cap: 0, rules: [{ id: "d", label: "D", points: 15, when: { kind: "phone", is: "valid" } }] },
      dataQuality: { cap: 5, rules: [{ id: "e", label: "E", points: -20, when: { kind: "emailKind", kinds: ["free"] } }] },
    },
  });

  it("holds each group within its cap and the total within 0–100; the breakdown adds up to the score", () => {
    const score = scoreLead(capped, lead({ country: "DE", emailKind: "free" }));
    expect(score.breakdown.filter((l) => l.rule.endsWith("-cap")).map((l) => [l.group, l.points])).toEqual([
      ["fit", -6],
      ["behaviour", -15],
      ["dataQuality", 15],
    ]);
    expect(score.breakdown.find((l) => l.rule === "total-range")).toMatchObject({ points: -5 });
    expect(score.score).toBe(100);
    expect(sum(score.breakdown)).toBe(score.score);
  });

  it("never goes below 0", () => {
    const negative = ScoringModel.parse({ ...capped, groups: { ...capped.groups, intent: { cap: 0, rules: [] }, fit: { cap: 0, rules: [] } } });
    const score = scoreLead(negative, lead({ emailKind: "free" }));
    expect(score.score).toBe(0);
    expect(sum(score.breakdown)).toBe(0);
  });

  it("numbers: fieldAtLeast", () => {
    const numeric = ScoringModel.parse({
      id: "n",
      groups: {
        fit: { cap: 50, rules: [{ id: "big", label: "Big", points: 12, when: { kind: "fieldAtLeast", field: "employees", value: 200 } }] },
        intent: { cap: 0 },
        behaviour: { cap: 0 },
        dataQuality: { cap: 0 },
      },
    });
    expect(scoreLead(numeric, lead({ fields: { employees: "250" } })).score).toBe(12);
    expect(scoreLead(numeric, lead({ fields: { employees: "199" } })).score).toBe(0);
    expect(scoreLead(numeric, lead({ fields: {} })).score).toBe(0);
  });
});

describe("scoringInputOf", () => {
  it("scores a validated submission as the pipeline will: fields, country, email kind, phone, previous submission", () => {
    const form = Policy.parse(DEFAULT_POLICY).forms[0]!;
    const raw = {
      email: "ana@gmail.com",
      firstName: "Ana",
      lastName: "Lima",
      company: "Contoso",
      jobTitle: "Head of Ops",
      phone: "555",
      consent_privacy: "on",
      "cf-turnstile-response": "t",
    };
    const result = validateSubmission(form, raw, { country: "GB", receivedAt: at });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    const input = scoringInputOf(result.submission, "2026-03-09T09:00:00Z");
    expect(input).toEqual({
      formKey: "demo",
      fields: result.submission.fields,
      country: "GB",
      emailKind: "free",
      phone: "invalid",
      previousSubmissionAt: "2026-03-09T09:00:00Z",
      at,
    });
    expect(scoreLead(model, input).breakdown.map((l) => l.rule)).toEqual([
      "role-vp",
      "country-core",
      "form-demo",
      "returning-7d",
      "email-free",
      "phone-invalid",
    ]);
  });
});

describe("modelVersion", () => {
  it("is stable for the same model and changes with any rule", () => {
    expect(modelVersion(model)).toBe(modelVersion(ScoringModel.parse(JSON.parse(JSON.stringify(model)))));
    const changed = { ...model, groups: { ...model.groups, behaviour: { ...model.groups.behaviour, cap: 14 } } };
    expect(modelVersion(changed)).not.toBe(modelVersion(model));
  });
});
