import { formatAddress } from "../mail/addresses.ts";
import type { Reply } from "../mail/reply.ts";
import type { MailgunSignature } from "./events.ts";

/**
 * A reply as a Mailgun route's forward() action POSTs it
 * (https://documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/receive-http):
 * form-encoded (multipart only with attachments), with the signed `timestamp`, `token` and
 * `signature`, `recipient` and `sender` (the SMTP envelope), `from`, `subject`, `body-plain`,
 * `stripped-text`, `stripped-signature`, `body-html`, `stripped-html`, `attachment-count`,
 * `message-headers` (a JSON list of [name, value], order kept), `content-id-map`, and each MIME
 * header as a parameter of its own (`Message-Id`, `In-Reply-To`, `References`, …).
 */
export function mailgunRouteForm(reply: Reply, signature: MailgunSignature): URLSearchParams {
  const from = formatAddress(reply.from);
  const to = formatAddress(reply.to);
  const headers: [string, string][] = [
    ["X-Mailgun-Incoming", "Yes"],
    ["X-Envelope-From", `<${reply.from.address}>`],
    ["Mime-Version", "1.0"],
    ["From", from],
    ["Date", reply.date],
    ["Message-Id", reply.messageId],
    ["In-Reply-To", reply.inReplyTo],
    ["References", reply.references.join(" ")],
    ["Subject", reply.subject],
    ["To", to],
    ["Content-Type", 'text/plain; charset="UTF-8"'],
    ...reply.extraHeaders.map((h) => [h.Name, h.Value] as [string, string]),
  ];
  const form = new URLSearchParams({
    recipient: reply.to.address,
    sender: reply.from.address,
    from,
    subject: reply.subject,
    "body-plain": reply.text,
    "stripped-text": reply.stripped,
    "stripped-signature": "",
    "body-html": reply.html ?? "",
    "stripped-html": reply.html ?? "",
    "attachment-count": "0",
    timestamp: signature.timestamp,
    token: signature.token,
    signature: signature.signature,
    "message-headers": JSON.stringify(headers),
    "content-id-map": "{}",
  });
  for (const [name, value] of headers) if (!form.has(name)) form.append(name, value);
  return form;
}
