import { type CountryCode as PhoneCountry, isSupportedCountry, parsePhoneNumberFromString } from "libphonenumber-js/min";
import type { Crm } from "../model/crm-event";
import { canonicalAddress, parseAddress } from "../model/email-address";
import { emailDomainKind } from "./email-domain";
import {
  CONSENT_PREFIX,
  CONTEXT_FIELDS,
  currentVersion,
  type Form,
  type FormField,
  type SalesforceConsentMapping,
  TURNSTILE_FIELD,
} from "../policy/forms-policy";
import { zoneFromCrmValue } from "../calendar/lead-zone";
import type { EmailKind } from "../policy/scoring-policy";
import { type Touch, touchOf } from "./touch";

/*
 * A form submission, checked against its form and normalised: the one shape everything after the
 * route works with. Pure; the route hands it the posted fields and what the request says.
 */

/** The posted fields, as strings. */
export type RawFields = Record<string, string>;

export interface FieldIssue {
  field: string;
  message: string;
}

export interface GivenConsent {
  id: string;
  version: string;
  purpose: string;
  legalBasis: string;
  /** The exact text of that version. */
  text: string;
  /** The HubSpot subscription type it is written to, when the policy names one. */
  hubspotSubscriptionId?: string;
  /** Where a Salesforce org keeps it (a checkbox field or the Consent objects), when the policy says. */
  salesforce?: SalesforceConsentMapping;
}

export interface SubmittedPhone {
  field: string;
  /** As typed. */
  given: string;
  /** E.164 ("+14155550123") when the number is valid. */
  e164?: string;
  country?: string;
  valid: boolean;
}

export interface IntakeSubmission {
  formKey: string;
  crm: Crm;
  source: string;
  email: { address: string; canonical: string; domain: string; kind: EmailKind };
  phone?: SubmittedPhone;
  /** The form's fields, normalised, by field name; empty fields are absent. */
  fields: Record<string, string>;
  /** The target CRM's properties from the form's field mapping (phones in E.164 when valid). */
  properties: Record<string, string>;
  consents: GivenConsent[];
  /** ISO 3166-1 alpha-2, and what said so. */
  country?: { code: string; from: "form" | "phone" | "request" };
  productLine?: string;
  /** The browser's IANA zone, when it sent a valid one. */
  timeZone?: string;
  touch: Touch;
  /** Context the page sent that could not be used; the submission is accepted without it. */
  warnings: string[];
  /**
   * Posted fields the form does not have: neither used nor kept. Their names only, at most
   * MAX_IGNORED_LISTED of them, each cut to 64 characters (a warning counts the rest).
   */
  ignoredFields: string[];
  receivedAt: string;
}

export interface RequestFacts {
  /** cf.country of the request. */
  country?: string;
  referer?: string;
  receivedAt: Date;
}

export interface ValidationOptions {
  /** routing.productLineField of the policy. */
  productLineField?: string;
}

const MAX_FIELDS = 200;
const MAX_VALUE_LENGTH = 20_000;
/** Unknown fields listed by name in a submission (their values are never kept). */
export const MAX_IGNORED_LISTED = 20;
const MAX_IGNORED_NAME = 64;
const DEFAULT_MAX_LENGTH: Partial<Record<FormField["type"], number>> = { text: 255, longText: 5_000, email: 254, phone: 64, choice: 100 };
const TRUE = new Set(["true", "on", "yes", "1"]);
const FALSE = new Set(["false", "off", "no", "0", ""]);

/**
 * A decoded JSON body → the posted fields. Values may be strings, numbers or booleans (null and
 * absent are the same); anything else is refused with the field's name.
 */
