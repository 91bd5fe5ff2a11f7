/**
 * `/srt` page and its JSON API (SPEC §10.2): srt-slurm runs, Pareto, latency, node metrics, rate
 * match, configuration diff, frontier trend, CSV export and tag editing. Every filter lives in the
 * query string; routes validate and call one query each.
 */
import { Router, type Request } from 'express';
import type { AppContext } from '../context';
import { kyselyFor, openWriter } from '../../database/connection';
import { LockTimeoutError, lockPath, withLock } from '../../database/lock';
import { requireAdmin } from '../security';
import { HttpError } from '../validate';
import {
  NODE_METRICS, diffRuns, frontierTrends, latencyData, listSrtRuns, nodeMetricSeries, paretoData, pointsCsv, rateMatch,
  replaceRunTags, runDetail, srtFilterOptions, summaryFigures, workerMemory, type NodeMetric, type NodeView, type SrtFilters,
  type SrtRunSummary, type YAxis,
} from '../../read/srt';

const JOB_ID_RE = /^\d{1,20}$/;
const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9._:+/-]{0,63}$/;
/** Runs drawn at once when the URL does not pick them. */
const DEFAULT_SHOWN = 12;
const MAX_SELECTED = 50;

function one(value: unknown, name: string): string | null {
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || value.length > 200 || /[\u0000-\u001f]/.test(value)) throw new HttpError(400, `Invalid ${name}`);
  return value;
}

function many(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function parseJobId(value: unknown, name = 'job id'): string {
  if (typeof value === 'string' && JOB_ID_RE.test(value)) return value;
  throw new HttpError(400, `Invalid ${name}`);
}

export function parseSrtFilters(query: Request['query']): SrtFilters {
  const islOsl = one(query.isl_osl, 'isl_osl');
  const m = islOsl === null ? null : /^(\d{1,7})\/(\d{1,7})$/.exec(islOsl);
  if (islOsl !== null && !m) throw new HttpError(400, 'Invalid isl_osl (expected ISL/OSL, e.g. 1024/1024)');
  const tags = many(query.tag).flatMap((t) => String(t).split(',')).filter((t) => t !== '');
  if (tags.length > 20 || tags.some((t) => !TAG_RE.test(t))) throw new HttpError(400, 'Invalid tag');
  return {
    gpu: one(query.gpu, 'gpu'),
    topology: one(query.topology, 'topology'),
    isl: m ? Number(m[1]) : null,
    osl: m ? Number(m[2]) : null,
    container: one(query.container, 'container'),
    tags: [...new Set(tags)],
  };
}

function parseYAxis(value: unknown): YAxis {
  if (value === undefined || value === '' || value === 'output') return 'output';
  if (value === 'total') return 'total';
  throw new HttpError(400, 'Invalid y (expected output or total)');
}

function parseCutoff(value: unknown): number | null {
  if (value === undefined || value === '') return null;
  const n = typeof value === 'string' && /^\d+(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || n > 1e6) throw new HttpError(400, 'Invalid cutoff (expected a TPS/user number)');
  return n;
}

function parseInt(value: unknown, name: string, def: number, min: number, max: number): number {
  if (value === undefined || value === '') return def;
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, `Invalid ${name} (expected an integer ${min}..${max})`);
  return n;
}

function parseRunList(value: unknown): string[] | null {
  if (value === undefined || value === '') return null;
  const ids = many(value).flatMap((v) => String(v).split(',')).filter((v) => v !== '');
  if (ids.length > MAX_SELECTED) throw new HttpError(400, `Too many runs (at most ${MAX_SELECTED})`);
  return ids.map((id) => parseJobId(id, 'run id'));
}

/** Runs the charts draw: the URL's `runs` among the filtered ones, else the newest runs with points. */
function shownRuns(all: SrtRunSummary[], selected: string[] | null): SrtRunSummary[] {
  const withPoints = all.filter((r) => r.points > 0);
  if (selected === null) return withPoints.slice(0, DEFAULT_SHOWN);
  const wanted = new Set(selected);
  return withPoints.filter((r) => wanted.has(r.job_id));
}

