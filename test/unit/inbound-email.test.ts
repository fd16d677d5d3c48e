import { describe, expect, it } from "vitest";
import {
  isAutomatic,
  mailgunSignatureFields,
  normaliseMessageId,
  parseEmailDate,
  parseMailgunInbound,
  parsePostmarkInbound,
  SNIPPET_MAX_CHARS,
} from "../../src/ingest/inbound-email";

const RECEIVED_AT = "2025-11-22T10:00:00.000Z";

/** The same reply, as either provider's payload below should read. */
const JANES_REPLY = {
  messageId: "<CAE6Xz=abc123@mail.gmail.com>",
  from: "jane.doe@example.com",
  fromName: "Jane Doe",
  to: ["replies+lead-42@inbound.example.com"],
  subject: "Re: Your demo request",
  receivedAt: "2014-08-01T20:45:32.000Z",
  inReplyTo: "<lead-42.effect-7@mail.lead-follow-up.example>",
  snippet: "Yes, Tuesday works.",
  automatic: false,
};

/** Shaped after Postmark's documented inbound webhook example. */
const POSTMARK = {
  FromName: "Jane Doe",
  MessageStream: "inbound",
  From: "Jane.Doe@Example.com",
  FromFull: { Email: "Jane.Doe@Example.com", Name: "Jane Doe", MailboxHash: "" },
  To: '"Lead Follow-up" <replies+lead-42@inbound.example.com>',
  ToFull: [{ Email: "replies+lead-42@inbound.example.com", Name: "Lead Follow-up", MailboxHash: "lead-42" }],
  Cc: "",
  CcFull: [],
  Bcc: "",
  BccFull: [],
  OriginalRecipient: "replies+lead-42@inbound.example.com",
  Subject: "Re: Your demo request",
  MessageID: "73e6d360-66eb-11e1-8e72-a8904824019b",
  ReplyTo: "",
  MailboxHash: "lead-42",
  Date: "Fri, 1 Aug 2014 16:45:32 -0400",
  TextBody: "Yes, Tuesday works.\n\nOn Thu, Jul 31, 2014 at 9:00 AM Rep One wrote:\n> Would Tuesday suit you?",
  HtmlBody: "<p>Yes, Tuesday works.</p>",
  StrippedTextReply: "Yes, Tuesday works.",
  Tag: "",
  Headers: [
    { Name: "X-Spam-Status", Value: "No" },
    { Name: "Message-ID", Value: "<CAE6Xz=abc123@mail.gmail.com>" },
    { Name: "In-Reply-To", Value: "<lead-42.effect-7@mail.lead-follow-up.example>" },
  ],
  Attachments: [],
};

