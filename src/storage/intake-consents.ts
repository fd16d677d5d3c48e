import { canonicalAddress } from "../core/model/email-address";
import type { GivenConsent } from "../core/intake/intake-submission";
import { sha256, toHex, utf8 } from "../platform/bytes";
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { conditionName, rowsWhen, type SqlCondition } from "./conditional-insert";
import { compiledShapes, orm } from "./orm";
import { intakeConsents } from "./schema";

/*
 * Consent that can be proven (table intake_consents): one row per consent given or withdrawn, with
 * who, when, the exact text and its SHA-256, the form and page, IP and user agent, purpose and legal
 * basis. Rows are never updated (a trigger refuses it); a withdrawal is a row of its own, and a
 * person's current state is their latest row per consent. A withdrawn consent's rows are deleted
 * six years after the withdrawal (forgetWithdrawnConsents), never sooner (a trigger refuses it).
 */

export interface ConsentRow {
  id: string;
  /** Canonical address. */
  email: string;
  /** The address as given. */
  address: string;
  action: "given" | "withdrawn";
  consentId: string;
  purpose: string;
  legalBasis: string;
  text?: string;
  textVersion?: string;
  textHash?: string;
  formKey?: string;
  pageUrl?: string;
  submissionId?: string;
  ip?: string;
  userAgent?: string;
  source: string;
  detail?: string;
  recordedAt: string;
}

export const textHash = async (text: string) => toHex(await sha256(utf8(text)));

/** The policy's consent texts are few and hashed on every submission: each is hashed once per isolate. */
const policyTextHashes = new Map<string, Promise<string>>();
const MAX_POLICY_TEXT_HASHES = 256;

function policyTextHash(text: string): Promise<string> {
  let hash = policyTextHashes.get(text);
  if (!hash) {
    if (policyTextHashes.size >= MAX_POLICY_TEXT_HASHES) policyTextHashes.clear();
    hash = textHash(text);
    policyTextHashes.set(text, hash);
  }
  return hash;
}

const t = intakeConsents;
const ph = sql.placeholder;

/** A consent row's insert (a row already stored, by id, is left as it is: rows never change). */
const insertConsent = compiledShapes(conditionName, (q, when: SqlCondition | undefined) =>
  q
    .insert(t)
    .select(
      rowsWhen(
        t,
        [
          {
            id: ph("id"),
            email: ph("email"),
            address: ph("address"),
            action: ph("action"),
            consentId: ph("consentId"),
            purpose: ph("purpose"),
            legalBasis: ph("legalBasis"),
            text: ph("text"),
            textVersion: ph("textVersion"),
            textHash: ph("textHash"),
            formKey: ph("formKey"),
            pageUrl: ph("pageUrl"),
            submissionId: ph("submissionId"),
            ip: ph("ip"),
            userAgent: ph("userAgent"),
            source: ph("source"),
            detail: ph("detail"),
            recordedAt: ph("recordedAt"),
          },
        ],
        when,
      ),
    )
    .onConflictDoNothing(),
);

function insertStatement(db: D1Database, row: ConsentRow, when: SqlCondition | undefined): D1PreparedStatement {
  const n = (v: string | undefined) => v ?? null;
  const values = {
    id: row.id,
    email: row.email,
    address: row.address,
    action: row.action,
    consentId: row.consentId,
    purpose: row.purpose,
    legalBasis: row.legalBasis,
    text: n(row.text),
    textVersion: n(row.textVersion),
    textHash: n(row.textHash),
    formKey: n(row.formKey),
    pageUrl: n(row.pageUrl),
    submissionId: n(row.submissionId),
    ip: n(row.ip),
    userAgent: n(row.userAgent),
    source: row.source,
    detail: n(row.detail),
    recordedAt: row.recordedAt,
  };
  return insertConsent(db, when, values, when?.values);
}

export interface ConsentEvidence {
  email: string;
  address: string;
  formKey: string;
  submissionId: string;
  pageUrl?: string;
  ip?: string;
  userAgent?: string;
  at: string;
}

