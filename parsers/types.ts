/**
 * Types shared by the ingest parsers, the per-night orchestrator and the extension collectors.
 * Parsers return these; only the orchestrator maps them to DB rows.
 */
import type { Hardware } from '../core/hardware';

export type Severity = 'info' | 'warn' | 'error';

/** One `ingest_issues` row before it gets its ingest_run_id. */
export interface IngestIssue {
  run_date: string | null;
  hardware: Hardware | null;
  severity: Severity;
  /** Short stable code, e.g. `unreadable_file`, `malformed_block`, `hostname_fallback`. */
  code: string;
  /** Path relative to the base dir (never absolute, never a secret). */
  rel_path: string | null;
  /** Human message; includes the line number when one is known (`line 12: …`). */
  message: string;
}

export type { MetricRow } from '../core/records';

/** What an extension collector hands back to the orchestrator. */
export interface Collected<T> {
  rows: T[];
  issues: IngestIssue[];
}
