import { z } from "zod";
import { describeIssues } from "../platform/zod-issues";

export interface BlockAction {
  actionId: string;
  blockId?: string;
  value?: string;
  actionTs?: string;
}

export interface BlockActionsInteraction {
  type: "block_actions";
  userId: string;
  userName?: string;
  teamId?: string;
  channelId?: string;
  messageTs?: string;
  responseUrl?: string;
  triggerId?: string;
  actions: BlockAction[];
}

/**
 * Actions one payload may carry. A block_actions payload is one user's interaction with one
 * element, so Slack sends one action; a few leave room for what Slack may batch one day, while a
 * payload of hundreds (each a record event) is refused before any is read.
 */
export const MAX_ACTIONS = 5;

export type InteractionParseResult = { ok: true; interaction: BlockActionsInteraction } | { ok: false; message: string };

// Slack adds fields over time; only what the handler relies on is checked, the rest passes through.
const Action = z.looseObject({
  action_id: z.string().min(1),
  block_id: z.string().optional(),
  // Buttons carry a string value; other elements (selects, date pickers) carry none or something else.
  value: z.string().optional().catch(undefined),
  action_ts: z.string().optional(),
});

const BlockActionsPayload = z.looseObject({
  type: z.literal("block_actions"),
  user: z.looseObject({
    id: z.string().min(1),
    username: z.string().optional(),
    name: z.string().optional(),
    team_id: z.string().optional(),
  }),
  team: z.looseObject({ id: z.string().optional() }).nullish(),
  channel: z.looseObject({ id: z.string().optional() }).nullish(),
  container: z.looseObject({ channel_id: z.string().optional(), message_ts: z.string().optional() }).nullish(),
  message: z.looseObject({ ts: z.string().optional() }).nullish(),
  response_url: z.string().optional(),
  trigger_id: z.string().optional(),
  actions: z.array(Action).min(1, "must hold at least one action"),
});

/**
 * Reads a Slack interaction request: an `application/x-www-form-urlencoded` body whose single
 * `payload` field is JSON. Only `block_actions` (button clicks and other message interactions)
 * is handled; modals and shortcuts are refused by type so the caller can answer accordingly.
 * Check the signature over the raw body before calling this.
 */
export function parseSlackInteraction(rawBody: string): InteractionParseResult {
  const payloadText = new URLSearchParams(rawBody).get("payload");
  if (payloadText === null) return { ok: false, message: "the form body has no payload field" };
  let payload: unknown;
  try {
    payload = JSON.parse(payloadText);
  } catch {
    return { ok: false, message: "payload is not valid JSON" };
  }
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return { ok: false, message: "payload is not a JSON object" };
  const type = (payload as { type?: unknown }).type;
  if (typeof type !== "string" || type === "") return { ok: false, message: "payload.type is missing" };
  if (type !== "block_actions") return { ok: false, message: `interaction type ${type} is not handled (only block_actions is)` };

  const actions = (payload as { actions?: unknown }).actions;
  if (Array.isArray(actions) && actions.length > MAX_ACTIONS) {
    return { ok: false, message: `a click is one button: this payload has ${actions.length} actions, at most ${MAX_ACTIONS} are accepted` };
  }

  const parsed = BlockActionsPayload.safeParse(payload, { reportInput: true });
  if (!parsed.success) return { ok: false, message: `block_actions payload: ${describeIssues(parsed.error)}` };
  const p = parsed.data;
  const userName = p.user.username ?? p.user.name;
  const teamId = p.team?.id ?? p.user.team_id;
  const channelId = p.channel?.id ?? p.container?.channel_id;
  const messageTs = p.container?.message_ts ?? p.message?.ts;
  return {
    ok: true,
    interaction: {
      type: "block_actions",
      userId: p.user.id,
      ...(userName ? { userName } : {}),
      ...(teamId ? { teamId } : {}),
      ...(channelId ? { channelId } : {}),
      ...(messageTs ? { messageTs } : {}),
      ...(p.response_url ? { responseUrl: p.response_url } : {}),
      ...(p.trigger_id ? { triggerId: p.trigger_id } : {}),
      actions: p.actions.map((a) => ({
        actionId: a.action_id,
        ...(a.block_id !== undefined ? { blockId: a.block_id } : {}),
        ...(a.value !== undefined ? { value: a.value } : {}),
        ...(a.action_ts !== undefined ? { actionTs: a.action_ts } : {}),
      })),
    },
  };
}
