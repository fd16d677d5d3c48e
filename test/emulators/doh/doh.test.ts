import { afterEach, describe, expect, it } from "vitest";
import { createDohEmulator, type DohEmulator, type DohEmulatorOptions } from "./index.ts";

const open: DohEmulator[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((e) => e.close()));
});

async function start(options: DohEmulatorOptions = {}) {
  const emulator = createDohEmulator(options);
  open.push(emulator);
  const url = await emulator.server.listen(0);
  const query = async (params: string, accept = "application/dns-json") => {
    const response = await fetch(`${url}/dns-query?${params}`, { headers: { accept } });
    const text = await response.text();
    let body: any = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* plain text */
    }
    return { status: response.status, type: response.headers.get("content-type"), body };
  };
  return { emulator, url, query };
}

const FLAGS = { TC: false, RD: true, RA: true, AD: false, CD: false };

describe("DNS over HTTPS emulator (Cloudflare's JSON API)", () => {
  it("answers an MX query for a deliverable domain in Cloudflare's shape", async () => {
    const { query } = await start();
    const answer = await query("name=example.com&type=MX");
    expect(answer.status).toBe(200);
    expect(answer.type).toBe("application/dns-json");
    expect(answer.body).toEqual({
      Status: 0,
      ...FLAGS,
      Question: [{ name: "example.com.", type: 15 }],
      Answer: [{ name: "example.com.", type: 15, TTL: 3600, data: "10 mx.example.com." }],
    });
    const a = await query("name=mx.example.com&type=A");
    expect(a.body.Answer).toEqual([{ name: "mx.example.com.", type: 1, TTL: 300, data: "192.0.2.10" }]);
  });

  it("takes numeric types, defaults to A, ignores case and a trailing dot, and echoes the CD flag", async () => {
    const { query } = await start();
    expect((await query("name=Example.COM.&type=15")).body.Answer[0].data).toBe("10 mx.example.com.");
    expect((await query("name=example.com")).body.Question).toEqual([{ name: "example.com.", type: 1 }]);
    expect((await query("name=example.com&type=mx&cd=1")).body.CD).toBe(true);
  });

  it("answers Status 3 (NXDOMAIN) with the zone's SOA for a name that does not exist", async () => {
    const { query } = await start();
    const answer = await query("name=nope.example.com&type=MX");
    expect(answer.body).toEqual({
      Status: 3,
      ...FLAGS,
      Question: [{ name: "nope.example.com.", type: 15 }],
      Authority: [{ name: "example.com.", type: 6, TTL: 1800, data: expect.stringMatching(/^ns1\.example\.com\. hostmaster\.example\.com\. \d+/) }],
    });
    expect(answer.body.Answer).toBeUndefined();
  });

  it("answers Status 0 without an Answer for a domain with an A record and no MX, and gives the A", async () => {
    const { query } = await start();
    const mx = await query("name=no-mx.example.com&type=MX");
    expect(mx.body.Status).toBe(0);
    expect(mx.body.Answer).toBeUndefined();
    expect((await query("name=no-mx.example.com&type=A")).body.Answer).toEqual([
      { name: "no-mx.example.com.", type: 1, TTL: 300, data: "192.0.2.20" },
    ]);
  });

  it("answers Status 0 without an Answer for both MX and A of a name with neither", async () => {
    const { query } = await start();
    for (const type of ["MX", "A", "AAAA"]) {
      const answer = await query(`name=no-mail.example.com&type=${type}`);
      expect(answer.body.Status).toBe(0);
      expect(answer.body.Answer).toBeUndefined();
    }
  });

  it("answers RFC 7505's null MX as `0 .`", async () => {
    const { query } = await start();
    expect((await query("name=null-mx.example.com&type=MX")).body.Answer).toEqual([
      { name: "null-mx.example.com.", type: 15, TTL: 3600, data: "0 ." },
    ]);
  });

  it("follows a CNAME to the target's records, and answers SERVFAIL (Status 2) where the zone says so", async () => {
    const { query } = await start();
    expect((await query("name=alias.example.com&type=MX")).body.Answer).toEqual([
      { name: "alias.example.com.", type: 5, TTL: 300, data: "example.com." },
      { name: "example.com.", type: 15, TTL: 3600, data: "10 mx.example.com." },
    ]);
    expect((await query("name=servfail.example.com&type=MX")).body.Status).toBe(2);
  });

  it.each([
    ["no name", "type=MX", "Missing query name."],
    ["a bad type", "name=example.com&type=MXX", "Invalid query type `MXX`."],
    ["a bad CD flag", "name=example.com&cd=2", "Invalid CD flag `2`. Expected to be empty or one of `0`, `false`, `1`, or `true`."],
    ["a bad name", "name=exa..mple.com", "Invalid query name `exa..mple.com`."],
  ])("answers 400 with {error} for %s", async (_, params, error) => {
    const { query } = await start();
    const answer = await query(params);
    expect(answer.status).toBe(400);
    expect(answer.body).toEqual({ error });
  });

  it("answers 400 to a query that does not ask for JSON, unless ct=application/dns-json", async () => {
    const { query } = await start();
    expect((await query("name=example.com&type=MX", "application/dns-message")).status).toBe(400);
    expect((await query("name=example.com&type=MX&ct=application/dns-json", "*/*")).status).toBe(200);
  });

  it("lets a test change the zone, logs the queries it answered, and restores both on reset", async () => {
    const { query, url, emulator } = await start({ unknownNames: "nxdomain" });
    const put = await fetch(`${url}/_emulator/zone/Acme.Example.org`, {
      method: "PUT",
      body: JSON.stringify({ records: [{ type: "MX", data: "20 mail.acme.example.org.", TTL: 60 }] }),
    });
    expect(put.status).toBe(200);
    expect((await query("name=acme.example.org&type=MX")).body.Answer).toEqual([
      { name: "acme.example.org.", type: 15, TTL: 60, data: "20 mail.acme.example.org." },
    ]);
    await fetch(`${url}/_emulator/zone/example.com`, { method: "PUT", body: JSON.stringify({ rcode: "NXDOMAIN" }) });
    expect((await query("name=example.com&type=MX")).body.Status).toBe(3);
    expect(
      (await fetch(`${url}/_emulator/zone/x.example`, { method: "PUT", body: JSON.stringify({ records: [{ type: "MX", data: "mail" }] }) })).status,
    ).toBe(400);
    expect(emulator.queries.map((q) => [q.name, q.type, q.status])).toEqual([
      ["acme.example.org", 15, 0],
      ["example.com", 15, 3],
    ]);
    await fetch(`${url}/_emulator/reset`, { method: "POST" });
    expect((await query("name=example.com&type=MX")).body.Status).toBe(0);
    expect((await query("name=acme.example.org&type=MX")).body.Status).toBe(3);
  });

  it("answers any unknown name as deliverable when so configured", async () => {
    const { query } = await start({ unknownNames: "deliverable" });
    expect((await query("name=whatever-corp.io&type=MX")).body.Answer).toEqual([
      { name: "whatever-corp.io.", type: 15, TTL: 3600, data: "10 mx.whatever-corp.io." },
    ]);
  });

  it("fails as configured: injected 5xx (JSON 500, then a plain-text 502) and slow answers", async () => {
    const { query, url } = await start();
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({ rate5xx: 1 }) });
    expect((await query("name=example.com&type=MX")).status).toBe(500);
    const second = await query("name=example.com&type=MX");
    expect(second.status).toBe(502);
    expect(second.body).toBe("Bad Gateway");
    await fetch(`${url}/_emulator/faults`, { method: "PUT", body: JSON.stringify({}) });
    await fetch(`${url}/_emulator/latency`, { method: "PUT", body: JSON.stringify({ ms: 200 }) });
    // A client with a shorter timeout gives up; the answer itself is unchanged.
    await expect(
      fetch(`${url}/dns-query?name=example.com&type=MX`, { headers: { accept: "application/dns-json" }, signal: AbortSignal.timeout(50) }),
    ).rejects.toThrow();
    expect((await query("name=example.com&type=MX")).body.Status).toBe(0);
  });
});
