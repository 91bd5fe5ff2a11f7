/**
 * `/srt` page and its JSON API (SPEC §10.2): srt-slurm runs, Pareto, latency, node metrics, rate
 * match, configuration diff, frontier trend, CSV export and tag editing. Every filter lives in the
 * query string; routes validate and call one query each.
 */
import { Router, type Request } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context';
import { HttpError } from '../http-error';
import { intIn, oneOf, orDefault, parseRequest, text } from '../params';
import { requireAdmin } from '../security';
import { webWrite } from '../services/web-writes';
import { shellWord } from '../view-models';
import {
  NODE_METRICS, diffRuns, frontierTrends, latencyData, listSrtRuns, nodeMetricSeries, paretoData, pointsCsv, rateMatch,
  hasSrtRuns, replaceRunTags, runDetail, srtFilterOptions, summaryFigures, workerMemory, type NodeMetric, type SrtFilters,
  type SrtRunSummary,
} from '../../read/srt';

const TAG_RE = /^[A-Za-z0-9][A-Za-z0-9._:+/-]{0,63}$/;
/** Runs drawn at once when the URL does not pick them. */
const DEFAULT_SHOWN = 12;
const MAX_SELECTED = 50;

const jobId = (name: string) => z.string({ error: `Invalid ${name}` }).regex(/^\d{1,20}$/, { error: `Invalid ${name}` });

/** A list given as repeated parameters and/or comma-separated values: `?tag=a,b&tag=c`. */
function listOf(item: z.ZodType<string, string>, max: number, tooMany: string, invalid: string) {
  return z
    .union([z.string(), z.array(z.string())], { error: invalid })
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== ''))
    .pipe(z.array(item).max(max, { error: tooMany }));
}

const ISL_OSL = { error: 'Invalid isl_osl (expected ISL/OSL, e.g. 1024/1024)' };
const filtersQuery = z.object({
  gpu: text('gpu'),
  topology: text('topology'),
  isl_osl: orDefault(z.string(ISL_OSL).regex(/^\d{1,7}\/\d{1,7}$/, ISL_OSL), null),
  container: text('container'),
  tag: listOf(z.string().regex(TAG_RE, { error: 'Invalid tag' }), 20, 'Invalid tag', 'Invalid tag'),
});
/** `runs` absent: the newest runs are drawn; given: exactly those. */
const runsParam = orDefault(listOf(jobId('run id'), MAX_SELECTED, `Too many runs (at most ${MAX_SELECTED})`, 'Invalid run id'), null);
const yAxis = oneOf(['output', 'total'], 'Invalid y (expected output or total)', 'output');
const CUTOFF = { error: 'Invalid cutoff (expected a TPS/user number)' };
const cutoff = orDefault(z.string(CUTOFF).regex(/^\d{1,9}(\.\d{1,9})?$/, CUTOFF).transform(Number).refine((n) => n <= 1e6, CUTOFF), null);
const shownQuery = filtersQuery.extend({ runs: runsParam });
const chartQuery = shownQuery.extend({ y: yAxis, cutoff });
const trendQuery = filtersQuery.extend({ y: yAxis, cutoff });
const jobParams = z.object({ jobId: jobId('job id') });
const diffQuery = z.object({ a: jobId('run a'), b: jobId('run b') });
const nodesQuery = z.object({
  metric: oneOf(Object.keys(NODE_METRICS) as [NodeMetric, ...NodeMetric[]], 'Invalid metric', 'gen_throughput'),
  view: oneOf(['node', 'rank', 'aggregate'], 'Invalid view (expected node, rank or aggregate)', 'node'),
  bucket: orDefault(intIn('bucket', 1, 3600), 10),
});
const rateMatchQuery = z.object({ bucket: orDefault(intIn('bucket', 1, 3600), 30) });
const TAGS_BODY = { error: 'Body must be {"tags": [..]} with at most 20 tags of letters, digits and ._:+/-' };
const tagsBody = z.object({ tags: z.array(z.string(TAGS_BODY).regex(TAG_RE, TAGS_BODY), TAGS_BODY).max(20, TAGS_BODY) }, TAGS_BODY);

