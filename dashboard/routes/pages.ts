/**
 * HTML pages (SPEC §7.3): home, hardware, plots, upstream coverage. Each handler validates the URL,
 * asks the query functions in dashboard/queries and renders one view; every page state lives in the
 * query string. Bootstrap's CSS/JS are served from node_modules (no CDN).
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import { PROJECT_ROOT, TOOL_VERSION } from '../../config';
import { HARDWARE, type Hardware } from '../../core/hardware';
import type { AppContext } from '../context';
import { DB_STATE_MESSAGES, dbState } from '../services/db-state';
import { requestCacheKey } from '../services/cache';
import { wireResponse } from '../fast-hits';
import { TTL } from './api';
import { dashed, parseDate, parseHardware } from '../validate';
import { TASK_CRON_LOGS, TASK_GROUPS, formatRuntime, sanityDisplayName } from '../../core/catalogue';
import { changesSincePrevious, nightRuns, statusGrid, streaks, testHistory } from '../../read/history';
import { availablePlotDates, groupPlots, nightMetrics, plotAssets } from '../../read/plots';
import { dateCounts, getRunDetails, getRunSummary, latestDates, listAllDates, listDates, neighbourDates, parseMachine, recentRuns, runStats } from '../../read/runs';
import { upstreamDates, upstreamReport, upstreamTrends } from '../../read/upstream';
import { lastIngest } from '../../read/health';
import { cronLogNames } from './files';
import { readSyncState } from '../../sync/sidecar';

/** JSON for a `<script type="application/json">` block: `<` escaped so no data can close the tag. */
function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

// Building an Intl.DateTimeFormat costs more than a page's SQL; one per zone is kept.
const displayFormats = new Map<string, Intl.DateTimeFormat>();

/** ISO start time → `2025-12-19 08:50 AM PST` in the display zone, with the right PST/PDT label. */
function displayTime(iso: string | null, timeZone: string): string | null {
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

/** Helpers every view gets. */
const viewHelpers = { TASK_CRON_LOGS, dashed, formatRuntime, sanityDisplayName, safeJson, TASK_GROUPS, HARDWARE };

/** Renders the DB-state page and returns false when the DB cannot be read by this build. */
function dbReady(ctx: AppContext, res: Response): boolean {
  const state = dbState(ctx.data);
  if (state === 'ok') return true;
  res.status(503).setHeader('Cache-Control', 'no-store');
  res.render('error', { title: state === 'missing' ? 'No database' : 'Database needs migration', message: DB_STATE_MESSAGES[state], freshness: null });
  return false;
}

/** `?date=` when given (must be a real date), else the newest available date. */
function pickDate(raw: unknown, dates: string[]): string | null {
  if (raw !== undefined && raw !== '') return parseDate(raw);
  return dates[0] ?? null;
}

/** Hours since the newest night (its date at 12:00 UTC, a conservative mid-day). */
function nightAgeHours(date: string | null, now = Date.now()): number | null {
  if (!date) return null;
  const t = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)), 12);
  return Math.max(0, (now - t) / 3_600_000);
}

/** Requests that never get an HTML page from this router (no freshness line, no page cache). */
const NOT_A_PAGE = /^\/(api|static|logs|github-plots)\/|^\/health$/;

