/**
 * JSON API of the run data (SPEC §7.2): summaries, dates, plots, compare, upstream coverage, test
 * history, health and the admin cache clear. Every run-level route takes an optional `machine`.
 * Successful responses are cached in-process with the original's TTLs (§7.1); errors never are.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { TOOL_VERSION } from '../../config';
import { HARDWARE } from '../../core/hardware';
import type { AppContext } from '../context';
import { requireAdmin } from '../security';
import { dbState, requireReadyDb } from '../services/db-state';
import { requestCacheKey } from '../services/cache';
import { wireResponse } from '../fast-hits';
import { HttpError, parseDate, parseDays, parseHardware } from '../validate';
import { getRunSummary, latestDates, listDates, parseMachine } from '../../read/runs';
import { testHistory } from '../../read/history';
import { availablePlotDates, groupPlots, plotAssets } from '../../read/plots';
import { upstreamDates, upstreamReport, upstreamTrends } from '../../read/upstream';
import { lastIngest } from '../../read/health';
import { readSyncState } from '../../sync/sidecar';
import type { ComparePayload, DatesPayload, HealthPayload, PlotsPayload } from '../../read/types';

/** Cache TTLs of the original, seconds (SPEC §7.1). */
export const TTL = { summary: 300, dates: 600, plotDates: 3600, upstream: 600, history: 600 } as const;

type Produced = { status: number; body: unknown };

export interface CachedJsonOptions {
  /** Browser caching; null sends no Cache-Control at all (for routes that never sent one). */
  cacheControl?: string | null;
  /** False for a route that also answers over a DB of another schema version (only a missing file is 503). */
  requireReady?: boolean;
}

/** Serves from the response cache or produces, caching only 200s. */
export async function cachedJson(ctx: AppContext, req: Request, res: Response, ttl: number, produce: () => Promise<Produced>, options: CachedJsonOptions = {}): Promise<void> {
  if (options.requireReady === false) ctx.data.refresh();
  else requireReadyDb(ctx.data);
  const key = requestCacheKey(req.path, req.query as Record<string, unknown>);
  const hit = ctx.data.cache.get(key);
  const cacheControl = options.cacheControl === undefined ? `public, max-age=${Math.min(ttl, 60)}` : options.cacheControl;
  if (cacheControl !== null) res.setHeader('Cache-Control', cacheControl);
  if (hit !== undefined) {
    res.setHeader('X-Cache', 'hit');
    res.type('application/json').send(hit);
    return;
  }
  const generation = ctx.data.cache.generation;
  const { status, body } = await produce();
  const text = JSON.stringify(body);
  if (status === 200) ctx.data.cache.set(key, text, ttl, generation, wireResponse(req.app, text, 'application/json; charset=utf-8', cacheControl));
  else if (cacheControl !== null) res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Cache', 'miss');
  res.status(status).type('application/json').send(text);
}

function localPlotExists(baseDir: string | null, relPath: string): boolean {
  if (!baseDir) return false;
  const full = path.resolve(baseDir, relPath);
  if (!full.startsWith(baseDir + path.sep)) return false;
  try {
    return fs.statSync(full).isFile();
  } catch {
    return false;
  }
}

