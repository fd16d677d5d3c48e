/*
 * Who is posting a form: the page's origin (CORS and the origin check) and the client's address
 * (rate limits, the consent record).
 */

/**
 * Whether `origin` may post a form that allows `allowed` (exact origins, or `https://*.example.com`
 * for any subdomain of example.com, not example.com itself). `self` (the Worker's own origin, which
 * serves the example forms) is always allowed. The literal "null" origin of sandboxed frames and
 * file:// pages is allowed only when listed.
 */
export function originAllowed(allowed: readonly string[], origin: string, self: string): boolean {
  const given = origin.trim().toLowerCase();
  if (given === self.toLowerCase()) return true;
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    return allowed.includes(given);
  }
  if (url.origin !== given) return false;
  return allowed.some((pattern) => {
    if (!pattern.includes("*.")) return pattern === given;
    const [scheme, rest] = pattern.split("://*.");
    return `${url.protocol}` === `${scheme}:` && url.host.endsWith(`.${rest}`);
  });
}

/**
 * Whether the hostname Turnstile's siteverify says the widget was solved on is one of the form's
 * pages: the host of an allowed origin (a wildcard's subdomains, not its own domain), or the
 * Worker's own (the example forms). Siteverify names the host without scheme or port.
 */
export function hostnameAllowed(allowed: readonly string[], hostname: string, self: string): boolean {
  const given = hostname.trim().toLowerCase();
  if (given === "") return false;
  if (given === new URL(self).hostname.toLowerCase()) return true;
  return allowed.some((pattern) => {
    const star = pattern.indexOf("://*.");
    if (star >= 0) return given.endsWith(`.${pattern.slice(star + 5).split(":")[0]}`);
    try {
      return new URL(pattern).hostname === given;
    } catch {
      // "null" (sandboxed frames, file:// pages) names no host.
      return false;
    }
  });
}

/** The Worker's own origin, as the browser sees it (PUBLIC_BASE_URL behind a proxy or tunnel). */
export function selfOrigin(requestUrl: string, publicBaseUrl: string | undefined): string {
  return new URL(publicBaseUrl ?? requestUrl).origin;
}

/**
 * The key a client's address is rate limited under. IPv6 clients usually hold a whole /64, and
 * would get a fresh limit per address if counted one by one.
 */
export function clientKey(ip: string | undefined): string {
  const text = ip?.trim();
  if (!text) return "ip:unknown";
  if (!text.includes(":")) return `ip:${text}`;
  const [head, tail] = text.split("::") as [string, string | undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g || "0", 16) || 0).toString(16))
    .join(":")}::/64`;
}
