import { unsubscribeFooter, withHtmlFooter } from "../core/email/email-message";
import { emailNotSentFact, emailSentFact, type EmailSubject } from "../core/facts/email-facts";
import type { Fact } from "../core/facts/fact";
import { isWorkingTime, nextWorkingTime } from "../core/calendar/calendar";
import { recordKey } from "../core/model/crm-event";
import { canonicalAddress, parseMailbox } from "../core/model/email-address";
import type { EffectOf, EffectRequest } from "../core/model/effects";
import { domainOf } from "../core/policy/email-policy";
import { stepTaskKey } from "../core/rules/cadence/cadence-config";
import type { Verification } from "../core/email/verification";
import type { EmailSender, LookupAnswer, OutgoingEmail, SendAnswer } from "../email/email-port";
import type { EmailSending } from "../env/ports";
import type { Failure } from "../platform/failure";
import type { EffectOutcome } from "../platform/outcome";
import { unsubscribeToken } from "../platform/signatures/unsubscribe-token";
import { type EmailSendRow, forgetAttempt, markFailed, markSent, reserveSend, retryAttempt, sendsOf } from "../storage/email-sends";
import { suppress, suppressionsOf } from "../storage/email-suppressions";
import { recordFacts, stoppedCadences } from "../storage/facts";
import { consentsOf, currentConsents } from "../storage/intake-consents";
import { DateTime } from "luxon";

/*
 * Sending a cadence email exactly once. Email providers take no idempotency key, so the send is
 * recorded before the call (email_sends, status 'sending') and completed after it (the provider's
 * id, 'sent'). An attempt that finds its own 'sending' row is a send whose answer was lost (a
 * timeout, a dropped connection, a consumer that died between the call and the record): it asks
 * the provider first (Postmark's message search by the metadata the send carried, Mailgun's
 * Events API by the Message-ID it set) and sends again only once the provider, asked at least
 * LOST_ANSWER_SETTLE_MS after the attempt, does not have it. A provider that cannot be asked
 * keeps the email waiting (retried, then dead with the reason: a person decides from the outbox).
 */

/** How long after an attempt a provider's "not found" is believed: its search must have seen the message by then. */
export const LOST_ANSWER_SETTLE_MS = 60_000;
/** A step sent this long after it was due is late: if the lead's working day is over, it waits for the next. */
const LATE_AFTER_MS = 30 * 60_000;
/** A held email goes within this many minutes after the working day opens, not all at 09:00:00. */
const OPENING_SPREAD_MS = 20 * 60_000;

export interface SendingConfig {
  /** EMAIL_SENDING_DOMAIN: every From must be on it. */
  sendingDomain: string;
  replyTo: string;
  /** The Worker's public URL the unsubscribe links point at. */
  linkBase: string;
  unsubscribeKey: string;
}

export interface SendingDeps {
  db: D1Database;
  /** Undefined when sending is not configured: each email becomes its task, saying so. */
  sender: EmailSender | undefined;
  config: SendingConfig | undefined;
  now(): Date;
  random(): number;
  storeEffects(requests: readonly EffectRequest[]): Promise<unknown>;
  verify(address: string): Promise<Verification>;
  /** Called between the provider's answer and its record (tests stand a dying consumer here). */
  afterProviderAnswer?(id: string, answer: SendAnswer): Promise<void>;
}

type Pending = { id: string; effect: EffectOf<"sendEmail"> };

/** The outreach side of the outbox: it sends the batch's emails one by one and says what became of each. */
export function emailSending(deps: SendingDeps): EmailSending {
  return {
    async send(batch) {
      const run = new SendRun(deps, batch);
      await run.load();
      const outcomes: EffectOutcome[] = [];
      for (const pending of batch) {
        try {
          outcomes.push(await run.one(pending));
        } catch (error) {
          // D1 or the provider failed mid-way: this email is retried; what it recorded stands.
          outcomes.push({ ok: false, failure: { kind: "transient", message: `sending ${pending.id}: ${(error as Error).message}`.slice(0, 500) } });
        }
      }
      await run.finish();
      return outcomes;
    },
  };
}

const subjectOf = ({ id, effect }: Pending): EmailSubject => ({
  sendId: id,
  recordKey: recordKey(effect.crm, effect.accountId, effect.objectType, effect.objectId),
  cadence: effect.cadence,
  step: effect.step,
  source: effect.source,
  ownerId: effect.ownerId,
});

