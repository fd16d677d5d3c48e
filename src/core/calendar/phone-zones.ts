/*
 * Where a phone number most likely rings, as an IANA zone. Two tables:
 *
 * - COUNTRY_ZONES: one zone per ISO 3166 country that libphonenumber-js knows. For countries that
 *   span several zones it is the zone where most people live (a mobile number does not say where in
 *   Russia its owner is, so Moscow is the least wrong guess).
 * - NANP area codes (+1) for the US and Canada, which span many zones: the zone of the area code's
 *   main city. For the US the table uses the zones of the big cities (America/New_York, /Chicago,
 *   /Denver, /Los_Angeles): finer IANA zones such as America/Detroit, America/Boise or
 *   America/Indiana/Indianapolis follow the same rules today, so nothing is lost and the table stays
 *   readable.
 *
 * Other NANP members (Puerto Rico, Jamaica, the Bahamas, …) have their own ISO codes and are in
 * COUNTRY_ZONES. Sources: IANA tzdata zone.tab (country → zones) and the NANPA area code lists.
 */

export type NanpCountry = "US" | "CA";

/** ISO 3166-1 alpha-2 (as libphonenumber-js reports it) → IANA zone. */
export const COUNTRY_ZONES: Readonly<Record<string, string>> = {
  // Countries spanning several zones: the most populous one.
  AR: "America/Argentina/Buenos_Aires",
  AU: "Australia/Sydney",
  BR: "America/Sao_Paulo",
  CA: "America/Toronto",
  CD: "Africa/Kinshasa",
  CL: "America/Santiago",
  CN: "Asia/Shanghai",
  CY: "Asia/Nicosia",
  DE: "Europe/Berlin",
  EC: "America/Guayaquil",
  ES: "Europe/Madrid",
  FM: "Pacific/Chuuk",
  GL: "America/Nuuk",
  ID: "Asia/Jakarta",
  KI: "Pacific/Tarawa",
  KZ: "Asia/Almaty",
  MH: "Pacific/Majuro",
  MN: "Asia/Ulaanbaatar",
  MX: "America/Mexico_City",
  MY: "Asia/Kuala_Lumpur",
  NZ: "Pacific/Auckland",
  PF: "Pacific/Tahiti",
  PG: "Pacific/Port_Moresby",
  PS: "Asia/Hebron",
  PT: "Europe/Lisbon",
  RU: "Europe/Moscow",
  UA: "Europe/Kyiv",
  // America/New_York rather than the geographic centre (Chicago): the Eastern zone has the most
  // people, so an unknown US area code is most likely there.
  US: "America/New_York",
  UZ: "Asia/Tashkent",

  // Not in zone.tab: Ascension and Tristan da Cunha (St Helena's zone), Kosovo.
  AC: "Atlantic/St_Helena",
  TA: "Atlantic/St_Helena",
  XK: "Europe/Belgrade",

  // Single-zone countries.
  AD: "Europe/Andorra",
  AE: "Asia/Dubai",
  AF: "Asia/Kabul",
  AG: "America/Antigua",
  AI: "America/Anguilla",
  AL: "Europe/Tirane",
  AM: "Asia/Yerevan",
  AO: "Africa/Luanda",
  AS: "Pacific/Pago_Pago",
  AT: "Europe/Vienna",
  AW: "America/Aruba",
  AX: "Europe/Mariehamn",
  AZ: "Asia/Baku",
  BA: "Europe/Sarajevo",
  BB: "America/Barbados",
  BD: "Asia/Dhaka",
  BE: "Europe/Brussels",
  BF: "Africa/Ouagadougou",
  BG: "Europe/Sofia",
  BH: "Asia/Bahrain",
  BI: "Africa/Bujumbura",
  BJ: "Africa/Porto-Novo",
  BL: "America/St_Barthelemy",
  BM: "Atlantic/Bermuda",
  BN: "Asia/Brunei",
  BO: "America/La_Paz",
  BQ: "America/Kralendijk",
  BS: "America/Nassau",
  BT: "Asia/Thimphu",
  BW: "Africa/Gaborone",
  BY: "Europe/Minsk",
  BZ: "America/Belize",
  CC: "Indian/Cocos",
  CF: "Africa/Bangui",
  CG: "Africa/Brazzaville",
  CH: "Europe/Zurich",
  CI: "Africa/Abidjan",
  CK: "Pacific/Rarotonga",
  CM: "Africa/Douala",
  CO: "America/Bogota",
  CR: "America/Costa_Rica",
  CU: "America/Havana",
  CV: "Atlantic/Cape_Verde",
  CW: "America/Curacao",
  CX: "Indian/Christmas",
  CZ: "Europe/Prague",
  DJ: "Africa/Djibouti",
  DK: "Europe/Copenhagen",
  DM: "America/Dominica",
  DO: "America/Santo_Domingo",
  DZ: "Africa/Algiers",
  EE: "Europe/Tallinn",
  EG: "Africa/Cairo",
  EH: "Africa/El_Aaiun",
  ER: "Africa/Asmara",
  ET: "Africa/Addis_Ababa",
  FI: "Europe/Helsinki",
  FJ: "Pacific/Fiji",
  FK: "Atlantic/Stanley",
  FO: "Atlantic/Faroe",
  FR: "Europe/Paris",
  GA: "Africa/Libreville",
  GB: "Europe/London",
  GD: "America/Grenada",
  GE: "Asia/Tbilisi",
  GF: "America/Cayenne",
  GG: "Europe/Guernsey",
  GH: "Africa/Accra",
  GI: "Europe/Gibraltar",
  GM: "Africa/Banjul",
  GN: "Africa/Conakry",
  GP: "America/Guadeloupe",
  GQ: "Africa/Malabo",
  GR: "Europe/Athens",
  GT: "America/Guatemala",
  GU: "Pacific/Guam",
  GW: "Africa/Bissau",
  GY: "America/Guyana",
  HK: "Asia/Hong_Kong",
  HN: "America/Tegucigalpa",
  HR: "Europe/Zagreb",
  HT: "America/Port-au-Prince",
  HU: "Europe/Budapest",
  IE: "Europe/Dublin",
  IL: "Asia/Jerusalem",
  IM: "Europe/Isle_of_Man",
  IN: "Asia/Kolkata",
  IO: "Indian/Chagos",
  IQ: "Asia/Baghdad",
  IR: "Asia/Tehran",
  IS: "Atlantic/Reykjavik",
  IT: "Europe/Rome",
  JE: "Europe/Jersey",
  JM: "America/Jamaica",
  JO: "Asia/Amman",
  JP: "Asia/Tokyo",
  KE: "Africa/Nairobi",
  KG: "Asia/Bishkek",
  KH: "Asia/Phnom_Penh",
  KM: "Indian/Comoro",
  KN: "America/St_Kitts",
  KP: "Asia/Pyongyang",
  KR: "Asia/Seoul",
  KW: "Asia/Kuwait",
  KY: "America/Cayman",
  LA: "Asia/Vientiane",
  LB: "Asia/Beirut",
  LC: "America/St_Lucia",
  LI: "Europe/Vaduz",
  LK: "Asia/Colombo",
  LR: "Africa/Monrovia",
  LS: "Africa/Maseru",
  LT: "Europe/Vilnius",
  LU: "Europe/Luxembourg",
  LV: "Europe/Riga",
  LY: "Africa/Tripoli",
  MA: "Africa/Casablanca",
  MC: "Europe/Monaco",
  MD: "Europe/Chisinau",
  ME: "Europe/Podgorica",
  MF: "America/Marigot",
  MG: "Indian/Antananarivo",
  MK: "Europe/Skopje",
  ML: "Africa/Bamako",
  MM: "Asia/Yangon",
  MO: "Asia/Macau",
  MP: "Pacific/Saipan",
  MQ: "America/Martinique",
  MR: "Africa/Nouakchott",
  MS: "America/Montserrat",
  MT: "Europe/Malta",
  MU: "Indian/Mauritius",
  MV: "Indian/Maldives",
  MW: "Africa/Blantyre",
  MZ: "Africa/Maputo",
  NA: "Africa/Windhoek",
  NC: "Pacific/Noumea",
  NE: "Africa/Niamey",
  NF: "Pacific/Norfolk",
  NG: "Africa/Lagos",
  NI: "America/Managua",
  NL: "Europe/Amsterdam",
  NO: "Europe/Oslo",
  NP: "Asia/Kathmandu",
  NR: "Pacific/Nauru",
  NU: "Pacific/Niue",
  OM: "Asia/Muscat",
  PA: "America/Panama",
  PE: "America/Lima",
  PH: "Asia/Manila",
  PK: "Asia/Karachi",
  PL: "Europe/Warsaw",
  PM: "America/Miquelon",
  PR: "America/Puerto_Rico",
  PW: "Pacific/Palau",
  PY: "America/Asuncion",
  QA: "Asia/Qatar",
  RE: "Indian/Reunion",
  RO: "Europe/Bucharest",
  RS: "Europe/Belgrade",
  RW: "Africa/Kigali",
  SA: "Asia/Riyadh",
  SB: "Pacific/Guadalcanal",
  SC: "Indian/Mahe",
  SD: "Africa/Khartoum",
  SE: "Europe/Stockholm",
  SG: "Asia/Singapore",
  SH: "Atlantic/St_Helena",
  SI: "Europe/Ljubljana",
  SJ: "Arctic/Longyearbyen",
  SK: "Europe/Bratislava",
  SL: "Africa/Freetown",
  SM: "Europe/San_Marino",
  SN: "Africa/Dakar",
  SO: "Africa/Mogadishu",
  SR: "America/Paramaribo",
  SS: "Africa/Juba",
  ST: "Africa/Sao_Tome",
  SV: "America/El_Salvador",
  SX: "America/Lower_Princes",
  SY: "Asia/Damascus",
  SZ: "Africa/Mbabane",
  TC: "America/Grand_Turk",
  TD: "Africa/Ndjamena",
  TG: "Africa/Lome",
  TH: "Asia/Bangkok",
  TJ: "Asia/Dushanbe",
  TK: "Pacific/Fakaofo",
  TL: "Asia/Dili",
  TM: "Asia/Ashgabat",
  TN: "Africa/Tunis",
  TO: "Pacific/Tongatapu",
  TR: "Europe/Istanbul",
  TT: "America/Port_of_Spain",
  TV: "Pacific/Funafuti",
  TW: "Asia/Taipei",
  TZ: "Africa/Dar_es_Salaam",
  UG: "Africa/Kampala",
  UY: "America/Montevideo",
  VA: "Europe/Vatican",
  VC: "America/St_Vincent",
  VE: "America/Caracas",
  VG: "America/Tortola",
  VI: "America/St_Thomas",
  VN: "Asia/Ho_Chi_Minh",
  VU: "Pacific/Efate",
  WF: "Pacific/Wallis",
  WS: "Pacific/Apia",
  YE: "Asia/Aden",
  YT: "Indian/Mayotte",
  ZA: "Africa/Johannesburg",
  ZM: "Africa/Lusaka",
  ZW: "Africa/Harare",
};

