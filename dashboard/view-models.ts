/**
 * What each HTML page shows (SPEC §7.3), assembled from the read model: the routes parse the URL,
 * call one of these and render the locals they return. Chart inputs, neighbour dates and display
 * formats are decided here, never in a route or a template.
 */
import fs from 'node:fs';
import { TOOL_VERSION } from '../config';
import { HARDWARE, type Hardware } from '../core/hardware';
import { SANITY_TASK_NAME, TASK_CRON_LOGS, sanityDisplayName, taskGroupsFor } from '../core/tasks';
import { TASK_STATES, formatRuntime } from '../core/verdicts';
import { dashed, dayNumber } from '../core/dates';
import { changesSincePrevious, hardwareNights, statusGrid, streaks, testHistory } from '../read/history';
import { availablePlotDates, groupPlots, nightMetrics, nightPlots } from '../read/plots';
import { dateCounts, getRunDetails, getRunSummary, latestDates, listAllDates, listDates, neighbourDates, newestNightWithData, recentRuns, type RunLookup } from '../read/runs';
import { UPSTREAM_TREND_DAYS, upstreamDates, upstreamReport, upstreamTrends } from '../read/upstream';
import { lastIngest } from '../read/health';
import { nightsWithoutServingMetrics } from '../read/ingest-coverage';
import type { SummaryPayload, UpstreamReportPayload } from '../read/types';
import { compareRuns, formatPct, formatRunRef, loadRunSnapshot, type RunComparison, type RunRef } from '../read/compare';
import { machinesByHardware } from '../read/digest';
import { readSyncState } from '../sync/sidecar';
import type { AppContext } from './context';
import { cronLogNames } from './services/log-files';
import { plotTree } from './services/plot-tree';
import { upstreamReportFiles } from './services/upstream-files';

/** JSON for a `<script type="application/json">` block: `<` escaped so no data can close the tag. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A task or night state as a CSS class suffix (`no logs` → `no-logs`). */
function stateClass(state: string): string {
  return state.replace(/[^a-z]+/g, '-');
}

/** Helpers every view gets. */
export const viewHelpers = { TASK_CRON_LOGS, SANITY_TASK_NAME, TASK_STATES, dashed, formatRuntime, sanityDisplayName, safeJson, stateClass, taskGroupsFor, HARDWARE };

// Building an Intl.DateTimeFormat costs more than a page's SQL; one per zone is kept.
const displayFormats = new Map<string, Intl.DateTimeFormat>();

