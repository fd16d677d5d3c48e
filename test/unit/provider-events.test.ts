import { describe, expect, it } from "vitest";
import { mailgunEventSignature, parseMailgunEvent, parsePostmarkEvent } from "../../src/outreach/provider-events";

const AT = "2026-11-10T15:00:00.000Z";

/** Payloads in the shapes of Postmark's webhook pages and Mailgun's webhook payloads page. */
describe("email provider events", () => {
  it("Postmark: a delivery, a hard bounce (Postmark made the address inactive), a soft one, an auto-reply, a complaint", () => {
    const delivery = parsePostmarkEvent(
      { RecordType: "Delivery", MessageID: "pm-1", Recipient: "jane@example.com", DeliveredAt: "2026-11-10T15:01:00Z", Details: "250 OK" },
      AT,
    );
    expect(delivery).toEqual({
      ok: true,
      event: {
        provider: "postmark",
        id: "postmark:delivery:pm-1:jane@example.com",
        kind: "delivered",
        permanent: false,
        recipient: "jane@example.com",
        messageId: "pm-1",
        at: "2026-11-10T15:01:00.000Z",
        detail: "250 OK",
      },
    });
    const bounce = (Type: string, Inactive: boolean) =>
      parsePostmarkEvent(
        { RecordType: "Bounce", ID: 42, Type, Inactive, MessageID: "pm-1", Email: "jane@example.com", Details: "550 5.1.1", BouncedAt: AT },
        AT,
      );
    expect(bounce("HardBounce", true)).toMatchObject({ ok: true, event: { kind: "bounced", permanent: true, id: "postmark:bounce:42" } });
    expect(bounce("SoftBounce", false)).toMatchObject({ ok: true, event: { kind: "bounced", permanent: false } });
    expect(bounce("AutoResponder", false)).toMatchObject({ ok: true, event: { kind: "ignored" } });
    expect(parsePostmarkEvent({ RecordType: "SpamComplaint", ID: 7, MessageID: "pm-1", Email: "jane@example.com", BouncedAt: AT }, AT)).toMatchObject(
      {
        ok: true,
        event: { kind: "complained", permanent: true },
      },
    );
  });

  it("Postmark: a manual suppression is an unsubscribe; one for a hard bounce repeats the bounce and is ignored", () => {
    const change = (SuppressionReason: string) =>
      parsePostmarkEvent(
        {
          RecordType: "SubscriptionChange",
          MessageID: "pm-1",
          Recipient: "jane@example.com",
          ChangedAt: AT,
          SuppressSending: true,
          SuppressionReason,
          Origin: "Recipient",
        },
        AT,
      );
    expect(change("ManualSuppression")).toMatchObject({ ok: true, event: { kind: "unsubscribed" } });
    expect(change("HardBounce")).toMatchObject({ ok: true, event: { kind: "ignored" } });
    expect(parsePostmarkEvent({ RecordType: "Bounce", ID: 1 }, AT)).toEqual({
      ok: false,
      message: "Postmark Bounce webhook without a recipient or MessageID",
    });
    expect(parsePostmarkEvent([], AT)).toMatchObject({ ok: false });
  });

  it("Mailgun: delivered, failed permanent and temporary, complained, unsubscribed; the message id without brackets", () => {
    const event = (data: object) => ({
      signature: { timestamp: "1700000000", token: "t", signature: "s" },
      "event-data": {
        id: "ev1",
        recipient: "jane@example.com",
        timestamp: 1_700_000_000,
        message: { headers: { "message-id": "<abc@mail.example.com>" } },
        ...data,
      },
    });
    expect(parseMailgunEvent(event({ event: "delivered" }), AT)).toMatchObject({
      ok: true,
      event: { provider: "mailgun", id: "mailgun:ev1", kind: "delivered", messageId: "abc@mail.example.com", at: "2023-11-14T22:13:20.000Z" },
    });
    expect(
      parseMailgunEvent(
        event({ event: "failed", severity: "permanent", reason: "bounce", "delivery-status": { code: 550, message: "no such user" } }),
        AT,
      ),
    ).toMatchObject({
      ok: true,
      event: { kind: "bounced", permanent: true, detail: "failed (permanent, bounce): 550 no such user" },
    });
    expect(parseMailgunEvent(event({ event: "failed", severity: "temporary" }), AT)).toMatchObject({
      ok: true,
      event: { kind: "bounced", permanent: false },
    });
    expect(parseMailgunEvent(event({ event: "complained" }), AT)).toMatchObject({ ok: true, event: { kind: "complained" } });
    expect(parseMailgunEvent(event({ event: "unsubscribed" }), AT)).toMatchObject({ ok: true, event: { kind: "unsubscribed" } });
    expect(parseMailgunEvent(event({ event: "opened" }), AT)).toMatchObject({ ok: true, event: { kind: "ignored" } });
    expect(mailgunEventSignature(event({ event: "opened" }))).toEqual({ timestamp: "1700000000", token: "t", signature: "s" });
    expect(parseMailgunEvent({ "event-data": {} }, AT)).toMatchObject({ ok: false });
  });
});
