/**
 * `*` patterns ("content_download_*", "*webinar*") matched without a regular expression.
 *
 * Patterns come from policies and values from CRM records and web forms, so neither may decide
 * how long a match takes: a RegExp built from `"*a" × 18 + "*b"` backtracks through every way of
 * placing 19 stars in a value, and against 100 `a`s that pinned the Worker for minutes. Here the
 * pattern is cut at its stars into literal pieces; the first must start the value, the last must
 * end it, and each piece between is taken at its leftmost place after the one before (with `*`
 * as the only special character, the leftmost place never loses a match a later place would
 * find). Each piece is found with Knuth–Morris–Pratt, which never reads a character of the value
 * twice, so a match costs O(value + pattern) whatever the two hold.
 *
 * Case is ignored the way a RegExp's `i` flag (without `u`) ignores it, UTF-16 unit by unit, so
 * the policies written for the RegExp this replaced match the same values. One difference: `*`
 * spans line breaks too ("any run of characters", as the policy documents it); the RegExp's `.`
 * did not.
 */
export function wildcardMatches(pattern: string, value: string): boolean {
  const pieces = pattern.split("*").map(caseFolded);
  const text = caseFolded(value);
  if (pieces.length === 1) return pieces[0] === text;
  const first = pieces[0]!;
  const last = pieces[pieces.length - 1]!;
  const end = text.length - last.length;
  if (end < first.length || !text.startsWith(first) || !text.endsWith(last)) return false;
  let from = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const piece = pieces[i]!;
    if (piece === "") continue;
    const at = indexOfWithin(text, piece, from, end);
    if (at < 0) return false;
    from = at + piece.length;
  }
  return true;
}

/**
 * Where `piece` first occurs in text[from, end), or -1 (Knuth–Morris–Pratt: O(end − from +
 * piece), however many near-misses the text holds).
 */
function indexOfWithin(text: string, piece: string, from: number, end: number): number {
  if (end - from < piece.length) return -1;
  // fallback[k]: the length of the longest proper prefix of piece[0, k] that is also its suffix.
  const fallback = new Int32Array(piece.length);
  for (let k = 1, length = 0; k < piece.length; k++) {
    while (length > 0 && piece.charCodeAt(k) !== piece.charCodeAt(length)) length = fallback[length - 1]!;
    if (piece.charCodeAt(k) === piece.charCodeAt(length)) length++;
    fallback[k] = length;
  }
  for (let i = from, matched = 0; i < end; i++) {
    while (matched > 0 && text.charCodeAt(i) !== piece.charCodeAt(matched)) matched = fallback[matched - 1]!;
    if (text.charCodeAt(i) === piece.charCodeAt(matched)) matched++;
    if (matched === piece.length) return i - piece.length + 1;
  }
  return -1;
}

const ASCII = /^\p{ASCII}*$/u;

/**
 * Each UTF-16 unit as a case-insensitive RegExp (without `u`) compares it: its upper case when
 * that is one unit and does not turn a non-ASCII letter into an ASCII one (so "ſ" is not "s"
 * and "K" (Kelvin) is not "k"). Lengths never change, so positions in the folded text are
 * positions in the original.
 */
function caseFolded(text: string): string {
  if (ASCII.test(text)) return text.toUpperCase();
  let folded = "";
  for (let i = 0; i < text.length; i++) {
    const unit = text[i]!;
    const upper = unit.toUpperCase();
    folded += upper.length === 1 && !(unit.charCodeAt(0) >= 128 && upper.charCodeAt(0) < 128) ? upper : unit;
  }
  return folded;
}
