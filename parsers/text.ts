/**
 * Text helpers shared by the pure parsers. The original ingest was Python: its `\s`, `.strip()`,
 * `float()` and code-point string lengths differ from JavaScript's, and compat values depend on them.
 * Pure: reading and decoding files is ingest/read-file.ts.
 */

/** Python's `str` whitespace (`\s` in a str regex, `str.strip()`), as a regex character-class body. */
export const PY_WS = '\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_WS_CLASS = new RegExp(`[${PY_WS}]`);

export function isPyWhitespace(ch: string): boolean {
  return PY_WS_CLASS.test(ch);
}

/** Python `str.strip()`. */
export function pyStrip(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isPyWhitespace(text[start])) start++;
  while (end > start && isPyWhitespace(text[end - 1])) end--;
  return text.slice(start, end);
}

/** Python `float()` for the `[\d.]+` captures of the original; throws with Python's message. */
export function pyFloat(raw: string): number {
  if (!/^(\d+(?:\.\d*)?|\.\d+)$/.test(raw)) throw new Error(`could not convert string to float: '${raw}'`);
  return Number(raw);
}

/** Keeps the first `max` code points and appends `...` when the text was longer (SPEC §4.6 cuts). */
export function cutCodePoints(text: string, max: number): string {
  // Fewer code units than `max` means fewer code points too; otherwise walk only the kept prefix.
  if (text.length <= max) return text;
  const end = codePointEnd(text, max);
  return end < text.length ? `${text.slice(0, end)}...` : text;
}

/** Code-unit index just past the first `count` code points (the text's length when it has fewer). */
function codePointEnd(text: string, count: number): number {
  let end = 0;
  for (let kept = 0; end < text.length && kept < count; kept++) end += (text.codePointAt(end) as number) > 0xffff ? 2 : 1;
  return end;
}

/** First `count` code points. */
export function firstCodePoints(text: string, count: number): string {
  return text.slice(0, codePointEnd(text, count));
}

/** True when `text` holds more than `count` code points. */
export function hasMoreCodePointsThan(text: string, count: number): boolean {
  return codePointEnd(text, count) < text.length;
}
