/**
 * The URL the sender called. Behind a tunnel or proxy the Worker may see another origin, and
 * HubSpot signs the URL it used, so PUBLIC_BASE_URL replaces the origin when set.
 */
export function publicUrl(requestUrl: string, publicBaseUrl: string | undefined): string {
  if (!publicBaseUrl) return requestUrl;
  const url = new URL(requestUrl);
  return publicBaseUrl + requestUrl.slice(url.origin.length);
}
