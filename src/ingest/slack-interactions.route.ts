import { Hono } from "hono";
import { z } from "zod";
import { type CrmEvent, parseRecordKey, RecordKey } from "../core/model/crm-event";
import { actionOf } from "../core/rules/cadence/cadence-messages";
import { dedupeKey } from "./dedupe-key";
import { acceptEvents } from "../records/record-inbox";
import { knownRecords } from "../storage/records";
import { foreignRecord } from "../slack/click-scope";
import { type BlockActionsInteraction, parseSlackInteraction } from "../slack/interaction";
import { verifySlackSignature } from "../platform/signatures/slack-signature";
import type { AppEnv } from "../env/app-env";
import { concatBytes, sha256, toHex, utf8 } from "../platform/bytes";
import { decodeUtf8, readRawBody, requireContentType } from "../platform/http/body";
import { HttpError, unauthorized } from "../platform/http/errors";

/** What our buttons carry (see cadence-messages.ts). */
const ButtonValue = z.object({ lead: RecordKey, cadence: z.string().min(1), step: z.string().min(1) });

/**
 * Button clicks on cadence messages (mark done, snooze a day, pause). The click becomes an event
 * of the lead's record, so it is applied by the one object that owns the cadence, in order with
 * everything else; the answer to the rep goes back through the outbox to the response URL.
 * Slack wants 200 within 3 seconds, and gets it as soon as the event is queued.
 *
 * A click only acts on a record this deployment follows: of its own portal or org, of a type it
 * keeps, and already in D1. Anything else changes nothing (no event, so no record object and no
 * row) and is answered 200, as Slack's contract asks, with an ephemeral line saying why; Slack
 * shows a non-200 to the rep as a failure of the app.
 */
export const slackInteractionsRoute = new Hono<AppEnv>().post("/", async (c) => {
  const { config } = c.var;
  if (!config.SLACK_SIGNING_SECRET) throw new HttpError(503, "not_configured", "Slack interactivity is off: set the SLACK_SIGNING_SECRET secret");
  requireContentType(c.req.raw, ["application/x-www-form-urlencoded"]);
  const rawBody = await readRawBody(c.req.raw);
  const signature = await verifySlackSignature({
    signingSecret: config.SLACK_SIGNING_SECRET,
    rawBody,
    nowMs: c.var.now().getTime(),
    timestamp: c.req.header("x-slack-request-timestamp"),
    signature: c.req.header("x-slack-signature"),
  });
  if (!signature.ok) throw unauthorized(signature.reason);
  const parsed = parseSlackInteraction(decodeUtf8(rawBody));
  if (!parsed.ok) throw new HttpError(400, "invalid_payload", parsed.message);
  // What the signature covers (v0:{timestamp}:{body}) is the request's identity: the same signed
  // request sent again at any time inside Slack's 5-minute window is the same click.
  const signed = toHex(await sha256(concatBytes(utf8(`v0:${c.req.header("x-slack-request-timestamp")}:`), rawBody)));
  const events = await cadenceActionEvents(parsed.interaction, signed, c.var.now());
  const served = { hubspot: config.HUBSPOT_PORTAL_ID || undefined, salesforce: config.SALESFORCE_ORG_ID || undefined };
  const refused = new Map<string, string>();
  for (const event of events) {
    const reason = foreignRecord(event, served);
    if (reason) refused.set(event.recordKey, reason);
  }
  const known = await knownRecords(
    c.env.DB,
    events.filter((e) => !refused.has(e.recordKey)).map((e) => e.recordKey),
  );
  for (const event of events) {
    if (!refused.has(event.recordKey) && !known.has(event.recordKey)) refused.set(event.recordKey, "this app has no such record");
  }
  const accepted = events.filter((e) => !refused.has(e.recordKey));
  if (accepted.length > 0) await acceptEvents(c.env, accepted);
  if (refused.size === 0) return c.body(null, 200);
  const reasons = [...new Set(refused.values())];
  console.warn(`Slack click by ${parsed.interaction.userId} refused for ${refused.size} of ${events.length} records: ${reasons.join("; ")}`);
  return c.json({
    response_type: "ephemeral",
    replace_original: false,
    text: `Nothing was changed${accepted.length > 0 ? " for some of these buttons" : ""}: ${reasons.join("; ")}.`,
  });
});

async function cadenceActionEvents(interaction: BlockActionsInteraction, signed: string, now: Date): Promise<CrmEvent[]> {
  const events: CrmEvent[] = [];
  for (const [index, action] of interaction.actions.entries()) {
    const kind = actionOf(action.actionId);
    if (!kind) throw new HttpError(400, "invalid_payload", `action ${action.actionId} is not one of this app's buttons`);
    let value: z.infer<typeof ButtonValue>;
    try {
      value = ButtonValue.parse(JSON.parse(action.value ?? ""));
    } catch {
      throw new HttpError(400, "invalid_payload", `action ${action.actionId} carries no usable value`);
    }
    const { crm, accountId, objectType, objectId } = parseRecordKey(value.lead);
    events.push({
      kind: "slackAction",
      dedupeKey: await dedupeKey("slack", [signed, index]),
      recordKey: value.lead,
      crm,
      accountId,
      objectType,
      objectId,
      occurredAt: now.toISOString(),
      changedBy: { source: "slack", id: interaction.userId },
      fromThisIntegration: false,
      via: "slack",
      action: kind,
      cadenceId: value.cadence,
      stepId: value.step,
      userId: interaction.userId,
      ...(interaction.responseUrl ? { responseUrl: interaction.responseUrl } : {}),
    });
  }
  return events;
}
