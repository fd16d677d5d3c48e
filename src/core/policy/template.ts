/*
 * Merge-field templates for follow-up task subjects and bodies:
 *
 *   Hi {{ firstName | fallback: "there" }}, thanks for downloading {{ contentTitle }}
 *
 * A token is `{{ field }}` or `{{ field | fallback: "text" }}` (single or double quotes, any
 * whitespace inside the braces); everything else is literal text. The rule the design serves: a
 * rendered task never shows an empty or raw token to a rep or a lead. Hence a blank fallback is an
 * error, a stray "}}" is an error (almost always a mistyped token), and a field with neither a value,
 * a fallback nor a default makes rendering throw instead of leaving a gap.
 *
 * Validation and rendering share one parser, so a template that passes templateIssues renders.
 * Positions in messages are 1-based and count characters (an emoji counts as one).
 */

export type TemplatePart =
  | { kind: "literal"; text: string }
  | {
      kind: "field";
      name: string;
      /** Text from `| fallback: "…"`, used when the value is missing or blank; never blank itself. */
      fallback: string | null;
      /** 1-based character position of the token's "{{". */
      position: number;
    };

export type ParsedTemplate = { ok: true; parts: TemplatePart[] } | { ok: false; issues: string[] };

const OPEN = "{{";
const CLOSE = "}}";
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
/** A filter name and whatever follows it, e.g. `fallback: "there"`. */
const FILTER = /^([A-Za-z_][A-Za-z0-9_]*)\s*([\s\S]*)$/;
const QUOTED = /^(?:"([^"]*)"|'([^']*)')$/;
/** Tokens quoted in messages are cut to this many characters. */
const MAX_TOKEN_IN_MESSAGE = 60;

type FieldPart = Extract<TemplatePart, { kind: "field" }>;

interface Scan {
  parts: TemplatePart[];
  issues: string[];
}

/** 1-based position counted in characters (code points), which is what an editor shows. */
function positionOf(text: string, index: number): number {
  return [...text.slice(0, index)].length + 1;
}

function shown(token: string): string {
  const chars = [...token];
  return chars.length > MAX_TOKEN_IN_MESSAGE ? `${chars.slice(0, MAX_TOKEN_IN_MESSAGE).join("")}…` : token;
}

/**
 * Where the token opened at `start` ends: its "}}", or where scanning should resume when it never
 * closes. Quotes after the "|" are skipped, so a fallback may contain "}}" or "|"; before the "|"
 * an apostrophe is just a bad character in the field name. A "{{" outside quotes means this token
 * was never closed, and the next one starts there.
 */
type TokenEnd = { closed: true; index: number } | { closed: false; resumeAt: number; unterminatedQuote: boolean };

function tokenEnd(text: string, start: number): TokenEnd {
  let afterBar = false;
  let quote: string | null = null;
  for (let i = start + OPEN.length; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = null;
    } else if (afterBar && (ch === '"' || ch === "'")) {
      quote = ch;
    } else if (ch === "|") {
      afterBar = true;
    } else if (text.startsWith(CLOSE, i)) {
      return { closed: true, index: i };
    } else if (text.startsWith(OPEN, i)) {
      return { closed: false, resumeAt: i, unterminatedQuote: false };
    }
  }
  return { closed: false, resumeAt: text.length, unterminatedQuote: quote !== null };
}

/** Parses the inside of one `{{ … }}`; returns the field part or an issue message. */
function parseToken(inner: string, token: string, position: number): FieldPart | string {
  const where = `in ${shown(token)} at position ${position}`;
  const bar = inner.indexOf("|");
  const name = (bar === -1 ? inner : inner.slice(0, bar)).trim();
  if (name === "") return `empty merge field name ${where}`;
  if (!FIELD_NAME.test(name)) {
    return `invalid merge field name ${JSON.stringify(name)} ${where}: names start with a letter and contain only letters, digits and "_"`;
  }
  if (bar === -1) return { kind: "field", name, fallback: null, position };

  const filter = FILTER.exec(inner.slice(bar + 1).trim());
  if (!filter) return `missing filter after "|" ${where}: write | fallback: "text"`;
  const [, filterName, rest = ""] = filter;
  if (filterName !== "fallback") return `unknown filter ${JSON.stringify(filterName)} ${where}: the only filter is fallback: "text"`;
  const quoted = rest.startsWith(":") ? QUOTED.exec(rest.slice(1).trim()) : null;
  if (!quoted) return `malformed fallback ${where}: write fallback: "text" (single or double quotes, one filter per field)`;
  const fallback = quoted[1] ?? quoted[2] ?? "";
  if (fallback.trim() === "") return `empty fallback ${where}: a fallback must contain visible text`;
  return { kind: "field", name, fallback, position };
}

