/**
 * Performance pages and APIs: `/trends/:hw` (status, GSM8K, runtime, sanity and serving-perf trends),
 * `/perf` (SGLang nightly metrics JSON), `/alerts` (events with triage), and their JSON:
 * `/api/trends/:hw`, `/api/metrics/:hw`, `/api/perf`, `/api/perf.csv`, `/api/alerts`,
 * `POST /api/alerts/:id/state`. Every filter lives in the query string.
 */
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { PROJECT_ROOT } from '../../config';
import { HARDWARE, type Hardware } from '../../core/hardware';
import { kyselyFor, openWriter } from '../../database/connection';
import { LockTimeoutError, lockPath, withLock } from '../../database/lock';
import type { AlertState } from '../../database/schema';
import type { AppContext } from '../context';
import { requireAdmin } from '../security';
import { requireReadyDb } from '../services/db-state';
import { HttpError, dashed, parseDays, parseHardware } from '../validate';
import { ALERT_KINDS } from '../../alerts/scan';
import { ALERT_STATES, MAX_NOTE_CHARS, isAlertState, setAlertState } from '../../alerts/triage';
import { alertKinds, listAlerts } from '../../read/alerts';
import { PERF_METRICS, newestRunDate, perfFilterOptions, type PerfFilter, type PerfMetric } from '../../read/perf';
import { HEADLINE_METRICS, MAX_POINTS, metricsPayload, perfPayload, trendsCatalog } from '../services/perf-views';
import { SANITY_THRESHOLDS, gsm8kThreshold, tasksFor } from '../../core/catalogue';
import { nightRuns, testHistory } from '../../read/history';
import { runStats, shiftDate } from '../../read/runs';
import { cachedJson } from './api';

const CACHE_TTL_S = 600;
const PERF_DEFAULT_DAYS = 30;
const ALERT_LIST_LIMIT = 500;

function text(value: unknown, name: string, max = 200): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || value.length > max || /[\u0000-\u001f]/.test(value)) throw new HttpError(400, `Invalid ${name}`);
  return value;
}

function texts(value: unknown, name: string): string[] {
  const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
  if (list.length > 20) throw new HttpError(400, `Too many ${name} values`);
  return list.map((v) => text(v, name)).filter((v): v is string => v !== null);
}

function integer(value: unknown, name: string): number | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || !/^\d{1,7}$/.test(value)) throw new HttpError(400, `Invalid ${name} (expected a non-negative integer)`);
  return Number(value);
}

function parseMetricName(value: unknown): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value === 'string' && /^[a-z0-9_]{1,64}$/.test(value)) return value;
  throw new HttpError(400, 'Invalid metric');
}

function parsePerfMetric(value: unknown): PerfMetric {
  if (value === undefined || value === '') return 'overall_throughput';
  if (typeof value === 'string' && (PERF_METRICS as readonly string[]).includes(value)) return value as PerfMetric;
  throw new HttpError(400, `Invalid metric (expected one of ${PERF_METRICS.join(', ')})`);
}

/**
 * The shared response cache (routes/api.ts) with this module's TTL and no browser caching: triage
 * changes what /api/alerts says at once.
 */
function cachedPerfJson(ctx: AppContext, req: Request, res: Response, compute: () => Promise<unknown>): Promise<void> {
  return cachedJson(ctx, req, res, CACHE_TTL_S, async () => ({ status: 200, body: await compute() }), { cacheControl: null });
}

function page(res: Response, view: string, locals: Record<string, unknown>): void {
  res.setHeader('Cache-Control', 'no-cache');
  res.render(view, { dashed, ...locals });
}

function parsePerfFilter(query: Request['query']): PerfFilter & { days: number } {
  const days = parseDays(query.days, PERF_DEFAULT_DAYS, 365);
  const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return {
    days,
    since,
    gpu_config: text(query.gpu_config, 'gpu_config'),
    models: texts(query.model, 'model'),
    variants: texts(query.variant, 'variant'),
    batch_size: integer(query.batch_size, 'batch_size'),
    input_len: integer(query.input_len, 'input_len'),
    output_len: integer(query.output_len, 'output_len'),
  };
}

