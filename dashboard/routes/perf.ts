/**
 * Performance pages and APIs: `/trends/:hw` (status, GSM8K, runtime, sanity and serving-perf trends),
 * `/perf` (SGLang nightly metrics JSON), `/alerts` (events with triage), and their JSON:
 * `/api/trends/:hw`, `/api/metrics/:hw`, `/api/perf`, `/api/perf.csv`, `/api/alerts`,
 * `POST /api/alerts/:id/state`, `POST /api/alerts/items/state`. Every filter lives in the query string.
 */
import path from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { PROJECT_ROOT } from '../../config';
import { toCsv } from '../../core/csv';
import { HARDWARE, type Hardware } from '../../core/hardware';
import type { AlertState } from '../../database/schema';
import type { AppContext } from '../context';
import { count, date, days, hardware, intIn, oneOf, orDefault, parseRequest, text, texts, withNights } from '../params';
import { requireAdmin } from '../security';
import { requireReadyDb } from '../services/db-state';
import { webWrite } from '../services/web-writes';
import { ALERT_KINDS } from '../../alerts/scan';
import { ALERT_STATES, MAX_NOTE_CHARS, MAX_TRIAGE_IDS, setAlertState, setAlertsState } from '../../alerts/triage';
import { ALERT_SEVERITIES } from '../../read/alerts';
import { PERF_METRICS, hasPerfRuns, perfFilterOptions, type PerfFilter } from '../../read/perf';
import { HEADLINE_METRICS, MAX_POINTS, alertsView, metricsPayload, perfPayload, trendsPayload } from '../services/perf-views';
import { dashed, shiftDate, utcDate } from '../../core/dates';
import { cachedJson } from '../response-cache';
import { servingIngestCommand, shellWord } from '../view-models';

const CACHE_TTL_S = 600;
const PERF_DEFAULT_DAYS = 30;
/** Items per /alerts page (one item: a hardware, night and benchmark configuration). */
const ALERT_PAGE_SIZE = 20;

