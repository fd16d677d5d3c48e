/**
 * The URL the sender called. Behind a tunnel or proxy the Worker may see another origin, and
 * HubSpot signs the URL it used, so PUBLIC_BASE_URL replaces the origin when set.
 */
export function publicUrl(requestUrl: string, publicBaseUrl: string | undefined): string {
  if (!publicBaseUrl) return requestUrl;
  const url = new URL(requestUrl);
  return publicBaseUrl + requestUrl.slice(url.origin.length);
}

/**
 * The request's path as the Worker may write it in logs and error messages: the Outbound
 * Message token is a path segment (Salesforce can neither sign nor add headers), and so are the
 * booking links' tokens, so they are cut.
 */
export function loggablePath(requestUrl: string): string {
  return new URL(requestUrl).pathname
    .replace(/^(\/webhooks\/salesforce\/outbound\/)[^/]*/, "$1[token]")
    .replace(/^(\/book\/(?:manage\/)?)(?!embed\.js$)[^/]+/, "$1[token]");
}
