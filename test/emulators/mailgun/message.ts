import { type ParsedAddress, parseAddressList } from "../mail/addresses.ts";
import type { MessageHeader } from "../mail/mailbox.ts";
import type { EmulatorResponse } from "../shared/server.ts";
import * as errors from "./errors.ts";

/** The parameters of POST /v3/{domain}/messages, as a multimap (every parameter may repeat). */
export type Form = Map<string, string[]>;

/**
 * Reads an `application/x-www-form-urlencoded` or `multipart/form-data` body; anything else
 * has no parameters (and is then refused for its missing `from`). Attachments are not kept.
 */
export async function readForm(contentType: string, raw: string): Promise<Form | undefined> {
  const form: Form = new Map();
  const add = (key: string, value: string) => form.set(key, [...(form.get(key) ?? []), value]);
  const type = contentType.toLowerCase();
  if (type.startsWith("application/x-www-form-urlencoded")) {
    for (const [key, value] of new URLSearchParams(raw)) add(key, value);
  } else if (type.startsWith("multipart/form-data")) {
    let data: FormData;
    try {
      data = await new Response(raw, { headers: { "content-type": contentType } }).formData();
    } catch {
      return undefined;
    }
    for (const [key, value] of data) if (typeof value === "string") add(key, value);
  }
  return form;
}

export interface MailgunMessage {
  from: ParsedAddress;
  fromRaw: string;
  to: ParsedAddress[];
  cc: ParsedAddress[];
  bcc: ParsedAddress[];
  subject: string;
  text?: string;
  html?: string;
  /** `h:` parameters: custom MIME headers, Reply-To and Message-Id among them. */
  headers: MessageHeader[];
  /** `o:tag`, repeatable. */
  tags: string[];
  /** `v:` user variables, JSON values parsed. */
  variables: Record<string, unknown>;
  /** Other `o:` options as given (`o:tracking`, `o:testmode`, …). */
  options: Record<string, string>;
}

const first = (form: Form, key: string) => form.get(key)?.[0];

function addresses(form: Form, key: string): ParsedAddress[] | EmulatorResponse {
  const all: ParsedAddress[] = [];
  for (const value of form.get(key) ?? []) {
    const parsed = parseAddressList(value);
    if (!parsed.ok) return errors.notAnAddress(key);
    all.push(...parsed.addresses);
  }
  return all;
}

/**
 * Checks the parameters as https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
 * describes them: `from` and `to` required and valid (RFC 5321/5322; display names allowed; `to`
 * repeatable or comma-separated), one of `text`, `html`, `amp-html` or `template`.
 */
export function parseMailgunMessage(form: Form): { ok: true; message: MailgunMessage } | { ok: false; error: EmulatorResponse } {
  const fromRaw = first(form, "from")?.trim();
  if (!fromRaw) return { ok: false, error: errors.missing("from") };
  if (!form.get("to")?.some((v) => v.trim())) return { ok: false, error: errors.missing("to") };
  const from = parseAddressList(fromRaw);
  if (!from.ok || from.addresses.length !== 1) return { ok: false, error: errors.notAnAddress("from") };
  const lists: Record<"to" | "cc" | "bcc", ParsedAddress[]> = { to: [], cc: [], bcc: [] };
  for (const key of ["to", "cc", "bcc"] as const) {
    const parsed = addresses(form, key);
    if (!Array.isArray(parsed)) return { ok: false, error: parsed };
    lists[key] = parsed;
  }
  const text = first(form, "text") || undefined;
  const html = first(form, "html") || undefined;
  if (!text && !html && !first(form, "amp-html") && !first(form, "template")) return { ok: false, error: errors.noBody() };

  const headers: MessageHeader[] = [];
  const variables: Record<string, unknown> = {};
  const options: Record<string, string> = {};
  for (const [key, values] of form) {
    if (key.startsWith("h:") && key.length > 2) for (const value of values) headers.push({ name: key.slice(2), value });
    else if (key.startsWith("v:") && key.length > 2) {
      const value = values[0]!;
      try {
        variables[key.slice(2)] = JSON.parse(value);
      } catch {
        variables[key.slice(2)] = value;
      }
    } else if (key.startsWith("o:") && key !== "o:tag") options[key.slice(2)] = values[0]!;
  }
  for (const header of headers.filter((h) => h.name.toLowerCase() === "reply-to")) {
    const parsed = parseAddressList(header.value);
    if (!parsed.ok) return { ok: false, error: errors.notAnAddress("h:Reply-To") };
  }
  return {
    ok: true,
    message: {
      from: from.addresses[0]!,
      fromRaw,
      to: lists.to,
      cc: lists.cc,
      bcc: lists.bcc,
      subject: first(form, "subject") ?? "",
      text,
      html,
      headers,
      tags: form.get("o:tag") ?? [],
      variables,
      options,
    },
  };
}
