import { emailOutcomeFact } from "../core/facts/email-facts";
import { canonicalAddress } from "../core/model/email-address";
import type { EffectRequest } from "../core/model/effects";
import type { Policy } from "../core/policy/policy";
import { eventSeen, firstSighting } from "../storage/email-events";
import { sendByMessageId } from "../storage/email-sends";
import { suppress } from "../storage/email-suppressions";
import { recordFacts } from "../storage/facts";
import { optOut, recordsOf, sendSubject, tellRecords } from "./opt-out";
import type { ProviderEvent } from "./provider-events";
import { markBounced } from "./verify-address";

export interface ProviderEventDeps {
  env: Pick<Env, "DB" | "RECORD_EVENTS">;
  policy: Policy;
  now: Date;
  storeEffects(requests: readonly EffectRequest[]): Promise<unknown>;
}

export type Handled = { outcome: "applied" | "duplicate" | "ignored"; detail: string };

/**
 * One provider event: counted per step (delivered, bounced, complained, unsubscribed); a hard
 * bounce suppresses the address, marks it undeliverable and stops the emails of every record with
 * it (their later email steps become tasks); a complaint or an unsubscribe opts the person out.
 * Every part is keyed, so a webhook delivered again changes nothing; the event's id is remembered
 * only once all of it is done, so a failure midway is retried by the provider whole.
 */
export async function handleProviderEvent(deps: ProviderEventDeps, event: ProviderEvent): Promise<Handled> {
  const { env, now } = deps;
  if (event.kind === "ignored") return { outcome: "ignored", detail: event.detail };
  if (await eventSeen(env.DB, event.id)) return { outcome: "duplicate", detail: "this event was handled before" };
  const send = await sendByMessageId(env.DB, event.messageId);
  if (!send) {
    await firstSighting(env.DB, event, now);
    return { outcome: "ignored", detail: "not a cadence email of this deployment" };
  }
  const address = canonicalAddress(event.recipient) ?? send.recipient;
  const at = new Date(event.at);
  if (event.kind === "complained" || event.kind === "unsubscribed") {
    await optOut(deps, { address, kind: event.kind, source: event.provider, reference: event.id, at, detail: event.detail, send });
  } else {
    if (event.kind === "bounced" && event.permanent) {
      await suppress(env.DB, { recipient: address, reason: "hard bounce", source: event.provider, detail: event.detail, at });
      await markBounced(env.DB, address, event.detail, now);
      await tellRecords(env, await recordsOf(env.DB, address, send), {
        status: "bounced",
        permanent: true,
        address,
        reference: event.id,
        source: event.provider,
        at,
        detail: event.detail,
        messageId: send.messageId,
      });
    }
    await recordFacts(env.DB, [emailOutcomeFact(sendSubject(send), event.kind, at, event.permanent)]);
  }
  await firstSighting(env.DB, event, now);
  return {
    outcome: "applied",
    detail: `${event.kind}${event.kind === "bounced" ? (event.permanent ? " (hard)" : " (soft)") : ""} for ${send.recordKey}`,
  };
}
