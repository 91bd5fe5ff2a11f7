/**
 * Every file that ingest reads goes through here. A source tree can carry anything git or a user put in
 * it (a FIFO, a link to /dev/zero, a runaway log): only regular files are read, opening never blocks,
 * and a file over the size cap is refused instead of read. Bytes are decoded the way the original
 * Python did (SPEC §4.1).
 */
import { isAscii } from 'node:buffer';
import fs from 'node:fs';
import { firstCodePoints, hasMoreCodePointsThan } from '../parsers/text';

/** Bigger files are not read whole (a log is a few MB at most; this only stops a runaway or a device). */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

/** Why a file was not read; `code` is the `ingest_issues` code a caller records. */
export class FileReadError extends Error {
  constructor(
    readonly code: 'not_regular_file' | 'file_too_large',
    message: string,
  ) {
    super(message);
  }
}

/** The issue code for any error thrown while reading (`unreadable_file` for the OS's own errors). */
export function readIssueCode(err: unknown): string {
  return err instanceof FileReadError ? err.code : 'unreadable_file';
}

/** The OS error code (`ENOENT`, `EACCES`) or our reason: short enough for an issue message. */
export function readErrorText(err: unknown): string {
  return err instanceof FileReadError ? err.message : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
}

function kindOf(st: fs.Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a directory';
  return 'not a regular file';
}

// O_NONBLOCK makes opening a FIFO return at once instead of waiting for a writer (not on Windows, which has no FIFOs in a tree).
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** Runs `use` with a descriptor of `file` after checking, on the opened file itself, that it is regular. */
function withRegularFile<T>(file: string, use: (fd: number, size: number) => T): T {
  const fd = fs.openSync(file, OPEN_FLAGS);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new FileReadError('not_regular_file', `${kindOf(st)}, not a regular file; not read`);
    return use(fd, st.size);
  } finally {
    fs.closeSync(fd);
  }
}

function tooLarge(size: number | string, maxBytes: number): FileReadError {
  return new FileReadError('file_too_large', `${size} bytes is over the ${maxBytes}-byte read limit; not read`);
}

/** Whole file as bytes; throws FileReadError beyond `maxBytes` or for anything but a regular file. */
export function readBytes(file: string, maxBytes = MAX_READ_BYTES): Buffer {
  return withRegularFile(file, (fd, size) => {
    if (size > maxBytes) throw tooLarge(size, maxBytes);
    // The size at open, as fs.readFileSync reads it; a file that says 0 (procfs) is read to its end, up to the cap.
    return size > 0 ? rangeOf(fd, 0, size) : readToEnd(fd, maxBytes);
  });
}

function readToEnd(fd: number, maxBytes: number): Buffer {
  let buf = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1));
  let length = 0;
  for (;;) {
    if (length === buf.length) {
      if (length > maxBytes) throw tooLarge(`over ${maxBytes}`, maxBytes);
      const grown = Buffer.allocUnsafe(Math.min(buf.length * 2, maxBytes + 1));
      buf.copy(grown, 0, 0, length);
      buf = grown;
    }
    const n = fs.readSync(fd, buf, length, buf.length - length, length);
    if (n === 0) break;
    length += n;
  }
  if (length > maxBytes) throw tooLarge(`over ${maxBytes}`, maxBytes);
  return buf.subarray(0, length);
}

/** The first `count` bytes (fewer at the end of the file) of a regular file, whatever its size. */
export function readPrefixBytes(file: string, count: number): Buffer {
  return withRegularFile(file, (fd) => rangeOf(fd, 0, count));
}

/**
 * For readers of parts of a big file (a head and a tail window): `use` gets the file's size and a
 * reader of byte ranges, on a regular file opened as readBytes opens it.
 */
export function withFileRanges<T>(file: string, use: (size: number, read: (start: number, length: number) => Buffer) => T): T {
  return withRegularFile(file, (fd, size) => use(size, (start, length) => rangeOf(fd, start, length)));
}

/** `length` bytes from `start` (fewer at the end of the file). */
function rangeOf(fd: number, start: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = fs.readSync(fd, buf, got, length - got, start + got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
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

/** Heuristic for the skip tracker: NUL bytes mean a binary or corrupt file, not a log. */
export function looksBinary(buf: Buffer): boolean {
  return buf.includes(0);
}

/** Whole file as text (see readBytes for what is refused). */
export function readText(file: string, maxBytes = MAX_READ_BYTES): string {
  return decodeUtf8(readBytes(file, maxBytes));
}

/**
 * The first `chars` code points of a file, decoded from a bounded prefix (4 bytes per code point at
 * most). `readPrefix(size)` returns the file's first `size` bytes (fewer at its end): from disk, or
 * from bytes already read, with the same result.
 */
export function headOf(readPrefix: (size: number) => Buffer, chars: number): string {
  // Dropped undecodable bytes yield no characters, so read on until enough are decoded (never past the cap).
  for (let size = chars * 4; ; size *= 4) {
    const prefix = readPrefix(Math.min(size, MAX_READ_BYTES));
    const text = decodeUtf8(prefix);
    if (prefix.length < size || size >= MAX_READ_BYTES || hasMoreCodePointsThan(text, chars)) return firstCodePoints(text, chars);
  }
}

/** The first `chars` code points of a regular file (reads a bounded prefix, whatever the file's size). */
export function readHead(file: string, chars: number): string {
  return withRegularFile(file, (fd) => headOf((size) => rangeOf(fd, 0, size), chars));
}