function scan(text: string): Scan {
  const parts: TemplatePart[] = [];
  const issues: string[] = [];
  let literal = "";
  const flushLiteral = () => {
    if (literal !== "") parts.push({ kind: "literal", text: literal });
    literal = "";
  };

  let i = 0;
  while (i < text.length) {
    const open = text.indexOf(OPEN, i);
    const strayClose = text.indexOf(CLOSE, i);
    if (strayClose !== -1 && (open === -1 || strayClose < open)) {
      issues.push(`unexpected "}}" at position ${positionOf(text, strayClose)} without a matching "{{"`);
      literal += text.slice(i, strayClose + CLOSE.length);
      i = strayClose + CLOSE.length;
      continue;
    }
    if (open === -1) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    const position = positionOf(text, open);
    const end = tokenEnd(text, open);
    if (!end.closed) {
      issues.push(`unclosed "{{" at position ${position}${end.unterminatedQuote ? " (a quote in its fallback is never closed)" : ""}`);
      // Later tokens are still checked; the text is invalid anyway, so the literal is not kept.
      i = end.resumeAt;
      continue;
    }
    const close = end.index;
    const token = text.slice(open, close + CLOSE.length);
    const result = parseToken(text.slice(open + OPEN.length, close), token, position);
    if (typeof result === "string") {
      issues.push(result);
    } else {
      flushLiteral();
      parts.push(result);
    }
    i = close + CLOSE.length;
  }
  flushLiteral();
  return { parts, issues };
}

/** Splits a template into literal text and merge fields, or lists every syntax problem. */
export function parseTemplate(text: string): ParsedTemplate {
  const { parts, issues } = scan(text);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, parts };
}

/** Distinct field names in order of first use; malformed tokens are skipped (templateIssues reports them). */
export function templateFields(text: string): string[] {
  const names = scan(text).parts.flatMap((part) => (part.kind === "field" ? [part.name] : []));
  return [...new Set(names)];
}

/** Every problem with a template: syntax errors, then fields not in `knownFields`. Empty when valid. */
export function templateIssues(text: string, knownFields: readonly string[]): string[] {
  const { parts, issues } = scan(text);
  const known = new Set(knownFields);
  const reported = new Set<string>();
  const knownList = knownFields.length > 0 ? `known: ${knownFields.join(", ")}` : "no merge fields are available here";
  for (const part of parts) {
    if (part.kind !== "field" || known.has(part.name) || reported.has(part.name)) continue;
    reported.add(part.name);
    issues.push(`unknown merge field ${JSON.stringify(part.name)} at position ${part.position} (${knownList})`);
  }
  return issues;
}

function visible(value: string | null | undefined): string | null {
  const trimmed = typeof value === "string" ? value.trim() : "";
  return trimmed === "" ? null : trimmed;
}

/**
 * Fills in a template. Per field: the trimmed value, else the token's fallback, else
 * `defaults[field]`, else throws naming the field (policy validation is expected to guarantee a
 * default for every field a template may leave empty). Values are inserted verbatim, never parsed:
 * a value containing "{{" stays text. Throws on syntax errors with templateIssues' messages.
 */
export function renderTemplate(
  text: string,
  values: Readonly<Record<string, string | null | undefined>>,
  defaults: Readonly<Record<string, string>>,
): string {
  const parsed = parseTemplate(text);
  if (!parsed.ok) throw new Error(parsed.issues.join("; "));
  let out = "";
  for (const part of parsed.parts) {
    if (part.kind === "literal") {
      out += part.text;
      continue;
    }
    // Own properties only: a field called "constructor" must not find Object.prototype's.
    const value = Object.hasOwn(values, part.name) ? visible(values[part.name]) : null;
    const rendered = value ?? part.fallback ?? (Object.hasOwn(defaults, part.name) ? visible(defaults[part.name]) : null);
    if (rendered === null) {
      throw new Error(`merge field ${JSON.stringify(part.name)} at position ${part.position} has no value, no fallback and no default`);
    }
    out += rendered;
  }
  return out;
}