export function fieldsOfJson(body: unknown): { ok: true; fields: RawFields } | { ok: false; issues: FieldIssue[] } {
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return { ok: false, issues: [{ field: "body", message: "a JSON object of field names and values" }] };
  }
  const issues: FieldIssue[] = [];
  const fields: RawFields = {};
  for (const [name, value] of Object.entries(body)) {
    if (value === null || value === undefined) continue;
    // A lone surrogate is JSON's way to send text that is no Unicode: refused, as broken UTF-8 is.
    if (!name.isWellFormed()) issues.push({ field: "body", message: "a field name that is not valid Unicode (a lone surrogate)" });
    else if (typeof value === "string" && !value.isWellFormed()) issues.push({ field: name, message: "not valid Unicode (a lone surrogate)" });
    else if (typeof value === "string") fields[name] = value;
    else if (typeof value === "number" && Number.isFinite(value)) fields[name] = String(value);
    else if (typeof value === "boolean") fields[name] = String(value);
    else issues.push({ field: name, message: "a string, number or boolean" });
  }
  return issues.length ? { ok: false, issues } : limits(fields);
}

/** A form-encoded body → the posted fields; a field given twice is refused (which one would count?). */
export function fieldsOfForm(params: URLSearchParams): { ok: true; fields: RawFields } | { ok: false; issues: FieldIssue[] } {
  const fields: RawFields = {};
  const issues: FieldIssue[] = [];
  for (const [name, value] of params) {
    if (Object.hasOwn(fields, name)) issues.push({ field: name, message: "given more than once" });
    else fields[name] = value;
  }
  return issues.length ? { ok: false, issues } : limits(fields);
}

function limits(fields: RawFields): { ok: true; fields: RawFields } | { ok: false; issues: FieldIssue[] } {
  const names = Object.keys(fields);
  if (names.length > MAX_FIELDS) return { ok: false, issues: [{ field: "body", message: `at most ${MAX_FIELDS} fields` }] };
  const issues = names
    .filter((n) => fields[n]!.length > MAX_VALUE_LENGTH)
    .map((field) => ({ field, message: `longer than ${MAX_VALUE_LENGTH} characters` }));
  return issues.length ? { ok: false, issues } : { ok: true, fields };
}

function phoneCountry(code: string | undefined): PhoneCountry | undefined {
  return code && isSupportedCountry(code) ? code : undefined;
}

