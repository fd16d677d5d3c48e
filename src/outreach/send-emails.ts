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
import {
  type EmailSendRow,
  type Reserved,
  recordAnswers,
  reserveSends,
  retryAttempt,
  type SendAnswerRecord,
  type SendReservation,
  sendsOf,
} from "../storage/email-sends";
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
  /** Verifies addresses (their stored verdicts while fresh), in order. */
  verifyMany(addresses: readonly string[]): Promise<Verification[]>;
  /** Called between the provider's answer and its record (tests stand a dying consumer here). */
  afterProviderAnswer?(id: string, answer: SendAnswer): Promise<void>;
}

type Pending = { id: string; effect: EffectOf<"sendEmail"> };

/** What became of an email before the provider is called: its outcome, or the attempt to make (with its reservation when new). */
type Decided = { outcome: EffectOutcome } | { attempt: true; reservation?: SendReservation };

/**
 * The outreach side of the outbox. A claim's emails are checked together (one read each of their
 * sends, stops, suppressions and verdicts), reserved together (one batch), sent one by one (each
 * paced by the send rate), and their answers recorded together (one batch): the per-email D1 work
 * is what limits a send rate of dozens a second.
 */
export function emailSending(deps: SendingDeps): EmailSending {
  return {
    async send(batch) {
      const run = new SendRun(deps, batch);
      const outcomes: EffectOutcome[] = new Array(batch.length);
      const failed = (error: unknown): EffectOutcome => ({
        ok: false,
        failure: { kind: "transient", message: `sending failed midway (what it recorded stands): ${(error as Error).message}`.slice(0, 500) },
      });
      try {
        await run.load();
      } catch (error) {
        return batch.map(() => failed(error));
      }
      const attempts: { i: number; pending: Pending; reservation?: SendReservation }[] = [];
      for (const [i, pending] of batch.entries()) {
        try {
          const decided = await run.decide(pending);
          if ("outcome" in decided) outcomes[i] = decided.outcome;
          else attempts.push({ i, pending, ...(decided.reservation ? { reservation: decided.reservation } : {}) });
        } catch (error) {
          outcomes[i] = failed(error);
        }
      }
      const sending: typeof attempts = [];
      try {
        const fresh = attempts.filter((a) => a.reservation);
        const reserved = await reserveSends(
          deps.db,
          fresh.map((a) => ({
            r: a.reservation!,
            caps: { perPerson: a.pending.effect.caps.perPersonPerDay, perSender: a.pending.effect.caps.perSenderPerDay },
          })),
        );
        fresh.forEach((a, n) => {
          const r = reserved[n]!;
          if (!r.ok) outcomes[a.i] = run.capWait(a.pending, r);
        });
        sending.push(...attempts.filter((a) => !a.reservation || reserved[fresh.indexOf(a)]?.ok));
      } catch (error) {
        for (const a of attempts) outcomes[a.i] = failed(error);
      }
      // One after the other: the outbox runs a dozen claims side by side, and more callers waiting
      // for the send rate's next slot would only poll its limiter harder.
      for (const a of sending) {
        try {
          outcomes[a.i] = await run.attempt(a.pending);
        } catch (error) {
          // The row stays 'sending': the next attempt asks the provider before it sends.
          outcomes[a.i] = failed(error);
        }
      }
      try {
        await run.finish();
      } catch (error) {
        // Nothing of this claim is known to be recorded: every email is tried again, and one that
        // went is found at the provider (its row still says 'sending').
        return batch.map(() => failed(error));
      }
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
  private verdicts = new Map<string, Verification>();
  private readonly effects: EffectRequest[] = [];
  private readonly facts: Fact[] = [];
  private readonly answers: SendAnswerRecord[] = [];
  private readonly suppressions: { recipient: string; detail: string }[] = [];

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
    // Only emails not yet attempted are verified (a send in doubt was verified before it was tried).
    const fresh = this.batch.filter((p) => !sends.has(p.id) && !stopped.has(subjectOf(p).recordKey)).map((p) => p.effect.to.address);
    if (fresh.length > 0 && this.deps.sender && this.deps.config) {
      const verified = await this.deps.verifyMany(fresh);
      for (const [i, address] of fresh.entries()) this.verdicts.set(address, verified[i]!);
    }
  }

  /** What the provider said, the addresses it refused, the logged emails, the tasks instead and the facts: stored once for the batch (keyed). */
  async finish(): Promise<void> {
    const now = this.deps.now();
    await recordAnswers(this.deps.db, this.answers);
    for (const s of this.suppressions)
      await suppress(this.deps.db, {
        recipient: s.recipient,
        reason: "refused by the provider",
        source: this.deps.sender!.provider,
        detail: s.detail,
        at: now,
      });
    if (this.effects.length > 0) await this.deps.storeEffects(this.effects);
    if (this.facts.length > 0) await recordFacts(this.deps.db, this.facts);
  }

  async decide(pending: Pending): Promise<Decided> {
    const row = this.sends.get(pending.id);
    if (row?.status === "sent")
      return { outcome: this.sent(pending, row.providerMessageId ?? "", new Date(row.sentAt ?? this.deps.now().toISOString())) };
    if (row?.status === "failed") return { outcome: this.instead(pending, "refused by the provider", row.detail ?? "the provider refused it") };
    if (row?.status === "sending") {
      const settled = await this.settleLostAnswer(pending, row);
      return settled ? { outcome: settled } : { attempt: true };
    }
    const held = this.check(pending) ?? (await this.lawfulBasisCheck(pending));
    if (held) return { outcome: held };
    return { attempt: true, reservation: this.reservation(pending) };
  }

  /** A send whose answer was lost: found at the provider (done), not yet believable (wait), or not there (undefined: send again). */
  private async settleLostAnswer(pending: Pending, row: EmailSendRow): Promise<EffectOutcome | undefined> {
    const sender = this.deps.sender;
    if (!sender)
      return { ok: false, failure: { kind: "transient", message: "a send is in doubt and email sending is not configured to look it up" } };
    const found: LookupAnswer = await sender.lookUp({ key: pending.id, messageId: pending.effect.messageId });
    const now = this.deps.now();
    if (found.kind === "found") {
      this.answers.push({
        effectId: pending.id,
        kind: "sent",
        providerMessageId: found.providerId,
        at: now,
        detail: "its answer was lost; found at the provider",
      });
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

  /** Whether this email may go at all, and whether now (from what load() read). */
  private check(pending: Pending): EffectOutcome | undefined {
    const { effect } = pending;
    const stop = this.stopped.get(subjectOf(pending).recordKey);
    if (stop) return { ok: true, externalId: `not sent: the cadence stopped (${stop}) before it went out` };
    if (!this.deps.sender || !this.deps.config)
      return this.instead(pending, "email sending is off", "email sending is not configured (docs/email.md)");
    const to = canonicalOf(effect.to.address);
    const suppression = this.suppressed.get(to);
    if (suppression) return this.instead(pending, "suppressed", `${to} is on the suppression list (${suppression.reason})`);
    if (domainOf(effect.from.address) !== this.deps.config.sendingDomain)
      return this.instead(pending, "sender not on the sending domain", `${effect.from.address} is not on ${this.deps.config.sendingDomain}`);
    const verification = this.verdicts.get(effect.to.address);
    if (verification && (verification.verdict === "undeliverable" || (verification.verdict === "risky" && !effect.emailRisky)))
      return this.instead(pending, `address ${verification.verdict}`, verification.reasons.join("; "));
    return this.timing(effect);
  }

  /** A consent of the purpose's given and standing, else legitimate interest where the purpose allows it. */
  private async lawfulBasisCheck(pending: Pending): Promise<EffectOutcome | undefined> {
    const { effect } = pending;
    if (effect.purpose.legitimateInterest) return undefined;
    if (effect.purpose.consents.length > 0) {
      const current = currentConsents(await consentsOf(this.deps.db, canonicalOf(effect.to.address)));
      if (effect.purpose.consents.some((id) => current[id]?.action === "given")) return undefined;
    }
    return this.instead(
      pending,
      "no lawful basis",
      `no standing consent (${effect.purpose.consents.join(", ") || "none accepted"}) for purpose ${effect.purpose.id}`,
    );
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

  /** The send's row as it is reserved: the days it counts on (its due time, or now when later: a retry after midnight counts on the new day). */
  private reservation(pending: Pending): SendReservation {
    const { effect } = pending;
    const now = this.deps.now();
    const at = new Date(Math.max(now.getTime(), Date.parse(effect.dueAt)));
    return {
      effectId: pending.id,
      recordKey: subjectOf(pending).recordKey,
      recipient: canonicalOf(effect.to.address),
      sender: effect.from.address,
      provider: this.deps.sender!.provider,
      messageId: effect.messageId,
      personDay: DateTime.fromJSDate(at, { zone: effect.leadCalendar.zone }).toISODate()!,
      senderDay: at.toISOString().slice(0, 10),
      cadence: effect.cadence,
      step: effect.step,
      source: effect.source,
      ownerId: effect.ownerId,
      attemptedAt: now.toISOString(),
    };
  }

  /** Over a daily cap: the next day of whoever is full (the lead's, or the sender's UTC day), at the lead's working time. */
  capWait(pending: Pending, reserved: Exclude<Reserved, { ok: true }>): EffectOutcome {
    const { effect } = pending;
    const now = this.deps.now();
    const at = new Date(Math.max(now.getTime(), Date.parse(effect.dueAt)));
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

  /** Calls the provider (the attempt is recorded already) and notes its answer, recorded by finish(). */
  async attempt(pending: Pending): Promise<EffectOutcome> {
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
        this.answers.push({ effectId: pending.id, kind: "sent", providerMessageId: answer.providerId, at: now });
        return this.sent(pending, answer.providerId, now);
      case "refused":
        this.answers.push({ effectId: pending.id, kind: "failed", detail: answer.failure.message });
        if (answer.address) this.suppressions.push({ recipient: canonicalOf(effect.to.address), detail: answer.failure.message });
        return this.instead(pending, answer.address ? "address refused by the provider" : "refused by the provider", answer.failure.message);
      case "notSent":
        this.answers.push({ effectId: pending.id, kind: "notTaken" });
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
