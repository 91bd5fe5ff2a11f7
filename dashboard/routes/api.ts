/**
 * JSON API of the run data (SPEC §7.2): summaries, dates, plots, compare, upstream coverage, test
 * history, health and the admin cache clear. Every run-level route takes an optional `machine`.
 * Successful responses are cached in-process with the original's TTLs (§7.1); errors never are.
 */
import fs from 'node:fs';
import { Router } from 'express';
import { z } from 'zod';
import { TOOL_VERSION } from '../../config';
import { HARDWARE } from '../../core/hardware';
import type { AppContext } from '../context';
import { date, days, hardware, machine, orDefault, parseRequest, required } from '../params';
import { TTL, cachedJson } from '../response-cache';
import { requireAdmin } from '../security';
import { dbState } from '../services/db-state';
import { localPlotFile } from '../services/log-files';
import { plotTree } from '../services/plot-tree';
import { upstreamReportFiles } from '../services/upstream-files';
import { getRunSummary, latestDates, listDates, type RunMissing } from '../../read/runs';
import { testHistory } from '../../read/history';
import { availablePlotDates, groupPlots, nightPlots, type PlotAsset } from '../../read/plots';
import { upstreamDates, upstreamReport, upstreamTrends } from '../../read/upstream';
import { lastIngest } from '../../read/health';
import { readSyncState } from '../../sync/sidecar';
import type { ComparePayload, DatesPayload, HealthPayload, PlotsPayload } from '../../read/types';

const hwParams = z.object({ hw: hardware });
const hwDateParams = z.object({ hw: hardware, date });
const machineQuery = z.object({ machine });
const datesQuery = z.object({ limit: days(90, 90, 'limit') });
const compareQuery = z.object({ date: required(date, 'Date parameter required') });
const dateParams = z.object({ date });
/** `date`: the last day of the trend window (default: the newest report). */
const trendsQuery = z.object({ days: days(), date: orDefault(date, null) });
const historyQuery = z.object({ days: days(), machine });

/** The API's answer when the read model finds no run. */
const RUN_MISSING: Record<RunMissing, { status: number; body: { error: string } }> = {
  no_run: { status: 404, body: { error: 'No run for this date' } },
  unknown_machine: { status: 400, body: { error: 'Unknown machine' } },
};

export function apiRoutes(ctx: AppContext): Router {
  const router = Router();
  const repo = ctx.settings.GITHUB_REPO;

  router.get('/api/summary/:hw/:date', async (req, res) => {
    const { params, query } = parseRequest(req, { params: hwDateParams, query: machineQuery });
    await cachedJson(ctx, req, res, TTL.summary, async () => {
      const summary = await getRunSummary(ctx.data.db(), repo, params.hw, params.date, query.machine);
      return summary.ok ? { status: 200, body: summary.value } : RUN_MISSING[summary.reason];
    });
  });

  router.get('/api/dates/:hw', async (req, res) => {
    const { params, query } = parseRequest(req, { params: hwParams, query: datesQuery });
    await cachedJson(ctx, req, res, TTL.dates, async () => {
      const body: DatesPayload = { hardware: params.hw, dates: await listDates(ctx.data.db(), params.hw, query.limit) };
      return { status: 200, body };
    });
  });

  router.get('/api/plots/:hw/:date', async (req, res) => {
    const { hw, date } = parseRequest(req, { params: hwDateParams }).params;
    await cachedJson(ctx, req, res, TTL.summary, async () => {
      const assets = await nightPlots(ctx.data.db(), hw, date, plotTree(ctx.baseDir));
      const local = (a: PlotAsset) => localPlotFile(ctx.baseDir, hw, a.model, a.mode, a.file_name) !== null;
      const body: PlotsPayload = { hardware: hw, date, plots: groupPlots(repo, hw, assets, local) };
      return { status: 200, body };
    });
  });

  router.get('/api/available-plot-dates/:hw', async (req, res) => {
    const { hw } = parseRequest(req, { params: hwParams }).params;
    await cachedJson(ctx, req, res, TTL.plotDates, async () => ({ status: 200, body: { hardware: hw, dates: await availablePlotDates(ctx.data.db(), hw, plotTree(ctx.baseDir)) } }));
  });

  router.get('/api/compare', async (req, res) => {
    const { date } = parseRequest(req, { query: compareQuery }).query;
    await cachedJson(ctx, req, res, TTL.summary, async () => {
      const db = ctx.data.db();
      const results = {} as ComparePayload['results'];
      for (const hw of HARDWARE) {
        const summary = await getRunSummary(db, repo, hw, date);
        results[hw] = summary.ok ? summary.value : null;
      }
      const body: ComparePayload = { date, results };
      return { status: 200, body };
    });
  });

  // Reports come from the DB and, for dates it lacks, from the log tree (services/upstream-files.ts).
  router.get('/api/upstream-ci/available-dates', async (req, res) => {
    await cachedJson(ctx, req, res, TTL.upstream, async () => ({ status: 200, body: { dates: await upstreamDates(ctx.data.db(), upstreamReportFiles(ctx.baseDir)) } }));
  });

  router.get('/api/upstream-ci/report/:date', async (req, res) => {
    const { date } = parseRequest(req, { params: dateParams }).params;
    await cachedJson(ctx, req, res, TTL.upstream, async () => {
      const report = await upstreamReport(ctx.data.db(), upstreamReportFiles(ctx.baseDir), date);
      return report ? { status: 200, body: report } : { status: 404, body: { error: 'No report found for this date' } };
    });
  });

  router.get('/api/upstream-ci/trends', async (req, res) => {
    const { days, date } = parseRequest(req, { query: trendsQuery }).query;
    await cachedJson(ctx, req, res, TTL.upstream, async () => ({ status: 200, body: { trends: await upstreamTrends(ctx.data.db(), upstreamReportFiles(ctx.baseDir), days, date), days } }));
  });

  router.get('/api/test-history/:hw', async (req, res) => {
    const { params, query } = parseRequest(req, { params: hwParams, query: historyQuery });
    await cachedJson(ctx, req, res, TTL.history, async () => ({ status: 200, body: await testHistory(ctx.data.db(), params.hw, query.days, { machine: query.machine }) }));
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
