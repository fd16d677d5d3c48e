import { durationMillis } from "../calendar/calendar";
import type { FormSpam } from "../policy/forms-policy";
import type { RawFields } from "./intake-submission";

export type SpamVerdict = { spam: false } | { spam: true; reason: string };

/**
 * The form's own spam checks (Turnstile is checked before): a honeypot field people never see, and
 * a minimum time from page load to submit. A bot told it was caught would adapt, so the route
 * answers spam exactly like a success; the verdict only decides that the submission goes no further.
 */
export function spamVerdict(spam: FormSpam, raw: RawFields): SpamVerdict {
  if (spam.honeypotField && raw[spam.honeypotField]?.trim()) return { spam: true, reason: `honeypot field ${spam.honeypotField} was filled in` };
  if (spam.minFillTime) {
    const minMs = durationMillis(spam.minFillTime);
    const text = raw[spam.fillTimeField]?.trim();
    // Only the page's script sets the fill time; a post without it did not come from the page.
    if (!text || !/^\d{1,12}$/.test(text)) return { spam: true, reason: `no fill time (${spam.fillTimeField}) from the page` };
    const fillMs = Number(text);
    if (fillMs < minMs) return { spam: true, reason: `filled in within ${fillMs} ms, under the minimum ${minMs} ms` };
  }
  return { spam: false };
}