interface AreaCodeGroup {
  zone: string;
  country: NanpCountry;
  /** State or province → its area codes in this zone, space-separated. */
  codes: Readonly<Record<string, string>>;
}

/*
 * Geographic area codes in service (including overlays) as of libphonenumber-js 1.13.16; codes
 * announced but not yet in service are left out, since the library rejects their numbers anyway.
 * Codes whose area straddles a zone boundary follow the
 * main city, noted where it matters: 850 Tallahassee (not Pensacola), 812/930 Evansville,
 * 270/364 Bowling Green, 423 Chattanooga, 906 Marquette, 308 Grand Island, 915 El Paso,
 * 250 Victoria, 807 Thunder Bay, 709 St. John's (not Labrador), 867 Whitehorse (Yukon, NWT and
 * Nunavut share it).
 */
const AREA_CODE_GROUPS: readonly AreaCodeGroup[] = [
  {
    zone: "America/New_York",
    country: "US",
    codes: {
      CT: "203 475 860 959",
      DC: "202 771",
      DE: "302",
      FL: "239 305 321 324 352 386 407 448 561 645 656 689 727 728 754 772 786 813 850 863 904 941 954",
      GA: "229 404 470 478 678 706 762 770 912 943",
      IN: "260 317 463 574 765",
      KY: "502 606 859",
      MA: "339 351 413 508 617 774 781 857 978",
      MD: "227 240 301 410 443 667",
      ME: "207",
      MI: "231 248 269 313 517 586 616 734 810 906 947 989",
      NC: "252 336 472 704 743 828 910 919 980 984",
      NH: "603",
      NJ: "201 551 609 640 732 848 856 862 908 973",
      NY: "212 315 329 332 347 363 516 518 585 607 631 646 680 716 718 838 845 914 917 929 934",
      OH: "216 220 234 283 326 330 380 419 440 513 567 614 740 937",
      PA: "215 223 267 272 412 445 484 570 582 610 717 724 814 835 878",
      RI: "401",
      SC: "803 821 839 843 854 864",
      TN: "423 865",
      VA: "276 434 540 571 686 703 757 804 826 948",
      VT: "802",
      WV: "304 681",
    },
  },
  {
    zone: "America/Chicago",
    country: "US",
    codes: {
      AL: "205 251 256 334 659 938",
      AR: "327 479 501 870",
      IA: "319 515 563 641 712",
      IL: "217 224 309 312 331 447 464 618 630 708 730 773 779 815 847 872",
      IN: "219 812 930",
      KS: "316 620 785 913",
      KY: "270 364",
      LA: "225 318 337 504 985",
      MN: "218 320 507 612 651 763 952",
      MO: "235 314 417 557 573 636 660 816 975",
      MS: "228 601 662 769",
      ND: "701",
      NE: "308 402 531",
      OK: "405 539 572 580 918",
      SD: "605",
      TN: "615 629 731 901 931",
      TX: "210 214 254 281 325 346 361 409 430 432 469 512 682 713 726 737 806 817 830 832 903 936 940 945 956 972 979",
      WI: "262 274 353 414 534 608 715 920",
    },
  },
  {
    zone: "America/Denver",
    country: "US",
    codes: {
      CO: "303 719 720 748 970 983",
      ID: "208 986",
      MT: "406",
      NM: "505 575",
      TX: "915",
      UT: "385 435 801",
      WY: "307",
    },
  },
  // Arizona keeps standard time all year (the Navajo Nation's DST is too small to follow).
  { zone: "America/Phoenix", country: "US", codes: { AZ: "480 520 602 623 928" } },
  {
    zone: "America/Los_Angeles",
    country: "US",
    codes: {
      CA:
        "209 213 279 310 323 341 350 369 408 415 424 442 510 530 559 562 619 626 628 650 657 661 669 707 " +
        "714 738 747 760 805 818 820 831 840 858 909 916 925 949 951",
      NV: "702 725 775",
      OR: "458 503 541 971",
      WA: "206 253 360 425 509 564",
    },
  },
  { zone: "America/Anchorage", country: "US", codes: { AK: "907" } },
  { zone: "Pacific/Honolulu", country: "US", codes: { HI: "808" } },

  { zone: "America/St_Johns", country: "CA", codes: { NL: "709 879" } },
  { zone: "America/Halifax", country: "CA", codes: { NB: "428 506", NS_PE: "782 902" } },
  {
    zone: "America/Toronto",
    country: "CA",
    codes: {
      ON: "226 249 289 343 365 382 416 437 519 548 613 647 683 705 742 753 807 905 942",
      QC: "263 354 367 418 438 450 468 514 579 581 819 873",
    },
  },
  { zone: "America/Winnipeg", country: "CA", codes: { MB: "204 431 584" } },
  // Saskatchewan keeps Central Standard Time all year.
  { zone: "America/Regina", country: "CA", codes: { SK: "306 474 639" } },
  { zone: "America/Edmonton", country: "CA", codes: { AB: "368 403 587 780 825" } },
  { zone: "America/Vancouver", country: "CA", codes: { BC: "236 250 257 604 672 778" } },
  { zone: "America/Whitehorse", country: "CA", codes: { YT_NT_NU: "867" } },
];

