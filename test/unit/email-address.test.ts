import { describe, expect, it } from "vitest";
import { canonicalAddress, parseAddress, parseMailbox, splitAddresses } from "../../src/core/model/email-address";
import { canonicalAddresses } from "../../src/core/model/lead-addresses";

describe("parseAddress", () => {
  it("returns the lower-cased bare address of the usual forms", () => {
    expect(parseAddress('"Jane Doe" <Jane.Doe@Example.com>')).toBe("jane.doe@example.com");
    expect(parseAddress("Jane Doe <jane@example.com>")).toBe("jane@example.com");
    expect(parseAddress("  <JANE@EXAMPLE.COM>  ")).toBe("jane@example.com");
    expect(parseAddress("  jane@example.com\t")).toBe("jane@example.com");
    expect(parseAddress("mailto:Jane@Example.com")).toBe("jane@example.com");
    expect(parseAddress("o'brien+leads@mail.example.co.uk")).toBe("o'brien+leads@mail.example.co.uk");
    expect(parseAddress("j@xn--bcher-kva.example")).toBe("j@xn--bcher-kva.example");
  });

  it("rejects garbage", () => {
    for (const garbage of [
      "",
      "   ",
      "jane",
      "jane@",
      "@example.com",
      "jane@example",
      "jane@@example.com",
      "jane doe@example.com",
      "jane@exa mple.com",
      ".jane@example.com",
      "jane.@example.com",
      "ja..ne@example.com",
      "jane@-example.com",
      "jane@example.c",
      "jane@example.123",
      "<jane@example.com",
      "Jane <jane@example.com> trailing",
      "<>",
      "Jane <not an address>",
      `${"a".repeat(65)}@example.com`,
      `a@${"b".repeat(250)}.com`,
    ])
      expect(parseAddress(garbage), garbage).toBeNull();
    expect(parseAddress(null)).toBeNull();
    expect(parseAddress(undefined)).toBeNull();
  });
});

describe("parseMailbox", () => {
  it("keeps the display name without quotes or escapes", () => {
    expect(parseMailbox('"Doe, Jane" <jane@example.com>')).toEqual({ address: "jane@example.com", name: "Doe, Jane" });
    expect(parseMailbox('"Jane \\"JD\\" Doe" <jane@example.com>')).toEqual({ address: "jane@example.com", name: 'Jane "JD" Doe' });
    expect(parseMailbox("Jane Doe   <jane@example.com>")).toEqual({ address: "jane@example.com", name: "Jane Doe" });
    expect(parseMailbox('"" <jane@example.com>')).toEqual({ address: "jane@example.com" });
    expect(parseMailbox("jane@example.com")).toEqual({ address: "jane@example.com" });
  });
});

describe("canonical addresses and match keys", () => {
  it("canonicalises case, plus tags and Gmail's dots and domain", () => {
    expect(canonicalAddress("Jane.Doe+CRM@Example.com")).toBe("jane.doe@example.com");
    expect(canonicalAddress("J.a.n.e.Doe+x+y@googlemail.com")).toBe("janedoe@gmail.com");
    expect(canonicalAddress('"Jane" <Jane.Doe@GMAIL.com>')).toBe("janedoe@gmail.com");
    // A leading + is not a tag: stripping it would leave no mailbox.
    expect(canonicalAddress("+1555@example.com")).toBe("+1555@example.com");
    expect(canonicalAddress("not an address")).toBeNull();
  });

  it("is idempotent", () => {
    for (const address of ["Jane.Doe+CRM@Example.com", "J.a.n.e+x@googlemail.com", "plain@example.org"]) {
      const canonical = canonicalAddress(address)!;
      expect(canonicalAddress(canonical)).toBe(canonical);
    }
  });

  it("matches a sender to a lead despite case, tags and Gmail aliases, and nothing else", () => {
    // As the reply route does: the sender's canonical address looked up among the lead's.
    const index = canonicalAddresses(["Jane.Doe@gmail.com", "jane@acme.example;not-an-address"]);
    const matches = (sender: string) => index.includes(canonicalAddress(sender) ?? "");
    for (const sender of ["janedoe@gmail.com", "JANE.DOE+replies@googlemail.com", "j.a.n.e.d.o.e@gmail.com", '"Jane" <Jane+x@ACME.example>']) {
      expect(matches(sender), sender).toBe(true);
    }
    // Dots matter outside Gmail; other mailboxes and garbage never match.
    for (const sender of ["ja.ne@acme.example", "jane.doe@gmail.co", "janedoe@yahoo.com", "garbage"]) expect(matches(sender), sender).toBe(false);
    expect(canonicalAddresses([null, undefined, "", "not-an-address"])).toEqual([]);
  });
});

describe("splitAddresses", () => {
  it("splits hs_additional_emails and hand-typed lists, dropping garbage and duplicates", () => {
    expect(splitAddresses("jane@example.com;J.Doe@Work.example")).toEqual(["jane@example.com", "j.doe@work.example"]);
    expect(splitAddresses(" a@x.com , b@y.com\nc@z.com;; ;a@x.com ")).toEqual(["a@x.com", "b@y.com", "c@z.com"]);
    expect(splitAddresses("a@x.com; n/a; b@y")).toEqual(["a@x.com"]);
    expect(splitAddresses('"Doe, Jane" <jane@example.com>, Bob <bob@example.com>')).toEqual(["jane@example.com", "bob@example.com"]);
    expect(splitAddresses("")).toEqual([]);
    expect(splitAddresses(null)).toEqual([]);
  });
});
