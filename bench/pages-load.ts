/**
 * Section d (issue 4): pages and API under a bounded local load. The compiled server runs as a child
 * (bench/server-child.ts); autocannon drives it from this process with 50 keep-alive connections for
 * 10 s per route, first over the fixture DB (10 nights × 2 hw), then over the 100× synthetic DB.
 * Like the original's figures, one URL is repeated, so after the first request the response cache
 * answers; the cost of building each answer is reported next to it (sequential, uncached).
 */
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import { benchRow, benchRowAtLeast, median, type BenchRow, type BenchSection } from './report';
import { CLI_BUILT } from './cli-process';
import type { BenchContext } from './run';
import { request, startServer, type ServerChild } from './server-child';
import { ingestFixture } from './synthetic-db';
import { FIXTURE_DATES } from './synthetic-tree';

const CONNECTIONS = 50;
const DURATION_S = 10;
const WARMUP_S = 2;
const MAX_RSS_MB = 300;
const P99_AT_100X_MS = 50;
const UNCACHED_REQUESTS = 21;

/** The original (gunicorn, 2 workers, real 216-run DB, 50 connections, 8 s) on this machine. */
const ORIGINAL = {
  hardware: { rps: 2400, p99: 28 },
  summary: { rps: 3900, p99: 18 },
  stats: { rps: 1600, p99: 71 },
  compare: { rps: 340, p99: 187 },
} as const;

interface Route {
  name: string;
  path: string;
  original?: { rps: number; p99: number };
}

/** Both DBs end on the fixture's newest night; the compares use it and the night before. */
function routes(): Route[] {
  const newest = FIXTURE_DATES[FIXTURE_DATES.length - 1];
  const previous = FIXTURE_DATES[FIXTURE_DATES.length - 2];
  return [
    // The original's home page was not measured: no throughput reference.
    { name: 'home', path: '/' },
    { name: 'hardware page', path: '/hardware/mi30x', original: ORIGINAL.hardware },
    { name: 'api summary', path: `/api/summary/mi30x/${newest}`, original: ORIGINAL.summary },
    { name: 'api database stats', path: '/api/database/stats', original: ORIGINAL.stats },
    // The original's /api/compare (one night, both hardware), and the run-vs-run compare of two nights.
    { name: 'api compare', path: `/api/compare?date=${newest}`, original: ORIGINAL.compare },
    { name: 'api compare-runs', path: `/api/compare-runs?a=mi30x:${previous}&b=mi30x:${newest}`, original: ORIGINAL.compare },
  ];
}

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function load(url: string, seconds: number): Promise<LoadResult> {
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, requests: r.requests.total, non2xx: r.non2xx, errors: r.errors + r.timeouts };
}

/**
 * Median time of a request the response cache cannot answer (a query parameter the route ignores
 * makes every URL new): what a page or API costs to build, sequentially, without load.
 */
async function uncachedMs(agent: http.Agent, url: string): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < UNCACHED_REQUESTS; i++) {
    const t0 = process.hrtime.bigint();
    const res = await request(agent, `${url}${url.includes('?') ? '&' : '?'}bench_uncached=${i}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (res.status !== 200 || res.body.length === 0) throw new Error(`${url} uncached answered ${res.status}`);
  }
  return median(times);
}

async function measure(server: ServerChild, label: string, fixtureTargets: boolean): Promise<{ rows: BenchRow[]; data: Record<string, unknown> }> {
  const rows: BenchRow[] = [];
  const data: Record<string, unknown> = {};
  const agent = new http.Agent({ keepAlive: true });
  for (const route of routes()) {
    const url = server.origin + route.path;
    // A route that does not answer 200 would be measured as a fast error page.
    const probe = await request(agent, url);
    if (probe.status !== 200) throw new Error(`${route.path} answered ${probe.status}: ${probe.body.slice(0, 200)}`);
    await load(url, WARMUP_S); // JIT, response cache and SQLite page cache warm, as in the original's figures
    const r = await load(url, DURATION_S);
    const uncached = await uncachedMs(agent, url);
    data[route.path] = { ...r, uncachedMedianMs: uncached };
    const failures = r.non2xx + r.errors > 0 ? `, ${r.non2xx} non-2xx, ${r.errors} errors` : '';
    const metric = `${route.name} ${route.path}`;
    const rpsRow = fixtureTargets && route.original
      ? benchRowAtLeast(label, `${metric} req/s (2× original ${route.original.rps})${failures}`, r.rps, 'req/s', 2 * route.original.rps)
      : benchRow(label, `${metric} req/s${failures}`, r.rps, 'req/s');
    if (failures) rpsRow.ok = false;
    rows.push(rpsRow);
    const p99Target = fixtureTargets ? route.original?.p99 : P99_AT_100X_MS;
    rows.push(benchRow(label, `${metric} p99 (p50 ${r.p50} ms; uncached, no load: ${uncached.toFixed(1)} ms)`, r.p99, 'ms', p99Target));
  }
  agent.destroy();
  const rss = server.peakRssMb();
  if (rss !== null) rows.push(benchRow(label, 'server peak RSS (VmHWM)', rss, 'MB', MAX_RSS_MB));
  data.peakRssMb = rss;
  return { rows, data };
}

async function underLoad(dbPath: string, label: string, fixtureTargets: boolean): Promise<{ rows: BenchRow[]; data: Record<string, unknown> }> {
  const server = await startServer(dbPath);
  try {
    return await measure(server, label, fixtureTargets);
  } finally {
    await server.stop();
  }
}

export async function benchPagesUnderLoad(ctx: BenchContext): Promise<BenchSection> {
  const title = `d load ${CONNECTIONS} conn × ${DURATION_S} s`;
  if (!CLI_BUILT) return { rows: [benchRow(title, 'pages and API under load', 'skipped: run `npm run build` first', '')], data: null };
  const fixtureDb = path.join(ctx.work, 'd-fixture.db');
  await ingestFixture(ctx.fixture, fixtureDb);
  const fixture = await underLoad(fixtureDb, `${title}, fixture DB`, true);
  const synthetic = await underLoad(await ctx.syntheticDb(), `${title}, 100× DB`, false);
  return { rows: [...fixture.rows, ...synthetic.rows], data: { fixture: fixture.data, synthetic: synthetic.data } };
}
