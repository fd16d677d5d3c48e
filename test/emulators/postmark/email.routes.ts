import type { EmulatorRequest, EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import * as errors from "./errors.ts";
import { parsePostmarkMessage } from "./message.ts";
import type { PostmarkOutbound } from "./outbound.ts";

export type StreamType = "Transactional" | "Broadcasts" | "Inbound";

export interface EmailRoutesContext {
  outbound: PostmarkOutbound;
  /** The server's message streams by id. */
  streams: Map<string, StreamType>;
  now: () => number;
}

/** Postmark's documented batch limit (https://postmarkapp.com/developer/user-guide/send-email-with-api/batch-emails). */
export const MAX_BATCH = 500;

/** The token Postmark documents for requests that are validated but never delivered. */
export const TEST_TOKEN = "POSTMARK_API_TEST";

type ItemResult = { status: number; body: Record<string, unknown> };

const isTestMode = (req: EmulatorRequest) => String(req.headers["x-postmark-server-token"] ?? "") === TEST_TOKEN;

/** One message of a send: the answer Postmark gives for it (HTTP 200 or 422) and what it did. */
function sendOne(ctx: EmailRoutesContext, input: unknown, testMode: boolean, batch: boolean): ItemResult {
  const parsed = parsePostmarkMessage(input);
  if (!parsed.ok) return { status: 422, body: { ...parsed.error } };
  const message = parsed.message;
  const streamType = ctx.streams.get(message.messageStream);
  if (!streamType) return { status: 422, body: { ErrorCode: 1235, Message: errors.UNKNOWN_STREAM } };
  if (streamType === "Inbound") return { status: 422, body: { ErrorCode: 1221, Message: errors.NOT_A_SENDING_STREAM } };
  const submittedAt = new Date(ctx.now()).toISOString();
  if (testMode) {
    return {
      status: 200,
      body: { To: message.toRaw, SubmittedAt: submittedAt, MessageID: crypto.randomUUID(), ErrorCode: 0, Message: "Test job accepted" },
    };
  }
  const recipients = [...message.to, ...message.cc, ...message.bcc].map((a) => a.address);
  // Every recipient inactive: nothing is sent or stored.
  if (recipients.length > 0 && new Set(recipients).size === recipients.filter((r) => ctx.outbound.isInactive(message.messageStream, r)).length) {
    const inactive = [...new Set(recipients)];
    return { status: 422, body: { ErrorCode: 406, Message: batch ? errors.allInactiveBatchItem(inactive) : errors.allInactive(inactive) } };
  }
  const { stored, inactive } = ctx.outbound.accept(message);
  return {
    status: 200,
    body: {
      To: message.toRaw,
      SubmittedAt: stored.submittedAt,
      MessageID: stored.id,
      ErrorCode: 0,
      Message: inactive.length ? errors.someInactive(inactive) : "OK",
    },
  };
}

function unparsable(req: EmulatorRequest): EmulatorResponse | undefined {
  if (req.body !== undefined) return undefined;
  return req.rawBody.trim() ? errors.invalidJson() : errors.incompatibleJson("the request has no body.");
}

/** POST /email and POST /email/batch (https://postmarkapp.com/developer/api/email-api). */
export function registerEmailRoutes(server: EmulatorServer, ctx: EmailRoutesContext): void {
  server.route({
    method: "POST",
    pattern: "/email",
    handler: (req) => {
      const bad = unparsable(req);
      if (bad) return bad;
      if (Array.isArray(req.body)) return errors.incompatibleJson("POST /email takes one message; send arrays to /email/batch.");
      const result = sendOne(ctx, req.body, isTestMode(req), false);
      return { status: result.status, body: result.body };
    },
  });

  server.route({
    method: "POST",
    pattern: "/email/batch",
    handler: (req) => {
      const bad = unparsable(req);
      if (bad) return bad;
      if (!Array.isArray(req.body)) return errors.incompatibleJson("POST /email/batch takes a JSON array of messages.");
      if (req.body.length > MAX_BATCH) return errors.tooManyBatchMessages();
      // Each message succeeds or fails on its own; the call answers 200 with one result each, in order.
      const testMode = isTestMode(req);
      return { status: 200, body: req.body.map((item) => sendOne(ctx, item, testMode, true).body) };
    },
  });
}
