/** Upstream AMD-vs-NVIDIA coverage reports (SPEC §4.17, §7.2, §7.3), from upstream_ci_* tables. */
import type { Db } from '../database/connection';
import { dashed, shiftDate } from '../core/dates';
import type { UpstreamReportPayload, UpstreamTrendPoint } from './types';

export async function upstreamDates(db: Db, limit = 90): Promise<string[]> {
  const rows = await db.selectFrom('upstream_ci_reports').select('report_date').orderBy('report_date', 'desc').limit(limit).execute();
  return rows.map((r) => r.report_date);
}

export async function upstreamReport(db: Db, date: string): Promise<UpstreamReportPayload | null> {
  const report = await db.selectFrom('upstream_ci_reports').selectAll().where('report_date', '=', date).executeTakeFirst();
  if (!report) return null;
  const rows = await db
    .selectFrom('upstream_ci_rows')
    .select(['row_index', 'section', 'test_category', 'amd_tests', 'nvidia_tests', 'coverage_text', 'coverage_pct'])
    .where('report_date', '=', date)
    .orderBy('row_index')
    .execute();
  return {
    date,
    filename: report.file_name,
    format: report.format,
    data: rows.map((r) => ({ 'Test Category': r.test_category, 'AMD # of Tests': r.amd_tests, 'Nvidia # of Tests': r.nvidia_tests, 'AMD Coverage (%)': r.coverage_text })),
    rows,
    totals: { amd_tests: report.amd_total, nvidia_tests: report.nvidia_total, coverage_pct: report.coverage_pct },
  };
}

/** Reports that have totals, oldest first, within `days` days before the newest report. */
export async function upstreamTrends(db: Db, days: number): Promise<UpstreamTrendPoint[]> {
  const newest = await db.selectFrom('upstream_ci_reports').select((eb) => eb.fn.max('report_date').as('d')).executeTakeFirst();
  if (!newest?.d) return [];
  const d = newest.d;
  const start = shiftDate(d, -(days - 1));
  const rows = await db
    .selectFrom('upstream_ci_reports')
    .select(['report_date', 'amd_total', 'nvidia_total', 'coverage_pct'])
    .where('report_date', '>=', start)
    .where('amd_total', 'is not', null)
    .where('nvidia_total', 'is not', null)
    .orderBy('report_date')
    .execute();
  return rows.map((r) => ({
    date: r.report_date,
    date_formatted: dashed(r.report_date),
    amd_tests: r.amd_total ?? 0,
    nvidia_tests: r.nvidia_total ?? 0,
    coverage: r.coverage_pct,
  }));
}
