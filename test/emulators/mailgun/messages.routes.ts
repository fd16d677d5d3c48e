import type { EmulatorServer } from "../shared/server.ts";
import * as errors from "./errors.ts";
import { parseMailgunMessage, readForm } from "./message.ts";
import type { MailgunOutbound } from "./outbound.ts";

/** POST /v3/{domain_name}/messages (https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages). */
export function registerMessageRoutes(server: EmulatorServer, ctx: { outbound: MailgunOutbound; domains: Set<string> }): void {
  server.route({
    method: "POST",
    pattern: "/v3/:domain/messages",
    handler: async (req) => {
      const domain = req.params.domain!.toLowerCase();
      if (!ctx.domains.has(domain)) return errors.domainNotFound(domain);
      const form = await readForm(String(req.headers["content-type"] ?? ""), req.rawBody);
      if (!form) return errors.badRequest("The request body could not be parsed as multipart/form-data");
      const parsed = parseMailgunMessage(form);
      if (!parsed.ok) return parsed.error;
      const stored = ctx.outbound.accept(domain, parsed.message);
      return { status: 200, body: { id: stored.messageId, message: "Queued. Thank you." } };
    },
  });
}
