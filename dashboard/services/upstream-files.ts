/**
 * Upstream coverage reports read from the log tree (`--base-dir`) when a page asks. The DB users pull
 * was written by the original system and holds no upstream rows, and the server never writes the DB,
 * so the reports are parsed here (parsers/upstream.ts, the same parser ingest uses). This works
 * whatever DB file is in place, also one replaced under the running server. A request lists the
 * folder (dates come from the file names) and parses only the reports it shows, each file once per
 * (real path, modified time, size).
 */
import fs from 'node:fs';
import path from 'node:path';
import { MAX_REPORT_CHARS, parseUpstreamReport, UPSTREAM_REPORT_DIR, UPSTREAM_REPORT_FILE, type UpstreamReport } from '../../parsers/upstream';
import type { UpstreamReportFiles } from '../../read/upstream';
import { folderBelow } from './log-files';

/** A report file of more bytes than this cannot be under the parser's character limit (UTF-8: ≤ 4 bytes a character). */
const MAX_REPORT_BYTES = 4 * MAX_REPORT_CHARS;

interface Parsed {
  stamp: string;
  report: UpstreamReport | null;
}

/** Per real file path; entries of files no longer listed are dropped at the next listing. */
const parsedFiles = new Map<string, Parsed>();

function parseFile(file: string, name: string): UpstreamReport | null {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    return null;
  }
  const stamp = `${stat.mtimeMs}|${stat.size}`;
  const known = parsedFiles.get(file);
  if (known?.stamp === stamp) return known.report;
  let report: UpstreamReport | null = null;
  if (stat.isFile() && stat.size <= MAX_REPORT_BYTES) {
    try {
      // A bad file is left out here; `ci-dash ingest` reports its issues with file and line.
      report = parseUpstreamReport(fs.readFileSync(file, 'utf8'), name).report;
    } catch {
      report = null;
    }
  }
  parsedFiles.set(file, { stamp, report });
  return report;
}

/** The report files under `baseDir`/upstream_ci/ci_report as listed now; none without a base dir. */
export function upstreamReportFiles(baseDir: string | null): UpstreamReportFiles {
  const folder = baseDir ? folderBelow(baseDir, ...UPSTREAM_REPORT_DIR.split('/')) : null;
  const files = new Map<string, { file: string; name: string }>();
  // Only regular files with a report's exact name: no link, no other name, nothing outside the folder.
  for (const entry of folder?.entries ?? []) {
    const date = entry.isFile() ? UPSTREAM_REPORT_FILE.exec(entry.name)?.[1] : undefined;
    if (folder && date) files.set(date, { file: path.join(folder.realDir, entry.name), name: entry.name });
  }
  if (folder) {
    const listed = new Set([...files.values()].map((f) => f.file));
    for (const file of parsedFiles.keys()) if (path.dirname(file) === folder.realDir && !listed.has(file)) parsedFiles.delete(file);
  }
  return {
    dates: () => [...files.keys()],
    report: (date) => {
      const found = files.get(date);
      return found ? parseFile(found.file, found.name) : null;
    },
  };
}