export function pagesRoutes(ctx: AppContext): Router {
  const router = Router();
  const repo = ctx.settings.GITHUB_REPO;
  router.use('/static/vendor/bootstrap', express.static(path.join(PROJECT_ROOT, 'node_modules', 'bootstrap', 'dist'), { maxAge: '1d' }));

  /** Footer freshness line and banner input shared by every page. */
  async function freshness() {
    const latest = await latestDates(ctx.data.db());
    const newest = [latest.mi30x, latest.mi35x].filter((d): d is string => !!d).sort().pop() ?? null;
    const age = nightAgeHours(newest);
    return { newest, stale: age !== null && age > ctx.settings.FRESHNESS_WARN_HOURS, ageDays: age === null ? null : Math.floor(age / 24) };
  }

  /**
   * The pages of this router are kept rendered in the response cache, like the API's JSON (same
   * TTL as the summary, dropped with the rest when the data changes or after a sync): rendering a
   * page runs 20–30 queries and an EJS render, and pages are what most visitors ask for.
   */
  function render(res: Response, view: string, locals: Record<string, unknown>): void {
    res.setHeader('Cache-Control', 'no-cache');
    res.render(view, { ...viewHelpers, ...locals }, (err: Error | null, html: string) => {
      if (err) {
        res.req.next?.(err);
        return;
      }
      const { pageCacheKey: key, pageCacheGeneration: generation } = res.locals;
      if (typeof key === 'string' && res.statusCode === 200) {
        ctx.data.cache.set(key, html, TTL.summary, generation as number, wireResponse(res.app, html, 'text/html; charset=utf-8', 'no-cache'));
      }
      res.setHeader('X-Cache', 'miss');
      res.send(html);
    });
  }

  // A cached page first; else the footer "data as of" and the stale-data banner on every HTML page
  // (also other engineers' pages, which do not use the page cache).
  router.use(async (req, res, next) => {
    if (req.method === 'GET' && !NOT_A_PAGE.test(req.path)) {
      try {
        if (dbState(ctx.data) === 'ok') {
          const key = requestCacheKey(req.path, req.query as Record<string, unknown>);
          const hit = ctx.data.cache.get(key);
          if (hit !== undefined) {
            res.setHeader('Cache-Control', 'no-cache');
            res.setHeader('X-Cache', 'hit');
            res.type('html').send(hit);
            return;
          }
          res.locals.pageCacheKey = key;
          res.locals.pageCacheGeneration = ctx.data.cache.generation;
          res.locals.freshness = await freshness();
        }
      } catch {
        // A page renders without the freshness line rather than failing.
      }
    }
    next();
  });

  router.get('/', async (req, res) => {
    if (!dbReady(ctx, res)) return;
    const db = ctx.data.db();
    const dates = await listAllDates(db, 90);
    const date = pickDate(req.query.date, dates);
    const summaries = {} as Record<Hardware, Awaited<ReturnType<typeof getRunSummary>>>;
    const changes = {} as Record<Hardware, Awaited<ReturnType<typeof changesSincePrevious>>>;
    for (const hw of HARDWARE) {
      summaries[hw] = date ? await getRunSummary(db, repo, hw, date) : null;
      changes[hw] = date ? await changesSincePrevious(db, hw, date, summaries[hw]?.machine_name ?? null) : { previous: null, new_failures: [], recoveries: [] };
    }
    const schema = ctx.data.schema();
    const ingest = await lastIngest(db);
    render(res, 'home', {
      title: 'Home',
      dates,
      date,
      neighbours: date ? await neighbourDates(db, null, date) : { prev: null, next: null },
      summaries,
      changes,
      recent: await recentRuns(db, 7),
      grid: await statusGrid(db, 30),
      status: {
        schemaVersion: schema.version,
        lastIngest: ingest?.finished_at ?? null,
        lastIngestStatus: ingest?.status ?? null,
        lastSync: readSyncState(ctx.data.dbPath).updated_at,
        dbModified: fs.statSync(ctx.data.dbPath).mtime.toISOString().replace('T', ' ').slice(0, 19) + ' UTC',
        latest: await latestDates(db),
        counts: await dateCounts(db),
        version: TOOL_VERSION,
      },
      chart: Object.fromEntries(HARDWARE.map((hw) => [hw, summaries[hw] ? [summaries[hw].stats.passed_tasks, summaries[hw].stats.failed_tasks, summaries[hw].stats.unknown_tasks, summaries[hw].stats.not_run] : [0, 0, 0, 0]])),
    });
  });

  router.get('/hardware/:hw', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    const machineParam = parseMachine(req.query.machine);
    if (!dbReady(ctx, res)) return;
    const db = ctx.data.db();
    const dates = await listDates(db, hw, 90);
    const date = pickDate(req.query.date, dates);
    const summary = date ? await getRunSummary(db, repo, hw, date, machineParam) : null;
    const machine = summary?.machine_name ?? machineParam;
    const details = summary && date ? await getRunDetails(db, hw, date, summary.machine_name) : null;
    const history = date ? await testHistory(db, hw, 30, { machine, until: date }) : null;
    const runs = date ? await nightRuns(db, hw, 30, { machine, until: date }) : [];
    render(res, 'hardware', {
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
      history: ({
        dates: runs.map((r) => dashed(r.run_date)),
        passRate: runs.map((r) => runStats(r).pass_rate),
        gsm8k: Object.fromEntries(
          Object.entries(history?.test_history ?? {})
            .filter(([name, s]) => !name.startsWith('Sanity: ') && s.details.some((d) => d?.gsm8k_accuracy !== null && d?.gsm8k_accuracy !== undefined))
            .map(([name, s]) => [name, s.details.map((d) => (d?.gsm8k_accuracy === null || d?.gsm8k_accuracy === undefined ? null : Math.round(d.gsm8k_accuracy * 1000) / 10))]),
        ),
      }),
    });
  });

  router.get('/plots/:hw', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    if (!dbReady(ctx, res)) return;
    const db = ctx.data.db();
    const dates = await availablePlotDates(db, hw);
    const date = pickDate(req.query.date, dates);
    const assets = date ? await plotAssets(db, hw, date) : [];
    const metrics = date ? await nightMetrics(db, hw, date, null) : {};
    const idx = date ? dates.indexOf(date) : -1;
    render(res, 'plots', {
      title: `${hw.toUpperCase()} Plots`,
      hw,
      dates,
      date,
      neighbours: { prev: idx >= 0 ? (dates[idx + 1] ?? null) : null, next: idx > 0 ? dates[idx - 1] : null },
      plots: groupPlots(repo, hw, assets, () => true),
      metrics,
    });
  });

  router.get('/upstream-ci', async (req, res) => {
    if (!dbReady(ctx, res)) return;
    const db = ctx.data.db();
    const dates = await upstreamDates(db);
    const date = pickDate(req.query.date, dates);
    const report = date ? await upstreamReport(db, date) : null;
    const trends = await upstreamTrends(db, 30);
    const idx = date ? dates.indexOf(date) : -1;
    const chartRows = (report?.rows ?? []).filter((r) => (report?.format === 'flat' ? r.section === 'flat' : r.section === 'category'));
    render(res, 'upstream', {
      title: 'Upstream CI',
      dates,
      date,
      neighbours: { prev: idx >= 0 ? (dates[idx + 1] ?? null) : null, next: idx > 0 ? dates[idx - 1] : null },
      report,
      chart: ({
        categories: chartRows.map((r) => r.test_category),
        amd: chartRows.map((r) => r.amd_tests),
        nvidia: chartRows.map((r) => r.nvidia_tests),
        trends,
      }),
    });
  });

  return router;
}