/** One claim's emails: what it read once for all of them, and what it stores once for all of them after. */
class SendRun {
  private sends = new Map<string, EmailSendRow>();
  private stopped = new Map<string, string>();
  private suppressed = new Map<string, { reason: string }>();
  private readonly effects: EffectRequest[] = [];
  private readonly facts: Fact[] = [];

  constructor(
    private readonly deps: SendingDeps,
    private readonly batch: readonly Pending[],
  ) {}

  async load(): Promise<void> {
    const { db } = this.deps;
    const [sends, stopped, suppressed] = await Promise.all([
      sendsOf(
        db,
        this.batch.map((p) => p.id),
      ),
      stoppedCadences(
        db,
        this.batch.map((p) => subjectOf(p).recordKey),
      ),
      suppressionsOf(
        db,
        this.batch.map((p) => canonicalOf(p.effect.to.address)),
      ),
    ]);
    this.sends = sends;
    this.stopped = stopped;
    this.suppressed = suppressed;
  }

  /** The logged emails, the tasks instead and the facts: stored once for the batch (keyed, so a retry stores nothing twice). */
  async finish(): Promise<void> {
    if (this.effects.length > 0) await this.deps.storeEffects(this.effects);
    if (this.facts.length > 0) await recordFacts(this.deps.db, this.facts);
  }

  async one(pending: Pending): Promise<EffectOutcome> {
    const row = this.sends.get(pending.id);
    if (row?.status === "sent") return this.sent(pending, row.providerMessageId ?? "", new Date(row.sentAt ?? this.deps.now().toISOString()));
    if (row?.status === "failed") return this.instead(pending, "refused by the provider", row.detail ?? "the provider refused it");
    if (row?.status === "sending") {
      const settled = await this.settleLostAnswer(pending, row);
      if (settled) return settled;
      return this.attempt(pending);
    }
    const held = await this.check(pending);
    if (held) return held;
    return this.reserveAndAttempt(pending);
  }

  /** A send whose answer was lost: found at the provider (done), not yet believable (wait), or not there (undefined: send again). */
  private async settleLostAnswer(pending: Pending, row: EmailSendRow): Promise<EffectOutcome | undefined> {
    const sender = this.deps.sender;
    if (!sender)
      return { ok: false, failure: { kind: "transient", message: "a send is in doubt and email sending is not configured to look it up" } };
    const found: LookupAnswer = await sender.lookUp({ key: pending.id, messageId: pending.effect.messageId });
    const now = this.deps.now();
    if (found.kind === "found") {
      await markSent(this.deps.db, pending.id, found.providerId, now, "its answer was lost; found at the provider");
      return this.sent(pending, found.providerId, now);
    }
    if (found.kind === "failed") {
      return {
        ok: false,
        failure: { ...found.failure, message: `an earlier send's answer was lost and the provider could not be asked: ${found.failure.message}` },
      };
    }
    const age = now.getTime() - Date.parse(row.attemptedAt);
    if (age < LOST_ANSWER_SETTLE_MS) {
      return {
        ok: false,
        waiting: {
          reason: "an earlier send's answer was lost: asking the provider again before sending",
          retryAfterMs: LOST_ANSWER_SETTLE_MS - age + 1_000,
        },
      };
    }
    await retryAttempt(this.deps.db, pending.id, now, `not at the provider ${Math.round(age / 1000)} s after the attempt: sent again`);
    return undefined;
  }

  /** Before anything is reserved: whether this email may go at all, and whether now. */
  private async check(pending: Pending): Promise<EffectOutcome | undefined> {
    const { effect } = pending;
    const subject = subjectOf(pending);
    const stop = this.stopped.get(subject.recordKey);
    if (stop) return { ok: true, externalId: `not sent: the cadence stopped (${stop}) before it went out` };
    if (!this.deps.sender || !this.deps.config)
      return this.instead(pending, "email sending is off", "email sending is not configured (docs/email.md)");
    const to = canonicalOf(effect.to.address);
    const suppression = this.suppressed.get(to);
    if (suppression) return this.instead(pending, "suppressed", `${to} is on the suppression list (${suppression.reason})`);
    if (domainOf(effect.from.address) !== this.deps.config.sendingDomain)
      return this.instead(pending, "sender not on the sending domain", `${effect.from.address} is not on ${this.deps.config.sendingDomain}`);
    const basis = await this.lawfulBasis(effect, to);
    if (!basis)
      return this.instead(
        pending,
        "no lawful basis",
        `no standing consent (${effect.purpose.consents.join(", ") || "none accepted"}) for purpose ${effect.purpose.id}`,
      );
    const verification = await this.deps.verify(effect.to.address);
    if (verification.verdict === "undeliverable" || (verification.verdict === "risky" && !effect.emailRisky))
      return this.instead(pending, `address ${verification.verdict}`, verification.reasons.join("; "));
    return this.timing(effect);
  }