describe("Postmark inbound", () => {
  it("reads the documented payload", () => {
    expect(parsePostmarkInbound(POSTMARK, RECEIVED_AT)).toEqual({
      ok: true,
      email: { provider: "postmark", ...JANES_REPLY },
    });
  });

  it("falls back to the text body, Postmark's id and the arrival time", () => {
    const result = parsePostmarkInbound(
      { ...POSTMARK, StrippedTextReply: "  ", Headers: [], Date: undefined, FromName: "", FromFull: undefined },
      RECEIVED_AT,
    );
    expect(result).toMatchObject({
      ok: true,
      email: {
        messageId: "postmark:73e6d360-66eb-11e1-8e72-a8904824019b",
        receivedAt: RECEIVED_AT,
        snippet: POSTMARK.TextBody,
        from: "jane.doe@example.com",
      },
    });
    expect(result.ok && "fromName" in result.email).toBe(false);
    expect(result.ok && "inReplyTo" in result.email).toBe(false);
  });

  it("derives a stable message id when there is none at all", () => {
    const bare = { From: "jane@example.com", Subject: "Hi", Date: "Fri, 1 Aug 2014 16:45:32 +0000" };
    const first = parsePostmarkInbound(bare, RECEIVED_AT);
    const again = parsePostmarkInbound(bare, "2030-01-01T00:00:00.000Z");
    expect(first).toMatchObject({
      ok: true,
      email: { messageId: "postmark:jane@example.com:2014-08-01T16:45:32.000Z:Hi", to: [], subject: "Hi", snippet: "" },
    });
    expect(again.ok && again.email.messageId).toBe(first.ok && first.email.messageId);
  });

  it("takes the sender from From when FromFull is absent, display name included", () => {
    const result = parsePostmarkInbound({ From: '"Doe, Jane" <JANE@example.com>', Subject: "x" }, RECEIVED_AT);
    expect(result).toMatchObject({ ok: true, email: { from: "jane@example.com", fromName: "Doe, Jane" } });
  });

  it("collects recipients from ToFull, To and the original recipient without duplicates", () => {
    const result = parsePostmarkInbound(
      {
        ...POSTMARK,
        ToFull: [{ Email: "A@x.com", Name: "" }],
        To: "a@x.com, Bob <b@y.com>",
        OriginalRecipient: "c@z.com",
      },
      RECEIVED_AT,
    );
    expect(result.ok && result.email.to).toEqual(["a@x.com", "b@y.com", "c@z.com"]);
  });

  it("caps the snippet at 500 characters without splitting an emoji", () => {
    const long = parsePostmarkInbound({ ...POSTMARK, StrippedTextReply: "x".repeat(2_000) }, RECEIVED_AT);
    expect(long.ok && long.email.snippet.length).toBe(SNIPPET_MAX_CHARS);
    const emoji = parsePostmarkInbound({ ...POSTMARK, StrippedTextReply: `${"x".repeat(499)}😀 tail` }, RECEIVED_AT);
    expect(emoji.ok && emoji.email.snippet).toBe("x".repeat(499));
    const crlf = parsePostmarkInbound({ ...POSTMARK, StrippedTextReply: "\r\nline one\r\nline two\r\n" }, RECEIVED_AT);
    expect(crlf.ok && crlf.email.snippet).toBe("line one\nline two");
  });

  it("reads the Date header when the Date field is missing, and the arrival time when it is unreadable", () => {
    const fromHeader = parsePostmarkInbound(
      { ...POSTMARK, Date: undefined, Headers: [{ Name: "date", Value: "Sat, 2 Aug 2014 08:00:00 +0200" }] },
      RECEIVED_AT,
    );
    expect(fromHeader.ok && fromHeader.email.receivedAt).toBe("2014-08-02T06:00:00.000Z");
    const unreadable = parsePostmarkInbound({ ...POSTMARK, Date: "sometime last week" }, "2025-11-22T11:00:00+01:00");
    expect(unreadable.ok && unreadable.email.receivedAt).toBe(RECEIVED_AT);
  });

  it("refuses payloads without a sender or with wrongly typed fields", () => {
    expect(parsePostmarkInbound(null, RECEIVED_AT)).toEqual({ ok: false, message: "Postmark inbound payload is not a JSON object" });
    expect(parsePostmarkInbound([POSTMARK], RECEIVED_AT)).toMatchObject({ ok: false });
    expect(parsePostmarkInbound({ ...POSTMARK, From: "", FromFull: { Email: "" } }, RECEIVED_AT)).toEqual({
      ok: false,
      message: "Postmark inbound payload has no valid sender address (FromFull.Email or From)",
    });
    expect(parsePostmarkInbound({ ...POSTMARK, From: "MAILER-DAEMON", FromFull: null }, RECEIVED_AT)).toMatchObject({ ok: false });
    expect(parsePostmarkInbound({ ...POSTMARK, Subject: 42 }, RECEIVED_AT)).toEqual({
      ok: false,
      message: expect.stringMatching(/^Postmark inbound payload: Subject: /),
    });
    expect(parsePostmarkInbound({ ...POSTMARK, Headers: [{ Name: "Message-ID" }] }, RECEIVED_AT)).toEqual({
      ok: false,
      message: "Postmark inbound payload: Headers.0.Value is missing",
    });
  });
});

