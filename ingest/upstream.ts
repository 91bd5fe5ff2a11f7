/**
 * Upstream coverage CSVs → `upstream_ci_reports` / `upstream_ci_rows` (SPEC §4.17). Placeholder:
 * owned by the acceptance/extras engineer.
 */
import type { Db } from '../database/connection';
import type { IngestIssue } from './types';

/** Parses every `upstream_ci/ci_report/sglang_ci_report_{date}.csv` under baseDir and upserts it. */
export async function ingestUpstreamReports(_db: Db, _baseDir: string): Promise<{ reports: number; issues: IngestIssue[] }> {
  return { reports: 0, issues: [] };
}
