import { describe, expect, it } from "vitest";
import { verifyBasicAuth } from "../../src/platform/signatures/basic-auth";

const expected = { username: "inbound", password: "s3cr:et p@ss" };
const header = (credentials: string) => `Basic ${btoa(credentials)}`;

describe("HTTP basic auth (Postmark inbound)", () => {
  it("accepts the configured credentials; the password may contain colons and spaces", () => {
    expect(header("inbound:s3cr:et p@ss")).toBe("Basic aW5ib3VuZDpzM2NyOmV0IHBAc3M=");
    expect(verifyBasicAuth("Basic aW5ib3VuZDpzM2NyOmV0IHBAc3M=", expected)).toEqual({ ok: true, scheme: "basic-auth" });
    expect(verifyBasicAuth("basic   aW5ib3VuZDpzM2NyOmV0IHBAc3M=  ", expected)).toMatchObject({ ok: true });
  });

  it("decodes credentials as UTF-8", () => {
    // base64 of the UTF-8 bytes of "zoë:pässword"
    expect(verifyBasicAuth("Basic em/Dqzpww6Rzc3dvcmQ=", { username: "zoë", password: "pässword" })).toMatchObject({ ok: true });
  });

  it("refuses a wrong username or password without saying which", () => {
    const wrong = { ok: false, reason: "wrong username or password" };
    expect(verifyBasicAuth(header("inbound:s3cr:et p@sS"), expected)).toEqual(wrong);
    expect(verifyBasicAuth(header("Inbound:s3cr:et p@ss"), expected)).toEqual(wrong);
    expect(verifyBasicAuth(header("inbound:s3cr:et p@ss "), expected)).toEqual(wrong);
    expect(verifyBasicAuth(header("inbound:s3cr"), expected)).toEqual(wrong);
    expect(verifyBasicAuth(header("inbound:"), expected)).toEqual(wrong);
    expect(verifyBasicAuth(header(":s3cr:et p@ss"), expected)).toEqual(wrong);
    // A longer guess that starts with the right password is still wrong.
    expect(verifyBasicAuth(header("inbound:s3cr:et p@sss3cr:et p@ss"), expected)).toEqual(wrong);
  });

  it("refuses missing and malformed headers", () => {
    expect(verifyBasicAuth(null, expected)).toEqual({ ok: false, reason: "missing Authorization header" });
    expect(verifyBasicAuth("", expected)).toEqual({ ok: false, reason: "missing Authorization header" });
    expect(verifyBasicAuth("Bearer abc", expected)).toEqual({ ok: false, reason: "Authorization header is not Basic credentials" });
    expect(verifyBasicAuth("Basic", expected)).toMatchObject({ ok: false, reason: "Authorization header is not Basic credentials" });
    expect(verifyBasicAuth("Basic a b", expected)).toMatchObject({ ok: false, reason: "Authorization header is not Basic credentials" });
    expect(verifyBasicAuth("Basic abcde", expected)).toEqual({ ok: false, reason: "Authorization header is not valid base64" });
    expect(verifyBasicAuth(header("no-separator"), expected)).toEqual({ ok: false, reason: "basic credentials have no username:password separator" });
  });

  it("refuses everything when no credentials are configured", () => {
    expect(verifyBasicAuth(header(":"), { username: "", password: "" })).toEqual({ ok: false, reason: "no basic auth credentials are configured" });
    expect(verifyBasicAuth(header("inbound:"), { username: "inbound", password: "" })).toMatchObject({ ok: false });
  });
});
