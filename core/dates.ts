/**
 * Calendar dates as the CI spells them: a night is `YYYYMMDD` (the cron dirs' names), pages and ISO text
 * use `YYYY-MM-DD`. Arithmetic is on UTC calendar days, so no local time zone or DST can shift a date.
 * Pure: "now" is always passed in.
 */
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const DASHED = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True for a real calendar date written YYYYMMDD (20250230 is not). */
export function isRealDate(yyyymmdd: string): boolean {
  const m = COMPACT.exec(yyyymmdd);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const dt = new Date(Date.UTC(y, mo - 1, d));
  return dt.getUTCFullYear() === y && dt.getUTCMonth() === mo - 1 && dt.getUTCDate() === d;
}

/** YYYYMMDD -> YYYY-MM-DD. */
export function dashed(yyyymmdd: string): string {
  return `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
}

/** YYYY-MM-DD -> YYYYMMDD; any other text is returned unchanged (callers validate with isRealDate). */
export function compactDate(value: string): string {
  return DASHED.test(value) ? value.replace(/-/g, '') : value;
}

/** A real date written YYYYMMDD or YYYY-MM-DD, as YYYYMMDD; null otherwise. */
export function toRealDate(value: string): string | null {
  const compact = compactDate(value);
  return isRealDate(compact) ? compact : null;
}

/** Whole days since 1970-01-01 of a YYYYMMDD date. */
export function dayNumber(yyyymmdd: string): number {
  return Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / DAY_MS;
}

/** The UTC calendar date of an instant, YYYYMMDD. */
export function utcDate(at: Date): string {
  return at.toISOString().slice(0, 10).replace(/-/g, '');
}

/** YYYYMMDD shifted by whole days (negative: back), across month and year ends. */
export function shiftDate(yyyymmdd: string, days: number): string {
  return utcDate(new Date((dayNumber(yyyymmdd) + days) * DAY_MS));
}

/** Inclusive date range, oldest first; empty when `from` is after `to`. */
export function dateRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = shiftDate(d, 1)) out.push(d);
  return out;
}

/**
 * The calendar date (YYYYMMDD) of `now` in an IANA time zone (the cron dirs are named by Central-time
 * dates). Throws RangeError for an unknown zone.
 */
export function todayIn(timeZone: string, now: Date): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}${get('month')}${get('day')}`;
}
