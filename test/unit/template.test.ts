import { describe, expect, it } from "vitest";
import { parseTemplate, renderTemplate, templateFields, templateIssues } from "../../src/core/policy/template";

const KNOWN = ["firstName", "lastName", "company", "contentTitle", "ownerName"] as const;
const NO_DEFAULTS: Record<string, string> = {};

describe("parseTemplate", () => {
  it("splits literal text and fields", () => {
    expect(parseTemplate('Hi {{ firstName | fallback: "there" }}, thanks for downloading {{ contentTitle }}')).toEqual({
      ok: true,
      parts: [
        { kind: "literal", text: "Hi " },
        { kind: "field", name: "firstName", fallback: "there", position: 4 },
        { kind: "literal", text: ", thanks for downloading " },
        { kind: "field", name: "contentTitle", fallback: null, position: 64 },
      ],
    });
  });

  it("handles plain text, empty text and adjacent tokens", () => {
    expect(parseTemplate("No fields here.")).toEqual({ ok: true, parts: [{ kind: "literal", text: "No fields here." }] });
    expect(parseTemplate("")).toEqual({ ok: true, parts: [] });
    expect(parseTemplate("{{firstName}}{{lastName}}")).toEqual({
      ok: true,
      parts: [
        { kind: "field", name: "firstName", fallback: null, position: 1 },
        { kind: "field", name: "lastName", fallback: null, position: 14 },
      ],
    });
  });

  it("tolerates whitespace and either quote style", () => {
    const variants = [
      '{{firstName|fallback:"there"}}',
      "{{ firstName | fallback: 'there' }}",
      '{{   firstName   |   fallback   :   "there"   }}',
      '{{\n  firstName\n  | fallback: "there"\n}}',
      "{{\tfirstName\t|\tfallback:\t'there'\t}}",
    ];
    for (const text of variants) {
      expect(parseTemplate(text), text).toEqual({ ok: true, parts: [{ kind: "field", name: "firstName", fallback: "there", position: 1 }] });
    }
  });

  it("keeps the fallback exactly as written, including the other quote, braces and bars", () => {
    const fallbackOf = (text: string) => {
      const parsed = parseTemplate(text);
      return parsed.ok && parsed.parts[0]?.kind === "field" ? parsed.parts[0].fallback : "(not parsed)";
    };
    expect(fallbackOf(`{{ company | fallback: "your team's" }}`)).toBe("your team's");
    expect(fallbackOf(`{{ company | fallback: 'the "best" team' }}`)).toBe('the "best" team');
    expect(fallbackOf('{{ company | fallback: "a }} b | c {{ d" }}')).toBe("a }} b | c {{ d");
    expect(fallbackOf('{{ firstName | fallback: "  there " }}')).toBe("  there ");
  });

  it("accepts the field name grammar [a-zA-Z][a-zA-Z0-9_]*", () => {
    for (const name of ["a", "Z", "first_name", "field2", "A_1_b"]) {
      expect(parseTemplate(`{{ ${name} }}`).ok, name).toBe(true);
    }
  });

  it("reports issues instead of parts when anything is wrong", () => {
    expect(parseTemplate("Hi {{ firstName")).toEqual({ ok: false, issues: ['unclosed "{{" at position 4'] });
  });
});

