/**
 * Questions about `alert_events`: the /alerts items, the home page's newest regressions, trends markers.
 *
 * An item is one (hardware, night, benchmark configuration): the scan writes one event per metric ×
 * load, and the `subject` it writes is already the configuration (`Grok Online Benchmark [online]` for
 * perf events, the task name for task events). So the item key is derived at read time from columns
 * every row has, old or new, and needs no stored copy that could disagree with it.
 */
import { sql } from 'kysely';
import type { Hardware } from '../core/hardware';
import { imageRelease } from '../core/image-tag';
import type { Db } from '../database/connection';
import type { AlertEvent, AlertState } from '../database/schema';

/** Worst first. An item's severity is the worst of its events'. */
export const ALERT_SEVERITIES = ['failure', 'regression', 'warning', 'info'] as const;
export type AlertSeverity = (typeof ALERT_SEVERITIES)[number];

const KIND_SEVERITY: Record<string, AlertSeverity> = {
  new_failure: 'failure',
  run_error: 'failure',
  accuracy_below_threshold: 'failure',
  docker_image_missing: 'failure',
  perf_regression: 'regression',
  perf_suspect: 'warning',
  missing_data: 'warning',
  recovered: 'info',
};
const SEVERITY_RANK: Record<AlertSeverity, number> = { failure: 4, regression: 3, warning: 2, info: 1 };

/** Severity of one event's kind; a kind this build does not know is information. */
export function severityOf(kind: string): AlertSeverity {
  return KIND_SEVERITY[kind] ?? 'info';
}

/** The item's rank in SQL: the worst severity of its rows (the CASE lists this module's own constants, bound as parameters). */
const itemRank = sql<number>`max(case ${sql.join(
  Object.entries(KIND_SEVERITY).map(([kind, severity]) => sql`when kind = ${kind} then ${SEVERITY_RANK[severity]}`),
  sql` `,
)} else ${SEVERITY_RANK.info} end)`;

export interface AlertItemFilter {
  hw: Hardware | null;
  /** Items holding at least one event of this kind. */
  kind: string | null;
  /** Items whose (worst) severity is this. */
  severity: AlertSeverity | null;
  /** Items holding at least one event in this triage state. */
  state: AlertState | null;
  /** Inclusive YYYYMMDD bounds; null: open. */
  from: string | null;
  to: string | null;
  /** 1-based; past the last page gives the last page. */
  page: number;
  pageSize: number;
}

/** One event as an item lists it: the load and the baseline's explanation split out of `baseline_desc`. */
export interface AlertLine extends AlertEvent {
  severity: AlertSeverity;
  /** `rate 8` / `concurrency 64` for perf events, else null. */
  load_label: string | null;
  /** What the value is compared with (`median of 7 nights …`, `previous run …`). */
  basis: string | null;
}

export interface AlertItem {
  hardware: string;
  run_date: string;
  subject: string;
  severity: AlertSeverity;
  /** Distinct kinds, worst first. */
  kinds: string[];
  /** The events' common state, or `mixed`. */
  state: AlertState | 'mixed';
  /** The events' common note, or null when none or they differ. */
  note: string | null;
  machines: string[];
  /** Release changes between the baseline's image and the night's (build dates alone do not count). */
  image_changes: Array<{ from: string; to: string; from_release: string; to_release: string }>;
  /** Every event but the perf suspects, worst first, biggest change first. */
  moved: AlertLine[];
  /** Perf suspects (one bad night): shown folded under the item. */
  suspects: AlertLine[];
  ids: number[];
}

export interface AlertItemsPage {
  total_items: number;
  total_events: number;
  page: number;
  pages: number;
  page_size: number;
  /** 1-based positions of the page's first and last item (0 when empty). */
  first: number;
  last: number;
  items: AlertItem[];
}

const LOAD_PREFIX = /^(concurrency|request rate) (\d+); (.*)$/s;

function lineOf(e: AlertEvent): AlertLine {
  const m = e.load_value >= 0 ? LOAD_PREFIX.exec(e.baseline_desc ?? '') : null;
  return {
    ...e,
    severity: severityOf(e.kind),
    load_label: m ? `${m[1] === 'concurrency' ? 'concurrency' : 'rate'} ${m[2]}` : e.load_value >= 0 ? String(e.load_value) : null,
    basis: m ? m[3] : e.baseline_desc,
  };
}

const worstFirst = (a: AlertLine, b: AlertLine) =>
  SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
  Math.abs(b.delta_pct ?? 0) - Math.abs(a.delta_pct ?? 0) ||
  a.kind.localeCompare(b.kind) ||
  a.metric.localeCompare(b.metric) ||
  a.load_value - b.load_value ||
  a.id - b.id;

