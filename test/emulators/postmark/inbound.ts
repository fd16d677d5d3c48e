import { randomUUID } from "node:crypto";
import { formatAddress } from "../mail/addresses.ts";
import { mailboxHash, type Reply } from "../mail/reply.ts";

/**
 * A reply in the JSON Postmark POSTs to an inbound stream's webhook
 * (https://postmarkapp.com/developer/webhooks/inbound-webhook): the parsed message with From,
 * FromName, FromFull, To, ToFull, Cc/Bcc and their Full lists, OriginalRecipient, Subject,
 * MessageID (Postmark's own id), ReplyTo, MailboxHash, Date (as the sending server wrote it),
 * TextBody, HtmlBody, StrippedTextReply, Tag, Headers [{Name, Value}] (the message's other
 * headers, Message-ID, In-Reply-To and References among them, and SpamAssassin's X-Spam-*),
 * Attachments.
 */
export function postmarkInboundPayload(reply: Reply) {
  const full = (a: { address: string; name?: string }) => ({ Email: a.address, Name: a.name ?? "", MailboxHash: mailboxHash(a.address) });
  return {
    FromName: reply.from.name ?? "",
    MessageStream: "inbound",
    From: reply.from.address,
    FromFull: full(reply.from),
    To: formatAddress(reply.to),
    ToFull: [full(reply.to)],
    Cc: "",
    CcFull: [],
    Bcc: "",
    BccFull: [],
    OriginalRecipient: reply.to.address,
    Subject: reply.subject,
    MessageID: randomUUID(),
    ReplyTo: "",
    MailboxHash: mailboxHash(reply.to.address),
    Date: reply.date,
    TextBody: reply.text,
    HtmlBody: reply.html ?? "",
    StrippedTextReply: reply.stripped,
    Tag: "",
    Headers: [
      { Name: "Return-Path", Value: `<${reply.from.address}>` },
      { Name: "X-Spam-Checker-Version", Value: "SpamAssassin 3.4.0 (2014-02-07) on p-pm-inboundg02a-aws-useast1a" },
      { Name: "X-Spam-Status", Value: "No" },
      { Name: "X-Spam-Score", Value: "-0.1" },
      { Name: "X-Spam-Tests", Value: "DKIM_SIGNED,DKIM_VALID,DKIM_VALID_AU,SPF_PASS" },
      { Name: "MIME-Version", Value: "1.0" },
      { Name: "Message-ID", Value: reply.messageId },
      { Name: "In-Reply-To", Value: reply.inReplyTo },
      { Name: "References", Value: reply.references.join(" ") },
      ...reply.extraHeaders,
    ],
    Attachments: [],
  };
}
