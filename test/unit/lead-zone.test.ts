import { getCountries } from "libphonenumber-js/min";
import { parsePhoneNumberFromString as parseWithFullMetadata } from "libphonenumber-js/max";
import { describe, expect, it } from "vitest";
import { isValidZone } from "../../src/core/calendar/calendar";
import { resolveLeadZone, zoneFromCrmValue, zoneFromPhone } from "../../src/core/calendar/lead-zone";
import { COUNTRY_ZONES, isNonGeographicNanpCode, NANP_AREA_CODES } from "../../src/core/calendar/phone-zones";

// Phone numbers below use fictional ranges where countries have them (US/CA 555-01xx, UK 020 7946 0xxx)
// and otherwise well-formed numbers that belong to nobody in particular.

describe("zoneFromCrmValue", () => {
  it("accepts IANA names in any case and returns the canonical spelling", () => {
    expect(zoneFromCrmValue("America/New_York")).toBe("America/New_York");
    expect(zoneFromCrmValue("america/new_york")).toBe("America/New_York");
    expect(zoneFromCrmValue("AMERICA/NEW_YORK")).toBe("America/New_York");
    expect(zoneFromCrmValue("europe/berlin")).toBe("Europe/Berlin");
    expect(zoneFromCrmValue("america/argentina/buenos_aires")).toBe("America/Argentina/Buenos_Aires");
    expect(zoneFromCrmValue("AMERICA/PORT-AU-PRINCE")).toBe("America/Port-au-Prince");
    expect(zoneFromCrmValue("  Europe/Berlin \n")).toBe("Europe/Berlin");
  });

  it("returns the current IANA name for zones the runtime knows by an older one", () => {
    expect(zoneFromCrmValue("Asia/Kolkata")).toBe("Asia/Kolkata");
    expect(zoneFromCrmValue("asia/calcutta")).toBe("Asia/Kolkata");
    expect(zoneFromCrmValue("Europe/Kyiv")).toBe("Europe/Kyiv");
    expect(zoneFromCrmValue("Europe/Kiev")).toBe("Europe/Kyiv");
    expect(zoneFromCrmValue("America/Buenos_Aires")).toBe("America/Argentina/Buenos_Aires");
    expect(zoneFromCrmValue("Asia/Saigon")).toBe("Asia/Ho_Chi_Minh");
    expect(zoneFromCrmValue("America/Godthab")).toBe("America/Nuuk");
  });

  it("resolves backward-compatible links that name a place", () => {
    expect(zoneFromCrmValue("US/Eastern")).toBe("America/New_York");
    expect(zoneFromCrmValue("us/pacific")).toBe("America/Los_Angeles");
    expect(zoneFromCrmValue("Canada/Newfoundland")).toBe("America/St_Johns");
    expect(zoneFromCrmValue("Japan")).toBe("Asia/Tokyo");
  });

  it("decodes HubSpot hs_timezone values", () => {
    expect(zoneFromCrmValue("america_slash_new_york")).toBe("America/New_York");
    expect(zoneFromCrmValue("europe_slash_berlin")).toBe("Europe/Berlin");
    expect(zoneFromCrmValue("asia_slash_kolkata")).toBe("Asia/Kolkata");
    expect(zoneFromCrmValue("asia_slash_calcutta")).toBe("Asia/Kolkata");
    expect(zoneFromCrmValue("america_slash_argentina_slash_buenos_aires")).toBe("America/Argentina/Buenos_Aires");
    expect(zoneFromCrmValue("america_slash_port_hyphen_au_hyphen_prince")).toBe("America/Port-au-Prince");
    expect(zoneFromCrmValue("america_slash_north_dakota_slash_new_salem")).toBe("America/North_Dakota/New_Salem");
    expect(zoneFromCrmValue("asia_slash_ust_hyphen_nera")).toBe("Asia/Ust-Nera");
    expect(zoneFromCrmValue("us_slash_east_hyphen_indiana")).toBe("America/Indiana/Indianapolis");
    expect(zoneFromCrmValue("canada_slash_eastern")).toBe("America/Toronto");
    expect(zoneFromCrmValue("europe_slash_kiev")).toBe("Europe/Kyiv");
    expect(zoneFromCrmValue("AMERICA_SLASH_NEW_YORK")).toBe("America/New_York");
    // HubSpot also offers old single-word links.
    expect(zoneFromCrmValue("japan")).toBe("Asia/Tokyo");
    expect(zoneFromCrmValue("navajo")).toBe("America/Denver");
  });

  it("takes the IANA name out of Salesforce time zone labels", () => {
    expect(zoneFromCrmValue("(GMT-05:00) Eastern Standard Time (America/New_York)")).toBe("America/New_York");
    expect(zoneFromCrmValue("(GMT-04:00) Eastern Daylight Time (America/New_York)")).toBe("America/New_York");
    expect(zoneFromCrmValue("(GMT+05:30) India Standard Time (Asia/Kolkata)")).toBe("Asia/Kolkata");
    expect(zoneFromCrmValue("(GMT+01:00) Central European Standard Time (Europe/Berlin)")).toBe("Europe/Berlin");
    expect(zoneFromCrmValue("(GMT-03:30) Newfoundland Standard Time (America/St_Johns)")).toBe("America/St_Johns");
    expect(zoneFromCrmValue("(GMT+00:00) Greenwich Mean Time (GMT)")).toBeNull();
    expect(zoneFromCrmValue("(GMT-05:00) Eastern Standard Time (Not/A_Zone)")).toBeNull();
  });

  it("rejects abbreviations, offsets, UTC and garbage instead of guessing", () => {
    for (const value of [
      "EST",
      "est",
      "PST",
      "CET",
      "IST",
      "EST5EDT",
      "MST7MDT",
      "GMT",
      "UTC",
      "Etc/UTC",
      "Etc/GMT+5",
      "etc_slash_gmt",
      "+05:30",
      "-0500",
      "UTC+2",
      "GMT-05:00",
      "Eastern Standard Time",
      "America/Nowhere",
      "america_slash_nowhere",
      "New York",
      "America/New York",
      "Europe/",
      "/Europe/Berlin",
      "garbage",
      "PRC",
      "NZ",
      "",
      "   ",
      "x".repeat(500),
    ]) {
      expect(zoneFromCrmValue(value), value).toBeNull();
    }
    expect(zoneFromCrmValue(null)).toBeNull();
    expect(zoneFromCrmValue(undefined)).toBeNull();
  });
});