/** What a Mailgun route's forward() posts, as a form. */
function mailgunForm(overrides: Record<string, string | undefined> = {}) {
  const fields: Record<string, string | undefined> = {
    recipient: "replies+lead-42@inbound.example.com",
    sender: "bounces+srs=abc@lists.example.com",
    from: "Jane Doe <Jane.Doe@Example.com>",
    subject: "Re: Your demo request",
    "body-plain": "Yes, Tuesday works.\n\n> Would Tuesday suit you?",
    "stripped-text": "Yes, Tuesday works.",
    "stripped-signature": "",
    "Message-Id": "<CAE6Xz=abc123@mail.gmail.com>",
    "In-Reply-To": "<lead-42.effect-7@mail.lead-follow-up.example>",
    Date: "Fri, 1 Aug 2014 16:45:32 -0400",
    To: "Lead Follow-up <replies+lead-42@inbound.example.com>",
    timestamp: "1700000000",
    token: "l3qs8oc4c0v2dd8y3m5q6b4p9ku6y1x8h2n5j7a0s9d8f7g6h5",
    signature: "73fcd9c25d5209149e719b88d28c6292ccfd1d58bdc22f50c299b843a4a29af7",
    "message-headers": JSON.stringify([
      ["Received", "by mx.example.com"],
      ["Message-Id", "<CAE6Xz=abc123@mail.gmail.com>"],
      ["Date", "Fri, 1 Aug 2014 16:45:32 -0400"],
      ["From", "Jane Doe <Jane.Doe@Example.com>"],
      ["Subject", "Re: Your demo request"],
    ]),
    ...overrides,
  };
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) params.append(k, v);
  return params;
}

describe("Mailgun inbound", () => {
  const expected = { provider: "mailgun", ...JANES_REPLY };

  it("reads a route's forwarded form, as URLSearchParams or FormData", () => {
    expect(parseMailgunInbound(mailgunForm(), RECEIVED_AT)).toEqual({ ok: true, email: expected });
    const form = new FormData();
    for (const [k, v] of mailgunForm()) form.append(k, v);
    form.append("attachment-1", new Blob(["%PDF"]), "quote.pdf");
    expect(parseMailgunInbound(form, RECEIVED_AT)).toEqual({ ok: true, email: expected });
  });

  it("uses the From header, not the envelope sender, and falls back to the envelope when From is missing", () => {
    expect(parseMailgunInbound(mailgunForm({ from: undefined, "message-headers": undefined }), RECEIVED_AT)).toMatchObject({
      ok: true,
      email: { from: "bounces+srs=abc@lists.example.com" },
    });
    expect(parseMailgunInbound(mailgunForm({ from: undefined }), RECEIVED_AT)).toMatchObject({ ok: true, email: { from: "jane.doe@example.com" } });
  });

  it("finds Message-Id, In-Reply-To and Date in message-headers when they are not posted as fields, whatever their case", () => {
    const result = parseMailgunInbound(
      mailgunForm({
        "Message-Id": undefined,
        "In-Reply-To": undefined,
        Date: undefined,
        "message-headers": JSON.stringify([
          ["MESSAGE-ID", "<x@y>"],
          ["in-reply-to", "<a@b> <c@d>"],
          ["date", "Tue, 4 Nov 2025 09:30:00 GMT"],
        ]),
      }),
      RECEIVED_AT,
    );
    expect(result).toMatchObject({ ok: true, email: { messageId: "<x@y>", inReplyTo: "<a@b>", receivedAt: "2025-11-04T09:30:00.000Z" } });
  });

  it("falls back to body-plain, the arrival time and a derived message id", () => {
    const result = parseMailgunInbound(
      mailgunForm({
        "stripped-text": "",
        "Message-Id": undefined,
        "In-Reply-To": undefined,
        Date: undefined,
        "message-headers": undefined,
      }),
      RECEIVED_AT,
    );
    const { inReplyTo: _none, ...rest } = expected;
    expect(result).toEqual({
      ok: true,
      email: {
        ...rest,
        receivedAt: RECEIVED_AT,
        snippet: "Yes, Tuesday works.\n\n> Would Tuesday suit you?",
        // Derived, and so tied to the arrival time when the message has no Date either.
        messageId: `mailgun:jane.doe@example.com:${RECEIVED_AT}:Re: Your demo request`,
      },
    });
  });

  it("refuses a form without a sender or with malformed message-headers", () => {
    expect(parseMailgunInbound(mailgunForm({ from: "", sender: "nobody", "message-headers": undefined }), RECEIVED_AT)).toEqual({
      ok: false,
      message: "Mailgun inbound has no valid sender address (from or sender)",
    });
    expect(parseMailgunInbound(mailgunForm({ "message-headers": "{oops" }), RECEIVED_AT)).toEqual({
      ok: false,
      message: "Mailgun message-headers is not valid JSON",
    });
    expect(parseMailgunInbound(mailgunForm({ "message-headers": '{"From":"x"}' }), RECEIVED_AT)).toEqual({
      ok: false,
      message: "Mailgun message-headers is not a JSON array of [name, value] pairs",
    });
  });

  it("hands the signed fields to the signature check", () => {
    expect(mailgunSignatureFields(mailgunForm())).toEqual({
      timestamp: "1700000000",
      token: "l3qs8oc4c0v2dd8y3m5q6b4p9ku6y1x8h2n5j7a0s9d8f7g6h5",
      signature: "73fcd9c25d5209149e719b88d28c6292ccfd1d58bdc22f50c299b843a4a29af7",
    });
    expect(mailgunSignatureFields(new URLSearchParams())).toEqual({});
  });
});