const hwParams = z.object({ hw: hardware });
/** Metric names of /trends and /api/metrics (benchmark_metrics.metric). */
const metricName = orDefault(z.string({ error: 'Invalid metric' }).regex(/^[a-z0-9_]{1,64}$/, { error: 'Invalid metric' }), null);
const compareParam = z.unknown().optional().transform((v) => v === '1');
const trendsApiQuery = withNights({ compare: compareParam });
const trendsQuery = withNights({ compare: compareParam, benchmark: text('benchmark'), metric: metricName, load: count('load') });
const POINTS_MESSAGE = { error: `Invalid points (expected 2..${MAX_POINTS})` };
const metricsQuery = withNights({
  benchmark: text('benchmark'),
  mode: text('mode'),
  metric: metricName,
  load: count('load'),
  points: orDefault(z.string(POINTS_MESSAGE).regex(/^\d{1,7}$/, POINTS_MESSAGE).transform(Number).refine((n) => n >= 2 && n <= MAX_POINTS, POINTS_MESSAGE), MAX_POINTS),
});
const perfQuery = z.object({
  metric: oneOf(PERF_METRICS, `Invalid metric (expected one of ${PERF_METRICS.join(', ')})`, 'overall_throughput'),
  days: days(PERF_DEFAULT_DAYS, 365),
  gpu_config: text('gpu_config'),
  model: texts('model'),
  variant: texts('variant'),
  batch_size: count('batch_size'),
  input_len: count('input_len'),
  output_len: count('output_len'),
});
const alertsQuery = z
  .object({
    hw: orDefault(hardware, null),
    kind: oneOf(ALERT_KINDS, 'Invalid kind'),
    severity: oneOf(ALERT_SEVERITIES, 'Invalid severity'),
    state: oneOf(ALERT_STATES as [AlertState, ...AlertState[]], 'Invalid state'),
    days: days(30, 365),
    from: orDefault(date, null),
    to: orDefault(date, null),
    page: orDefault(intIn('page', 1, 100_000), 1),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { error: 'Invalid date range (from is after to)' });
const STATE_MESSAGE = { error: `Invalid state (expected one of ${ALERT_STATES.join(', ')})` };
const NOTE_TOO_LONG = { error: `Note too long (max ${MAX_NOTE_CHARS} characters)` };
const ALERT_ID_MESSAGE = { error: 'Invalid alert id (expected a non-negative integer)' };
const IDS_MESSAGE = { error: `Invalid ids (expected 1..${MAX_TRIAGE_IDS} alert ids)` };
const itemTriageBody = z.object({ ids: z.array(z.number(IDS_MESSAGE).int(IDS_MESSAGE).nonnegative(IDS_MESSAGE), IDS_MESSAGE).min(1, IDS_MESSAGE).max(MAX_TRIAGE_IDS, IDS_MESSAGE) });
const triageParams = z.object({ id: z.string(ALERT_ID_MESSAGE).regex(/^\d{1,7}$/, ALERT_ID_MESSAGE).transform(Number) });
const triageBody = z.object({
  state: z.enum(ALERT_STATES as [AlertState, ...AlertState[]], STATE_MESSAGE),
  note: z
    .string({ error: 'Invalid note (expected a string)' })
    .nullish()
    .transform((note) => (note && note.trim() !== '' ? note.trim() : null))
    .refine((note) => note === null || Array.from(note).length <= MAX_NOTE_CHARS, NOTE_TOO_LONG),
}, STATE_MESSAGE);

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

/** The perf filter of the URL, with the first date of its window. */
function perfFilter(q: z.output<typeof perfQuery>): PerfFilter & { days: number } {
  const since = dashed(shiftDate(utcDate(new Date()), -(q.days - 1)));
  return { days: q.days, since, gpu_config: q.gpu_config, models: q.model, variants: q.variant, batch_size: q.batch_size, input_len: q.input_len, output_len: q.output_len };
}

export function perfRoutes(ctx: AppContext): Router {
  const router = Router();
  // chartjs-plugin-zoom (and hammerjs, which it needs for pan gestures) from our own server.
  router.use('/static/vendor/chartjs-plugin-zoom', express.static(path.join(PROJECT_ROOT, 'node_modules', 'chartjs-plugin-zoom', 'dist'), { maxAge: '1d' }));
  // Resolved like any dependency (hoisted or nested node_modules), declared in package.json.
  const hammer = require.resolve('hammerjs/hammer.min.js');
  router.get('/static/vendor/hammerjs/hammer.min.js', (_req, res) => res.sendFile(hammer, { maxAge: '1d' }));

  router.get('/trends/:hw', async (req, res) => {
    const { params, query } = parseRequest(req, { params: hwParams, query: trendsQuery });
    requireReadyDb(ctx.data);
    const hw = params.hw;
    const ingestCommand = await servingIngestCommand(ctx, hw);
    page(res, 'trends', {
      ingestCommand,
      title: `${hw.toUpperCase()} Trends`,
      hw,
      otherHw: HARDWARE.find((h) => h !== hw),
      nights: query.nights,
      filters: { benchmark: query.benchmark ?? '', metric: query.metric ?? '', load: query.load ?? '', compare: query.compare ? '1' : '' },
      headline: HEADLINE_METRICS,
      scripts: ['/static/vendor/chart.js/chart.umd.js', '/static/vendor/hammerjs/hammer.min.js', '/static/vendor/chartjs-plugin-zoom/chartjs-plugin-zoom.min.js', '/static/js/trends.js'],
    });
  });

  router.get('/api/trends/:hw', async (req, res) => {
    const { params, query } = parseRequest(req, { params: hwParams, query: trendsApiQuery });
    // compare=1: the page overlays the other hardware, so its charts are listed too.
    const overlay = query.compare ? (HARDWARE.find((h) => h !== params.hw) as Hardware) : null;
    await cachedPerfJson(ctx, req, res, () => trendsPayload(ctx.data.db(), params.hw, query.nights, overlay));
  });

  router.get('/api/metrics/:hw', async (req, res) => {
    const { params, query } = parseRequest(req, { params: hwParams, query: metricsQuery });
    await cachedPerfJson(ctx, req, res, () => metricsPayload(ctx.data.db(), params.hw, { ...query, days: query.nights }));
  });

  router.get('/perf', async (req, res) => {
    const { query } = parseRequest(req, { query: perfQuery });
    requireReadyDb(ctx.data);
    const f = perfFilter(query);
    // Nothing ever imported: no empty chart, the empty state names the command that fills it.
    const imported = await hasPerfRuns(ctx.data.db());
    page(res, 'perf', {
      title: 'Nightly perf metrics',
      metric: query.metric,
      metrics: PERF_METRICS,
      filter: f,
      options: await perfFilterOptions(ctx.data.db(), f.since),
      importCommand: imported ? null : `ci-dash --db ${shellWord(ctx.data.dbPath)} import perf-json <file|dir>`,
      scripts: imported ? ['/static/vendor/chart.js/chart.umd.js', '/static/vendor/hammerjs/hammer.min.js', '/static/vendor/chartjs-plugin-zoom/chartjs-plugin-zoom.min.js', '/static/js/perf.js'] : [],
    });
  });

  router.get('/api/perf', async (req, res) => {
    const { query } = parseRequest(req, { query: perfQuery });
    await cachedPerfJson(ctx, req, res, () => perfPayload(ctx.data.db(), query.metric, perfFilter(query), MAX_POINTS));
  });

  // The rows of the chart's filters, one line per point; not downsampled like the chart's JSON.
  router.get('/api/perf.csv', async (req, res) => {
    const { query } = parseRequest(req, { query: perfQuery });
    requireReadyDb(ctx.data);
    const metric = query.metric;
    const payload = await perfPayload(ctx.data.db(), metric, perfFilter(query), null);
    const header = ['run_date', 'run_id', 'commit_sha', 'gpu_config', 'model', 'variant', 'batch_size', 'input_len', 'output_len', metric];
    const rows = payload.series.flatMap((s) => s.points.map((p) => [p.run_date, p.run_id, p.commit_sha, s.gpu_config, s.model, s.variant, s.batch_size, s.input_len, s.output_len, p.value]));
    res.type('text/csv; charset=utf-8').setHeader('Content-Disposition', `attachment; filename="perf-${metric}.csv"`);
    res.send(toCsv([header, ...rows], { formulaGuard: true }));
  });

  router.get('/alerts', async (req, res) => {
    const { query } = parseRequest(req, { query: alertsQuery });
    requireReadyDb(ctx.data);
    const view = await alertsView(ctx.data.db(), query, ALERT_PAGE_SIZE);
    page(res, 'alerts', {
      title: 'Alerts',
      filter: query,
      view,
      states: ALERT_STATES,
      severities: ALERT_SEVERITIES,
      hardware: HARDWARE,
      // Triage controls only where a save can succeed: without ADMIN_TOKEN every POST answers 403.
      triage: ctx.settings.ADMIN_TOKEN !== null && ctx.settings.ADMIN_TOKEN !== '',
      // No event at all (never scanned, or the original's DB): the empty state names the command that writes them.
      scanCommand: view.scanned ? null : `ci-dash --db ${shellWord(ctx.data.dbPath)} alerts scan --days 90`,
      scripts: ['/static/js/alerts.js'],
    });
  });

  router.get('/api/alerts', async (req, res) => {
    const { query } = parseRequest(req, { query: alertsQuery });
    await cachedPerfJson(ctx, req, res, async () => {
      const { kinds: _kinds, ...view } = await alertsView(ctx.data.db(), query, ALERT_PAGE_SIZE);
      // `events`: the page's rows that match kind and state themselves, flat, as before items existed.
      const events = view.items.flatMap((i) => [...i.moved, ...i.suspects]).filter((e) => (!query.kind || e.kind === query.kind) && (!query.state || e.state === query.state));
      return { ...query, ...view, events };
    });
  });

  router.post('/api/alerts/items/state', requireAdmin(ctx.settings.ADMIN_TOKEN, 0), async (req, res) => {
    const { body } = parseRequest(req, { body: triageBody.and(itemTriageBody) });
    requireReadyDb(ctx.data);
    const updated = await webWrite(ctx, 'alert triage', (trx) => setAlertsState(trx, body.ids, body.state, body.note));
    if (!updated) {
      res.status(404).json({ error: 'No alert with these ids' });
      return;
    }
    res.json({ success: true, updated, state: body.state, note: body.note });
  });

  router.post('/api/alerts/:id/state', requireAdmin(ctx.settings.ADMIN_TOKEN, 0), async (req, res) => {
    const { params, body } = parseRequest(req, { params: triageParams, body: triageBody });
    const { id } = params;
    const { state, note } = body;
    requireReadyDb(ctx.data);
    const found = await webWrite(ctx, 'alert triage', (trx) => setAlertState(trx, id, state, note));
    if (!found) {
      res.status(404).json({ error: 'No alert with this id' });
      return;
    }
    res.json({ success: true, id, state, note });
  });

  return router;
}