/** The rows of the consents given with a submission (ids derive from it, so storing twice adds nothing). */
export async function givenConsentRows(consents: readonly GivenConsent[], evidence: ConsentEvidence): Promise<ConsentRow[]> {
  return Promise.all(
    consents.map(async (consent) => ({
      id: `${evidence.submissionId}:${consent.id}`,
      email: evidence.email,
      address: evidence.address,
      action: "given" as const,
      consentId: consent.id,
      purpose: consent.purpose,
      legalBasis: consent.legalBasis,
      text: consent.text,
      textVersion: consent.version,
      textHash: await policyTextHash(consent.text),
      formKey: evidence.formKey,
      ...(evidence.pageUrl ? { pageUrl: evidence.pageUrl } : {}),
      submissionId: evidence.submissionId,
      ...(evidence.ip ? { ip: evidence.ip } : {}),
      ...(evidence.userAgent ? { userAgent: evidence.userAgent } : {}),
      source: "form",
      recordedAt: evidence.at,
    })),
  );
}

/** The rows' inserts, when `when` holds (in the intake route's batch: the claim is ours). */
export function consentStatements(db: D1Database, rows: readonly ConsentRow[], when?: SqlCondition): D1PreparedStatement[] {
  return rows.map((row) => insertStatement(db, row, when));
}

type Row = typeof t.$inferSelect;

const fromRow = (r: Row): ConsentRow => {
  const optional = {
    text: r.text,
    textVersion: r.textVersion,
    textHash: r.textHash,
    formKey: r.formKey,
    pageUrl: r.pageUrl,
    submissionId: r.submissionId,
    ip: r.ip,
    userAgent: r.userAgent,
    detail: r.detail,
  };
  return {
    id: r.id,
    email: r.email,
    address: r.address,
    action: r.action,
    consentId: r.consentId,
    purpose: r.purpose,
    legalBasis: r.legalBasis,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null)),
    source: r.source,
    recordedAt: r.recordedAt,
  };
};

/** Every consent row of a person (canonical address), oldest first. */
export async function consentsOf(db: D1Database, email: string): Promise<ConsentRow[]> {
  const rows = await orm(db).select().from(t).where(eq(t.email, email)).orderBy(asc(t.recordedAt), sql`rowid`);
  return rows.map(fromRow);
}

/** A person's current state per consent: the latest row of each. */
export function currentConsents(rows: readonly ConsentRow[]): Record<string, { action: ConsentRow["action"]; at: string; textVersion?: string }> {
  const state: Record<string, { action: ConsentRow["action"]; at: string; textVersion?: string }> = {};
  for (const row of rows)
    state[row.consentId] = { action: row.action, at: row.recordedAt, ...(row.textVersion ? { textVersion: row.textVersion } : {}) };
  return state;
}

export interface Withdrawal {
  /** The person's address, in any spelling (it is made canonical). */
  email: string;
  /** The consents withdrawn; all those currently given when absent (an unsubscribe from everything). */
  consentIds?: readonly string[];
  /** How: "unsubscribe", "admin", … */
  source: string;
  /** What it came from (the CRM event's dedupe key, a ticket): the same reference records nothing twice. */
  reference: string;
  at: Date;
  /** Only consents given before `at` (a withdrawal the CRM reports late leaves a later consent standing). */
  givenBefore?: boolean;
  detail?: string;
}

/** A consent withdrawn: the row that records it, the given row it withdraws, and whether this call appended it. */
export interface ConsentWithdrawn {
  row: ConsentRow;
  given: ConsentRow;
  /** False when the same withdrawal (its reference) was recorded before: nothing was appended. */
  appended: boolean;
}

/**
 * Records a withdrawal (an unsubscribe) the way consent is recorded: one appended row per consent
 * withdrawn, nothing changed. Consents not currently given are left alone. Returns each consent
 * the withdrawal stands for, appended now or by an earlier call with the same reference (whose
 * follow-up, such as telling the CRM, may not have happened yet).
 */