/** The filters of the URL as the read model takes them. */
function srtFilters(q: z.output<typeof filtersQuery>): SrtFilters {
  const [isl, osl] = q.isl_osl === null ? [null, null] : q.isl_osl.split('/').map(Number);
  return { gpu: q.gpu, topology: q.topology, isl, osl, container: q.container, tags: [...new Set(q.tag)] };
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
  async function shown(q: z.output<typeof shownQuery>): Promise<SrtRunSummary[]> {
    return shownRuns(await listSrtRuns(db(), srtFilters(q), q.runs), q.runs);
  }

  router.get('/srt', async (_req, res) => {
    const options = await srtFilterOptions(db());
    const metrics = Object.entries(NODE_METRICS).map(([value, m]) => ({ value, label: m.label }));
    // Nothing ever imported: no empty charts, the empty state names the command that fills them.
    const importCommand = (await hasSrtRuns(db())) ? null : `ci-dash --db ${shellWord(ctx.data.dbPath)} import srt <logs-dir>`;
    res.render('srt', { title: 'Disaggregated serving (srt-slurm)', options, importCommand, bootstrap: JSON.stringify({ options, metrics }) });
  });

  router.get('/api/srt/runs', async (req, res) => {
    const { query } = parseRequest(req, { query: shownQuery });
    const filters = srtFilters(query);
    const all = await listSrtRuns(db(), filters);
    res.json({ filters, summary: summaryFigures(all), shown: shownRuns(all, query.runs).map((r) => r.job_id), runs: all });
  });

  /** The run of the URL's job id, or 404. */
  async function detailOf(req: Request) {
    const detail = await runDetail(db(), parseRequest(req, { params: jobParams }).params.jobId);
    if (!detail) throw new HttpError(404, 'No such run');
    return detail;
  }

  router.get('/api/srt/runs/:jobId', async (req, res) => {
    res.json(await detailOf(req));
  });

  router.get('/api/srt/runs/:jobId/points', async (req, res) => {
    const detail = await detailOf(req);
    res.json({ job_id: detail.run.job_id, label: detail.run.label, status: detail.run.status, points: detail.points });
  });

  router.get('/api/srt/pareto', async (req, res) => {
    const { query } = parseRequest(req, { query: chartQuery });
    res.json(await paretoData(db(), await shown(query), query.y, query.cutoff));
  });

  router.get('/api/srt/latency', async (req, res) => {
    const { query } = parseRequest(req, { query: shownQuery });
    res.json(await latencyData(db(), await shown(query)));
  });

  router.get('/api/srt/points.csv', async (req, res) => {
    const { query } = parseRequest(req, { query: shownQuery });
    const runs = await shown(query);
    res.setHeader('Content-Disposition', 'attachment; filename="srt-points.csv"');
    res.type('text/csv; charset=utf-8').send(await pointsCsv(db(), runs));
  });

  router.get('/api/srt/trend', async (req, res) => {
    const { query } = parseRequest(req, { query: trendQuery });
    const all = await listSrtRuns(db(), srtFilters(query));
    res.json({ trends: await frontierTrends(db(), all, query.y, query.cutoff) });
  });

  router.get('/api/srt/diff', async (req, res) => {
    const { a, b } = parseRequest(req, { query: diffQuery }).query;
    const diff = await diffRuns(db(), a, b);
    if (!diff) throw new HttpError(404, 'No such run');
    res.json(diff);
  });

  router.get('/api/srt/runs/:jobId/nodes', async (req, res) => {
    const { params, query } = parseRequest(req, { params: jobParams, query: nodesQuery });
    const { jobId } = params;
    const { metric, view, bucket } = query;
    const series = await nodeMetricSeries(db(), jobId, metric, view, bucket);
    res.json({ job_id: jobId, metric, label: NODE_METRICS[metric].label, view, bucket_seconds: bucket, series, workers: await workerMemory(db(), jobId) });
  });

  router.get('/api/srt/runs/:jobId/rate-match', async (req, res) => {
    const { params, query } = parseRequest(req, { params: jobParams, query: rateMatchQuery });
    const result = await rateMatch(db(), params.jobId, query.bucket);
    if (!result) throw new HttpError(404, 'No such run');
    res.json(result);
  });

  // Tags live in srt_tags only; the user's run files are never rewritten.
  router.post('/api/srt/runs/:jobId/tags', requireAdmin(ctx.settings.ADMIN_TOKEN, 0), async (req, res) => {
    const { params, body } = parseRequest(req, { params: jobParams, body: tagsBody });
    const { jobId } = params;
    const tags = [...new Set(body.tags)].sort();
    const found = await webWrite(ctx, 'srt tags', (trx) => replaceRunTags(trx, jobId, tags));
    if (!found) throw new HttpError(404, 'No such run');
    res.json({ job_id: jobId, tags });
  });

  return router;
}