/** ISO start time → `2025-12-19 08:50 AM PST` in the display zone, with the right PST/PDT label. */
export function displayTime(iso: string | null, timeZone: string): string | null {
  if (!iso) return null;
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  let format = displayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: true, timeZoneName: 'short' });
    displayFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(t).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${parts.dayPeriod} ${parts.timeZoneName}`;
}

/** Hours since the newest night (its date at 12:00 UTC, a conservative mid-day). */
function nightAgeHours(date: string | null, now = Date.now()): number | null {
  if (!date) return null;
  const t = dayNumber(date) * 86_400_000 + 12 * 3_600_000;
  return Math.max(0, (now - t) / 3_600_000);
}

/** Footer freshness line and stale-data banner, shared by every page: from nights with data, never no-logs placeholders. */
export async function freshness(ctx: AppContext) {
  const newest = await newestNightWithData(ctx.data.db());
  const age = nightAgeHours(newest);
  return { newest, newestDashed: newest ? dashed(newest) : null, stale: age !== null && age > ctx.settings.FRESHNESS_WARN_HOURS, ageDays: age === null ? null : Math.floor(age / 24) };
}

/** The URL's date when given (already validated), else the newest available one. */
function chosenDate(requested: string | null, dates: string[]): string | null {
  return requested ?? dates[0] ?? null;
}

/** Previous and next entries around `date` in a newest-first list of dates. */
function neighboursIn(dates: string[], date: string | null): { prev: string | null; next: string | null } {
  const idx = date ? dates.indexOf(date) : -1;
  return { prev: idx >= 0 ? (dates[idx + 1] ?? null) : null, next: idx > 0 ? dates[idx - 1] : null };
}

const summaryOrNull = (lookup: RunLookup<SummaryPayload>): SummaryPayload | null => (lookup.ok ? lookup.value : null);

export async function homeView(ctx: AppContext, requestedDate: string | null) {
  const db = ctx.data.db();
  const dates = await listAllDates(db, 90);
  const date = chosenDate(requestedDate, dates);
  const summaries = {} as Record<Hardware, SummaryPayload | null>;
  const changes = {} as Record<Hardware, Awaited<ReturnType<typeof changesSincePrevious>>>;
  for (const hw of HARDWARE) {
    summaries[hw] = date ? summaryOrNull(await getRunSummary(db, ctx.settings.GITHUB_REPO, hw, date)) : null;
    changes[hw] = date ? await changesSincePrevious(db, hw, date, summaries[hw]?.machine_name ?? null) : { previous: null, new_failures: [], recoveries: [], other_changes: [] };
  }
  const ingest = await lastIngest(db);
  return {
    title: 'Home',
    dates,
    date,
    neighbours: date ? await neighbourDates(db, null, date) : { prev: null, next: null },
    summaries,
    changes,
    recent: await recentRuns(db, 7),
    grid: await statusGrid(db, 30),
    status: {
      schemaVersion: ctx.data.schema().version,
      lastIngest: ingest?.finished_at ?? null,
      lastIngestStatus: ingest?.status ?? null,
      lastSync: readSyncState(ctx.data.dbPath).updated_at,
      dbModified: fs.statSync(ctx.data.dbPath).mtime.toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
      latest: await latestDates(db),
      counts: await dateCounts(db),
      version: TOOL_VERSION,
    },
    // The display tally: one bar per state, the bars of a hardware sum to its task count.
    chart: {
      labels: TASK_STATES.map((st) => st[0].toUpperCase() + st.slice(1)),
      ...Object.fromEntries(
        HARDWARE.map((hw) => {
          const t = summaries[hw]?.stats.tally;
          return [hw, t ? [t.pass, t.fail, t.unknown, t.not_run, t.no_logs] : TASK_STATES.map(() => 0)];
        }),
      ),
    },
  };
}

/** The hardware page, or why it cannot be shown (a `machine` the DB does not know). */
export async function hardwareView(ctx: AppContext, hw: Hardware, requestedDate: string | null, machineParam: string | null): Promise<RunLookup<Record<string, unknown>>> {
  const db = ctx.data.db();
  const dates = await listDates(db, hw, 90);
  const date = chosenDate(requestedDate, dates);
  const lookup = date ? await getRunSummary(db, ctx.settings.GITHUB_REPO, hw, date, machineParam) : null;
  if (lookup && !lookup.ok && lookup.reason === 'unknown_machine') return lookup;
  const summary = lookup ? summaryOrNull(lookup) : null;
  const machine = summary?.machine_name ?? machineParam;
  const details = summary && date ? await getRunDetails(db, hw, date, summary.machine_name) : null;
  const history = date ? await testHistory(db, hw, 30, { machine, until: date }) : null;
  // Each night's default machine unless the URL names one: a night another machine ran is not "no run".
  const nights = date ? await hardwareNights(db, hw, 30, { machine: machineParam, until: date }) : [];
  const percent = (accuracy: number | null | undefined) => (accuracy === null || accuracy === undefined ? null : Math.round(accuracy * 1000) / 10);
  return {
    ok: true,
    value: {
      title: hw.toUpperCase(),
      hw,
      dates,
      date,
      machine,
      neighbours: date ? await neighbourDates(db, hw, date) : { prev: null, next: null },
      summary,
      details,
      startedAt: displayTime(details?.started_at ?? null, ctx.settings.DISPLAY_TIMEZONE),
      localLogs: date ? cronLogNames(ctx.baseDir, hw, date) : [],
      streaks: summary && date ? await streaks(db, hw, date, summary.machine_name) : {},
      metrics: summary && date ? await nightMetrics(db, hw, date, summary.machine_name) : {},
      nights,
      history: {
        // Every night of either hardware: a night without a run of this one is a gap, named "no run".
        dates: nights.map((n) => dashed(n.date)),
        states: nights.map((n) => n.state),
        passRate: nights.map((n) => n.pass_rate),
        coverage: nights.map((n) => n.coverage_pct),
        gsm8kDates: history ? Object.values(history.test_history)[0]?.dates ?? [] : [],
        gsm8k: Object.fromEntries(
          Object.entries(history?.test_history ?? {})
            .filter(([name, s]) => !name.startsWith('Sanity: ') && s.details.some((d) => percent(d?.gsm8k_accuracy) !== null))
            .map(([name, s]) => [name, s.details.map((d) => percent(d?.gsm8k_accuracy))]),
        ),
      },
    },
  };
}

/** A path as one shell word (quoted when it holds anything else than plain path characters). */
export const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * The `ci-dash ingest` that writes hw's serving metrics when none of its nights has any (a DB the
 * original wrote, e.g. after `sync pull`): the empty state of the figures built from them names it.
 */
export async function servingIngestCommand(ctx: AppContext, hw: Hardware): Promise<string | null> {
  const nights = await nightsWithoutServingMetrics(ctx.data.db(), hw);
  if (!nights) return null;
  return `ci-dash --db ${shellWord(ctx.data.dbPath)} ingest --from ${nights.first} --to ${nights.last} --hardware ${hw} --base-dir ${ctx.baseDir ? shellWord(ctx.baseDir) : '<dir>'}`;
}

export async function plotsView(ctx: AppContext, hw: Hardware, requestedDate: string | null) {
  const db = ctx.data.db();
  const tree = plotTree(ctx.baseDir);
  const dates = await availablePlotDates(db, hw, tree);
  const date = chosenDate(requestedDate, dates);
  return {
    title: `${hw.toUpperCase()} Plots`,
    hw,
    dates,
    date,
    neighbours: neighboursIn(dates, date),
    plots: groupPlots(ctx.settings.GITHUB_REPO, hw, date ? await nightPlots(db, hw, date, tree) : [], () => true),
    metrics: date ? await nightMetrics(db, hw, date, null) : {},
    ingestCommand: await servingIngestCommand(ctx, hw),
  };
}

/** The test-distribution doughnut: AMD's tests, and NVIDIA's tests that AMD lacks (none when AMD has more). */
export function testDistribution(totals: UpstreamReportPayload['totals']): { covered: number; not_covered: number } | null {
  const { amd_tests: amd, nvidia_tests: nvidia } = totals;
  return amd === null || nvidia === null ? null : { covered: amd, not_covered: Math.max(0, nvidia - amd) };
}

export async function upstreamView(ctx: AppContext, requestedDate: string | null) {
  const db = ctx.data.db();
  const fromTree = upstreamReportFiles(ctx.baseDir);
  const dates = await upstreamDates(db, fromTree);
  const date = chosenDate(requestedDate, dates);
  const report = date ? await upstreamReport(db, fromTree, date) : null;
  const chartRows = (report?.rows ?? []).filter((r) => (report?.format === 'flat' ? r.section === 'flat' : r.section === 'category'));
  return {
    title: 'Upstream CI',
    dates,
    date,
    neighbours: neighboursIn(dates, date),
    report,
    /** The tree has a file for the date that is not a readable report (ingest names the problem). */
    unreadableFile: date !== null && report === null && fromTree.dates().includes(date),
    treeConfigured: ctx.baseDir !== null,
    trendDays: UPSTREAM_TREND_DAYS,
    chart: {
      categories: chartRows.map((r) => r.test_category),
      amd: chartRows.map((r) => r.amd_tests),
      nvidia: chartRows.map((r) => r.nvidia_tests),
      distribution: report ? testDistribution(report.totals) : null,
      trends: date ? await upstreamTrends(db, fromTree, UPSTREAM_TREND_DAYS, date) : [],
    },
  };
}

type Compared = { comparison: RunComparison } | { notFound: string };

/** Two ingested runs compared, or which one is missing. */
export async function compareRefs(ctx: AppContext, a: RunRef, b: RunRef): Promise<Compared> {
  const db = ctx.data.db();
  const [sa, sb] = await Promise.all([loadRunSnapshot(db, a), loadRunSnapshot(db, b)]);
  if ('notFound' in sa) return sa;
  if ('notFound' in sb) return sb;
  return { comparison: compareRuns(sa, sb) };
}

/** Dates per hardware, newest first (the compare picker's choices and its default pair). */
export async function compareDates(ctx: AppContext): Promise<Record<Hardware, string[]>> {
  const db = ctx.data.db();
  return Object.fromEntries(await Promise.all(HARDWARE.map(async (hw) => [hw, await listDates(db, hw, 90)] as const))) as Record<Hardware, string[]>;
}

/** The compare page: the picker, and the comparison of `refs` when chosen. `found` is false when a run is not ingested. */
export async function compareView(ctx: AppContext, dates: Record<Hardware, string[]>, refs: { a: RunRef; b: RunRef } | null) {
  const picker = { title: 'Compare runs', HARDWARE, dates, machines: await machinesByHardware(ctx.data.db()), dashed, formatPct, scripts: ['/static/js/compare.js'] };
  if (!refs) return { found: true, locals: { ...picker, a: null, b: null, comparison: null, notFound: null } };
  const result = await compareRefs(ctx, refs.a, refs.b);
  return {
    found: 'comparison' in result,
    locals: {
      ...picker,
      ...refs,
      refs: { a: formatRunRef(refs.a), b: formatRunRef(refs.b) },
      comparison: 'comparison' in result ? result.comparison : null,
      notFound: 'notFound' in result ? `Not ingested: ${result.notFound}` : null,
    },
  };
}