export async function withdrawConsents(db: D1Database, withdrawal: Withdrawal): Promise<ConsentWithdrawn[]> {
  const email = canonicalAddress(withdrawal.email) ?? withdrawal.email.trim().toLowerCase();
  const rows = await consentsOf(db, email);
  // The id a withdrawal row of each consent gets from this reference: the same withdrawal, the same row.
  const rowIdOf = new Map<string, string>();
  for (const consentId of new Set(rows.map((row) => row.consentId))) {
    rowIdOf.set(consentId, `withdrawn:${(await textHash(`${email}\n${consentId}\n${withdrawal.reference}`)).slice(0, 32)}`);
  }
  const wanted = withdrawal.consentIds ? new Set(withdrawal.consentIds) : undefined;
  const latest = new Map<string, ConsentRow>();
  const earlier: { row: ConsentRow; given: ConsentRow }[] = [];
  for (const row of rows) {
    if (row.action === "given") {
      latest.set(row.consentId, row);
      continue;
    }
    // This withdrawal's own row, from an earlier call, stands for it again, with the consent it withdrew.
    const given = latest.get(row.consentId);
    if (row.id === rowIdOf.get(row.consentId) && given) earlier.push({ row, given });
    latest.delete(row.consentId);
  }
  const fresh: { row: ConsentRow; given: ConsentRow }[] = [];
  for (const [consentId, given] of latest) {
    if (wanted && !wanted.has(consentId)) continue;
    if (withdrawal.givenBefore && Date.parse(given.recordedAt) > withdrawal.at.getTime()) continue;
    fresh.push({
      given,
      row: {
        id: rowIdOf.get(consentId)!,
        email,
        address: given.address,
        action: "withdrawn",
        consentId,
        purpose: given.purpose,
        legalBasis: given.legalBasis,
        source: withdrawal.source,
        ...(withdrawal.detail ? { detail: withdrawal.detail } : {}),
        recordedAt: withdrawal.at.toISOString(),
      },
    });
  }
  const results =
    fresh.length > 0
      ? await db.batch(
          consentStatements(
            db,
            fresh.map((w) => w.row),
          ),
        )
      : [];
  return [...earlier.map((w) => ({ ...w, appended: false })), ...fresh.map((w, i) => ({ ...w, appended: (results[i]!.meta.changes ?? 0) > 0 }))];
}

/**
 * Deletes the history of each consent (a person's rows of one consent) whose latest row is a
 * withdrawal recorded before `before`, up to `limit` rows; returns how many went. A consent that
 * stands (its latest row given) is kept whatever its age: it is the proof the lead may be emailed.
 * The table's trigger refuses to delete any row younger than six years, whoever asks.
 */
export async function forgetWithdrawnConsents(db: D1Database, before: Date, limit = 1_000): Promise<number> {
  const d1 = orm(db);
  // A person's latest row of each consent, by a window over their rows (the newest first).
  const latest = d1.$with("latest").as(
    d1
      .select({
        email: t.email,
        consentId: t.consentId,
        action: t.action,
        recordedAt: t.recordedAt,
        n: sql<number>`row_number() over (partition by ${t.email}, ${t.consentId} order by ${t.recordedAt} desc, rowid desc)`.as("n"),
      })
      .from(t),
  );
  const c = alias(t, "c");
  const { meta } = await d1
    .with(latest)
    .delete(t)
    .where(
      inArray(
        sql`rowid`,
        d1
          .select({ rowid: sql`${c}.rowid` })
          .from(c)
          .innerJoin(latest, and(eq(latest.email, c.email), eq(latest.consentId, c.consentId), eq(latest.n, 1)))
          .where(and(eq(latest.action, "withdrawn"), lt(latest.recordedAt, before.toISOString())))
          .limit(limit),
      ),
    );
  return meta.changes ?? 0;
}