function csvCell(v: unknown): string {
  const s = v === null || v === undefined ? '' : String(v);
  // A leading = + - @ would be a formula in a spreadsheet.
  const safe = /^[=+\-@]/.test(s) && !/^-?\d/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function perfRoutes(ctx: AppContext): Router {
  const router = Router();
  // chartjs-plugin-zoom (and hammerjs, which it needs for pan gestures) from our own server.
  router.use('/static/vendor/chartjs-plugin-zoom', express.static(path.join(PROJECT_ROOT, 'node_modules', 'chartjs-plugin-zoom', 'dist'), { maxAge: '1d' }));
  const hammer = path.join(PROJECT_ROOT, 'node_modules', 'hammerjs', 'hammer.min.js');
  router.get('/static/vendor/hammerjs/hammer.min.js', (_req, res) => res.sendFile(hammer, { maxAge: '1d' }));

  router.get('/trends/:hw', (req, res) => {
    const hw = parseHardware(req.params.hw);
    requireReadyDb(ctx.data);
    const days = parseDays(req.query.days);
    page(res, 'trends', {
      title: `${hw.toUpperCase()} Trends`,
      hw,
      otherHw: HARDWARE.find((h) => h !== hw),
      days,
      filters: { benchmark: text(req.query.benchmark, 'benchmark') ?? '', metric: parseMetricName(req.query.metric) ?? '', load: integer(req.query.load, 'load') ?? '', compare: req.query.compare === '1' ? '1' : '' },
      headline: HEADLINE_METRICS,
      scripts: ['/static/vendor/chart.js/chart.umd.js', '/static/vendor/hammerjs/hammer.min.js', '/static/vendor/chartjs-plugin-zoom/chartjs-plugin-zoom.min.js', '/static/js/trends.js'],
    });
  });

  router.get('/api/trends/:hw', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    const days = parseDays(req.query.days);
    // compare=1: the page overlays the other hardware, so its charts are listed too.
    const overlay = req.query.compare === '1' ? (HARDWARE.find((h) => h !== hw) as Hardware) : null;
    await cachedPerfJson(ctx, req, res, async () => {
      const db = ctx.data.db();
      const runs = await nightRuns(db, hw, days);
      const history = await testHistory(db, hw, days);
      return {
        hardware: hw,
        days,
        nights: runs.map((r) => ({ date: r.run_date, machine_name: r.machine_name, ...runStats(r) })),
        test_history: history.test_history,
        gsm8k_thresholds: Object.fromEntries(tasksFor(hw).map((t) => [t, gsm8kThreshold(t)])),
        sanity_thresholds: SANITY_THRESHOLDS,
        catalog: await trendsCatalog(db, hw, days, overlay),
      };
    });
  });

  router.get('/api/metrics/:hw', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    const q = {
      benchmark: text(req.query.benchmark, 'benchmark'),
      mode: text(req.query.mode, 'mode'),
      metric: parseMetricName(req.query.metric),
      load: integer(req.query.load, 'load'),
      days: parseDays(req.query.days),
      points: integer(req.query.points, 'points') ?? MAX_POINTS,
    };
    if (q.points < 2 || q.points > MAX_POINTS) throw new HttpError(400, `Invalid points (expected 2..${MAX_POINTS})`);
    await cachedPerfJson(ctx, req, res, () => metricsPayload(ctx.data.db(), hw, q));
  });

  router.get('/perf', async (req, res) => {
    requireReadyDb(ctx.data);
    const metric = parsePerfMetric(req.query.metric);
    const f = parsePerfFilter(req.query);
    page(res, 'perf', {
      title: 'Nightly perf metrics',
      metric,
      metrics: PERF_METRICS,
      filter: f,
      options: await perfFilterOptions(ctx.data.db(), f.since),
      scripts: ['/static/vendor/chart.js/chart.umd.js', '/static/vendor/hammerjs/hammer.min.js', '/static/vendor/chartjs-plugin-zoom/chartjs-plugin-zoom.min.js', '/static/js/perf.js'],
    });
  });

  router.get('/api/perf', async (req, res) => {
    const metric = parsePerfMetric(req.query.metric);
    const f = parsePerfFilter(req.query);
    await cachedPerfJson(ctx, req, res, () => perfPayload(ctx.data.db(), metric, f, MAX_POINTS));
  });

  // The rows of the chart's filters, one line per point; not downsampled like the chart's JSON.
  router.get('/api/perf.csv', async (req, res) => {
    requireReadyDb(ctx.data);
    const metric = parsePerfMetric(req.query.metric);
    const payload = await perfPayload(ctx.data.db(), metric, parsePerfFilter(req.query), null);
    const lines = [['run_date', 'run_id', 'commit_sha', 'gpu_config', 'model', 'variant', 'batch_size', 'input_len', 'output_len', metric].join(',')];
    for (const s of payload.series) for (const p of s.points) lines.push([p.run_date, p.run_id, p.commit_sha, s.gpu_config, s.model, s.variant, s.batch_size, s.input_len, s.output_len, p.value].map(csvCell).join(','));
    res.type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="perf-${metric}.csv"`);
    res.send(`${lines.join('\n')}\n`);
  });

  function alertFilter(query: Request['query']) {
    const hw = query.hw === undefined || query.hw === '' ? null : parseHardware(query.hw);
    const kind = text(query.kind, 'kind');
    if (kind !== null && !(ALERT_KINDS as readonly string[]).includes(kind)) throw new HttpError(400, 'Invalid kind');
    const state = text(query.state, 'state');
    if (state !== null && !isAlertState(state)) throw new HttpError(400, 'Invalid state');
    const days = parseDays(query.days, 30, 365);
    return { hw, kind, state: state as AlertState | null, days };
  }

  async function alertsSince(days: number): Promise<string | null> {
    const newest = (await Promise.all(HARDWARE.map((h) => newestRunDate(ctx.data.db(), h)))).filter((d): d is string => !!d).sort().pop();
    return newest ? shiftDate(newest, -(days - 1)) : null;
  }

  router.get('/alerts', async (req, res) => {
    requireReadyDb(ctx.data);
    const f = alertFilter(req.query);
    const db = ctx.data.db();
    const events = await listAlerts(db, { ...f, since: await alertsSince(f.days), limit: ALERT_LIST_LIMIT });
    page(res, 'alerts', { title: 'Alerts', filter: f, events, kinds: [...new Set([...ALERT_KINDS, ...(await alertKinds(db))])], states: ALERT_STATES, hardware: HARDWARE, limit: ALERT_LIST_LIMIT, scripts: ['/static/js/alerts.js'] });
  });

  router.get('/api/alerts', async (req, res) => {
    const f = alertFilter(req.query);
    await cachedPerfJson(ctx, req, res, async () => ({ ...f, events: await listAlerts(ctx.data.db(), { ...f, since: await alertsSince(f.days), limit: ALERT_LIST_LIMIT }) }));
  });

  router.post('/api/alerts/:id/state', requireAdmin(ctx.settings.ADMIN_TOKEN, 0), async (req, res) => {
    const id = integer(req.params.id, 'alert id');
    const body = (req.body ?? {}) as { state?: unknown; note?: unknown };
    if (!isAlertState(body.state)) throw new HttpError(400, `Invalid state (expected one of ${ALERT_STATES.join(', ')})`);
    if (body.note !== undefined && body.note !== null && typeof body.note !== 'string') throw new HttpError(400, 'Invalid note (expected a string)');
    const note = typeof body.note === 'string' && body.note.trim() !== '' ? body.note.trim() : null;
    if (note !== null && Array.from(note).length > MAX_NOTE_CHARS) throw new HttpError(400, `Note too long (max ${MAX_NOTE_CHARS} characters)`);
    const state = body.state;
    requireReadyDb(ctx.data);
    let found: boolean;
    try {
      found = await withLock(lockPath(ctx.settings.LOCK_DIR, ctx.data.dbPath), 'alert triage', 5_000, async () => {
        const db = kyselyFor(openWriter(ctx.data.dbPath, { migrate: false }));
        try {
          return await setAlertState(db, id as number, state, note);
        } finally {
          await db.destroy();
        }
      });
    } catch (err) {
      if (err instanceof LockTimeoutError) {
        res.status(409).json({ error: 'Database is busy (ingest or sync running); try again shortly' });
        return;
      }
      throw err;
    }
    if (!found) {
      res.status(404).json({ error: 'No alert with this id' });
      return;
    }
    ctx.data.cache.clear();
    res.json({ success: true, id, state, note });
  });

  return router;
}
