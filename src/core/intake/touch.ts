/*
 * Attribution: where a lead came from. Each submission carries its touch (UTM parameters, click
 * ids, the referrer, the landing page and the page the form was on). Per person (canonical email)
 * the first touch is kept for good and the last touch follows the newest submission, so a returning
 * lead's CRM record can show both: what first brought them, and what brought them back.
 */

export interface Utm {
  source?: string;
  medium?: string;
  campaign?: string;
  term?: string;
  content?: string;
}

export interface ClickIds {
  /** Google Ads. */
  gclid?: string;
  /** Meta. */
  fbclid?: string;
  /** Microsoft Advertising. */
  msclkid?: string;
}

export interface Touch {
  /** When the submission was received (ISO 8601, UTC). */
  at: string;
  formKey: string;
  /** The page the form was on (the page's page_url, else the request's Referer). */
  page?: string;
  /** The first page of the visit (the page's landing_page, else the form's page). */
  landingPage?: string;
  /** Where the visitor came from (document.referrer, as the page sends it). */
  referrer?: string;
  utm: Utm;
  clickIds: ClickIds;
}

/** A person's first and last touch, each with the submission that brought it. */
export interface LeadTouches {
  first: Touch & { submissionId: string };
  last: Touch & { submissionId: string };
  submissions: number;
}

const UTM_KEYS = ["source", "medium", "campaign", "term", "content"] as const;
const CLICK_ID_KEYS = ["gclid", "fbclid", "msclkid"] as const;
const MAX_URL = 2_000;
const MAX_VALUE = 500;

/** An http(s) URL without its fragment, or undefined (with a warning) for anything else. */
function pageUrl(value: string | undefined, name: string, warnings: string[]): string | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  try {
    const url = new URL(text);
    if ((url.protocol === "http:" || url.protocol === "https:") && text.length <= MAX_URL) {
      url.hash = "";
      return url.toString();
    }
  } catch {
    // Falls through to the warning: a page that sends a broken URL still gets its lead through.
  }
  warnings.push(`${name} is not an http(s) URL of at most ${MAX_URL} characters; ignored`);
  return undefined;
}

const param = (url: string | undefined, key: string) => {
  const value = url ? new URL(url).searchParams.get(key)?.trim() : undefined;
  return value ? value.slice(0, MAX_VALUE) : undefined;
};

/**
 * The touch of one submission. UTM parameters and click ids the page sent as fields win; missing
 * ones are read from the landing page's query string, then the form page's.
 */
export function touchOf(
  fields: Readonly<Record<string, string | undefined>>,
  request: { referer?: string; formKey: string; at: Date },
  warnings: string[],
): Touch {
  const page = pageUrl(fields.page_url, "page_url", warnings) ?? pageUrl(request.referer, "the Referer header", []);
  const landingPage = pageUrl(fields.landing_page, "landing_page", warnings) ?? page;
  const referrer = pageUrl(fields.referrer, "referrer", warnings);
  const pick = (field: string) => fields[field]?.trim().slice(0, MAX_VALUE) || param(landingPage, field) || param(page, field);
  const utm: Utm = {};
  for (const key of UTM_KEYS) {
    const value = pick(`utm_${key}`);
    if (value) utm[key] = value;
  }
  const clickIds: ClickIds = {};
  for (const key of CLICK_ID_KEYS) {
    const value = pick(key);
    if (value) clickIds[key] = value;
  }
  return {
    at: request.at.toISOString(),
    formKey: request.formKey,
    ...(page ? { page } : {}),
    ...(landingPage ? { landingPage } : {}),
    ...(referrer ? { referrer } : {}),
    utm,
    clickIds,
  };
}

/**
 * Adds a submission's touch to a person's touches: the first stays the first (unless this one is
 * older, as a late delivery can be), the newest becomes the last.
 */
export function mergeTouches(existing: LeadTouches | undefined, touch: Touch, submissionId: string): LeadTouches {
  const entry = { ...touch, submissionId };
  if (!existing) return { first: entry, last: entry, submissions: 1 };
  return {
    first: touch.at < existing.first.at ? entry : existing.first,
    last: touch.at >= existing.last.at ? entry : existing.last,
    submissions: existing.submissions + 1,
  };
}
