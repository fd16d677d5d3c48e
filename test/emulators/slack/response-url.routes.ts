import type { EmulatorResponse, EmulatorServer } from "../shared/server.ts";
import { readBlocks } from "./blocks.ts";
import { boolArg, readArgs, stringArg } from "./request.ts";
import type { SlackStore } from "./store.ts";

const answer = (status: number, body: Record<string, unknown>): EmulatorResponse => ({ status, body });

/**
 * The response_url of an interaction (a button click): replies to it can replace or delete the
 * original message, or post ephemerally or in the channel. Each URL is good for 5 uses in 30 min.
 */
export function registerResponseUrlRoutes(server: EmulatorServer, store: SlackStore, now: () => number, botUserId: string, botId: string): void {
  server.route({
    method: "POST",
    pattern: "/response_url/:id",
    handler: (req) => {
      const url = store.responseUrls.get(req.params.id!);
      if (!url || url.usesLeft <= 0 || now() > url.expiresAt) return answer(404, { ok: false, error: "expired_url" });
      const args = readArgs(req);
      const deleteOriginal = boolArg(args, "delete_original");
      const blocks = readBlocks(args.blocks);
      if (!blocks.ok) return answer(400, { ok: false, error: "invalid_blocks", response_metadata: { messages: blocks.messages } });
      const text = stringArg(args, "text");
      if (!deleteOriginal && !text && !blocks.blocks?.length) return answer(400, { ok: false, error: "no_text" });
      url.usesLeft--;

      const replaceOriginal = boolArg(args, "replace_original");
      const responseType = stringArg(args, "response_type") === "in_channel" ? "in_channel" : "ephemeral";
      store.responses.push({
        responseUrlId: url.id,
        at: now(),
        channel: url.channel,
        messageTs: url.messageTs,
        text,
        blocks: blocks.blocks,
        response_type: responseType,
        replace_original: replaceOriginal,
        delete_original: deleteOriginal,
      });
      const original = url.channel && url.messageTs ? store.findMessage(url.channel, url.messageTs) : undefined;
      if (deleteOriginal && original) original.deleted = true;
      else if (replaceOriginal && original) {
        original.text = text;
        original.blocks = blocks.blocks;
        original.edited = store.nextTs();
      } else if (responseType === "in_channel" && url.channel) {
        store.messages.push({
          channel: url.channel,
          ts: store.nextTs(),
          text,
          blocks: blocks.blocks,
          user: botUserId,
          bot_id: botId,
          thread_ts: stringArg(args, "thread_ts"),
        });
      }
      return answer(200, { ok: true });
    },
  });
}
