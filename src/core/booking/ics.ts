/*
 * An iCalendar file (RFC 5545) of one meeting, for the confirmation page's "add to calendar":
 * times in UTC, the booking's id as UID (so a moved or cancelled meeting replaces the one the
 * visitor saved, with a higher SEQUENCE), text escaped and lines folded at 75 octets.
 */

export interface IcsMeeting {
  uid: string;
  sequence: number;
  status: "CONFIRMED" | "CANCELLED";
  start: Date;
  end: Date;
  stamp: Date;
  summary: string;
  description: string;
  location?: string;
  url?: string;
  organizer: { name: string; email?: string };
  attendee: { name: string; email: string };
}

const utc = (d: Date) => `${d.toISOString().replace(/[-:]/g, "").slice(0, 15)}Z`;

/** TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 3.3.11). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r?\n/g, "\\n");
}

/** Lines longer than 75 octets continue on the next line after CRLF and a space (3.1), never inside a UTF-8 character. */
export function fold(line: string): string {
  const bytes = new TextEncoder();
  const out: string[] = [];
  let current = "";
  let size = 0;
  for (const char of line) {
    const n = bytes.encode(char).length;
    if (size + n > (out.length === 0 ? 75 : 74)) {
      out.push(current);
      current = "";
      size = 0;
    }
    current += char;
    size += n;
  }
  out.push(current);
  return out.join("\r\n ");
}

/** Parameter values with characters a parameter cannot hold are quoted; quotes themselves cannot appear. */
const param = (value: string) => `"${value.replace(/["\r\n]/g, "")}"`;

export function meetingIcs(m: IcsMeeting): string {
  const lines = [
    "BEGIN:VCALENDAR",
    "VERSION:2.0",
    "PRODID:-//lead-follow-up//booking//EN",
    "CALSCALE:GREGORIAN",
    `METHOD:${m.status === "CANCELLED" ? "CANCEL" : "PUBLISH"}`,
    "BEGIN:VEVENT",
    `UID:${m.uid}`,
    `SEQUENCE:${m.sequence}`,
    `DTSTAMP:${utc(m.stamp)}`,
    `DTSTART:${utc(m.start)}`,
    `DTEND:${utc(m.end)}`,
    `STATUS:${m.status}`,
    `SUMMARY:${escapeText(m.summary)}`,
    `DESCRIPTION:${escapeText(m.description)}`,
    ...(m.location ? [`LOCATION:${escapeText(m.location)}`] : []),
    ...(m.url ? [`URL:${m.url.replace(/[\r\n]/g, "")}`] : []),
    `ORGANIZER;CN=${param(m.organizer.name)}:${m.organizer.email ? `mailto:${m.organizer.email}` : "invalid:nomail"}`,
    `ATTENDEE;CN=${param(m.attendee.name)};ROLE=REQ-PARTICIPANT:mailto:${m.attendee.email}`,
    "END:VEVENT",
    "END:VCALENDAR",
  ];
  return `${lines.map(fold).join("\r\n")}\r\n`;
}
