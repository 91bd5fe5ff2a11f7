/**
 * Text helpers shared by the pure parsers. The original ingest was Python: its `\s`, `.strip()`,
 * `float()` and code-point string lengths differ from JavaScript's, and compat values depend on them.
 */
import { isAscii } from 'node:buffer';
import fs from 'node:fs';

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
  if (!/^(\d+\.?\d*|\.\d+)$/.test(raw)) throw new Error(`could not convert string to float: '${raw}'`);
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

const STRICT = new TextDecoder('utf-8', { fatal: true });
const LENIENT = new TextDecoder('utf-8', { fatal: false });

/** UTF-8 decode dropping undecodable bytes, as Python's `errors="ignore"` did (SPEC §4.1). */
export function decodeUtf8(buf: Buffer): string {
  return decodeUtf8Checked(buf).text;
}

/** Same, and says whether bytes were dropped (for the skip tracker). */
export function decodeUtf8Checked(buf: Buffer): { text: string; dropped: boolean } {
  // ASCII bytes are their own characters: a one-byte copy, no UTF-8 validation needed.
  if (isAscii(buf)) return { text: buf.toString('latin1'), dropped: false };
  try {
    return { text: STRICT.decode(buf), dropped: false };
  } catch {
    return { text: LENIENT.decode(buf).replace(/\uFFFD/g, ''), dropped: true };
  }
}

export function readText(path: string): string {
  return decodeUtf8(fs.readFileSync(path));
}

/**
 * The first `chars` code points of a file, decoded from a bounded prefix (4 bytes per code point at
 * most). `readPrefix(size)` returns the file's first `size` bytes (fewer at its end): from disk, or
 * from bytes already read, with the same result.
 */
export function headOf(readPrefix: (size: number) => Buffer, chars: number): string {
  // Dropped undecodable bytes yield no characters, so read on until enough are decoded.
  for (let size = chars * 4; ; size *= 4) {
    const prefix = readPrefix(size);
    const text = decodeUtf8(prefix);
    if (prefix.length < size || countsMoreThan(text, chars)) return firstCodePoints(text, chars);
  }
}

/** True when `text` holds more than `count` code points. */
function countsMoreThan(text: string, count: number): boolean {
  return codePointEnd(text, count) < text.length;
}

/** The first `chars` code points of a file (reads a bounded prefix). */
export function readHead(path: string, chars: number): string {
  const fd = fs.openSync(path, 'r');
  try {
    return headOf((size) => {
      const buf = Buffer.alloc(size);
      return buf.subarray(0, fs.readSync(fd, buf, 0, size, 0));
    }, chars);
  } finally {
    fs.closeSync(fd);
  }
}

/** Heuristic for the skip tracker: NUL bytes mean a binary or corrupt file, not a log. */
export function looksBinary(buf: Buffer): boolean {
  return buf.includes(0);
}
