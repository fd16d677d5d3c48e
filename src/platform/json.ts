/** A provider's answer as JSON, or undefined when it is empty or not JSON (an HTML error page, a cut-off body). */
export function jsonOrUndefined(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}