describe("zoneFromPhone", () => {
  it("maps international numbers by country", () => {
    expect(zoneFromPhone("+49 30 1234567")).toEqual({ zone: "Europe/Berlin", country: "DE" });
    expect(zoneFromPhone("+91 98765 43210")).toEqual({ zone: "Asia/Kolkata", country: "IN" });
    expect(zoneFromPhone("+44 20 7946 0958")).toEqual({ zone: "Europe/London", country: "GB" });
    expect(zoneFromPhone("+61 2 9374 4000")).toEqual({ zone: "Australia/Sydney", country: "AU" });
    expect(zoneFromPhone("+55 11 91234-5678")).toEqual({ zone: "America/Sao_Paulo", country: "BR" });
    expect(zoneFromPhone("+81 3-1234-5678")).toEqual({ zone: "Asia/Tokyo", country: "JP" });
  });

  it("uses the most populous zone of countries that span several", () => {
    expect(zoneFromPhone("+7 912 345-67-89")?.zone).toBe("Europe/Moscow"); // a Yekaterinburg mobile: unknowable
    expect(zoneFromPhone("+52 55 1234 5678")?.zone).toBe("America/Mexico_City");
    expect(zoneFromPhone("+62 21 1234 5678")?.zone).toBe("Asia/Jakarta");
    expect(zoneFromPhone("+86 10 1234 5678")?.zone).toBe("Asia/Shanghai");
  });

  it.each([
    ["+1 212 555 0100", "America/New_York"],
    ["+1 312 555 0100", "America/Chicago"],
    ["+1 303 555 0100", "America/Denver"],
    ["+1 602 555 0100", "America/Phoenix"],
    ["+1 415 555 0100", "America/Los_Angeles"],
    ["+1 907 555 0100", "America/Anchorage"],
    ["+1 808 555 0100", "Pacific/Honolulu"],
    ["+1 915 555 0100", "America/Denver"], // El Paso, Texas
  ])("maps US area code %s to %s", (phone, zone) => {
    expect(zoneFromPhone(phone)).toEqual({ zone, country: "US" });
  });

  it.each([
    ["+1 416 555 0100", "America/Toronto"],
    ["+1 604 555 0100", "America/Vancouver"],
    ["+1 902 555 0100", "America/Halifax"],
    ["+1 709 555 0100", "America/St_Johns"],
    ["+1 204 555 0100", "America/Winnipeg"],
    ["+1 306 555 0100", "America/Regina"],
    ["+1 403 555 0100", "America/Edmonton"],
    ["+1 514 555 0100", "America/Toronto"],
  ])("maps Canadian area code %s to %s", (phone, zone) => {
    expect(zoneFromPhone(phone)).toEqual({ zone, country: "CA" });
  });

  it("maps other NANP members by their own country", () => {
    expect(zoneFromPhone("+1 787 555 0100")).toEqual({ zone: "America/Puerto_Rico", country: "PR" });
    expect(zoneFromPhone("+1 876 555 0100")).toEqual({ zone: "America/Jamaica", country: "JM" });
  });

  it("gives no zone for toll-free and other numbers not tied to a place", () => {
    expect(zoneFromPhone("+1 800 555 0100")).toBeNull();
    expect(zoneFromPhone("+1 888 555 0100")).toBeNull();
    expect(zoneFromPhone("+1 900 555 0100")).toBeNull();
  });

  it("reads formatting variants", () => {
    const sf = { zone: "America/Los_Angeles", country: "US" };
    expect(zoneFromPhone("+1 (415) 555-0132")).toEqual(sf);
    expect(zoneFromPhone("+14155550132")).toEqual(sf);
    expect(zoneFromPhone("+1.415.555.0132")).toEqual(sf);
    expect(zoneFromPhone("  +1-415-555-0132  ")).toEqual(sf);
    expect(zoneFromPhone("+1 415 555 0132 ext. 42")).toEqual(sf);
    expect(zoneFromPhone("+49 (0)30 1234567")).toEqual({ zone: "Europe/Berlin", country: "DE" });
  });

  it("reads national numbers and 00-prefixed international numbers with a default country", () => {
    expect(zoneFromPhone("(415) 555-0132", "US")).toEqual({ zone: "America/Los_Angeles", country: "US" });
    expect(zoneFromPhone("030 1234567", "DE")).toEqual({ zone: "Europe/Berlin", country: "DE" });
    expect(zoneFromPhone("030 1234567", "de")).toEqual({ zone: "Europe/Berlin", country: "DE" });
    expect(zoneFromPhone("0049 30 1234567", "DE")).toEqual({ zone: "Europe/Berlin", country: "DE" });
    // The default country's own international prefix applies: the US dials out with 011, not 00.
    expect(zoneFromPhone("011 49 30 1234567", "US")).toEqual({ zone: "Europe/Berlin", country: "DE" });
    expect(zoneFromPhone("0049 30 1234567", "US")).toBeNull();
    // A "+" number ignores the default country.
    expect(zoneFromPhone("+81 3-1234-5678", "DE")).toEqual({ zone: "Asia/Tokyo", country: "JP" });
  });

  it("needs a + or a default country", () => {
    expect(zoneFromPhone("030 1234567")).toBeNull();
    expect(zoneFromPhone("0049 30 1234567")).toBeNull();
    expect(zoneFromPhone("4155550132")).toBeNull();
    // An unknown default country is treated as none.
    expect(zoneFromPhone("030 1234567", "XX")).toBeNull();
  });

  it("rejects invalid numbers", () => {
    for (const phone of [
      "",
      "   ",
      "hello",
      "+",
      "+49",
      "+49 1",
      "+1 555 555 5555",
      "+1 011 555 0100",
      "+999 1234567",
      "12",
      "+44 7700 90012345678",
      "+1".padEnd(200, "5"),
    ]) {
      expect(zoneFromPhone(phone), phone).toBeNull();
    }
    expect(zoneFromPhone(null)).toBeNull();
    expect(zoneFromPhone(undefined)).toBeNull();
  });
});

