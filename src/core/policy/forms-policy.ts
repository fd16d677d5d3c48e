import { z } from "zod";
import { IsoDuration } from "../calendar/calendar";
import { Crm } from "../model/crm-event";
import { Id, PerCrm, rangeProblem } from "./policy-fields";
import { CaseSafeSalesforceId } from "../model/salesforce-id";

/**
 * Forms: what a web form posts to POST /intake/{key}, how each field is checked and normalised,
 * which CRM property it becomes, which consents it asks for (with the exact texts, versioned), who
 * may post it (CORS) and how spam is told apart. Part of the policy document; validated with it.
 */

/** A form field as it is posted (an HTML input name). */
export const FieldName = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,63}$/, "letters, digits and _, starting with a letter (an input name)");
/** ISO 3166-1 alpha-2, upper case ("US", "DE"). */
export const CountryCode = z.string().regex(/^[A-Z]{2}$/, "a two-letter country code in capitals (ISO 3166-1 alpha-2)");
const ControlName = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_-]{0,63}$/, "letters, digits, _ and -");

export const FIELD_TYPES = ["email", "phone", "text", "longText", "choice", "country", "number", "boolean"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const FormField = z.object({
  name: FieldName,
  type: z.enum(FIELD_TYPES),
  /** Shown next to the input on the example form. */
  label: z.string().min(1).max(100).optional(),
  required: z.boolean().default(false),
  /** Longest accepted value; text 255 and longText 5000 characters unless set. */
  maxLength: z.number().int().min(1).max(20_000).optional(),
  /** The accepted values of a choice field (matched ignoring case; stored as written here). */
  options: z.array(z.string().min(1).max(100)).min(1).optional(),
  /** The CRM property the value is written to: a HubSpot contact property, a Salesforce Lead field. */
  crm: PerCrm(z.string().min(1).max(100)).default({}),
});
export type FormField = z.infer<typeof FormField>;

/** GDPR Art. 6(1) lawful bases. */
export const LEGAL_BASES = ["consent", "contract", "legal_obligation", "vital_interests", "public_task", "legitimate_interests"] as const;

/** Our lawful bases as HubSpot's communication preferences name them; the others have no HubSpot name. */
export const HUBSPOT_LEGAL_BASIS: Partial<
  Record<(typeof LEGAL_BASES)[number], "CONSENT_WITH_NOTICE" | "PERFORMANCE_OF_CONTRACT" | "LEGITIMATE_INTEREST_OTHER">
> = {
  consent: "CONSENT_WITH_NOTICE",
  contract: "PERFORMANCE_OF_CONTRACT",
  legitimate_interests: "LEGITIMATE_INTEREST_OTHER",
};

/** A field's API name on Lead or Contact (Marketing_Consent__c, or a namespaced ns__Field__c). */
const SalesforceFieldName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, "a Salesforce field's API name (letters, digits and _, e.g. Marketing_Consent__c)");

/** ContactPointTypeConsent.ContactPointType: the channel a consent is about (a restricted picklist). */
export const SALESFORCE_CONTACT_POINT_TYPES = ["Email", "Phone", "MailingAddress", "Social", "Web"] as const;

/**
 * Where a Salesforce org keeps a consent: a checkbox field on Lead and Contact (`field`, set true,
 * and `dateField` to when), or the Consent objects of Data Protection and Privacy
 * (`dataUsePurposeId`: a ContactPointTypeConsent for the person's Individual and that Data Use
 * Purpose). One of the two; formsIssues says which keys go together.
 */
