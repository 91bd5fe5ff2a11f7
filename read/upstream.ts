/**
 * Upstream AMD-vs-NVIDIA coverage reports (SPEC §4.17, §7.2, §7.3): the upstream_ci_* tables, completed
 * by the reports of the log tree (`fromTree`) for the dates the DB lacks. The DB the original system
 * wrote (what users pull) has no upstream rows at all; a date in the DB wins over its file.
 */
import type { Db } from '../database/connection';
import { dashed, shiftDate } from '../core/dates';
import type { UpstreamReport } from '../core/records';
import type { UpstreamReportPayload, UpstreamRow, UpstreamTrendPoint } from './types';

/** Days of the coverage trend on the upstream page (the original's "Last 30 Days"). */
export const UPSTREAM_TREND_DAYS = 30;

/** Reports kept outside the DB (the log tree's files), read only when asked for. */
export interface UpstreamReportFiles {
  /** Every date that has a report file, in any order. */
  dates(): string[];
  /** The report of `date`, or null when it has no file or the file is not a report. */
  report(date: string): UpstreamReport | null;
}

type ReportHead = Omit<UpstreamReport, 'rows' | 'amd_total' | 'nvidia_total'> & { amd_total: number | null; nvidia_total: number | null };

/** Report dates, newest first, at most `limit`. */
export async function upstreamDates(db: Db, fromTree: UpstreamReportFiles, limit = 90): Promise<string[]> {
  const rows = await db.selectFrom('upstream_ci_reports').select('report_date').orderBy('report_date', 'desc').limit(limit).execute();
  const dates = new Set([...rows.map((r) => r.report_date), ...fromTree.dates()]);
  return [...dates].sort().reverse().slice(0, limit);
}

function payload(head: ReportHead, rows: readonly UpstreamRow[]): UpstreamReportPayload {
  return {
    date: head.report_date,
    filename: head.file_name,
    format: head.format,
    data: rows.map((r) => ({ 'Test Category': r.test_category, 'AMD # of Tests': r.amd_tests, 'Nvidia # of Tests': r.nvidia_tests, 'AMD Coverage (%)': r.coverage_text })),
    rows: [...rows],
    totals: { amd_tests: head.amd_total, nvidia_tests: head.nvidia_total, coverage_pct: head.coverage_pct },
  };
}

export async function upstreamReport(db: Db, fromTree: UpstreamReportFiles, date: string): Promise<UpstreamReportPayload | null> {
  const stored = await db.selectFrom('upstream_ci_reports').selectAll().where('report_date', '=', date).executeTakeFirst();
  if (!stored) {
    const file = fromTree.report(date);
    return file ? payload(file, file.rows) : null;
  }
  const rows = await db
    .selectFrom('upstream_ci_rows')
    .select(['row_index', 'section', 'test_category', 'amd_tests', 'nvidia_tests', 'coverage_text', 'coverage_pct'])
    .where('report_date', '=', date)
    .orderBy('row_index')
    .execute();
  return payload(stored, rows);
}

function trendPoint(head: ReportHead & { amd_total: number; nvidia_total: number }): UpstreamTrendPoint {
  return { date: head.report_date, date_formatted: dashed(head.report_date), amd_tests: head.amd_total, nvidia_tests: head.nvidia_total, coverage: head.coverage_pct };
}

/**
 * Reports that have totals, oldest first, in the `days` days ending at `endDate` (default: the newest
 * report), so that a page showing an older report shows the trend up to that report.
 */
export async function upstreamTrends(db: Db, fromTree: UpstreamReportFiles, days: number, endDate: string | null = null): Promise<UpstreamTrendPoint[]> {
  const end = endDate ?? (await upstreamDates(db, fromTree, 1))[0];
  if (!end) return [];
  const start = shiftDate(end, -(days - 1));
  const stored = await db.selectFrom('upstream_ci_reports').selectAll().where('report_date', '>=', start).where('report_date', '<=', end).execute();
  const points: UpstreamTrendPoint[] = [];
  for (const r of stored) if (r.amd_total !== null && r.nvidia_total !== null) points.push(trendPoint({ ...r, amd_total: r.amd_total, nvidia_total: r.nvidia_total }));
  const storedDates = new Set(stored.map((r) => r.report_date));
  for (const date of fromTree.dates()) {
    const file = date >= start && date <= end && !storedDates.has(date) ? fromTree.report(date) : null;
    if (file) points.push(trendPoint(file));
  }
  return points.sort((a, b) => (a.date < b.date ? -1 : 1));
}