  /** A consent of the purpose's given and standing, else legitimate interest where the purpose allows it. */
  private async lawfulBasis(effect: EffectOf<"sendEmail">, to: string): Promise<string | null> {
    if (effect.purpose.consents.length > 0) {
      const current = currentConsents(await consentsOf(this.deps.db, to));
      const given = effect.purpose.consents.find((id) => current[id]?.action === "given");
      if (given) return `consent ${given}`;
    }
    return effect.purpose.legitimateInterest ? "legitimate interest" : null;
  }

  /** A step sent late (a long outage) goes in the lead's working hours, as a task would be due. */
  private timing(effect: EffectOf<"sendEmail">): EffectOutcome | undefined {
    const now = this.deps.now();
    const cal = effect.leadCalendar;
    if (now.getTime() - Date.parse(effect.dueAt) < LATE_AFTER_MS || isWorkingTime(now, cal)) return undefined;
    const at = nextWorkingTime(now, cal).getTime() + Math.floor(this.deps.random() * OPENING_SPREAD_MS);
    return {
      ok: false,
      waiting: { reason: "late, and the lead's working day is over: it goes when theirs opens", retryAfterMs: at - now.getTime() },
    };
  }

  /** Reserves the send within the day's caps (one statement), then sends. */
  private async reserveAndAttempt(pending: Pending): Promise<EffectOutcome> {
    const { effect } = pending;
    const now = this.deps.now();
    // The day it goes out: its due time, or now when later (a retry after midnight counts on the new day).
    const at = new Date(Math.max(now.getTime(), Date.parse(effect.dueAt)));
    const personDay = DateTime.fromJSDate(at, { zone: effect.leadCalendar.zone }).toISODate()!;
    const senderDay = at.toISOString().slice(0, 10);
    const reserved = await reserveSend(
      this.deps.db,
      {
        effectId: pending.id,
        recordKey: subjectOf(pending).recordKey,
        recipient: canonicalOf(effect.to.address),
        sender: effect.from.address,
        provider: this.deps.sender!.provider,
        messageId: effect.messageId,
        personDay,
        senderDay,
        cadence: effect.cadence,
        step: effect.step,
        source: effect.source,
        ownerId: effect.ownerId,
        attemptedAt: now.toISOString(),
      },
      { perPerson: effect.caps.perPersonPerDay, perSender: effect.caps.perSenderPerDay },
    );
    if (!reserved.ok) {
      // The next day of whoever is full (the lead's, or the sender's UTC day), at the lead's working time.
      const nextDay =
        reserved.full === "person"
          ? DateTime.fromJSDate(at, { zone: effect.leadCalendar.zone }).plus({ days: 1 }).startOf("day").toJSDate()
          : new Date(`${DateTime.fromJSDate(at, { zone: "utc" }).plus({ days: 1 }).toISODate()}T00:00:00Z`);
      const when = nextWorkingTime(nextDay, effect.leadCalendar).getTime() + Math.floor(this.deps.random() * OPENING_SPREAD_MS);
      const who =
        reserved.full === "person"
          ? `the lead has had ${reserved.count} email(s) today (at most ${effect.caps.perPersonPerDay})`
          : `the sender has sent ${reserved.count} today (at most ${effect.caps.perSenderPerDay})`;
      return { ok: false, waiting: { reason: `daily cap: ${who}; it goes on their next working day`, retryAfterMs: when - now.getTime() } };
    }
    return this.attempt(pending);
  }

