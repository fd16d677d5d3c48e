import { and, eq, inArray, lt, or } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { type EmailSendRow, emailSends } from "./schema";

/*
 * Each cadence email's send (table email_sends, owned by outreach): recorded before the provider
 * is called, completed after. Its rows are also the daily counts the caps are kept with.
 */

export type { EmailSendRow };

export interface SendReservation {
  effectId: string;
  recordKey: string;
  recipient: string;
  sender: string;
  provider: string;
  messageId: string;
  personDay: string;
  senderDay: string;
  cadence: string;
  step: string;
  source: string | null;
  ownerId: string;
  attemptedAt: string;
}

/** Why a reservation was not made: the person's day or the sender's day is full. */
export type Reserved = { ok: true } | { ok: false; full: "person" | "sender"; count: number };

// One statement, so the count and the insert cannot be split by another consumer's insert (D1
// runs statements one at a time). A refused email does not count; a send in doubt does.
const RESERVE = `
  insert into email_sends (effect_id, record_key, recipient, sender, provider, message_id, status, person_day, sender_day, cadence, step, source, owner_id, attempted_at)
  select ?1, ?2, ?3, ?4, ?5, ?6, 'sending', ?7, ?8, ?9, ?10, ?11, ?12, ?13
  where (select count(*) from email_sends where recipient = ?3 and person_day = ?7 and status != 'failed') < ?14
    and (select count(*) from email_sends where sender = ?4 and sender_day = ?8 and status != 'failed') < ?15
  on conflict (effect_id) do nothing`;

const reserveStatement = (db: D1Database, r: SendReservation, caps: { perPerson: number; perSender: number }) =>
  db
    .prepare(RESERVE)
    .bind(
      r.effectId,
      r.recordKey,
      r.recipient,
      r.sender,
      r.provider,
      r.messageId,
      r.personDay,
      r.senderDay,
      r.cadence,
      r.step,
      r.source,
      r.ownerId,
      r.attemptedAt,
      caps.perPerson,
      caps.perSender,
    );

/**
 * Records that emails are about to be sent, each unless it would be its person's or its sender's
 * email too many that day: one batch (one transaction, its statements in order, so each counts
 * the ones before it). A row of the same effect already there is left as it is (the caller read
 * it first).
 */
export async function reserveSends(
  db: D1Database,
  reservations: readonly { r: SendReservation; caps: { perPerson: number; perSender: number } }[],
): Promise<Reserved[]> {
  if (reservations.length === 0) return [];
  const results = await db.batch(reservations.map(({ r, caps }) => reserveStatement(db, r, caps)));
  const outcomes: Reserved[] = [];
  for (const [i, result] of results.entries()) {
    const { r, caps } = reservations[i]!;
    outcomes.push((result.meta.changes ?? 0) > 0 ? { ok: true } : await whyFull(db, r, caps));
  }
  return outcomes;
}

async function whyFull(db: D1Database, r: SendReservation, caps: { perPerson: number; perSender: number }): Promise<Reserved> {
  const [person, sender] = await Promise.all([
    db
      .prepare("select count(*) as n from email_sends where recipient = ?1 and person_day = ?2 and status != 'failed'")
      .bind(r.recipient, r.personDay)
      .first<{ n: number }>(),
    db
      .prepare("select count(*) as n from email_sends where sender = ?1 and sender_day = ?2 and status != 'failed'")
      .bind(r.sender, r.senderDay)
      .first<{ n: number }>(),
  ]);
  return (person?.n ?? 0) >= caps.perPerson
    ? { ok: false, full: "person", count: person?.n ?? 0 }
    : { ok: false, full: "sender", count: sender?.n ?? 0 };
}

export async function sendsOf(db: D1Database, effectIds: readonly string[]): Promise<Map<string, EmailSendRow>> {
  if (effectIds.length === 0) return new Map();
  const rows = await drizzle(db)
    .select()
    .from(emailSends)
    .where(inArray(emailSends.effectId, [...effectIds]));
  return new Map(rows.map((r) => [r.effectId, r]));
}

/** What the provider answered about one email, to record after the call. */
export type SendAnswerRecord =
  | { effectId: string; kind: "sent"; providerMessageId: string; at: Date; detail?: string }
  | { effectId: string; kind: "failed"; detail: string }
  /** Certainly not taken (a 429): the next attempt sends at once. */
  | { effectId: string; kind: "notTaken" };

/** Records what the provider answered about each email sent in one go: one batch. */
export async function recordAnswers(db: D1Database, answers: readonly SendAnswerRecord[]): Promise<void> {
  if (answers.length === 0) return;
  await db.batch(
    answers.map((a) => {
      switch (a.kind) {
        case "sent":
          return db
            .prepare(
              "update email_sends set status = 'sent', provider_message_id = ?2, sent_at = ?3, detail = coalesce(?4, detail) where effect_id = ?1",
            )
            .bind(a.effectId, a.providerMessageId, a.at.toISOString(), a.detail ?? null);
        case "failed":
          return db.prepare("update email_sends set status = 'failed', detail = ?2 where effect_id = ?1").bind(a.effectId, a.detail);
        default:
          // Not taken (a 429): the next attempt sends at once, without looking it up first.
          return db.prepare("delete from email_sends where effect_id = ?1 and status = 'sending'").bind(a.effectId);
      }
    }),
  );
}

/** A send in doubt that the provider does not know, looked up long enough after: attempted again now. */
export async function retryAttempt(db: D1Database, effectId: string, at: Date, detail: string): Promise<void> {
  await drizzle(db).update(emailSends).set({ attemptedAt: at.toISOString(), detail }).where(eq(emailSends.effectId, effectId));
}

/** The send of an email by our Message-ID or the provider's id (a webhook names one of them). */
export async function sendByMessageId(db: D1Database, id: string): Promise<EmailSendRow | undefined> {
  const bracketed = id.startsWith("<") ? id : `<${id}>`;
  const [row] = await drizzle(db)
    .select()
    .from(emailSends)
    .where(or(eq(emailSends.messageId, bracketed), eq(emailSends.providerMessageId, id)))
    .limit(1);
  return row;
}

/** The sends of a record, newest first (the console's lead page). */
export async function sendsOfRecord(db: D1Database, recordKey: string, limit = 50): Promise<EmailSendRow[]> {
  const rows = await drizzle(db).select().from(emailSends).where(eq(emailSends.recordKey, recordKey)).limit(limit);
  return rows.sort((a, b) => b.attemptedAt.localeCompare(a.attemptedAt));
}

/** Sends in doubt older than `before` (for an admin: answers lost and not yet looked up). */
export async function sendsInDoubt(db: D1Database, before: Date, limit = 100): Promise<EmailSendRow[]> {
  return drizzle(db)
    .select()
    .from(emailSends)
    .where(and(eq(emailSends.status, "sending"), lt(emailSends.attemptedAt, before.toISOString())))
    .limit(limit);
}
