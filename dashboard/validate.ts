/**
 * Request parameter validation shared by every route (SPEC §7.1). Each returns the normalised value
 * or throws HttpError(400, message); pages turn that into a plain 404 text, APIs into 400 JSON.
 */
import { HARDWARE, MODEL_DIRS, type Hardware, type ModelDir } from '../core/hardware';

export class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export function parseHardware(value: unknown): Hardware {
  if (typeof value === 'string' && (HARDWARE as readonly string[]).includes(value)) return value as Hardware;
  throw new HttpError(400, 'Invalid hardware type');
}

/** True for a real calendar date written YYYYMMDD. */
export function isRealDate(yyyymmdd: string): boolean {
  if (!/^\d{8}$/.test(yyyymmdd)) return false;
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const dt = new Date(Date.UTC(y, m - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === m - 1 && dt.getUTCDate() === d;
}

/** Accepts YYYYMMDD, or YYYY-MM-DD in query strings; returns YYYYMMDD. */
export function parseDate(value: unknown, { allowDashes = true } = {}): string {
  if (typeof value === 'string') {
    const compact = allowDashes && /^\d{4}-\d{2}-\d{2}$/.test(value) ? value.replace(/-/g, '') : value;
    if (isRealDate(compact)) return compact;
  }
  throw new HttpError(400, 'Invalid date (expected YYYYMMDD)');
}

export function parseOptionalDate(value: unknown): string | null {
  return value === undefined || value === '' ? null : parseDate(value);
}

export function parseDays(value: unknown, def = 30, max = 90): number {
  if (value === undefined || value === '') return def;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) throw new HttpError(400, `Invalid days (expected an integer 1..${max})`);
  return n;
}

export const FILE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function parseFileName(value: unknown): string {
  if (typeof value === 'string' && FILE_NAME_RE.test(value) && !value.includes('..')) return value;
  throw new HttpError(400, 'Invalid file name');
}

export function parseModel(value: unknown): ModelDir {
  if (typeof value === 'string' && (MODEL_DIRS as readonly string[]).includes(value)) return value as ModelDir;
  throw new HttpError(400, 'Invalid model');
}

export function parseMode(value: unknown): 'online' | 'offline' {
  if (value === 'online' || value === 'offline') return value;
  throw new HttpError(400, 'Invalid mode');
}

/** YYYYMMDD -> YYYY-MM-DD for display. */
export function dashed(yyyymmdd: string): string {
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}