describe("resolveLeadZone", () => {
  const fallbackZone = "Europe/London";

  it("prefers the CRM property", () => {
    expect(resolveLeadZone({ crmZone: "america_slash_chicago", phones: ["+49 30 1234567"], ownerZone: "Asia/Tokyo", fallbackZone })).toEqual({
      zone: "America/Chicago",
      source: "crm",
      detail: 'CRM time zone "america_slash_chicago" → America/Chicago',
    });
    expect(resolveLeadZone({ crmZone: "America/Chicago", fallbackZone }).detail).toBe("CRM time zone America/Chicago");
  });

  it("uses the first phone that yields a zone, with the number masked", () => {
    const result = resolveLeadZone({
      phones: [null, "", "not a number", "+49 30 1234567", "+1 415 555 0132"],
      ownerZone: "Asia/Tokyo",
      fallbackZone,
    });
    expect(result).toEqual({
      zone: "Europe/Berlin",
      source: "phone",
      detail: "phone +49 30… → DE → Europe/Berlin",
    });
    expect(result.detail).not.toContain("1234567");
  });

  it("says when a US or Canadian zone came from the area code", () => {
    const result = resolveLeadZone({ phones: ["+1 (415) 555-0132"], fallbackZone });
    expect(result).toEqual({ zone: "America/Los_Angeles", source: "phone", detail: "phone +1 41… → US area code → America/Los_Angeles" });
  });

  it("reads national phone numbers with the default country", () => {
    expect(resolveLeadZone({ phones: ["030 1234567"], defaultCountry: "DE", fallbackZone })).toMatchObject({
      zone: "Europe/Berlin",
      source: "phone",
    });
    expect(resolveLeadZone({ phones: ["030 1234567"], fallbackZone })).toMatchObject({ zone: fallbackZone, source: "policy" });
  });

  it("falls back to the owner's zone, then the policy's", () => {
    expect(resolveLeadZone({ phones: ["+1 800 555 0100"], ownerZone: "America/Denver", fallbackZone })).toEqual({
      zone: "America/Denver",
      source: "owner",
      detail: "no zone from the phone number; owner's time zone America/Denver",
    });
    expect(resolveLeadZone({ fallbackZone })).toEqual({ zone: fallbackZone, source: "policy", detail: "policy fallback Europe/London" });
    expect(resolveLeadZone({ crmZone: null, phones: [], ownerZone: null, fallbackZone })).toMatchObject({ source: "policy" });
  });

  it("names present but unusable values in the detail", () => {
    const result = resolveLeadZone({ crmZone: "EST", phones: ["+1 800 555 0100", "12"], ownerZone: "Pacific Time", fallbackZone });
    expect(result).toEqual({
      zone: fallbackZone,
      source: "policy",
      detail:
        'CRM time zone "EST" not recognised; no zone from 2 phone numbers; owner\'s time zone "Pacific Time" not recognised; policy fallback Europe/London',
    });
    expect(resolveLeadZone({ crmZone: "EST", phones: ["+81 3-1234-5678"], fallbackZone }).detail).toBe(
      'CRM time zone "EST" not recognised; phone +81 31… → JP → Asia/Tokyo',
    );
  });

  it("treats blank values as absent", () => {
    expect(resolveLeadZone({ crmZone: "  ", phones: [" "], ownerZone: "", fallbackZone }).detail).toBe("policy fallback Europe/London");
  });

  it("normalises the owner's zone like a CRM value", () => {
    expect(resolveLeadZone({ ownerZone: "asia/calcutta", fallbackZone })).toMatchObject({ zone: "Asia/Kolkata", source: "owner" });
  });

  it("throws only when the fallback zone is invalid", () => {
    expect(() => resolveLeadZone({ fallbackZone: "Mars/Olympus_Mons" })).toThrow('invalid fallback time zone "Mars/Olympus_Mons"');
    // A usable lead zone never needs the fallback, but a broken policy should still surface early.
    expect(resolveLeadZone({ crmZone: "Europe/Paris", fallbackZone: "Mars/Olympus_Mons" }).zone).toBe("Europe/Paris");
    expect(resolveLeadZone({ fallbackZone: "UTC" })).toMatchObject({ zone: "UTC", source: "policy" });
  });
});