export function apiRoutes(ctx: AppContext): Router {
  const router = Router();
  const repo = ctx.settings.GITHUB_REPO;

  router.get('/api/summary/:hw/:date', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    const date = parseDate(req.params.date);
    const machine = parseMachine(req.query.machine);
    await cachedJson(ctx, req, res, TTL.summary, async () => {
      const summary = await getRunSummary(ctx.data.db(), repo, hw, date, machine);
      return summary ? { status: 200, body: summary } : { status: 404, body: { error: 'No run for this date' } };
    });
  });

  router.get('/api/dates/:hw', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    const limit = parseDays(req.query.limit, 90, 90);
    await cachedJson(ctx, req, res, TTL.dates, async () => {
      const body: DatesPayload = { hardware: hw, dates: await listDates(ctx.data.db(), hw, limit) };
      return { status: 200, body };
    });
  });

  router.get('/api/plots/:hw/:date', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    const date = parseDate(req.params.date);
    await cachedJson(ctx, req, res, TTL.summary, async () => {
      const assets = await plotAssets(ctx.data.db(), hw, date);
      const body: PlotsPayload = { hardware: hw, date, plots: groupPlots(repo, hw, assets, (a) => localPlotExists(ctx.baseDir, a.rel_path)) };
      return { status: 200, body };
    });
  });

  router.get('/api/available-plot-dates/:hw', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    await cachedJson(ctx, req, res, TTL.plotDates, async () => ({ status: 200, body: { hardware: hw, dates: await availablePlotDates(ctx.data.db(), hw) } }));
  });

  router.get('/api/compare', async (req, res) => {
    if (req.query.date === undefined || req.query.date === '') throw new HttpError(400, 'Date parameter required');
    const date = parseDate(req.query.date);
    await cachedJson(ctx, req, res, TTL.summary, async () => {
      const db = ctx.data.db();
      const results = {} as ComparePayload['results'];
      for (const hw of HARDWARE) results[hw] = await getRunSummary(db, repo, hw, date);
      const body: ComparePayload = { date, results };
      return { status: 200, body };
    });
  });

  router.get('/api/upstream-ci/available-dates', async (req, res) => {
    await cachedJson(ctx, req, res, TTL.upstream, async () => ({ status: 200, body: { dates: await upstreamDates(ctx.data.db()) } }));
  });

  router.get('/api/upstream-ci/report/:date', async (req, res) => {
    const date = parseDate(req.params.date);
    await cachedJson(ctx, req, res, TTL.upstream, async () => {
      const report = await upstreamReport(ctx.data.db(), date);
      return report ? { status: 200, body: report } : { status: 404, body: { error: 'No report found for this date' } };
    });
  });

  router.get('/api/upstream-ci/trends', async (req, res) => {
    const days = parseDays(req.query.days);
    await cachedJson(ctx, req, res, TTL.upstream, async () => ({ status: 200, body: { trends: await upstreamTrends(ctx.data.db(), days), days } }));
  });

  router.get('/api/test-history/:hw', async (req, res) => {
    const hw = parseHardware(req.params.hw);
    const days = parseDays(req.query.days);
    const machine = parseMachine(req.query.machine);
    await cachedJson(ctx, req, res, TTL.history, async () => ({ status: 200, body: await testHistory(ctx.data.db(), hw, days, { machine }) }));
  });

  router.get('/health', async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const state = dbState(ctx.data);
    const body: HealthPayload = {
      status: state === 'ok' ? 'healthy' : 'degraded',
      timestamp: new Date().toISOString(),
      db: { present: state !== 'missing', schema_version: null, schema_status: state, last_modified: null, last_sync: null, latest_run_date: { mi30x: null, mi35x: null }, last_ingest: null },
      version: TOOL_VERSION,
    };
    if (state !== 'missing') {
      body.db.schema_version = ctx.data.schema().version;
      body.db.last_modified = fs.statSync(ctx.data.dbPath).mtime.toISOString();
      body.db.last_sync = readSyncState(ctx.data.dbPath).updated_at;
    }
    if (state === 'ok') {
      const db = ctx.data.db();
      body.db.latest_run_date = await latestDates(db);
      body.db.last_ingest = (await lastIngest(db))?.finished_at ?? null;
    }
    res.json(body);
  });

  router.post('/api/cache/clear', requireAdmin(ctx.settings.ADMIN_TOKEN), (_req, res) => {
    ctx.data.cache.clear();
    res.setHeader('Cache-Control', 'no-store');
    res.json({ success: true, message: 'Cache cleared successfully' });
  });

  return router;
}