describe("templateIssues", () => {
  it("returns nothing for a valid template", () => {
    expect(templateIssues('Hi {{ firstName | fallback: "there" }}, re {{ contentTitle }}', KNOWN)).toEqual([]);
    expect(templateIssues("plain text", KNOWN)).toEqual([]);
    expect(templateIssues("", [])).toEqual([]);
  });

  it("names unknown fields and lists the known ones", () => {
    expect(templateIssues("Hi {{ fristName }}", KNOWN)).toEqual([
      'unknown merge field "fristName" at position 4 (known: firstName, lastName, company, contentTitle, ownerName)',
    ]);
    expect(templateIssues("{{ firstname }}", KNOWN)[0]).toMatch(/^unknown merge field "firstname"/);
    expect(templateIssues("{{ anything }}", [])).toEqual(['unknown merge field "anything" at position 1 (no merge fields are available here)']);
  });

  it("reports an unknown field once even when it is used twice", () => {
    expect(templateIssues("{{ x }} and {{ x }} and {{ y }}", KNOWN)).toHaveLength(2);
  });

  it("reports unclosed tokens with their position", () => {
    expect(templateIssues("Hi {{ firstName", KNOWN)).toEqual(['unclosed "{{" at position 4']);
    expect(templateIssues("{{", KNOWN)).toEqual(['unclosed "{{" at position 1']);
    expect(templateIssues("Hi {{ firstName }", KNOWN)).toEqual(['unclosed "{{" at position 4']);
    // A "{{" inside a token means the first one was never closed; the second is still checked.
    expect(templateIssues("Hi {{ firstName {{ lastName }}", KNOWN)).toEqual(['unclosed "{{" at position 4']);
    expect(templateIssues('{{ firstName | fallback: "there }}', KNOWN)).toEqual([
      'unclosed "{{" at position 1 (a quote in its fallback is never closed)',
    ]);
  });

  it("reports a stray closing brace pair", () => {
    expect(templateIssues("Hi firstName }}", KNOWN)).toEqual(['unexpected "}}" at position 14 without a matching "{{"']);
    expect(templateIssues("{{ firstName }} }}", KNOWN)).toEqual(['unexpected "}}" at position 17 without a matching "{{"']);
  });

  it("reports empty and invalid field names", () => {
    expect(templateIssues("Hi {{ }}", KNOWN)).toEqual(["empty merge field name in {{ }} at position 4"]);
    expect(templateIssues("{{}}", KNOWN)).toEqual(["empty merge field name in {{}} at position 1"]);
    expect(templateIssues('{{ | fallback: "x" }}', KNOWN)).toEqual(['empty merge field name in {{ | fallback: "x" }} at position 1']);
    expect(templateIssues("{{ first name }}", KNOWN)).toEqual([
      'invalid merge field name "first name" in {{ first name }} at position 1: names start with a letter and contain only letters, digits and "_"',
    ]);
    for (const name of ["1st", "_private", "first-name", "first.name", "firstName's", "名前"]) {
      expect(templateIssues(`{{ ${name} }}`, KNOWN)[0], name).toMatch(/^invalid merge field name/);
    }
  });

  it("reports unknown, missing and repeated filters", () => {
    expect(templateIssues("{{ firstName | upper }}", KNOWN)).toEqual([
      'unknown filter "upper" in {{ firstName | upper }} at position 1: the only filter is fallback: "text"',
    ]);
    expect(templateIssues('{{ firstName | Fallback: "x" }}', KNOWN)[0]).toMatch(/^unknown filter "Fallback"/);
    expect(templateIssues('{{ firstName | default: "x" }}', KNOWN)[0]).toMatch(/^unknown filter "default"/);
    expect(templateIssues("{{ firstName | }}", KNOWN)).toEqual([
      'missing filter after "|" in {{ firstName | }} at position 1: write | fallback: "text"',
    ]);
    expect(templateIssues('{{ firstName | "there" }}', KNOWN)[0]).toMatch(/^missing filter after "\|"/);
    expect(templateIssues('{{ firstName | fallback: "a" | fallback: "b" }}', KNOWN)[0]).toMatch(/^malformed fallback .*one filter per field/);
  });

  it("reports malformed and empty fallbacks", () => {
    for (const token of [
      "{{ firstName | fallback }}",
      "{{ firstName | fallback: }}",
      "{{ firstName | fallback: there }}",
      '{{ firstName | fallback "there" }}',
      "{{ firstName | fallback: \"there' }}",
    ]) {
      expect(templateIssues(token, KNOWN), token).toHaveLength(1);
      expect(templateIssues(token, KNOWN)[0], token).toMatch(/^(malformed fallback|unclosed)/);
    }
    expect(templateIssues('{{ firstName | fallback: "" }}', KNOWN)).toEqual([
      'empty fallback in {{ firstName | fallback: "" }} at position 1: a fallback must contain visible text',
    ]);
    expect(templateIssues("{{ firstName | fallback: '   ' }}", KNOWN)[0]).toMatch(/^empty fallback/);
  });

  it("lists every problem, syntax first, then unknown fields", () => {
    expect(templateIssues('{{ fristName }} {{ }} {{ company | fallback: "" }} {{ lastName | upper }} {{ x', KNOWN)).toEqual([
      "empty merge field name in {{ }} at position 17",
      'empty fallback in {{ company | fallback: "" }} at position 23: a fallback must contain visible text',
      'unknown filter "upper" in {{ lastName | upper }} at position 52: the only filter is fallback: "text"',
      'unclosed "{{" at position 75',
      'unknown merge field "fristName" at position 1 (known: firstName, lastName, company, contentTitle, ownerName)',
    ]);
  });

  it("counts positions in characters, not UTF-16 units", () => {
    expect(templateIssues("👋 Grüße {{ vorname }}", KNOWN)[0]).toMatch(/^unknown merge field "vorname" at position 9 /);
    expect(templateIssues("日本語 {{", KNOWN)).toEqual(['unclosed "{{" at position 5']);
  });

  it("shortens long tokens in messages", () => {
    const issue = templateIssues(`{{ ${"a b ".repeat(50)}}}`, KNOWN)[0]!;
    expect(issue).toContain("…");
    expect(issue.length).toBeLessThan(400);
  });
});