/*
 * NANP codes that are not places: toll-free, premium, personal and government services. A number
 * in one of these says nothing about where its owner is, so it yields no zone at all rather than a
 * country-wide guess.
 */
const NON_GEOGRAPHIC_NANP: ReadonlySet<string> = new Set([
  // Toll-free and premium rate.
  ...["800", "833", "844", "855", "866", "877", "888", "900"],
  // Personal communications services (5XX) and Canadian non-geographic services (600, 622, 633).
  ...["500", "521", "522", "523", "524", "525", "526", "527", "528", "529", "532", "533", "544", "566", "577", "588"],
  ...["600", "622", "633"],
]);

function buildAreaCodeTable(groups: readonly AreaCodeGroup[]): ReadonlyMap<string, { zone: string; country: NanpCountry }> {
  const table = new Map<string, { zone: string; country: NanpCountry }>();
  for (const group of groups) {
    for (const codes of Object.values(group.codes)) {
      for (const code of codes.split(" ")) {
        // A duplicate would silently let the later group win; fail at load instead.
        if (table.has(code)) throw new Error(`area code ${code} is listed twice`);
        table.set(code, { zone: group.zone, country: group.country });
      }
    }
  }
  return table;
}

/** US and Canadian geographic area code → zone of its main city and the country it belongs to. */
export const NANP_AREA_CODES: ReadonlyMap<string, { zone: string; country: NanpCountry }> = buildAreaCodeTable(AREA_CODE_GROUPS);

/** True for toll-free, premium and other NANP codes that carry no location. */
export function isNonGeographicNanpCode(areaCode: string): boolean {
  return NON_GEOGRAPHIC_NANP.has(areaCode);
}
