/**
 * Files the dashboard serves from the CI tree (SPEC §7.2, §11 S1/S2/S5): cron logs and plot images.
 * A file is served only when its final real path (every symlink resolved: file, folders, chains) lies
 * inside the real root it was asked under. Logs are streamed and redacted as they go, never read
 * whole on the event loop, and cut at a size cap.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Transform, pipeline, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { Response } from 'express';
import type { Hardware } from '../../core/hardware';
import { redactSecrets } from '../../core/redact';
import { FILE_NAME_RE } from '../params';

/** Bytes of a log the dashboard shows; a bigger log is served up to here, with a closing note. */
export const LOG_HEAD_BYTES = 16 * 1024 * 1024;
/** Text kept waiting for a line end before it is redacted anyway (a log with no newlines). */
const MAX_PENDING_CHARS = 1024 * 1024;

function isInside(realRoot: string, realPath: string): boolean {
  return realPath.startsWith(realRoot + path.sep);
}

/**
 * `root/…segments` as a regular file whose real path is inside the real `root`, or null. Checking
 * the final path (not the folder first) refuses a folder link that leaves the tree, a file link, and
 * links to links alike; links that stay inside the tree are followed.
 */
export function fileBelow(root: string, ...segments: string[]): string | null {
  try {
    const realRoot = fs.realpathSync(root);
    const realFile = fs.realpathSync(path.join(root, ...segments));
    return isInside(realRoot, realFile) && fs.statSync(realFile).isFile() ? realFile : null;
  } catch {
    return null;
  }
}

/** The first of several candidate locations (below `root`) that is a servable file. */
export function firstFileBelow(root: string, candidates: string[][]): string | null {
  for (const segments of candidates) {
    const hit = fileBelow(root, ...segments);
    if (hit) return hit;
  }
  return null;
}

/** Cron-log folders of (hw, date) in both layouts (SPEC §2.2), relative to the base dir. */
export function cronDirs(hw: Hardware, date: string): string[][] {
  return [
    ['cron_log', hw, date],
    ['cron', 'cron_log', hw, date],
  ];
}

/** Folders holding the model folders of hw's plots in both layouts (log branch, CI machine), relative to the base dir. */
export function plotRoots(hw: Hardware): string[][] {
  return [['plot', hw], ['plots_server']];
}

/** One plot PNG of the tree in either layout, as a servable file; null when the tree does not hold it. */
export function localPlotFile(baseDir: string | null, hw: Hardware, model: string, mode: string, fileName: string): string | null {
  return baseDir ? firstFileBelow(baseDir, plotRoots(hw).map((root) => [...root, model, mode, fileName])) : null;
}

/** Names of the regular files in the cron-log folders of (hw, date) that lie inside the tree; empty without a base dir. */
export function cronLogNames(baseDir: string | null, hw: Hardware, date: string): string[] {
  if (!baseDir) return [];
  const names = new Set<string>();
  for (const segments of cronDirs(hw, date)) for (const e of folderBelow(baseDir, ...segments)?.entries ?? []) if (e.isFile() && FILE_NAME_RE.test(e.name)) names.add(e.name);
  return [...names].sort();
}

/**
 * The folder `root/…segments` (its real path and entries) when its real path is inside the real
 * `root`, or null. An entry that is a link is not a file there (`isFile()` is false).
 */
export function folderBelow(root: string, ...segments: string[]): { realDir: string; entries: fs.Dirent[] } | null {
  try {
    const realDir = fs.realpathSync(path.join(root, ...segments));
    return isInside(fs.realpathSync(root), realDir) ? { realDir, entries: fs.readdirSync(realDir, { withFileTypes: true }) } : null;
  } catch {
    return null;
  }
}

/**
 * Redacts text as it streams: only whole lines are redacted (no redaction rule spans a line
 * break, so a secret is never split between two pieces). With `truncatedFrom` set (the file's size)
 * the unfinished last line is dropped and a note ends the text.
 */
class RedactingLines extends Transform {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');

  constructor(private readonly truncatedFrom: number | null) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = this.pending + this.decoder.write(chunk);
    let end = text.lastIndexOf('\n') + 1;
    // A huge line: cut at its last space or tab (a secret value never contains one).
    if (end === 0 && text.length > MAX_PENDING_CHARS) end = Math.max(text.lastIndexOf(' '), text.lastIndexOf('\t')) + 1 || text.length;
    this.pending = text.slice(end);
    done(null, end > 0 ? redactSecrets(text.slice(0, end)) : undefined);
  }

  override _flush(done: TransformCallback): void {
    const rest = this.pending + this.decoder.end();
    if (this.truncatedFrom === null) {
      done(null, rest ? redactSecrets(rest) : undefined);
      return;
    }
    const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
    done(null, `\n[truncated: this log is ${mb(this.truncatedFrom)}; the dashboard shows its first ${mb(LOG_HEAD_BYTES)}. The whole file is in the CI log tree.]\n`);
  }
}

/**
 * Sends a log as redacted plain text, streamed; a log over `maxBytes` is cut there (see
 * RedactingLines). False (nothing sent) when the file cannot be opened as a regular file.
 */
export function sendRedactedLog(res: Response, file: string, maxBytes = LOG_HEAD_BYTES): boolean {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO swapped in after the checks never blocks the event loop on open.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch {
    return false;
  }
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) {
    fs.closeSync(fd);
    return false;
  }
  const truncated = stat.size > maxBytes;
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('Content-Disposition', 'inline');
  if (truncated) res.setHeader('X-Log-Truncated', String(stat.size));
  res.type('text/plain; charset=utf-8');
  const source = fs.createReadStream('', { fd, ...(truncated ? { end: maxBytes - 1 } : {}) });
  // On a read error or a client that went away, pipeline closes the file and cuts the connection.
  pipeline(source, new RedactingLines(truncated ? stat.size : null), res, () => undefined);
  return true;
}
