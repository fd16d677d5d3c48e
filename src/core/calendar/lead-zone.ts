import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from "libphonenumber-js/min";
import { isValidZone } from "./calendar";
import { COUNTRY_ZONES, isNonGeographicNanpCode, NANP_AREA_CODES } from "./phone-zones";

/*
 * Which IANA zone a lead lives in, so follow-up tasks land in the lead's business hours.
 *
 * Evidence is taken in order of how directly it speaks for the lead: a time zone stored on the
 * record, then the lead's phone numbers, then the owner's zone (the lead is probably in the rep's
 * territory), then the policy's fallback. Nothing is guessed from abbreviations ("EST" is both a
 * US and an Australian zone, and never says whether DST applies) or from bare UTC offsets.
 *
 * Zone names are returned in their current IANA spelling ("Asia/Kolkata", "Europe/Kyiv"), whatever
 * spelling or alias the CRM used, so the same place always compares equal.
 *
 * The "min" metadata of libphonenumber-js is enough here: it validates numbers and finds their
 * country; the number types and carrier data of "max" are not needed.
 */

// --- CRM values ----------------------------------------------------------------------------------

/*
 * V8's ICU reports some zones under names IANA has since replaced (resolvedOptions() turns
 * "Asia/Kolkata" into "Asia/Calcutta"). These map them forward; both spellings are accepted by
 * Intl and luxon, so the current one is safe to hand on. A runtime with a newer ICU simply never
 * produces the old name.
 */
const CURRENT_IANA_NAME: Readonly<Record<string, string>> = {
  "Africa/Asmera": "Africa/Asmara",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Coral_Harbour": "America/Atikokan",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Godthab": "America/Nuuk",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Louisville": "America/Kentucky/Louisville",
  "America/Mendoza": "America/Argentina/Mendoza",
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Europe/Kiev": "Europe/Kyiv",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

/*
 * Old single-word IANA links that name a place, not a clock. HubSpot's hs_timezone still offers
 * several of them ("japan", "navajo"). Single words that are abbreviations or offsets (EST, MST7MDT,
 * UTC, GMT, PRC, NZ) are deliberately absent.
 */
const PLACE_NAME_LINKS: ReadonlySet<string> = new Set([
  "cuba",
  "egypt",
  "eire",
  "hongkong",
  "iceland",
  "iran",
  "israel",
  "jamaica",
  "japan",
  "kwajalein",
  "libya",
  "navajo",
  "poland",
  "portugal",
  "singapore",
  "turkey",
]);

/** "Area/Location" or "Area/Sub/Location": letters first, then the characters IANA names use. */
const AREA_LOCATION = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)+$/;

/** "(GMT-05:00) Eastern Standard Time (America/New_York)": Salesforce's TimeZoneSidKey labels. */
const SALESFORCE_LABEL = /^\((?:GMT|UTC)[^()]*\)[^()]*\(([^()]+)\)$/i;

/** HubSpot's hs_timezone encodes "/" and "-" as words: "america_slash_port_hyphen_au_hyphen_prince". */
const HUBSPOT_ENUM = /^[a-z0-9_]+$/i;

/** Names longer than this are not zone names; stop before asking Intl. */
const MAX_ZONE_TEXT = 100;

/** Names already looked up: building an Intl.DateTimeFormat costs about half a millisecond. */
const runtimeZoneNames = new Map<string, string | null>();
const MAX_RUNTIME_ZONE_NAMES = 512;

function runtimeZoneName(candidate: string): string | null {
  const known = runtimeZoneNames.get(candidate);
  if (known !== undefined) return known;
  let resolved: string | null;
  try {
    // Case-insensitive lookup that also resolves aliases ("us/eastern" → "America/New_York").
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: candidate }).resolvedOptions().timeZone;
  } catch {
    resolved = null;
  }
  if (runtimeZoneNames.size >= MAX_RUNTIME_ZONE_NAMES) runtimeZoneNames.clear();
  runtimeZoneNames.set(candidate, resolved);
  return resolved;
}

function zoneFromIanaName(candidate: string): string | null {
  if (!AREA_LOCATION.test(candidate) && !PLACE_NAME_LINKS.has(candidate.toLowerCase())) return null;
  const resolved = runtimeZoneName(candidate);
  // "Etc/GMT+5" and "Etc/UTC" are valid but name an offset, not where anybody lives.
  if (!resolved?.includes("/") || resolved.startsWith("Etc/")) return null;
  return CURRENT_IANA_NAME[resolved] ?? resolved;
}

function decodeHubSpotEnum(value: string): string | null {
  if (!HUBSPOT_ENUM.test(value) || !/_slash_/i.test(value)) return null;
  return value.replace(/_slash_/gi, "/").replace(/_hyphen_/gi, "-");
}

/**
 * A CRM time zone value → current IANA name, or null when it is not a recognisable place.
 * Accepts IANA names in any case and old aliases ("america/new_york", "US/Eastern", "Asia/Calcutta"),
 * HubSpot hs_timezone values ("america_slash_new_york") and Salesforce labels
 * ("(GMT-05:00) Eastern Standard Time (America/New_York)"). Abbreviations, offsets and UTC → null.
 */
export function zoneFromCrmValue(value: string | null | undefined): string | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (text === "" || text.length > MAX_ZONE_TEXT) return null;
  const salesforce = SALESFORCE_LABEL.exec(text);
  if (salesforce) return zoneFromIanaName(salesforce[1]!.trim());
  const hubspot = decodeHubSpotEnum(text);
  return zoneFromIanaName(hubspot ?? text);
}

// --- Phone numbers -------------------------------------------------------------------------------

interface PhoneZoneMatch {
  zone: string;
  country: string;
  /** "+49 30…": country code and the first two national digits, enough to recognise, not to dial. */
  masked: string;
  basis: "area code" | "country";
}