describe("zone tables", () => {
  const tableZones = new Set([...Object.values(COUNTRY_ZONES), ...[...NANP_AREA_CODES.values()].map((entry) => entry.zone)]);

  it("contain only zones the runtime knows, spelled as zoneFromCrmValue returns them", () => {
    for (const zone of tableZones) {
      expect(isValidZone(zone), zone).toBe(true);
      expect(zoneFromCrmValue(zone), zone).toBe(zone);
    }
  });

  it("cover every country libphonenumber-js can report", () => {
    const missing = getCountries().filter((country) => !(country in COUNTRY_ZONES));
    expect(missing).toEqual([]);
  });

  it("list each area code with the country libphonenumber-js assigns to it", () => {
    for (const [areaCode, entry] of NANP_AREA_CODES) {
      const parsed = parseWithFullMetadata(`+1 ${areaCode} 234 5678`);
      expect(parsed?.isValid(), `area code ${areaCode} is not in service`).toBe(true);
      expect(parsed?.country, `area code ${areaCode}`).toBe(entry.country);
    }
  });

  it("cover every US and Canadian geographic area code libphonenumber-js knows", () => {
    // Area codes whose location has not been confirmed yet; numbers in them fall back to the
    // country's zone. When libphonenumber-js learns a new code, this test names it: add it above.
    const notYetMapped = new Set(["273"]);
    const missing: string[] = [];
    for (let code = 200; code <= 999; code++) {
      const areaCode = String(code);
      const parsed = parseWithFullMetadata(`+1 ${areaCode} 234 5678`);
      if (!parsed?.isValid() || (parsed.country !== "US" && parsed.country !== "CA")) continue;
      const geographic = ["FIXED_LINE", "MOBILE", "FIXED_LINE_OR_MOBILE"].includes(parsed.getType() ?? "");
      expect(isNonGeographicNanpCode(areaCode), `area code ${areaCode} (${parsed.getType()})`).toBe(!geographic);
      if (geographic && !NANP_AREA_CODES.has(areaCode) && !notYetMapped.has(areaCode)) missing.push(`${areaCode} (${parsed.country})`);
    }
    expect(missing).toEqual([]);
  });
});
