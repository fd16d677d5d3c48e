import { effectId } from "../core/model/effect-id";
import type { Crm } from "../core/model/crm-event";
import { loadSubmission, type StoredSubmission } from "../storage/intake-submissions";

/*
 * What booking may know of a submission (src/booking imports this, never intake's tables): who
 * the person is, where they came from, whom intake routed them to, and the write that puts them
 * in the CRM. Intake owns submissions; this is its answer to "can this submission book yet?".
 */

/** The person and context a booking shows the rep and writes on the meeting. */
export interface BookableSubmission {
  id: string;
  formKey: string;
  /** pending: not routed yet (offer times once it is); routed; closed: it will never be (spam, dead). */
  state: "pending" | "routed" | "closed";
  crm: Crm;
  source: string;
  receivedAt: string;
  email: string;
  firstName?: string;
  lastName?: string;
  company?: string;
  jobTitle?: string;
  phone?: string;
  /** What the person wrote in the form's long text fields, cut to 500 characters. */
  message?: string;
  /** The browser's IANA zone, when it sent one. */
  timeZone?: string;
  /** The CRM owner intake routed the lead to (after any refusal by the CRM), and the team when a team's rotation picked. */
  ownerId?: string;
  teamId?: string;
  score?: number;
  tier?: string;
  /** The lead's write to the CRM (its upsertLead effect): the meeting is logged on the record it writes. */
  leadWriteEffectId: string;
  /** The record, once written (`hubspot:{portal}:contact:{id}`). */
  recordKey?: string;
}

const PERSON_PROPERTIES: Record<Crm, Record<"firstName" | "lastName" | "company" | "jobTitle", string>> = {
  hubspot: { firstName: "firstname", lastName: "lastname", company: "company", jobTitle: "jobtitle" },
  salesforce: { firstName: "FirstName", lastName: "LastName", company: "Company", jobTitle: "Title" },
};

type Detail = Record<string, unknown> | undefined;
const lastStep = (stored: StoredSubmission, name: string): Detail => [...stored.steps].reverse().find((s) => s.step === name)?.detail as Detail;
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

export function bookableOf(stored: StoredSubmission): BookableSubmission {
  const { submission } = stored;
  const routed = lastStep(stored, "routed");
  const written = lastStep(stored, "written to the CRM");
  const scored = lastStep(stored, "scored");
  const closed = stored.status === "spam" || stored.status === "dead";
  const names = PERSON_PROPERTIES[submission.crm];
  const property = (name: keyof typeof names) => text(submission.properties[names[name]]);
  const longText = Object.values(submission.fields).find((v) => v.length > 80 || v.includes("\n"));
  // The CRM's refusal of the routed owner moved the lead: the owner it was written with counts.
  const ownerId = written && "ownerId" in written ? (text(written.ownerId) ?? undefined) : text(routed?.ownerId);
  const optional = {
    firstName: property("firstName"),
    lastName: property("lastName"),
    company: property("company"),
    jobTitle: property("jobTitle"),
    phone: submission.phone?.e164 ?? submission.phone?.given,
    message: longText?.slice(0, 500),
    timeZone: submission.timeZone,
    ownerId,
    teamId: text(routed?.teamId),
    score: typeof scored?.score === "number" ? scored.score : undefined,
    tier: text(scored?.tier),
    recordKey: text(written?.recordKey),
  };
  return {
    id: stored.id,
    formKey: stored.formKey,
    state: closed ? "closed" : routed ? "routed" : "pending",
    crm: submission.crm,
    source: submission.source,
    receivedAt: stored.receivedAt,
    email: submission.email.address,
    leadWriteEffectId: effectId(`submission:${stored.id}:write`),
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
  };
}

/** The submission as booking sees it, or null when there is none with this id. */
export async function bookableSubmission(db: D1Database, id: string): Promise<BookableSubmission | null> {
  const stored = await loadSubmission(db, id);
  return stored ? bookableOf(stored) : null;
}