describe("email dates and message ids", () => {
  it("reads RFC 2822 dates as servers write them", () => {
    const cases: [string, string | null][] = [
      ["Fri, 1 Aug 2014 16:45:32 -0400", "2014-08-01T20:45:32.000Z"],
      ["Fri, 1 Aug 2014 16:45:32 -04:00", "2014-08-01T20:45:32.000Z"],
      ["Fri, 01 Aug 2014 16:45:32 +0530 (IST)", "2014-08-01T11:15:32.000Z"],
      ["1 Aug 2014 16:45 GMT", "2014-08-01T16:45:00.000Z"],
      ["Friday, 1 August 2014 16:45:32 PDT", "2014-08-01T23:45:32.000Z"],
      ["Fri, 1 Aug 14 16:45:32 +0000", "2014-08-01T16:45:32.000Z"],
      ["Thu, 31 Dec 1998 23:59:60 +0000", "1998-12-31T23:59:59.000Z"],
      ["  Fri,  1   Aug 2014\t16:45:32   -0400  ", "2014-08-01T20:45:32.000Z"],
      ["2014-08-01T16:45:32-04:00", "2014-08-01T20:45:32.000Z"],
      ["2014-08-01T16:45:32", "2014-08-01T16:45:32.000Z"],
      ["Fri, 1 Aug 2014 16:45:32 CET", null],
      ["Fri, 31 Feb 2014 16:45:32 +0000", null],
      ["Fri, 1 Aug 2014 25:00:00 +0000", null],
      ["Fri, 1 Foo 2014 16:45:32 +0000", null],
      ["yesterday", null],
      ["", null],
    ];
    for (const [input, output] of cases) expect(parseEmailDate(input), input).toBe(output);
  });

  it("normalises message ids to their bracketed form", () => {
    expect(normaliseMessageId(" <abc@x.example> ")).toBe("<abc@x.example>");
    expect(normaliseMessageId("abc@x.example")).toBe("<abc@x.example>");
    expect(normaliseMessageId("<first@x> <second@y>")).toBe("<first@x>");
    expect(normaliseMessageId("two words")).toBeUndefined();
    expect(normaliseMessageId("")).toBeUndefined();
    expect(normaliseMessageId(undefined)).toBeUndefined();
  });
});

describe("automatic replies", () => {
  const headers = (pairs: Record<string, string>) => (name: string) => Object.entries(pairs).find(([n]) => n.toLowerCase() === name)?.[1];

  it.each([
    [{ "Auto-Submitted": "auto-replied" }, "Re: your demo request"],
    [{ "X-Autoreply": "yes" }, "Re: hello"],
    [{ "X-Auto-Response-Suppress": "All" }, "Re: hello"],
    [{ Precedence: "auto_reply" }, "Re: hello"],
    [{}, "Out of Office: back on Monday"],
    [{}, "Automatic reply: Re: your demo request"],
    [{}, "Abwesenheitsnotiz: Re: Ihre Anfrage"],
  ])("recognises %o / %s as a machine's", (pairs, subject) => {
    expect(isAutomatic(headers(pairs), subject)).toBe(true);
  });

  it("does not take a person's reply for one", () => {
    expect(isAutomatic(headers({ "Auto-Submitted": "no" }), "Re: your demo request")).toBe(false);
    expect(isAutomatic(headers({}), "Re: out of office hours support?")).toBe(false);
  });
});
