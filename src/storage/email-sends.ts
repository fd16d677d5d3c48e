import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import { compiled, compiledShapes, orm } from "./orm";
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

const p = (name: string) => sql.placeholder(name);
const t = emailSends;

/** An email's sends that count for a day: a refused email does not count; a send in doubt does. */
const personDayCount = sql`(select count(*) from ${t} where ${t.recipient} = ${p("recipient")} and ${t.personDay} = ${p("personDay")} and ${t.status} != 'failed')`;
const senderDayCount = sql`(select count(*) from ${t} where ${t.sender} = ${p("sender")} and ${t.senderDay} = ${p("senderDay")} and ${t.status} != 'failed')`;

// One statement, so the count and the insert cannot be split by another consumer's insert (D1
// runs statements one at a time).
const reserveStatement = compiled<Record<keyof SendReservation | "perPerson" | "perSender", unknown>>((q) =>
  q
    .insert(t)
    .select(
      sql`select ${p("effectId")}, ${p("recordKey")}, ${p("recipient")}, ${p("sender")}, ${p("provider")}, ${p("messageId")}, null, 'sending',
        ${p("personDay")}, ${p("senderDay")}, ${p("cadence")}, ${p("step")}, ${p("source")}, ${p("ownerId")}, ${p("attemptedAt")}, null, null
        where ${personDayCount} < ${p("perPerson")} and ${senderDayCount} < ${p("perSender")}`,
    )
    .onConflictDoNothing({ target: t.effectId }),
);

const dayCounts = compiled<{ recipient: string; personDay: string; sender: string; senderDay: string }>(
  () => sql`select ${personDayCount} as person, ${senderDayCount} as sender`,
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
  const results = await db.batch(
    reservations.map(({ r, caps }) => reserveStatement(db, { ...r, perPerson: caps.perPerson, perSender: caps.perSender })),
  );
  const outcomes: Reserved[] = [];
  for (const [i, result] of results.entries()) {
    const { r, caps } = reservations[i]!;
    outcomes.push((result.meta.changes ?? 0) > 0 ? { ok: true } : await whyFull(db, r, caps));
  }
  return outcomes;
}

async function whyFull(db: D1Database, r: SendReservation, caps: { perPerson: number; perSender: number }): Promise<Reserved> {
  const counts = await dayCounts(db, { recipient: r.recipient, personDay: r.personDay, sender: r.sender, senderDay: r.senderDay }).first<{
    person: number;
    sender: number;
  }>();
  const person = counts?.person ?? 0;
  return person >= caps.perPerson ? { ok: false, full: "person", count: person } : { ok: false, full: "sender", count: counts?.sender ?? 0 };
}

export async function sendsOf(db: D1Database, effectIds: readonly string[]): Promise<Map<string, EmailSendRow>> {
  if (effectIds.length === 0) return new Map();
  const rows = await orm(db)
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

const answerStatement = compiledShapes<SendAnswerRecord["kind"], Record<string, unknown>>(
  (kind) => kind,
  (q, kind) => {
    const byId = eq(t.effectId, p("effectId"));
    switch (kind) {
      case "sent":
        return q
          .update(t)
          .set({
            status: "sent",
            providerMessageId: sql`${p("providerMessageId")}`,
            sentAt: sql`${p("at")}`,
            detail: sql`coalesce(${p("detail")}, ${t.detail})`,
          })
          .where(byId);
      case "failed":
        return q
          .update(t)
          .set({ status: "failed", detail: sql`${p("detail")}` })
          .where(byId);
      default:
        // Not taken (a 429): the next attempt sends at once, without looking it up first.
        return q.delete(t).where(and(byId, eq(t.status, "sending")));
    }
  },
);

/** Records what the provider answered about each email sent in one go: one batch. */
export async function recordAnswers(db: D1Database, answers: readonly SendAnswerRecord[]): Promise<void> {
  if (answers.length === 0) return;
  await db.batch(
    answers.map((a) =>
      a.kind === "sent"
        ? answerStatement(db, a.kind, {
            effectId: a.effectId,
            providerMessageId: a.providerMessageId,
            at: a.at.toISOString(),
            detail: a.detail ?? null,
          })
        : a.kind === "failed"
          ? answerStatement(db, a.kind, { effectId: a.effectId, detail: a.detail })
          : answerStatement(db, a.kind, { effectId: a.effectId }),
    ),
  );
}

/** A send in doubt that the provider does not know, looked up long enough after: attempted again now. */
export async function retryAttempt(db: D1Database, effectId: string, at: Date, detail: string): Promise<void> {
  await orm(db).update(emailSends).set({ attemptedAt: at.toISOString(), detail }).where(eq(emailSends.effectId, effectId));
}

/** The send of an email by our Message-ID or the provider's id (a webhook names one of them). */
export async function sendByMessageId(db: D1Database, id: string): Promise<EmailSendRow | undefined> {
  const bracketed = id.startsWith("<") ? id : `<${id}>`;
  const [row] = await orm(db)
    .select()
    .from(emailSends)
    .where(or(eq(emailSends.messageId, bracketed), eq(emailSends.providerMessageId, id)))
    .limit(1);
  return row;
}

/** The sends of a record, newest first (the console's lead page). */
export async function sendsOfRecord(db: D1Database, recordKey: string, limit = 50): Promise<EmailSendRow[]> {
  const rows = await orm(db).select().from(emailSends).where(eq(emailSends.recordKey, recordKey)).limit(limit);
  return rows.sort((a, b) => b.attemptedAt.localeCompare(a.attemptedAt));
}

/** Sends in doubt older than `before` (for an admin: answers lost and not yet looked up). */
export async function sendsInDoubt(db: D1Database, before: Date, limit = 100): Promise<EmailSendRow[]> {
  return orm(db)
    .select()
    .from(emailSends)
    .where(and(eq(emailSends.status, "sending"), lt(emailSends.attemptedAt, before.toISOString())))
    .limit(limit);
}
