import type { Mailbox, StoredMessage } from "./mailbox.ts";

/** The mailbox as a person reads it in a browser: a list, and one page per message. */

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}th{background:#f4f4f4}
.status{padding:.1rem .4rem;border-radius:3px;font-size:.85em;background:#eee}.delivered{background:#d8f5d8}
.bounced,.complained,.suppressed{background:#f9d6d6}.deferred,.unsubscribed{background:#fbeec8}
pre{white-space:pre-wrap;background:#f8f8f8;padding:.75rem;border:1px solid #e4e4e4}
iframe{width:100%;height:24rem;border:1px solid #e4e4e4}dt{font-weight:600}dd{margin:0 0 .4rem 0}a{color:#0b57d0}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

const status = (s: string) => `<span class="status ${escapeHtml(s)}">${escapeHtml(s)}</span>`;
const link = (m: StoredMessage, text: string) => `<a href="/_emulator/messages/${encodeURIComponent(m.id)}">${escapeHtml(text)}</a>`;

export function mailboxListPage(title: string, mailbox: Mailbox, messages: StoredMessage[]): string {
  const rows = [...messages]
    .reverse()
    .map((m) => {
      const parent = mailbox.parentOf(m);
      const thread = parent ? `re: ${link(parent, parent.subject || "(no subject)")}` : m.inReplyTo ? escapeHtml(`re: ${m.inReplyTo}`) : "";
      const replies = m.replies.length ? ` · ${m.replies.length} repl${m.replies.length === 1 ? "y" : "ies"}` : "";
      return `<tr><td>${escapeHtml(m.submittedAt)}</td><td>${escapeHtml(m.from)}</td><td>${escapeHtml([...m.to, ...m.cc].join(", "))}</td>
<td>${link(m, m.subject || "(no subject)")}</td><td>${status(m.status)}${replies}</td><td>${thread}</td></tr>`;
    })
    .join("\n");
  const empty = messages.length === 0 ? "<p>No messages yet.</p>" : "";
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><p>${messages.length} message(s), newest first. JSON: the same URL with <code>Accept: application/json</code>.</p>${empty}
<table><thead><tr><th>Sent</th><th>From</th><th>To</th><th>Subject</th><th>Status</th><th>Thread</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

export function messagePage(title: string, mailbox: Mailbox, m: StoredMessage): string {
  const parent = mailbox.parentOf(m);
  const fields: [string, string][] = [
    ["From", escapeHtml(m.from)],
    ["To", escapeHtml(m.to.join(", "))],
    ...(m.cc.length ? ([["Cc", escapeHtml(m.cc.join(", "))]] as [string, string][]) : []),
    ...(m.bcc.length ? ([["Bcc", escapeHtml(m.bcc.join(", "))]] as [string, string][]) : []),
    ...(m.replyTo ? ([["Reply-To", escapeHtml(m.replyTo)]] as [string, string][]) : []),
    ["Subject", escapeHtml(m.subject)],
    ["Sent", escapeHtml(m.submittedAt)],
    ["Message-ID", escapeHtml(m.messageId)],
    ["In-Reply-To", parent ? link(parent, m.inReplyTo!) : escapeHtml(m.inReplyTo ?? "")],
    ["References", escapeHtml(m.references.join(" "))],
    [
      "Status",
      Object.entries(m.recipientStatus)
        .map(([r, s]) => `${escapeHtml(r)}: ${status(s)}`)
        .join("<br>"),
    ],
    [m.provider === "postmark" ? "Message stream" : "Domain", escapeHtml(m.stream)],
    ["Tags", escapeHtml(m.tags.join(", "))],
  ];
  const headers = m.headers.map((h) => `<tr><td>${escapeHtml(h.name)}</td><td>${escapeHtml(h.value)}</td></tr>`).join("");
  const events = m.events
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.at)}</td><td>${escapeHtml(e.type)}</td><td>${escapeHtml(e.recipient)}</td><td>${escapeHtml(e.detail ?? "")}</td></tr>`,
    )
    .join("");
  // The HTML part runs in a sandbox without scripts: an email's markup is shown, never trusted.
  const html = m.html ? `<h2>HTML part</h2><iframe sandbox srcdoc="${escapeHtml(m.html)}"></iframe>` : "";
  return page(
    `${m.subject} · ${title}`,
    `<p><a href="/_emulator/messages">← ${escapeHtml(title)}</a></p><h1>${escapeHtml(m.subject || "(no subject)")}</h1>
<dl>${fields.map(([k, v]) => `<dt>${k}</dt><dd>${v || "—"}</dd>`).join("")}</dl>
<h2>Text part</h2><pre>${escapeHtml(m.text ?? "(none)")}</pre>${html}
<h2>Custom headers</h2><table><tbody>${headers || "<tr><td>(none)</td></tr>"}</tbody></table>
<h2>Events</h2><table><thead><tr><th>At</th><th>Event</th><th>Recipient</th><th>Detail</th></tr></thead><tbody>${events || "<tr><td>(none)</td></tr>"}</tbody></table>`,
  );
}
