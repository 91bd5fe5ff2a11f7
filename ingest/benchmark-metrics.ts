/**
 * Performance numbers of one online result dir (SPEC §4.16): timing-summary `Performance Summary:`,
 * the multi-section CSV, and the per-load serving-benchmark logs. This is the I/O side; the parsing is
 * in perf-summary.ts, perf-csv.ts and serving-log.ts. The orchestrator calls it for every dated result
 * dir of a night and writes the rows to `benchmark_metrics`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Collected, IngestIssue, MetricRow } from '../parsers/types';
import type { LoadMetric, ParseProblem } from '../core/metric-names';
import { parsePerformanceSummary } from '../parsers/perf-summary';
import { parsePerfCsv } from '../parsers/perf-csv';
import { bestRunPerMetric, parseServingLog, servingLogName } from '../parsers/serving-log';
import { readErrorText, readIssueCode, readText } from './read-file';

/** Extension parsers skip bigger files (SPEC §4.15) so one runaway log cannot stall a night. */
export const MAX_PARSE_BYTES = 5 * 1024 * 1024;

const TIMING_SUMMARY = /^timing_summary_.*\.log$/;

/**
 * @param dirPath absolute path of the result dir
 * @param relDir  the dir's path relative to the base dir (for issue rows)
 * @param benchmarkName the task this dir belongs to (e.g. `DeepSeek Online Benchmark`)
 */
export function collectResultDirMetrics(dirPath: string, relDir: string, benchmarkName: string): Collected<MetricRow> {
  const issues: IngestIssue[] = [];
  const rows = new Map<string, MetricRow>();
  const resultDir = path.basename(relDir);
  let names: string[];
  try {
    names = fs.readdirSync(dirPath).sort();
  } catch (err) {
    issues.push(issue('warn', 'unreadable_dir', relDir, `cannot list result dir: ${readErrorText(err)}`));
    return { rows: [], issues };
  }

  const add = (source: MetricRow['source'], metrics: LoadMetric[]) => {
    for (const m of metrics) {
      const row: MetricRow = { benchmark_name: benchmarkName, result_dir: resultDir, source, ...m };
      const key = `${source}|${m.load_kind}|${m.load_value}|${m.metric}`;
      if (!rows.has(key)) rows.set(key, row);
    }
  };
  const read = (name: string): string | null => {
    const rel = `${relDir}/${name}`;
    try {
      return readText(path.join(dirPath, name), MAX_PARSE_BYTES);
    } catch (err) {
      const code = readIssueCode(err);
      issues.push(issue(code === 'file_too_large' ? 'info' : 'warn', code, rel, `${name}: cannot read (${readErrorText(err)})`));
      return null;
    }
  };
  const report = (name: string, problems: ParseProblem[]) => {
    for (const p of problems) issues.push(issue('warn', 'malformed_block', `${relDir}/${name}`, `${name} line ${p.line}: ${p.message}`));
  };

  // Timing summary: newest stamp first; the first one with numbers wins (re-runs append a newer,
  // sometimes number-less summary to the same dir).
  for (const name of names.filter((n) => TIMING_SUMMARY.test(n)).reverse()) {
    const text = read(name);
    if (text === null) continue;
    const parsed = parsePerformanceSummary(text);
    report(name, parsed.problems);
    if (parsed.metrics.length) {
      add('timing_summary', parsed.metrics);
      break;
    }
  }

  for (const name of names.filter((n) => n.endsWith('.csv')).reverse()) {
    const text = read(name);
    if (text === null) continue;
    const parsed = parsePerfCsv(text);
    report(name, parsed.problems);
    add('csv', parsed.metrics);
  }

  const runsByLoad = new Map<string, { kind: LoadMetric['load_kind']; load: number; runs: Map<string, number>[] }>();
  for (const name of names) {
    const id = servingLogName(name);
    if (!id) continue;
    const text = read(name);
    if (text === null) continue;
    const parsed = parseServingLog(text);
    report(name, parsed.problems);
    if (parsed.headerRate !== null && id.load_kind === 'request_rate' && parsed.headerRate !== id.load_value) {
      issues.push(issue('info', 'load_mismatch', `${relDir}/${name}`, `${name} line 1: header says request rate ${parsed.headerRate}, file name says ${id.load_value}; file name used`));
    }
    if (parsed.metrics.size === 0) continue;
    const key = `${id.load_kind}|${id.load_value}`;
    const entry = runsByLoad.get(key) ?? { kind: id.load_kind, load: id.load_value, runs: [] };
    entry.runs.push(parsed.metrics);
    runsByLoad.set(key, entry);
  }
  for (const { kind, load, runs } of runsByLoad.values()) {
    const best = bestRunPerMetric(runs);
    add('serving_log', [...best].map(([metric, value]) => ({ load_kind: kind, load_value: load, metric, value })));
  }

  return { rows: [...rows.values()], issues };
}

function issue(severity: IngestIssue['severity'], code: string, relPath: string, message: string): IngestIssue {
  return { run_date: null, hardware: null, severity, code, rel_path: relPath, message };
}