export function srtRoutes(ctx: AppContext): Router {
  const router = Router();
  const db = () => ctx.data.db();

  /** The runs the charts draw; with `runs` in the URL only those are read, not the whole filtered list. */
  async function shown(req: Request): Promise<SrtRunSummary[]> {
    const filters = parseSrtFilters(req.query);
    const selected = parseRunList(req.query.runs);
    return shownRuns(await listSrtRuns(db(), filters, selected), selected);
  }

  router.get('/srt', async (_req, res) => {
    const options = await srtFilterOptions(db());
    const metrics = Object.entries(NODE_METRICS).map(([value, m]) => ({ value, label: m.label }));
    res.render('srt', { title: 'Disaggregated serving (srt-slurm)', options, bootstrap: JSON.stringify({ options, metrics }) });
  });

  router.get('/api/srt/runs', async (req, res) => {
    const filters = parseSrtFilters(req.query);
    const all = await listSrtRuns(db(), filters);
    res.json({ filters, summary: summaryFigures(all), shown: shownRuns(all, parseRunList(req.query.runs)).map((r) => r.job_id), runs: all });
  });

  router.get('/api/srt/runs/:jobId', async (req, res) => {
    const detail = await runDetail(db(), parseJobId(req.params.jobId));
    if (!detail) throw new HttpError(404, 'No such run');
    res.json(detail);
  });

  router.get('/api/srt/runs/:jobId/points', async (req, res) => {
    const detail = await runDetail(db(), parseJobId(req.params.jobId));
    if (!detail) throw new HttpError(404, 'No such run');
    res.json({ job_id: detail.run.job_id, label: detail.run.label, status: detail.run.status, points: detail.points });
  });

  router.get('/api/srt/pareto', async (req, res) => {
    res.json(await paretoData(db(), await shown(req), parseYAxis(req.query.y), parseCutoff(req.query.cutoff)));
  });

  router.get('/api/srt/latency', async (req, res) => {
    res.json(await latencyData(db(), await shown(req)));
  });

  router.get('/api/srt/points.csv', async (req, res) => {
    const runs = await shown(req);
    res.setHeader('Content-Disposition', 'attachment; filename="srt-points.csv"');
    res.type('text/csv; charset=utf-8').send(await pointsCsv(db(), runs));
  });

  router.get('/api/srt/trend', async (req, res) => {
    const all = await listSrtRuns(db(), parseSrtFilters(req.query));
    res.json({ trends: await frontierTrends(db(), all, parseYAxis(req.query.y), parseCutoff(req.query.cutoff)) });
  });

  router.get('/api/srt/diff', async (req, res) => {
    const diff = await diffRuns(db(), parseJobId(req.query.a, 'run a'), parseJobId(req.query.b, 'run b'));
    if (!diff) throw new HttpError(404, 'No such run');
    res.json(diff);
  });

  router.get('/api/srt/runs/:jobId/nodes', async (req, res) => {
    const jobId = parseJobId(req.params.jobId);
    const metric = (req.query.metric ?? 'gen_throughput') as string;
    if (!Object.prototype.hasOwnProperty.call(NODE_METRICS, metric)) throw new HttpError(400, 'Invalid metric');
    const view = (req.query.view ?? 'node') as string;
    if (!['node', 'rank', 'aggregate'].includes(view)) throw new HttpError(400, 'Invalid view (expected node, rank or aggregate)');
    const bucket = parseInt(req.query.bucket, 'bucket', 10, 1, 3600);
    const series = await nodeMetricSeries(db(), jobId, metric as NodeMetric, view as NodeView, bucket);
    res.json({ job_id: jobId, metric, label: NODE_METRICS[metric as NodeMetric].label, view, bucket_seconds: bucket, series, workers: await workerMemory(db(), jobId) });
  });

  router.get('/api/srt/runs/:jobId/rate-match', async (req, res) => {
    const result = await rateMatch(db(), parseJobId(req.params.jobId), parseInt(req.query.bucket, 'bucket', 30, 1, 3600));
    if (!result) throw new HttpError(404, 'No such run');
    res.json(result);
  });

  // Tags live in srt_tags only; the user's run files are never rewritten.
  router.post('/api/srt/runs/:jobId/tags', requireAdmin(ctx.settings.ADMIN_TOKEN, 0), async (req, res) => {
    const jobId = parseJobId(req.params.jobId);
    const body = req.body as { tags?: unknown } | undefined;
    const list = body?.tags;
    if (!Array.isArray(list) || list.length > 20 || list.some((t) => typeof t !== 'string' || !TAG_RE.test(t))) {
      throw new HttpError(400, 'Body must be {"tags": [..]} with at most 20 tags of letters, digits and ._:+/-');
    }
    const tags = [...new Set(list as string[])].sort();
    try {
      const found = await withLock(lockPath(ctx.settings.LOCK_DIR, ctx.data.dbPath), 'srt tags', 5_000, async () => {
        const writer = kyselyFor(openWriter(ctx.data.dbPath));
        try {
          return await replaceRunTags(writer, jobId, tags);
        } finally {
          await writer.destroy();
        }
      });
      if (!found) throw new HttpError(404, 'No such run');
    } catch (err) {
      if (err instanceof LockTimeoutError) throw new HttpError(409, 'Database busy (import or sync running); try again');
      throw err;
    }
    res.json({ job_id: jobId, tags });
  });

  return router;
}
