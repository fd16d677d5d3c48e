import type { Mailbox, StoredMessage } from "../mail/mailbox.ts";
import type { EmulatorRequest, EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import * as errors from "./errors.ts";

/**
 * The outbound message search (https://postmarkapp.com/developer/api/messages-api): what a sender
 * asks when it does not know whether a send went out. `count` (at most 500) and `offset` are
 * required and together at most 10,000; `recipient`, `fromemail`, `tag`, `subject`, `status` and
 * `messagestream` filter, and so does one `metadata_{key}={value}` (the custom metadata FAQ:
 * https://postmarkapp.com/support/article/1125-custom-metadata-faq, "you can currently only
 * search by a single metadata field at a time"). Newest first, as Postmark answers.
 */
const MAX_COUNT = 500;
const MAX_WINDOW = 10_000;

function summary(m: StoredMessage) {
  return {
    Tag: m.tags[0] ?? "",
    MessageID: m.id,
    MessageStream: m.stream,
    To: m.to.map((raw) => ({ Email: raw.replace(/^.*<|>.*$/g, ""), Name: /</.test(raw) ? raw.replace(/\s*<.*$/, "").replace(/^"|"$/g, "") : null })),
    Cc: m.cc.map((raw) => ({ Email: raw.replace(/^.*<|>.*$/g, ""), Name: null })),
    Bcc: m.bcc.map((raw) => ({ Email: raw.replace(/^.*<|>.*$/g, ""), Name: null })),
    Recipients: m.recipients,
    ReceivedAt: m.submittedAt,
    From: m.from,
    Subject: m.subject,
    Attachments: [],
    Status: m.status === "queued" ? "Queued" : "Sent",
    TrackOpens: false,
    TrackLinks: "None",
    Metadata: m.metadata,
    Sandboxed: false,
  };
}

function searchOutbound(mailbox: Mailbox, req: EmulatorRequest): EmulatorResponse {
  const count = Number(req.query.get("count"));
  const offset = Number(req.query.get("offset"));
  if (!req.query.has("count") || !Number.isInteger(count) || count < 1 || count > MAX_COUNT)
    return errors.invalidRequest("The 'count' parameter is required and must be between 1 and 500.");
  if (!req.query.has("offset") || !Number.isInteger(offset) || offset < 0)
    return errors.invalidRequest("The 'offset' parameter is required and must be zero or more.");
  if (count + offset > MAX_WINDOW) return errors.invalidRequest("Count + Offset cannot exceed 10,000 messages.");
  const recipient = req.query.get("recipient")?.toLowerCase();
  const from = req.query.get("fromemail")?.toLowerCase();
  const tag = req.query.get("tag");
  const subject = req.query.get("subject");
  const stream = req.query.get("messagestream");
  const status = req.query.get("status")?.toLowerCase();
  const metadata = [...req.query.entries()].filter(([name]) => name.startsWith("metadata_"));
  if (metadata.length > 1) return errors.invalidRequest("Only one metadata field can be searched at a time.");
  const matches = mailbox
    .list()
    .filter((m) => m.provider === "postmark")
    .filter((m) => !recipient || m.recipients.includes(recipient))
    .filter((m) => !from || m.fromAddress === from)
    .filter((m) => !tag || m.tags.includes(tag))
    .filter((m) => !subject || m.subject.includes(subject))
    .filter((m) => !stream || m.stream === stream)
    .filter((m) => !status || (status === "queued" ? m.status === "queued" : m.status !== "queued"))
    .filter((m) => metadata.every(([name, value]) => String(m.metadata[name.slice("metadata_".length)] ?? "") === value))
    .reverse();
  return { status: 200, body: { TotalCount: matches.length, Messages: matches.slice(offset, offset + count).map(summary) } };
}

export function registerMessagesRoutes(server: EmulatorServer, ctx: { mailbox: Mailbox }): void {
  server.route({ method: "GET", pattern: "/messages/outbound", handler: (req) => searchOutbound(ctx.mailbox, req) });
}