/** A phone number → E.164, read in `country` when written without a country code. */
export function normalisePhone(field: string, given: string, country: string | undefined): SubmittedPhone {
  const parsed = parsePhoneNumberFromString(given, phoneCountry(country) ? { defaultCountry: phoneCountry(country) } : {});
  if (!parsed?.isValid()) return { field, given, valid: false };
  return { field, given, e164: parsed.number, ...(parsed.country ? { country: parsed.country } : {}), valid: true };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/**
 * Line breaks, refused inside a single-line field: its value goes into one CRM field, a Slack line,
 * an email header, where a break starts something the visitor should not be able to start.
 */
const LINE_BREAK = /[\n\r\u2028\u2029]/;

/** One field's value, normalised, or the reason it is refused. Empty values are undefined. */
function normaliseValue(field: FormField, given: string): { value?: string; issue?: string } {
  const text = field.type === "longText" ? given.replace(/\r\n?/g, "\n").trim() : given.trim();
  if (field.type === "boolean") {
    const lower = text.toLowerCase();
    if (TRUE.has(lower)) return { value: "true" };
    if (FALSE.has(lower)) return {};
    return { issue: "true or false" };
  }
  if (text === "") return {};
  const max = field.maxLength ?? DEFAULT_MAX_LENGTH[field.type];
  if (max !== undefined && text.length > max) return { issue: `longer than ${max} characters` };
  if (CONTROL.test(field.type === "longText" ? text.replace(/[\n\t]/g, "") : text)) return { issue: "contains control characters" };
  if (field.type !== "longText" && LINE_BREAK.test(text)) return { issue: "contains control characters: a line break in a single-line field" };
  switch (field.type) {
    case "email": {
      const address = parseAddress(text);
      return address && !/[<>\s]/.test(text) ? { value: address } : { issue: "not an email address" };
    }
    case "choice": {
      const option = field.options!.find((o) => o.toLowerCase() === text.toLowerCase());
      return option ? { value: option } : { issue: `one of ${field.options!.map((o) => `"${o}"`).join(", ")}` };
    }
    case "country": {
      const code = text.toUpperCase();
      return /^[A-Z]{2}$/.test(code) ? { value: code } : { issue: "a two-letter country code (ISO 3166-1 alpha-2)" };
    }
    case "number": {
      const number = Number(text);
      return text !== "" && Number.isFinite(number) ? { value: String(number) } : { issue: "a number" };
    }
    default:
      return { value: text.replace(/[ \t]+/g, " ") };
  }
}

/**
 * Checks a submission against its form and normalises it. Every problem is reported with the
 * field it is about; a submission with any problem is refused as a whole.
 */
export function validateSubmission(
  form: Form,
  raw: RawFields,
  request: RequestFacts,
  options: ValidationOptions = {},
): { ok: true; submission: IntakeSubmission } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const warnings: string[] = [];
  const fields: Record<string, string> = {};
  for (const field of form.fields) {
    const given = raw[field.name];
    const { value, issue } = given === undefined ? {} : normaliseValue(field, given);
    if (issue) issues.push({ field: field.name, message: issue });
    else if (value !== undefined) fields[field.name] = value;
    else if (field.required) issues.push({ field: field.name, message: "is required" });
  }

  const consents: GivenConsent[] = [];
  for (const consent of form.consents) {
    const name = `${CONSENT_PREFIX}${consent.id}`;
    const given = raw[name]?.trim() ?? "";
    if (FALSE.has(given.toLowerCase())) {
      if (consent.required) issues.push({ field: name, message: `consent "${consent.purpose}" is required` });
      continue;
    }
    const version = TRUE.has(given.toLowerCase()) ? currentVersion(consent) : consent.versions.find((v) => v.version === given);
    if (!version) {
      issues.push({ field: name, message: `unknown version "${given}" (known: ${consent.versions.map((v) => v.version).join(", ")})` });
      continue;
    }
    consents.push({
      id: consent.id,
      version: version.version,
      purpose: consent.purpose,
      legalBasis: consent.legalBasis,
      text: version.text,
      ...(consent.crm.hubspot ? { hubspotSubscriptionId: consent.crm.hubspot.subscriptionId } : {}),
      ...(consent.crm.salesforce ? { salesforce: consent.crm.salesforce } : {}),
    });
  }
  if (form.spam.turnstile?.enabled && !raw[TURNSTILE_FIELD]?.trim()) {
    issues.push({ field: TURNSTILE_FIELD, message: "is required: the Turnstile widget's token" });
  }
  if (issues.length) return { ok: false, issues };

  const emailField = form.fields.find((f) => f.type === "email")!;
  const address = fields[emailField.name]!;
  const domain = address.slice(address.lastIndexOf("@") + 1);

  const countryField = form.fields.find((f) => f.type === "country" && fields[f.name]);
  const formCountry = countryField ? fields[countryField.name] : undefined;
  const requestCountry = request.country && /^[A-Z]{2}$/.test(request.country) ? request.country : undefined;
  const phones = form.fields
    .filter((f) => f.type === "phone" && fields[f.name])
    .map((f) => normalisePhone(f.name, fields[f.name]!, formCountry ?? requestCountry ?? form.defaultCountry));
  const phone = phones[0];
  const country = formCountry
    ? { code: formCountry, from: "form" as const }
    : phone?.country
      ? { code: phone.country, from: "phone" as const }
      : requestCountry
        ? { code: requestCountry, from: "request" as const }
        : undefined;

  const properties: Record<string, string> = {};
  for (const field of form.fields) {
    const property = field.crm[form.crm];
    const value = fields[field.name];
    if (!property || value === undefined) continue;
    properties[property] = phones.find((p) => p.field === field.name)?.e164 ?? value;
  }

  let timeZone: string | undefined;
  if (raw.time_zone?.trim()) {
    timeZone = zoneFromCrmValue(raw.time_zone) ?? undefined;
    if (!timeZone) warnings.push(`time_zone "${raw.time_zone.slice(0, 64)}" is not an IANA zone of a place; ignored`);
  }
  const productLine = (options.productLineField && fields[options.productLineField]) || form.productLine;

  const known = new Set<string>([...form.fields.map((f) => f.name), ...CONTEXT_FIELDS, TURNSTILE_FIELD, form.spam.fillTimeField]);
  if (form.spam.honeypotField) known.add(form.spam.honeypotField);
  for (const consent of form.consents) known.add(`${CONSENT_PREFIX}${consent.id}`);
  const ignored = Object.keys(raw).filter((name) => !known.has(name));
  const ignoredFields = ignored.slice(0, MAX_IGNORED_LISTED).map((name) => cut(name, MAX_IGNORED_NAME));
  if (ignored.length > MAX_IGNORED_LISTED)
    warnings.push(`${ignored.length} fields the form does not have were ignored; the first ${MAX_IGNORED_LISTED} are listed`);

  const touch = touchOf(raw, { referer: request.referer, formKey: form.key, at: request.receivedAt }, warnings);
  return {
    ok: true,
    submission: {
      formKey: form.key,
      crm: form.crm,
      source: form.source,
      email: { address, canonical: canonicalAddress(address)!, domain, kind: emailDomainKind(domain) },
      ...(phone ? { phone } : {}),
      fields,
      properties,
      consents,
      ...(country ? { country } : {}),
      ...(productLine ? { productLine } : {}),
      ...(timeZone ? { timeZone } : {}),
      touch,
      warnings,
      ignoredFields,
      receivedAt: request.receivedAt.toISOString(),
    },
  };
}

