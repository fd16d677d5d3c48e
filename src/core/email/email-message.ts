import { effectId } from "../model/effect-id";

/*
 * A cadence email as the lead reads it: subject, a text part and a minimal HTML part, and the
 * headers that thread it. Pure: the rule renders it when the step is due; the sender adds only
 * what needs a secret or the deployment's settings (Reply-To, the signed unsubscribe link).
 */

/**
 * The Message-ID of a step's email, derived from the effect's idempotency key on the sending
 * domain: known before the send (the next step threads on it without asking anyone), the same on
 * every retry, and searchable at the ESP when an answer is lost.
 */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  return `<${effectId(idempotencyKey)}@${domain.toLowerCase()}>`;
}

/** "Re: " once: a reply to a reply keeps one prefix, as mail clients write it. */
export function replySubject(subject: string): string {
  return /^re:\s/i.test(subject.trim()) ? subject.trim() : `Re: ${subject.trim()}`;
}

/** The earlier message a step answers, and what it referenced. */
export interface ThreadParent {
  messageId: string;
  subject: string;
  references: readonly string[];
}

/** How a reply to `parent` threads (RFC 5322 §3.6.4): In-Reply-To the parent, References its references plus it. */
export function threadOn(parent: ThreadParent): { subject: string; inReplyTo: string; references: string[] } {
  return { subject: replySubject(parent.subject), inReplyTo: parent.messageId, references: [...parent.references, parent.messageId].slice(-20) };
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);

/**
 * The HTML part of a plain-text email: paragraphs at blank lines, line breaks kept, everything
 * escaped (merge values are the lead's own data). No styling, no images, no tracking: a note
 * from a person.
 */
export function textToHtml(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, "\n")
    .split(/\n{2,}/)
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const body = paragraphs.map((p) => `<p>${escapeHtml(p).replaceAll("\n", "<br>\n")}</p>`).join("\n");
  return `<!doctype html>\n<html><body>\n${body}\n</body></html>`;
}

/** A display name as an RFC 5322 phrase: quoted when it holds specials (a comma, a dot). */
export function formatMailbox(address: string, name?: string): string {
  if (!name) return address;
  const clean = name.replace(/[\r\n"\\]/g, "").trim();
  return /[(),.:;<>@[\]]/.test(clean) ? `"${clean}" <${address}>` : `${clean} <${address}>`;
}

/** The unsubscribe line under an email, text and HTML. */
export function unsubscribeFooter(url: string): { text: string; html: string } {
  return {
    text: `\n\n--\nNot interested? Unsubscribe with one click: ${url}`,
    html: `\n<p style="color:#666;font-size:12px">Not interested? <a href="${escapeHtml(url)}">Unsubscribe with one click</a>.</p>`,
  };
}

/** The HTML part with the footer inside its body. */
export function withHtmlFooter(html: string, footer: string): string {
  return html.includes("</body>") ? html.replace("</body>", `${footer}\n</body>`) : `${html}${footer}`;
}