describe("templateFields", () => {
  it("lists distinct field names in order of first use", () => {
    expect(templateFields('{{ lastName }}, {{ firstName | fallback: "x" }} {{ lastName }} {{company}}')).toEqual([
      "lastName",
      "firstName",
      "company",
    ]);
    expect(templateFields("no fields")).toEqual([]);
  });

  it("skips malformed tokens", () => {
    expect(templateFields("{{ firstName }} {{ bad name }} {{ company | upper }} {{ lastName")).toEqual(["firstName"]);
  });
});

describe("renderTemplate", () => {
  const template = 'Hi {{ firstName | fallback: "there" }}, thanks for downloading {{ contentTitle }}';
  const defaults = { contentTitle: "our guide", firstName: "friend" };

  it("uses values when present, trimmed", () => {
    expect(renderTemplate(template, { firstName: "  Ada ", contentTitle: "\tThe Pricing Guide\n" }, defaults)).toBe(
      "Hi Ada, thanks for downloading The Pricing Guide",
    );
  });

  it("uses the template's fallback for missing, null and blank values", () => {
    for (const firstName of [undefined, null, "", "   ", "\n\t"]) {
      expect(renderTemplate(template, { firstName, contentTitle: "X" }, defaults), String(firstName)).toBe("Hi there, thanks for downloading X");
    }
    expect(renderTemplate(template, { contentTitle: "X" }, defaults)).toBe("Hi there, thanks for downloading X");
  });

  it("uses the policy default when the token has no fallback", () => {
    expect(renderTemplate(template, { firstName: "Ada", contentTitle: "  " }, defaults)).toBe("Hi Ada, thanks for downloading our guide");
    expect(renderTemplate(template, { firstName: "Ada" }, { contentTitle: "  our guide  " })).toBe("Hi Ada, thanks for downloading our guide");
  });

  it("throws naming the field when there is no value, fallback or default", () => {
    expect(() => renderTemplate(template, { firstName: "Ada" }, NO_DEFAULTS)).toThrow(
      'merge field "contentTitle" at position 64 has no value, no fallback and no default',
    );
    // A blank default is no default: the output must never contain an empty token.
    expect(() => renderTemplate("{{ company }}", {}, { company: " " })).toThrow(/"company"/);
  });

  it("only looks at own properties", () => {
    expect(() => renderTemplate("{{ constructor }}", {}, NO_DEFAULTS)).toThrow(/"constructor"/);
    expect(() => renderTemplate("{{ toString }}", {}, NO_DEFAULTS)).toThrow(/"toString"/);
  });

  it("renders several and adjacent fields", () => {
    expect(renderTemplate("{{firstName}}{{lastName}}", { firstName: "Ada", lastName: "Lovelace" }, NO_DEFAULTS)).toBe("AdaLovelace");
    expect(
      renderTemplate(
        "{{ firstName }} {{ lastName }} ({{ company | fallback: 'no company' }}) → {{ ownerName }}",
        { firstName: "Ada", lastName: "Lovelace", ownerName: "Grace" },
        NO_DEFAULTS,
      ),
    ).toBe("Ada Lovelace (no company) → Grace");
    expect(renderTemplate("{{ firstName }}, {{ firstName }}!", { firstName: "Ada" }, NO_DEFAULTS)).toBe("Ada, Ada!");
  });

  it("keeps literal text and unicode intact", () => {
    expect(renderTemplate("Grüße, {{ firstName }} 👋 — 日本語", { firstName: "Zoë" }, NO_DEFAULTS)).toBe("Grüße, Zoë 👋 — 日本語");
    expect(renderTemplate("no fields { single } braces", {}, NO_DEFAULTS)).toBe("no fields { single } braces");
    expect(renderTemplate("", {}, NO_DEFAULTS)).toBe("");
  });

  it("does not re-interpret values that look like tokens", () => {
    expect(renderTemplate("Hi {{ firstName }}", { firstName: "{{ lastName }}", lastName: "X" }, NO_DEFAULTS)).toBe("Hi {{ lastName }}");
    expect(renderTemplate("Hi {{ firstName }}", { firstName: "}} {{" }, NO_DEFAULTS)).toBe("Hi }} {{");
    expect(renderTemplate("Hi {{ firstName | fallback: '{{ x }}' }}", {}, NO_DEFAULTS)).toBe("Hi {{ x }}");
  });

  it("throws on syntax errors with the same messages as templateIssues", () => {
    const broken = "Hi {{ firstName | upper }} {{ lastName";
    const issues = templateIssues(broken, KNOWN);
    expect(issues).toHaveLength(2);
    expect(() => renderTemplate(broken, { firstName: "Ada", lastName: "L" }, NO_DEFAULTS)).toThrow(issues.join("; "));
    expect(() => renderTemplate("{{ }}", {}, NO_DEFAULTS)).toThrow(new Error(templateIssues("{{ }}", KNOWN)[0]));
  });
});
