import { describe, expect, it } from "vitest";
import { domainMailOf, isRoleAddress, verify } from "../../src/core/email/verification";
import { formatMailbox, messageIdFor, replySubject, textToHtml, threadOn } from "../../src/core/email/email-message";
import { unsubscribeToken, verifyUnsubscribeToken } from "../../src/platform/signatures/unsubscribe-token";

const NOW = new Date("2026-11-10T15:00:00.000Z");
const MX = { kind: "mx" as const, hosts: ["mx.example.com"] };

describe("address verification", () => {
  it.each([
    ["jane@acme.test", MX, "deliverable", []],
    ["Jane+crm@Acme.test", MX, "deliverable", []],
    ["jane@no-mx.example.com", { kind: "aOnly" as const }, "deliverable", ["no-mx.example.com has no MX record; mail goes to its A record"]],
    ["jane@nope.invalid", { kind: "noDomain" as const }, "undeliverable", ["the domain nope.invalid does not exist"]],
    ["jane@null-mx.example.com", { kind: "nullMx" as const }, "undeliverable", ["null-mx.example.com accepts no mail (null MX)"]],
    ["jane@no-mail.example.com", { kind: "noMail" as const }, "undeliverable", ["no MX or A record for no-mail.example.com"]],
    [
      "jane@servfail.example.com",
      { kind: "lookupFailed" as const, detail: "DNS status 2" },
      "unknown",
      ["DNS could not say whether servfail.example.com takes mail (DNS status 2)"],
    ],
    ["sales@acme.test", MX, "risky", ["role address (sales@): a shared inbox, not a person"]],
    ["jane@mailinator.com", MX, "risky", ["mailinator.com is a disposable inbox service"]],
    ["jane@gmail.com", MX, "deliverable", ["gmail.com is free mail"]],
    ["not an address", MX, "undeliverable", ["not a valid email address"]],
  ] as const)("%s → %s", (address, mail, verdict, reasons) => {
    expect(verify(address, mail, NOW)).toMatchObject({ verdict, reasons });
  });

  it("keeps the canonical address and when it was checked", () => {
    expect(verify("Jane.Doe+x@GoogleMail.com", MX, NOW)).toMatchObject({ address: "janedoe@gmail.com", checkedAt: NOW.toISOString() });
    expect(isRoleAddress("Info+leads@example.com")).toBe(true);
    expect(isRoleAddress("infodesk@example.com")).toBe(false);
  });

  it("reads DNS-over-HTTPS JSON answers: MX hosts, a null MX, A only, none, no such domain, a failure", () => {
    const answer = (Status: number, records: [number, string][] = []) => ({ Status, Answer: records.map(([type, data]) => ({ type, data })) });
    expect(domainMailOf(answer(0, [[15, "10 mx.example.com."]]))).toEqual({ kind: "mx", hosts: ["mx.example.com"] });
    expect(domainMailOf(answer(0, [[15, "0 ."]]))).toEqual({ kind: "nullMx" });
    expect(domainMailOf(answer(0), answer(0, [[1, "192.0.2.1"]]))).toEqual({ kind: "aOnly" });
    expect(domainMailOf(answer(0), answer(0))).toEqual({ kind: "noMail" });
    expect(domainMailOf(answer(3))).toEqual({ kind: "noDomain" });
    expect(domainMailOf(answer(2))).toEqual({ kind: "lookupFailed", detail: "DNS status 2" });
  });
});

describe("an email as the lead reads it", () => {
  it("derives its Message-ID from the key, and threads with one Re:", () => {
    expect(messageIdFor("k1", "Mail.Example.com")).toBe(messageIdFor("k1", "mail.example.com"));
    expect(messageIdFor("k1", "mail.example.com")).toMatch(/^<[0-9a-f]{40}@mail\.example\.com>$/);
    expect(messageIdFor("k1", "mail.example.com")).not.toBe(messageIdFor("k2", "mail.example.com"));
    expect(replySubject("Your demo")).toBe("Re: Your demo");
    expect(replySubject("RE: Your demo")).toBe("RE: Your demo");
    expect(threadOn({ messageId: "<b@x>", subject: "Re: Q", references: ["<a@x>"] })).toEqual({
      subject: "Re: Q",
      inReplyTo: "<b@x>",
      references: ["<a@x>", "<b@x>"],
    });
  });

  it("escapes the HTML part and keeps paragraphs and line breaks", () => {
    expect(textToHtml('Hi <Jane>,\n\nA & B\nsaid "yes"')).toBe(
      "<!doctype html>\n<html><body>\n<p>Hi &lt;Jane&gt;,</p>\n<p>A &amp; B<br>\nsaid &quot;yes&quot;</p>\n</body></html>",
    );
    expect(formatMailbox("a@x.com", "Rivera, Alex")).toBe('"Rivera, Alex" <a@x.com>');
    expect(formatMailbox("a@x.com", "Alex Rivera")).toBe("Alex Rivera <a@x.com>");
  });

  it("signs unsubscribe links: the send they name, and nothing else", async () => {
    const id = "0123456789abcdef0123456789abcdef01234567";
    const token = await unsubscribeToken("key-0123456789", id);
    expect(await verifyUnsubscribeToken("key-0123456789", token)).toBe(id);
    expect(await verifyUnsubscribeToken("another-key-0000", token)).toBeNull();
    expect(await verifyUnsubscribeToken("key-0123456789", token.replace(/^0/, "1"))).toBeNull();
    expect(await verifyUnsubscribeToken("key-0123456789", `${token.slice(0, -2)}AA`)).toBeNull();
    expect(await verifyUnsubscribeToken("key-0123456789", "x".repeat(300))).toBeNull();
  });
});
