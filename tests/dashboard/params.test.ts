/**
 * One parameter layer (dashboard/params.ts, zod schemas per route): a bad value is a 400 JSON on the
 * APIs and a plain-text 404 on pages, and the message names the parameter. The read model answers
 * "no such run" with a result, never an HTTP error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kyselyFor, openReader } from '../../database/connection';
import { findRun, getRunSummary } from '../../read/runs';
import { resolveRun } from '../../read/digest';
import type { RunningServer } from '../helpers/server';
import { serveOracleDb } from './helpers';

let served: Awaited<ReturnType<typeof serveOracleDb>>;
let server: RunningServer;

beforeAll(async () => {
  served = await serveOracleDb('dash-params-');
  server = served.server;
});
afterAll(() => served?.close());

describe('API parameters: 400 JSON naming the parameter', () => {
  const cases: Array<[string, string]> = [
    ['/api/dates/mi30x?limit=0', 'Invalid limit (expected an integer 1..90)'],
    ['/api/test-history/mi30x?days=abc', 'Invalid days (expected an integer 1..90)'],
    ['/api/test-history/mi30x?days=1&days=2', 'Invalid days (expected an integer 1..90)'],
    ['/api/summary/mi30x/20251130?machine=..%2Fx', 'Unknown machine'],
    ['/api/compare', 'Date parameter required'],
    ['/api/compare?date=20250230', 'Invalid date (expected YYYYMMDD)'],
    ['/api/compare-runs?a=mi30x:20251130', 'Parameter b required (hw:YYYYMMDD[:machine])'],
    ['/api/metrics/mi30x?points=1', 'Invalid points (expected 2..90)'],
    ['/api/metrics/mi30x?load=-1', 'Invalid load (expected a non-negative integer)'],
    [`/api/perf?${Array.from({ length: 21 }, (_, i) => `model=m${i}`).join('&')}`, 'Too many model values'],
    ['/api/alerts?kind=nonsense', 'Invalid kind'],
    ['/api/database/overview?range=91', 'Invalid range (expected an integer 1..90)'],
    ['/api/database/query?sql=SELECT%201&format=xml', 'Invalid format (expected csv or json)'],
    ['/api/database/query?sql=SELECT%201&timeout_ms=0', 'Invalid timeout_ms (expected a positive integer of milliseconds)'],
    ['/api/srt/pareto?cutoff=lots', 'Invalid cutoff (expected a TPS/user number)'],
    ['/api/srt/runs?isl_osl=1024', 'Invalid isl_osl (expected ISL/OSL, e.g. 1024/1024)'],
    ['/api/srt/runs/1/nodes?view=3d', 'Invalid view (expected node, rank or aggregate)'],
  ];
  for (const [url, message] of cases) {
    it(url, async () => {
      const res = await fetch(server.url + url);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: message });
    });
  }

  it('a bad explorer params object names the parameter', async () => {
    const post = async (params: unknown) => {
      const res = await fetch(`${server.url}/api/database/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'SELECT :a', params }) });
      return [res.status, ((await res.json()) as { error: string }).error];
    };
    expect(await post({ a: { nested: 1 } })).toEqual([400, 'Parameter a must be a string, a number or null']);
    expect(await post({ '1a': 1 })).toEqual([400, 'Invalid parameter name: 1a']);
    expect(await post('{not json')).toEqual([400, 'params must be a JSON object']);
    expect(await post([1])).toEqual([400, 'params must be an object of named values']);
  });
});

describe('page parameters: plain-text 404', () => {
  const cases: Array<[string, string]> = [
    ['/hardware/mi99x', 'Invalid hardware type'],
    ['/hardware/mi30x?date=2025-13-01', 'Invalid date (expected YYYYMMDD)'],
    ['/hardware/mi30x?machine=never-seen-machine', 'Unknown machine'],
    ['/trends/mi30x?days=91', 'Invalid days (expected an integer 1..90)'],
    ['/perf?metric=bogus', 'Invalid metric (expected one of overall_throughput, output_throughput, input_throughput, latency_ms, ttft_ms, acc_length)'],
    ['/logs/mi30x/2025-11-30/x.log', 'Invalid date (expected YYYYMMDD)'],
  ];
  for (const [url, message] of cases) {
    it(url, async () => {
      const res = await fetch(server.url + url);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe(message);
    });
  }
});

describe('the read model answers a missing run with a reason', () => {
  it('tells an unknown machine from a night without a run', async () => {
    const db = kyselyFor(openReader(served.dbPath));
    try {
      expect(await findRun(db, 'mi30x', '20251213', 'no-such-machine')).toEqual({ ok: false, reason: 'unknown_machine' });
      expect(await findRun(db, 'mi30x', '20251219', 'dell300x-pla-t12-38')).toEqual({ ok: false, reason: 'no_run' });
      expect(await getRunSummary(db, 'ROCm/sglang-ci', 'mi30x', '20250101')).toEqual({ ok: false, reason: 'no_run' });
      const found = await findRun(db, 'mi30x', '20251213', 'dell300x-pla-t12-38');
      expect(found.ok && found.value.run.machine_name).toBe('dell300x-pla-t12-38');
      // The CLI's wording of the same reason.
      expect(await resolveRun(db, 'mi30x', '20251213', 'no-such-machine')).toEqual({ notFound: 'Unknown machine "no-such-machine" for mi30x' });
    } finally {
      await db.destroy();
    }
  });
});
