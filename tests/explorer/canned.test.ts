/**
 * Every canned query of queries/ run by name through the explorer API with test parameters, over the
 * real DB rows of the 10 DEV nights (the oracle DB), and its exact answer checked. A new query file
 * fails the first test until it gets a case here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../helpers/server';
import { getUrl, oracleDbInTemp, postJson } from './helpers';

let env: ReturnType<typeof oracleDbInTemp>;
let server: RunningServer;

beforeAll(async () => {
  env = oracleDbInTemp();
  // A long queue wait: the first queries also wait for the pool's children to start on a busy machine.
  server = await startServer({ dbPath: env.dbPath, settings: { EXPLORER_QUEUE_WAIT_MS: 30_000 } });
});
afterAll(async () => {
  await server?.close();
  env?.cleanup();
});

const M10 = 'dell300x-pla-t10-23';
const M12 = 'dell300x-pla-t12-38';
const M35 = 'smci355-ccs-aus-m12-33';
const FAILED = 'Test failed or did not complete';

interface Case {
  params: Record<string, unknown>;
  columns: string[];
  rows: unknown[][];
}

const CASES: Record<string, Case> = {
  'benchmarks-for-hardware': {
    params: { hw: 'mi35x', limit: 5 },
    // `state` is the pages' word (task_states view): the stored `unknown` without a log or runtime reads "not run".
    columns: ['run_date', 'machine_name', 'benchmark_name', 'state', 'gsm8k_pct', 'runtime_minutes', 'error_message'],
    rows: [
      ['20251219', M35, 'DeepSeek DP Attention Test', 'pass', 84.8, null, null],
      ['20251219', M35, 'DeepSeek DP+MTP Test', 'not run', null, null, null],
      ['20251219', M35, 'DeepSeek DP+Torch Compile', 'not run', null, null, null],
      ['20251219', M35, 'DeepSeek MTP Test', 'pass', 94.2, 5, null],
      ['20251219', M35, 'DeepSeek Online Benchmark', 'pass', 94.1, 87, null],
    ],
  },
  // The oracle DB holds the original's tables only: no cause was ever derived for it, so the answer is
  // empty with the query's columns. tests/dashboard/failures.test.ts checks its rows on an ingested DB.
  'failure-causes-last-nights': {
    params: { nights: 3, hw: 'mi35x' },
    columns: ['run_date', 'hardware', 'machine_name', 'task_name', 'category', 'summary', 'file', 'line'],
    rows: [],
  },
  'failures-last-nights': {
    params: { nights: 3 },
    columns: ['hardware', 'benchmark_name', 'nights_failed', 'first_failure', 'last_failure'],
    rows: [
      ['mi30x', 'DeepSeek DP Attention Test', 2, '20251130', '20251213'],
      ['mi30x', 'DeepSeek Online Benchmark', 2, '20251130', '20251213'],
      ['mi30x', 'PD Disaggregation Tests', 2, '20251130', '20251213'],
      ['mi30x', 'DeepSeek Torch Compile Test', 1, '20251213', '20251213'],
      ['mi30x', 'Grok 2 Online Benchmark', 1, '20251213', '20251213'],
      ['mi30x', 'Grok Online Benchmark', 1, '20251213', '20251213'],
      ['mi35x', 'DeepSeek Torch Compile Test', 2, '20251213', '20251219'],
      ['mi35x', 'PD Disaggregation Tests', 2, '20251213', '20251219'],
      ['mi35x', 'Unit Tests', 2, '20251213', '20251219'],
      ['mi35x', 'DeepSeek DP Attention Test', 1, '20251213', '20251213'],
    ],
  },
  failures: {
    params: { limit: 8 },
    columns: ['run_date', 'hardware', 'machine_name', 'benchmark_name', 'runtime_minutes', 'error_message'],
    rows: [
      ['20251219', 'mi35x', M35, 'DeepSeek Torch Compile Test', null, FAILED],
      ['20251219', 'mi35x', M35, 'PD Disaggregation Tests', null, 'Health check failed after 60 attempts'],
      ['20251219', 'mi35x', M35, 'Unit Tests', null, null],
      ['20251213', 'mi30x', M10, 'DeepSeek DP Attention Test', null, FAILED],
      ['20251213', 'mi30x', M12, 'DeepSeek DP Attention Test', null, FAILED],
      ['20251213', 'mi30x', M10, 'DeepSeek Online Benchmark', null, FAILED],
      ['20251213', 'mi30x', M10, 'DeepSeek Torch Compile Test', null, FAILED],
      ['20251213', 'mi30x', M12, 'DeepSeek Torch Compile Test', null, FAILED],
    ],
  },
  'gsm8k-average-by-date': {
    params: { hw: 'mi35x', limit: 6 },
    columns: ['run_date', 'benchmark_name', 'avg_gsm8k_pct', 'results'],
    rows: [
      ['20251219', 'DeepSeek DP Attention Test', 84.8, 1],
      ['20251219', 'DeepSeek MTP Test', 94.2, 1],
      ['20251219', 'DeepSeek Online Benchmark', 94.1, 1],
      ['20251219', 'Grok 2 Online Benchmark', 92.6, 1],
      ['20251219', 'Grok Online Benchmark', 81, 1],
      ['20251213', 'DeepSeek DP Attention Test', 0, 1],
    ],
  },
  'gsm8k-by-model-over-time': {
    params: { hw: 'mi30x', model: 'GROK1-FP8' },
    columns: ['run_date', 'machine_name', 'model_name', 'accuracy_pct', 'status'],
    rows: [
      ['20251026', M10, 'GROK1-FP8', 82.6, 'pass'],
      ['20251130', M10, 'GROK1-FP8', 82.3, 'pass'],
      ['20251213', M10, 'GROK1-FP8', null, 'fail'],
    ],
  },
  'nights-with-missing-tasks': {
    params: { hw: 'mi30x', limit: 3 },
    // One state per task (issue 16.5): the parts add up to the tasks (the stored not_run/unknown_tasks overlap).
    columns: ['run_date', 'machine_name', 'tasks', 'passed', 'failed', 'unknown', 'not_run', 'no_logs', 'not_run_tasks', 'unknown_tasks_list'],
    rows: [
      ['20251217', M10, 9, 1, 0, 0, 8, 0, 'DeepSeek DP Attention Test; DeepSeek DP+Torch Compile; DeepSeek Online Benchmark; DeepSeek Torch Compile Test; Docker Image Check; Grok 2 Online Benchmark; PD Disaggregation Tests; Unit Tests', null],
      ['20251213', M10, 15, 3, 11, 0, 1, 0, 'DeepSeek DP+Torch Compile', null],
      ['20251213', M12, 9, 2, 5, 0, 2, 0, 'DeepSeek DP+Torch Compile; DeepSeek Online Benchmark', null],
    ],
  },
  'recent-runs': {
    params: { limit: 4 },
    columns: ['id', 'run_date', 'hardware', 'machine_name', 'overall_status', 'total_tasks', 'passed_tasks', 'failed_tasks', 'unknown_tasks', 'not_run', 'docker_image', 'run_datetime_pt', 'updated_at'],
    // updated_at is when the oracle DB was built: checked for its shape below, left out here.
    rows: [
      [20, '20251219', 'mi35x', M35, 'failed', 18, 8, 8, 2, 2, 'rocm/sgl-dev:v0.5.6.post2-rocm700-mi35x-20251219', '2025-12-19 01:00 PM PT'],
      [18, '20251217', 'mi30x', M10, 'partial', 9, 1, 0, 4, 5, null, '2025-12-17 09:00 AM PT'],
      [19, '20251217', 'mi35x', M35, 'partial', 11, 3, 0, 5, 6, null, '2025-12-17 08:50 AM PT'],
      [15, '20251213', 'mi30x', M10, 'failed', 15, 3, 11, 1, 1, 'rocm/sgl-dev:v0.5.6.post2-rocm630-mi30x-20251213', '2025-12-13 11:40 AM PT'],
    ],
  },
  'sanity-for-hardware': {
    params: { hw: 'mi35x', limit: 8 },
    columns: ['run_date', 'machine_name', 'model_name', 'status', 'accuracy_pct'],
    rows: [
      ['20251219', M35, 'GPT-OSS-120B', 'pass', 85.2],
      ['20251219', M35, 'GPT-OSS-20B', 'pass', 54.7],
      ['20251219', M35, 'GROK1-FP8', 'fail', null],
      ['20251219', M35, 'GROK1-IN4', 'fail', null],
      ['20251219', M35, 'GROK2.5', 'fail', null],
      ['20251219', M35, 'QWEN-30B', 'fail', null],
      ['20251219', M35, 'llama4', 'fail', null],
      ['20251213', M35, 'GPT-OSS-120B', 'pass', 83.8],
    ],
  },
  'slowest-benchmarks': {
    params: { hw: 'mi30x', limit: 3 },
    columns: ['run_date', 'machine_name', 'benchmark_name', 'status', 'runtime_minutes', 'avg_runtime_minutes'],
    rows: [
      ['20251012', M10, 'DeepSeek Online Benchmark', 'pass', 188, 84],
      ['20250916', M10, 'DeepSeek Torch Compile Test', 'pass', 178, 71],
      ['20251012', M10, 'Grok 2 Online Benchmark', 'pass', 92, 61.2],
    ],
  },
};

describe('every canned query with test parameters', () => {
  it('has a case here for each query the API lists', async () => {
    const list = await getUrl(`${server.url}/api/database/queries`);
    expect(list.status).toBe(200);
    expect(list.body.queries.map((q: { name: string }) => q.name).sort()).toEqual(Object.keys(CASES).sort());
  });

  for (const [name, c] of Object.entries(CASES)) {
    it(`${name} ${JSON.stringify(c.params)}`, async () => {
      const res = await postJson(`${server.url}/api/database/query`, { name, params: c.params });
      expect(res.status, res.text).toBe(200);
      expect(res.body.columns).toEqual(c.columns);
      expect(res.body.row_count).toBe(c.rows.length);
      const rows = name === 'recent-runs' ? res.body.rows.map((r: unknown[]) => r.slice(0, -1)) : res.body.rows;
      expect(rows).toEqual(c.rows);
      if (name === 'recent-runs') for (const r of res.body.rows) expect(r.at(-1)).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    });
  }
});