function itemOf(key: { hardware: string; run_date: string; subject: string }, events: AlertEvent[]): AlertItem {
  const lines = events.map(lineOf).sort(worstFirst);
  const states = new Set(lines.map((l) => l.state));
  const notes = new Set(lines.map((l) => l.note));
  const changes = new Map<string, AlertItem['image_changes'][number]>();
  for (const l of lines) {
    const before = imageRelease(l.baseline_docker_image);
    const after = imageRelease(l.docker_image);
    if (before && after && before !== after) changes.set(`${before}|${after}`, { from: l.baseline_docker_image as string, to: l.docker_image as string, from_release: before, to_release: after });
  }
  return {
    ...key,
    severity: lines[0].severity,
    kinds: [...new Set(lines.map((l) => l.kind))],
    state: states.size === 1 ? lines[0].state : 'mixed',
    note: notes.size === 1 ? lines[0].note : null,
    machines: [...new Set(lines.map((l) => l.machine_name).filter((m) => m !== ''))].sort(),
    image_changes: [...changes.values()],
    moved: lines.filter((l) => l.kind !== 'perf_suspect'),
    suspects: lines.filter((l) => l.kind === 'perf_suspect'),
    ids: lines.map((l) => l.id).sort((a, b) => a - b),
  };
}

/** One page of items of the filter, newest night first, then worst severity, hardware and configuration. */
export async function listAlertItems(db: Db, f: AlertItemFilter): Promise<AlertItemsPage> {
  let groups = db
    .selectFrom('alert_events')
    .select(['hardware', 'run_date', 'subject'])
    .select((eb) => [itemRank.as('rank'), eb.fn.countAll<number>().as('events')])
    .groupBy(['hardware', 'run_date', 'subject']);
  if (f.hw) groups = groups.where('hardware', '=', f.hw);
  if (f.from) groups = groups.where('run_date', '>=', f.from);
  if (f.to) groups = groups.where('run_date', '<=', f.to);
  if (f.kind) groups = groups.having(sql<number>`sum(kind = ${f.kind})`, '>', 0);
  if (f.state) groups = groups.having(sql<number>`sum(state = ${f.state})`, '>', 0);
  if (f.severity) groups = groups.having(itemRank, '=', SEVERITY_RANK[f.severity]);

  const totals = await db
    .selectFrom(groups.as('g'))
    .select((eb) => [eb.fn.countAll<number>().as('items'), eb.fn.coalesce(eb.fn.sum<number>('g.events'), sql<number>`0`).as('events')])
    .executeTakeFirstOrThrow();
  const pages = Math.max(1, Math.ceil(totals.items / f.pageSize));
  const page = Math.min(Math.max(1, f.page), pages);
  const keys = await groups
    .orderBy('run_date', 'desc')
    .orderBy('rank', 'desc')
    .orderBy('hardware')
    .orderBy('subject')
    .limit(f.pageSize)
    .offset((page - 1) * f.pageSize)
    .execute();
  const events = keys.length
    ? await db
        .selectFrom('alert_events')
        .selectAll()
        .where((eb) => eb.or(keys.map((k) => eb.and([eb('hardware', '=', k.hardware), eb('run_date', '=', k.run_date), eb('subject', '=', k.subject)]))))
        .execute()
    : [];
  const byKey = new Map<string, AlertEvent[]>();
  const keyOf = (k: { hardware: string; run_date: string; subject: string }) => JSON.stringify([k.hardware, k.run_date, k.subject]);
  for (const e of events) {
    const list = byKey.get(keyOf(e));
    if (list) list.push(e);
    else byKey.set(keyOf(e), [e]);
  }
  const first = keys.length ? (page - 1) * f.pageSize + 1 : 0;
  return {
    total_items: totals.items,
    total_events: Number(totals.events),
    page,
    pages,
    page_size: f.pageSize,
    first,
    last: keys.length ? first + keys.length - 1 : 0,
    items: keys.map((k) => itemOf({ hardware: k.hardware, run_date: k.run_date, subject: k.subject }, byKey.get(keyOf(k)) ?? [])),
  };
}

/** Whether any scan has written an event (a DB the original wrote, or one never scanned, has none). */
export async function hasAlertEvents(db: Db): Promise<boolean> {
  return (await db.selectFrom('alert_events').select('id').limit(1).executeTakeFirst()) !== undefined;
}

/** Distinct kinds present (for the filter). */
export async function alertKinds(db: Db): Promise<string[]> {
  return (await db.selectFrom('alert_events').select('kind').distinct().orderBy('kind').execute()).map((r) => r.kind);
}

/**
 * For the home page: the newest perf regressions (and suspects) that nobody has closed
 * (`fixed`/`false_alarm`/`expected` are left out), newest night first, biggest change first.
 */
export async function newestRegressions(db: Db, limit: number): Promise<AlertEvent[]> {
  return db
    .selectFrom('alert_events')
    .selectAll()
    .where('kind', 'in', ['perf_regression', 'perf_suspect'])
    .where('state', 'in', ['new', 'acknowledged'])
    .orderBy('run_date', 'desc')
    .orderBy('kind', 'asc')
    .orderBy((eb) => eb.fn('abs', ['delta_pct']), 'desc')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** Perf events of a hardware in a window, for the regression markers and triage notes of /trends. */
export async function perfAlertsBetween(db: Db, hw: Hardware, from: string, to: string): Promise<AlertEvent[]> {
  return db
    .selectFrom('alert_events')
    .selectAll()
    .where('hardware', '=', hw)
    .where('kind', 'in', ['perf_regression', 'perf_suspect'])
    .where('run_date', '>=', from)
    .where('run_date', '<=', to)
    .orderBy('run_date')
    .execute();
}
