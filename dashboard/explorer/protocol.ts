/** Messages between the explorer pool (server process) and its forked query children, and the API payload. */

export type ParamValue = string | number | null;

export interface QueryJob {
  dbPath: string;
  sql: string;
  params: Record<string, ParamValue>;
  rowLimit: number;
  cellLimit: number;
  maxResponseBytes: number;
}

/** The §8 success payload. */
export interface QueryResult {
  columns: string[];
  rows: unknown[][];
  row_count: number;
  truncated: boolean;
  execution_time_ms: number;
}

/** A success carries the §8 payload as JSON text: the server sends it on as is. */
export type ChildReply = { id: number; ok: true; json: string } | { id: number; ok: false; error: string };

export type ChildMessage = { type: 'ready' } | ({ type: 'reply' } & ChildReply);

export interface ParentMessage {
  id: number;
  job: QueryJob;
}