export const SalesforceConsentMapping = z.strictObject({
  /** A checkbox on Lead and Contact (both: a submission may match a contact). */
  field: SalesforceFieldName.optional(),
  /** A date or date/time field on Lead and Contact that gets the moment consent was given. */
  dateField: SalesforceFieldName.optional(),
  /** The DataUsePurpose record's id (App Launcher → Data Use Purposes, or SELECT Id, Name FROM DataUsePurpose). */
  dataUsePurposeId: CaseSafeSalesforceId.optional(),
  /** What the consent lets you contact the person by; default Email. */
  contactPointType: z.enum(SALESFORCE_CONTACT_POINT_TYPES).optional(),
});
export type SalesforceConsentMapping = z.infer<typeof SalesforceConsentMapping>;

export const ConsentText = z.object({
  /** Posted as `consent_<id>`; the value is the version shown ("true"/"on" for the current one). */
  // At most 64: with the legal basis, text version and submission id it still fits a Salesforce consent's Name (255).
  id: Id.max(64, "at most 64 characters"),
  /** What the person agrees to, in words an auditor reads ("Product news by email"). */
  purpose: z.string().min(1).max(200),
  legalBasis: z.enum(LEGAL_BASES),
  /** A required consent must be given for the submission to be accepted. */
  required: z.boolean().default(false),
  /**
   * Where the CRM keeps it: a HubSpot subscription type (Settings → Marketing → Email →
   * Subscription types; its id), which the person is subscribed to with the legal basis; in
   * Salesforce a checkbox field or the Consent objects (SalesforceConsentMapping).
   */
  crm: z
    .object({
      hubspot: z.object({ subscriptionId: z.string().regex(/^\d{1,20}$/, "a HubSpot subscription type id (digits)") }).optional(),
      salesforce: SalesforceConsentMapping.optional(),
    })
    .default({}),
  /** Every text ever shown, oldest first; the last is the one forms show now. Never edit one: add a version. */
  versions: z
    .array(
      z.object({
        version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, "letters, digits, '.', '_' and '-' (e.g. 2026-01)"),
        text: z.string().trim().min(1).max(5_000),
      }),
    )
    .min(1),
});
export type ConsentText = z.infer<typeof ConsentText>;