/** At most `max` UTF-16 units, never half a character. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text[max - 1]!) ? max - 1 : max;
  return text.slice(0, end);
}

/** The longest a kept raw value of each kind of field may be (a little past what the field accepts, for what was typed around it). */
const KEPT_RAW = { context: 2_000, consent: 100, fillTime: 20, honeypot: 200, slack: 100 };

/**
 * The posted fields as they are kept with a submission: the form's own, its consents and context,
 * each cut to a little past what it may hold; fields the form does not have are dropped (their
 * names are listed in ignoredFields), and so is the Turnstile token. So a stored submission is
 * as large as its form allows, whatever was posted.
 */
export function keptRawFields(form: Form, raw: RawFields): RawFields {
  const limits = keptRawLimits(form);
  const kept: RawFields = {};
  for (const [name, value] of Object.entries(raw)) {
    const limit = limits.get(name);
    if (limit !== undefined) kept[name] = cut(value, limit);
  }
  return kept;
}

/** Each form's limits, worked out once per isolate (a policy's forms live as long as the policy read). */
const keptRawLimitsOf = new WeakMap<Form, Map<string, number>>();

function keptRawLimits(form: Form): Map<string, number> {
  const known = keptRawLimitsOf.get(form);
  if (known) return known;
  const limits = new Map<string, number>();
  for (const field of form.fields) limits.set(field.name, (field.maxLength ?? DEFAULT_MAX_LENGTH[field.type] ?? 255) + KEPT_RAW.slack);
  for (const consent of form.consents) limits.set(`${CONSENT_PREFIX}${consent.id}`, KEPT_RAW.consent);
  for (const name of CONTEXT_FIELDS) limits.set(name, KEPT_RAW.context);
  limits.set(form.spam.fillTimeField, KEPT_RAW.fillTime);
  if (form.spam.honeypotField) limits.set(form.spam.honeypotField, KEPT_RAW.honeypot);
  keptRawLimitsOf.set(form, limits);
  return limits;
}