  /** Calls the provider (the attempt is recorded) and records its answer. */
  private async attempt(pending: Pending): Promise<EffectOutcome> {
    const { effect } = pending;
    const config = this.deps.config!;
    const link = `${config.linkBase}/unsubscribe/${await unsubscribeToken(config.unsubscribeKey, pending.id)}`;
    const footer = unsubscribeFooter(link);
    const email: OutgoingEmail = {
      key: pending.id,
      from: effect.from,
      to: effect.to,
      replyTo: config.replyTo,
      subject: effect.subject,
      text: effect.text + footer.text,
      html: withHtmlFooter(effect.html, footer.html),
      messageId: effect.messageId,
      ...(effect.inReplyTo ? { inReplyTo: effect.inReplyTo } : {}),
      references: effect.references,
      // RFC 8058: the link, and that a POST to it unsubscribes with one click.
      headers: { "List-Unsubscribe": `<${link}>`, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" },
      tag: "cadence",
    };
    const answer = await this.deps.sender!.send(email);
    await this.deps.afterProviderAnswer?.(pending.id, answer);
    const now = this.deps.now();
    switch (answer.kind) {
      case "sent":
        await markSent(this.deps.db, pending.id, answer.providerId, now);
        return this.sent(pending, answer.providerId, now);
      case "refused": {
        await markFailed(this.deps.db, pending.id, answer.failure.message);
        const to = canonicalOf(effect.to.address);
        if (answer.address)
          await suppress(this.deps.db, {
            recipient: to,
            reason: "refused by the provider",
            source: this.deps.sender!.provider,
            detail: answer.failure.message,
            at: now,
          });
        return this.instead(pending, answer.address ? "address refused by the provider" : "refused by the provider", answer.failure.message);
      }
      case "notSent":
        await forgetAttempt(this.deps.db, pending.id);
        return { ok: false, failure: answer.failure };
      case "unknown":
        // The row stays 'sending': the next attempt asks the provider before it sends.
        return { ok: false, failure: lostAnswer(answer.failure) };
    }
  }

  /** The email went: on the CRM timeline as the rep's, and counted. */
  private sent(pending: Pending, providerId: string, at: Date): EffectOutcome {
    const { effect } = pending;
    this.effects.push({
      idempotencyKey: `email:${pending.id}:log`,
      leadKey: subjectOf(pending).recordKey,
      rule: "outreach",
      effect: {
        type: "logEmail",
        crm: effect.crm,
        accountId: effect.accountId,
        objectType: effect.objectType,
        objectId: effect.objectId,
        ownerId: effect.ownerId,
        from: effect.from.name ? `${effect.from.name} <${effect.from.address}>` : effect.from.address,
        to: effect.to.address,
        subject: effect.subject,
        text: effect.text.slice(0, 65_000),
        html: effect.html,
        sentAt: at.toISOString(),
        messageId: effect.messageId,
      },
    });
    this.facts.push(emailSentFact(subjectOf(pending), at, providerId));
    return { ok: true, externalId: `sent ${providerId}` };
  }

  /** It cannot go: the step becomes the owner's task (the step's own task key, so a stop closes it), saying why. */
  private instead(pending: Pending, reason: string, detail: string): EffectOutcome {
    const { effect } = pending;
    const subject = subjectOf(pending);
    const now = this.deps.now();
    const dueAt = new Date(Math.max(now.getTime(), Date.parse(effect.dueAt))).toISOString();
    this.effects.push({
      idempotencyKey: stepTaskKey(subject.recordKey, effect.cadence, effect.step),
      leadKey: subject.recordKey,
      rule: "cadence",
      effect: {
        type: "createTask",
        crm: effect.crm,
        accountId: effect.accountId,
        objectType: effect.objectType,
        objectId: effect.objectId,
        ownerId: effect.ownerId,
        subject: `Email ${effect.to.address}: ${effect.subject}`.slice(0, 255),
        body: `Not sent automatically: ${detail}.\n\nThe email it would have sent:\n\n${effect.text}`.slice(0, 65_000),
        dueAt,
        ...(effect.task.dueDate ? { dueDate: effect.task.dueDate } : {}),
        priority: effect.task.priority,
        channel: "EMAIL",
      },
    });
    this.facts.push(emailNotSentFact(subject, now, reason, detail));
    return { ok: true, externalId: `not sent (${reason}): a task instead` };
  }
}

const canonicalOf = (address: string) => canonicalAddress(address) ?? parseMailbox(address)?.address ?? address.trim().toLowerCase();

const lostAnswer = (failure: Failure): Failure => ({
  ...failure,
  kind: failure.kind === "permanent" ? "transient" : failure.kind,
  message: `${failure.message} (the provider may have taken it: the next attempt asks it first)`,
});