/** `https://www.example.com`, `http://localhost:8080`, or `https://*.example.com` for any subdomain. */
export const AllowedOrigin = z
  .string()
  .regex(
    /^https?:\/\/(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?$/,
    "an origin: scheme and host (and port), no path or trailing slash, lower case; *. for any subdomain",
  );

export const FormSpam = z.object({
  /** Cloudflare Turnstile: the widget's site key; the server checks the token with TURNSTILE_SECRET_KEY. */
  turnstile: z
    .object({
      enabled: z.boolean().default(true),
      siteKey: z.string().min(1).max(100),
      /**
       * The widget's action (its data-action), when the form's page sets one: siteverify's answer
       * must carry it, so a token solved on another of the site's widgets is refused.
       */
      action: z
        .string()
        .regex(/^[A-Za-z0-9_-]{1,32}$/, "Turnstile's action: 1 to 32 letters, digits, _ and -")
        .optional(),
    })
    .optional(),
  /** A field people never see (hidden with CSS); bots fill it in. */
  honeypotField: ControlName.optional(),
  /** Submissions filled in faster than this (from page load to submit) are spam; at most PT1H (formsIssues). */
  minFillTime: IsoDuration.optional(),
  /** The field carrying the milliseconds from page load to submit, set by the page's script. */
  fillTimeField: ControlName.default("_fill_ms"),
});
export type FormSpam = z.infer<typeof FormSpam>;

export const Form = z.object({
  key: Id,
  name: z.string().min(1).max(100),
  /** The CRM the lead is written to. */
  crm: Crm,
  /** Written to the cadence source property; the cadences route on it ("demo_request"). */
  source: z.string().min(1).max(100),
  fields: z.array(FormField).min(1).max(100),
  consents: z.array(ConsentText).max(20).default([]),
  /** Origins whose pages may post this form (CORS). The Worker's own origin is always allowed. */
  allowedOrigins: z.array(AllowedOrigin).default([]),
  spam: FormSpam.default({ fillTimeField: "_fill_ms" }),
  /** A thank-you page: form-encoded posts are answered 303 to it instead of 202. */
  redirect: z
    .url({ protocol: /^https?$/ })
    .max(2_000)
    .optional(),
  /** The country phone numbers without a country code are read in when the submission names none. */
  defaultCountry: CountryCode.optional(),
  /** The product line a lead of this form is about, for intake routing (a field named by routing.productLineField wins). */
  productLine: z.string().min(1).max(100).optional(),
  /** The same email and fields again within this window are one submission (a double click); at most P1D (formsIssues). */
  duplicateWindow: IsoDuration.default("PT5M"),
});
export type Form = z.infer<typeof Form>;

/**
 * Fields a page may post besides the form's own: attribution, the browser's zone, the page. They
 * are context, not the lead's data, and may not be used as field names.
 */
export const CONTEXT_FIELDS = [
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_term",
  "utm_content",
  "gclid",
  "fbclid",
  "msclkid",
  "referrer",
  "page_url",
  "landing_page",
  "time_zone",
] as const;
/** Where Turnstile's widget puts its token in the form. */
export const TURNSTILE_FIELD = "cf-turnstile-response";
export const CONSENT_PREFIX = "consent_";

/** Salesforce refuses a Lead without these. */
const SALESFORCE_LEAD_REQUIRED = ["LastName", "Company"];

type Issue = { path: (string | number)[]; message: string };

/** Cross-field checks of the forms, reported with paths under `forms`. */
export function formsIssues(forms: readonly Form[]): Issue[] {
  const issues: Issue[] = [];
  const reserved = new Set<string>([...CONTEXT_FIELDS, TURNSTILE_FIELD]);
  forms.forEach((form, f) => {
    const at = (...path: (string | number)[]) => [f, ...path];
    if (forms.findIndex((other) => other.key === form.key) !== f) issues.push({ path: at("key"), message: `duplicate form key "${form.key}"` });
    const names = new Set<string>();
    form.fields.forEach((field, i) => {
      if (names.has(field.name)) issues.push({ path: at("fields", i, "name"), message: `duplicate field "${field.name}"` });
      names.add(field.name);
      if (reserved.has(field.name))
        issues.push({ path: at("fields", i, "name"), message: `"${field.name}" is a context field the page may send; name the field otherwise` });
      if (field.name.startsWith(CONSENT_PREFIX))
        issues.push({ path: at("fields", i, "name"), message: `field names starting with "${CONSENT_PREFIX}" are consents` });
      if (field.type === "choice" && !field.options) issues.push({ path: at("fields", i, "options"), message: "a choice field lists its options" });
      if (field.type !== "choice" && field.options)
        issues.push({ path: at("fields", i, "options"), message: `options belong to choice fields, not ${field.type}` });
    });
    const emails = form.fields.flatMap((field, i) => (field.type === "email" ? [{ field, i }] : []));
    if (emails.length !== 1) {
      issues.push({ path: at("fields"), message: `a form has exactly one email field (the lead's identity), this one has ${emails.length}` });
    } else {
      const { field, i } = emails[0]!;
      if (!field.required) issues.push({ path: at("fields", i, "required"), message: "the email field must be required" });
      if (!field.crm[form.crm]) issues.push({ path: at("fields", i, "crm", form.crm), message: `map the email field to a ${form.crm} property` });
    }
    const mapped = new Map<string, number>();
    form.fields.forEach((field, i) => {
      const property = field.crm[form.crm];
      if (!property) return;
      if (mapped.has(property))
        issues.push({ path: at("fields", i, "crm", form.crm), message: `"${property}" is already mapped from field ${mapped.get(property)}` });
      mapped.set(property, i);
    });
    if (form.crm === "salesforce") {
      for (const required of SALESFORCE_LEAD_REQUIRED) {
        const i = mapped.get(required);
        if (i === undefined)
          issues.push({ path: at("fields"), message: `Salesforce refuses a Lead without ${required}: map a required field to it` });
        else if (!form.fields[i]!.required)
          issues.push({ path: at("fields", i, "required"), message: `Salesforce refuses a Lead without ${required}: make this field required` });
      }
    }
    form.consents.forEach((consent, c) => {
      if (form.consents.findIndex((other) => other.id === consent.id) !== c)
        issues.push({ path: at("consents", c, "id"), message: `duplicate consent "${consent.id}"` });
      if (consent.crm.hubspot && !(consent.legalBasis in HUBSPOT_LEGAL_BASIS))
        issues.push({
          path: at("consents", c, "legalBasis"),
          message: `HubSpot's communication preferences know no legal basis "${consent.legalBasis}": use ${Object.keys(HUBSPOT_LEGAL_BASIS).join(", ")}`,
        });
      if (consent.crm.hubspot && form.crm !== "hubspot")
        issues.push({ path: at("consents", c, "crm", "hubspot"), message: `form ${form.key} writes to ${form.crm}, not HubSpot` });
      const salesforce = consent.crm.salesforce;
      if (salesforce) {
        const path = at("consents", c, "crm", "salesforce");
        if (form.crm !== "salesforce") issues.push({ path, message: `form ${form.key} writes to ${form.crm}, not Salesforce` });
        for (const issue of salesforceMappingIssues(salesforce)) issues.push({ path: [...path, ...issue.path], message: issue.message });
      }
      consent.versions.forEach((version, v) => {
        if (consent.versions.findIndex((other) => other.version === version.version) !== v)
          issues.push({ path: at("consents", c, "versions", v, "version"), message: `duplicate version "${version.version}"` });
      });
    });
    const { spam } = form;
    for (const [key, name] of [
      ["honeypotField", spam.honeypotField],
      ["fillTimeField", spam.minFillTime ? spam.fillTimeField : undefined],
    ] as const) {
      if (name && (names.has(name) || reserved.has(name) || name.startsWith(CONSENT_PREFIX)))
        issues.push({ path: at("spam", key), message: `"${name}" is already a field of the form` });
    }
    // Checked here, beside the form's other checks, so an admin sees them all at once.
    const fillTime = spam.minFillTime && rangeProblem(spam.minFillTime, "PT0S", "PT1H");
    if (fillTime) issues.push({ path: at("spam", "minFillTime"), message: `${fillTime}: nobody needs longer to fill in a form` });
    const window = rangeProblem(form.duplicateWindow, "PT0S", "P1D");
    if (window) issues.push({ path: at("duplicateWindow"), message: window });
  });
  return issues;
}

/** A Salesforce consent mapping names one way to keep the consent, with only the keys that go with it. */
function salesforceMappingIssues(mapping: SalesforceConsentMapping): Issue[] {
  const { field, dateField, dataUsePurposeId, contactPointType } = mapping;
  if (field && dataUsePurposeId)
    return [{ path: [], message: "either a checkbox field (field) or the Consent objects (dataUsePurposeId), not both" }];
  if (!field && !dataUsePurposeId)
    return [
      {
        path: [],
        message: 'name a checkbox field on Lead and Contact ({"field": "Marketing_Consent__c"}) or a Data Use Purpose ({"dataUsePurposeId": "0ZW…"})',
      },
    ];
  const issues: Issue[] = [];
  if (dateField && !field) issues.push({ path: ["dateField"], message: "dateField goes with field: the Consent objects keep their own dates" });
  if (contactPointType && !dataUsePurposeId)
    issues.push({ path: ["contactPointType"], message: "contactPointType goes with dataUsePurposeId (the Consent objects)" });
  if (field && dateField === field) issues.push({ path: ["dateField"], message: `"${field}" is the checkbox; name a date or date/time field` });
  return issues;
}

/** The version a form shows now (the last one). */
export const currentVersion = (consent: ConsentText) => consent.versions[consent.versions.length - 1]!;