/** Longer than any real number with formatting and an extension; refuse before parsing. */
const MAX_PHONE_TEXT = 64;

function supportedCountry(code: string | undefined): CountryCode | undefined {
  const upper = code?.trim().toUpperCase();
  return upper && isSupportedCountry(upper) ? upper : undefined;
}

function matchPhone(phone: string | null | undefined, defaultCountry: string | undefined): PhoneZoneMatch | null {
  if (typeof phone !== "string") return null;
  const text = phone.trim();
  if (text === "" || text.length > MAX_PHONE_TEXT) return null;
  // Without a default country only international numbers ("+49 …") can be read; libphonenumber
  // applies the default country's own international prefix, so "0049 …" works with "DE".
  const country = supportedCountry(defaultCountry);
  const parsed = parsePhoneNumberFromString(text, country ? { defaultCountry: country } : {});
  if (!parsed?.country || !parsed.isValid()) return null;

  const national = parsed.nationalNumber;
  const masked = `+${parsed.countryCallingCode} ${national.slice(0, 2)}…`;
  if (parsed.country === "US" || parsed.country === "CA") {
    const areaCode = national.slice(0, 3);
    if (isNonGeographicNanpCode(areaCode)) return null;
    const entry = NANP_AREA_CODES.get(areaCode);
    if (entry) return { zone: entry.zone, country: parsed.country, masked, basis: "area code" };
  }
  const zone = COUNTRY_ZONES[parsed.country];
  return zone ? { zone, country: parsed.country, masked, basis: "country" } : null;
}

/**
 * The zone a phone number most likely rings in: US/Canadian numbers by area code, others by
 * country (the most populous zone of multi-zone countries). Null for numbers that are invalid,
 * national without a `defaultCountry` (ISO 3166 alpha-2, e.g. "DE"), or not tied to a place
 * (toll-free, premium, personal numbers).
 */
export function zoneFromPhone(phone: string | null | undefined, defaultCountry?: string): { zone: string; country: string } | null {
  const match = matchPhone(phone, defaultCountry);
  return match && { zone: match.zone, country: match.country };
}

// --- Resolution ----------------------------------------------------------------------------------

export type LeadZoneSource = "browser" | "crm" | "phone" | "owner" | "policy";

export interface LeadZone {
  zone: string;
  source: LeadZoneSource;
  /** Why this zone, in words, for logs and task notes. Never contains a full phone number. */
  detail: string;
}

export interface LeadZoneInputs {
  /** The zone the lead's browser reported when it submitted a form: where the lead is now. */
  browserZone?: string | null;
  /** The lead's own time zone property (hs_timezone, a Salesforce field, …). */
  crmZone?: string | null;
  /** In order of preference, e.g. [mobile, phone]. */
  phones?: readonly (string | null | undefined)[];
  /** The owning rep's zone, as stored in the CRM. */
  ownerZone?: string | null;
  /** The policy's zone; must be a valid IANA zone. */
  fallbackZone: string;
  /** ISO 3166 alpha-2 country for phone numbers written without "+". */
  defaultCountry?: string;
}

function quoted(value: string): string {
  const text = value.trim();
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text);
}

function isPresent(value: string | null | undefined): value is string {
  return typeof value === "string" && value.trim() !== "";
}

/**
 * The lead's zone: the browser's at a form submission, else the CRM property, else the first phone that yields a zone, else the owner's zone,
 * else the policy fallback. Values that were present but unusable are named in `detail`, so a wrong
 * guess can be traced to the data that caused it. Throws only when `fallbackZone` is invalid.
 */
export function resolveLeadZone(inputs: LeadZoneInputs): LeadZone {
  const ignored: string[] = [];
  const withIgnored = (zone: string, source: LeadZoneSource, reason: string): LeadZone => ({
    zone,
    source,
    detail: [...ignored, reason].join("; "),
  });

  if (isPresent(inputs.browserZone)) {
    if (isValidZone(inputs.browserZone))
      return withIgnored(inputs.browserZone, "browser", `the browser's time zone ${inputs.browserZone} at submission`);
    ignored.push(`browser time zone ${quoted(inputs.browserZone)} not recognised`);
  }

  if (isPresent(inputs.crmZone)) {
    const zone = zoneFromCrmValue(inputs.crmZone);
    if (zone) {
      const shown = inputs.crmZone.trim() === zone ? zone : `${quoted(inputs.crmZone)} → ${zone}`;
      return withIgnored(zone, "crm", `CRM time zone ${shown}`);
    }
    ignored.push(`CRM time zone ${quoted(inputs.crmZone)} not recognised`);
  }

  const phones = (inputs.phones ?? []).filter(isPresent);
  for (const phone of phones) {
    const match = matchPhone(phone, inputs.defaultCountry);
    if (match) {
      const via = match.basis === "area code" ? `${match.country} area code` : match.country;
      return withIgnored(match.zone, "phone", `phone ${match.masked} → ${via} → ${match.zone}`);
    }
  }
  if (phones.length > 0) ignored.push(`no zone from ${phones.length === 1 ? "the phone number" : `${phones.length} phone numbers`}`);

  if (isPresent(inputs.ownerZone)) {
    const zone = zoneFromCrmValue(inputs.ownerZone);
    if (zone) return withIgnored(zone, "owner", `owner's time zone ${zone}`);
    ignored.push(`owner's time zone ${quoted(inputs.ownerZone)} not recognised`);
  }

  if (!isValidZone(inputs.fallbackZone)) throw new Error(`invalid fallback time zone ${quoted(inputs.fallbackZone)}`);
  return withIgnored(inputs.fallbackZone, "policy", `policy fallback ${inputs.fallbackZone}`);
}
